from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from northline.core import backup


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup made by `northline backup`. "
        "Everything written since that backup is lost."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="a file written by `northline backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, file: Path, yes: bool = False, **options: Any) -> None:
        if not yes:
            answer = input(f"Replace the {backup.vendor()} database with {file}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("restore cancelled")
        try:
            backup.restore(file)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored the {backup.vendor()} database from {file}")
