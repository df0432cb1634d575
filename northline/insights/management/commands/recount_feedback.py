"""`northline recount_feedback [--workspace SLUG]`: rebuild the inbox's feedback tally."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from northline.accounts.models import Workspace

from ...services import tally


class Command(BaseCommand):
    help = (
        "Count every workspace's feedback again (or one workspace's) and correct the tally "
        "that the inbox's tab counts read. The database keeps the tally itself; this repairs "
        "it after the feedback table was changed with its triggers off."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--workspace", metavar="SLUG", help="only this workspace")

    def handle(self, *args: Any, workspace: str | None = None, **options: Any) -> None:
        rows = Workspace.objects.order_by("slug")
        if workspace is not None:
            rows = rows.filter(slug=workspace)
            if not rows.exists():
                raise CommandError(f"workspace: no workspace {workspace!r}")
        for each in rows:
            result = tally.recount(each)
            self.stdout.write(f"{each.slug}: {result.keys} counts, {result.fixed} corrected")
