from __future__ import annotations

import logging
from typing import Any

from django.db import OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger(__name__)


class Command(DatabaseWorker):
    help = (
        "Run background tasks (imports, exports, processing) from the database queue. "
        "Run one or more next to the web server; each takes one task at a time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """The worker, claiming again when the database stayed locked past the busy timeout.

        django-tasks-db ignores a lock while it looks for a task but not while it begins the
        claiming transaction: on SQLite an import writing a batch of 20,000 rows on a loaded
        machine holds the write lock longer than the 20 s timeout, and the worker stopped
        with "database is locked", leaving the import's processing queued."""
        while True:
            try:
                return super().handle(*args, **options)
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                logger.warning("worker: the database stayed locked (%s); claiming again", error)
                connections.close_all()
