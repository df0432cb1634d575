"""`northline metrics refresh`: run the SQL sources that are due (or named), once or in a loop."""

from __future__ import annotations

import time
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from ...models import SqlSource
from ...services import sql_sources


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order; the description kept as written."""


class Command(BaseCommand):
    help = """Refresh the KPIs fed by SQL sources.

  metrics refresh             run every enabled source that is due, then exit (for cron)
  metrics refresh --loop 60   keep running the due sources, checking every 60 seconds
  metrics refresh --source 3  run source 3 now, due or not

A failing source is tried again after 1, 2, 4 … minutes (at most 6 hours) and each failure is
reported in the workspace's activity feed. Exits with status 1 when a run failed (without --loop)."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="run the due SQL sources")
        refresh.add_argument("--source", type=int, action="append", help="a source id (repeatable)")
        refresh.add_argument(
            "--loop", type=float, metavar="SECONDS", help="keep running, checking this often"
        )
        parser.formatter_class = _HelpFormatter
        parser.epilog = refresh.format_help()

    def handle(self, *args: Any, **options: Any) -> None:
        if options["loop"]:
            while True:
                self.run_once(options["source"])
                time.sleep(options["loop"])
        if self.run_once(options["source"]):
            raise CommandError("some refreshes failed; they will be retried")

    def run_once(self, ids: list[int] | None) -> int:
        if ids:
            found = {
                s.pk: s
                for s in SqlSource.objects.filter(pk__in=ids).select_related("kpi", "workspace")
            }
            missing = sorted(set(ids) - set(found))
            if missing:
                raise CommandError(f"--source: no SQL source {', '.join(map(str, missing))}")
            runs = [sql_sources.refresh(found[i]) for i in ids]
        else:
            runs = sql_sources.refresh_due()
        for run in runs:
            source = run.source
            line = f"{source.workspace.slug}/{source.kpi.key}: {run.status}, {run.rows_read} rows, {run.points_stored} points, {run.duration_ms} ms"
            if run.error:
                line += f"; {run.error}; next try {run.next_run_at:%Y-%m-%d %H:%M}"
            self.stdout.write(line)
        if not runs:
            self.stdout.write("No SQL source is due.")
        return sum(run.status == run.Status.FAILED for run in runs)
