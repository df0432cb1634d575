from __future__ import annotations

from argparse import ArgumentParser
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from northline.core import health


class Command(BaseCommand):
    help = (
        "Check the configuration and the database: Django's system checks, the data directory, "
        "the connection, pending migrations, SQLite's pragmas and the task queue. "
        "Exits with status 1 when a check fails."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--deploy", action="store_true", help="also run Django's deployment checks"
        )

    def handle(self, *args: Any, deploy: bool = False, **options: Any) -> None:
        self.check(include_deployment_checks=deploy, display_num_errors=False)
        results = health.run_checks()
        table = Table("check", "result", "detail")
        for result in results:
            mark = {"ok": "[green]ok", "warn": "[yellow]warning", "fail": "[red]FAILED"}[
                result.level
            ]
            table.add_row(result.name, mark, result.detail)
        Console(file=cast(IO[str], self.stdout), width=120).print(table)
        if any(result.level == "fail" for result in results):
            raise CommandError("some checks failed")
