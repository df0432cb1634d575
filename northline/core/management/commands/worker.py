from __future__ import annotations

import logging
from typing import Any

from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker
from django_tasks_db.utils import is_locked_database_exception

logger = logging.getLogger(__name__)
LOCK_WAIT_MS = 300_000  # how long a task waits for SQLite's write lock (web requests: 20 s)


def wait_for_the_lock(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """A task has no user waiting for it: on SQLite it waits for the write lock up to
    `LOCK_WAIT_MS` (an import writing a batch of 20,000 rows on a loaded machine holds it for
    longer than a web request's 20 s), instead of failing with "database is locked"."""
    _busy_timeout(connection, LOCK_WAIT_MS)


def _busy_timeout(connection: BaseDatabaseWrapper, milliseconds: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")


def _open() -> list[BaseDatabaseWrapper]:
    return [c for c in connections.all(initialized_only=True) if c.connection is not None]


class Command(DatabaseWorker):
    help = (
        "Run background tasks (imports, exports, processing) from the database queue. "
        "Run one or more next to the web server; each takes one task at a time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        """The worker, with its connections waiting longer for SQLite's write lock, and
        claiming again when the database stayed locked even so: django-tasks-db ignores a
        lock while it looks for a task but not while it begins the claiming transaction, and
        the worker stopped with the queue still full."""
        connection_created.connect(wait_for_the_lock)
        for open_connection in _open():
            wait_for_the_lock(None, open_connection)
        try:
            while True:
                try:
                    return super().handle(*args, **options)
                except OperationalError as error:
                    if not is_locked_database_exception(error):
                        raise
                    logger.warning("worker: the database stayed locked (%s); claiming again", error)
                    connections.close_all()
        finally:
            connection_created.disconnect(wait_for_the_lock)
            for open_connection in _open():  # an in-memory database (tests) stays open
                timeout = open_connection.settings_dict["OPTIONS"].get("timeout", 5)
                _busy_timeout(open_connection, timeout * 1000)
