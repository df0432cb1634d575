from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from northline.core import backup


class Command(BaseCommand):
    help = (
        "Copy the database to FILE while Northline runs: SQLite's online backup, "
        "or pg_dump's custom format for PostgreSQL."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="where to write the backup")
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    def handle(self, *args: Any, file: Path, force: bool = False, **options: Any) -> None:
        if file.exists() and not force:
            raise CommandError(f"file: {str(file)!r} exists; pass --force to overwrite it")
        try:
            size = backup.backup(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up the {backup.vendor()} database to {file} ({size:,} bytes)")
