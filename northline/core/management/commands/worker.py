from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = (
        "Run background tasks (imports, exports, processing) from the database queue. "
        "Run one or more next to the web server; each takes one task at a time."
    )
