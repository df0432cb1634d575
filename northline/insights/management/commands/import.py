"""`northline import feedback|customers|companies FILE`: file imports from the command line."""

from __future__ import annotations

import re
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from northline.accounts.models import Membership
from northline.core.access import Access, Actor, load
from northline.core.errors import DomainError, Invalid
from northline.core.roles import Role

from ...services import bulk, imports
from ...services import customers as people
from ...services.mapping import TARGETS, parse_mapping
from ...services.presets import PRESETS
from ...services.tables import ENCODINGS, kind_of, open_table


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order; the description kept as written."""


class Command(BaseCommand):
    help = """Import a file into a workspace.

  import feedback    CSV, XLSX, .eml or .mbox as feedback, through a column mapping
  import customers   CSV or XLSX with columns name, email, external_id, company, company_domain
  import companies   CSV or XLSX with columns name, domain, segment, plan, revenue, external_id

Feedback imports check the whole file first and write nothing if a row is wrong; then they
write in batches and can be resumed (run the same command again). Importing a file again
creates nothing twice. Customers and companies are imported all or nothing. The command acts
as the workspace's first owner.

  northline import feedback FILE --workspace SLUG [--map text=Body,title=Summary,...]
      [--preset jira|zendesk|google-play|app-store|github|email] [--date-format FORMAT]
      [--encoding auto|utf-8|utf-16|cp1252] [--source SOURCE] [--skip-empty] [--dry-run]

See `northline import feedback --help` for each option."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        return super().create_parser(prog_name, subcommand, formatter_class=_HelpFormatter)

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        fb = kinds.add_parser("feedback", help="feedback from CSV, XLSX, .eml or .mbox")
        fb.add_argument("file", type=Path)
        fb.add_argument("--workspace", required=True, metavar="SLUG", help="workspace slug")
        fb.add_argument(
            "--map", default="", metavar="FIELD=COLUMN,...",
            help="e.g. text=Body,title=Summary,tags=Labels (A|B: first non-empty; fields: "
            + ", ".join(TARGETS) + ")",
        )  # fmt: skip
        fb.add_argument("--preset", choices=list(PRESETS), help="a ready-made mapping")
        fb.add_argument("--date-format", help="auto (ISO 8601) or a strptime format: %%d/%%m/%%Y")
        fb.add_argument("--encoding", choices=list(ENCODINGS), help="default: auto")
        fb.add_argument("--source", help="the channel of the rows (default: import)")
        fb.add_argument("--skip-empty", action="store_true", help="skip rows without text")
        fb.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        for name in ("customers", "companies"):
            sub = kinds.add_parser(name, help=f"{name}, all or nothing")
            sub.add_argument("file", type=Path)
            sub.add_argument("--workspace", required=True, metavar="SLUG", help="workspace slug")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        access = self._access(options["workspace"])
        try:
            if options["kind"] == "feedback":
                self._feedback(access, path, options)
            else:
                self._records(access, path, options["kind"])
        except DomainError as error:
            raise CommandError("\n".join(error.errors or [error.message])) from None

    def _access(self, slug: str) -> Access:
        """The workspace as its first owner sees it."""
        owner = (
            Membership.objects.filter(workspace__slug=slug, role=Role.OWNER, user__is_active=True)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        if owner is None:
            raise CommandError(f"--workspace: no workspace {slug!r}")
        return load(Actor(owner.user), slug, Role.OWNER)

    def _feedback(self, access: Access, path: Path, options: dict[str, Any]) -> None:
        job = self._resumable(access, path)
        if job is None:
            with path.open("rb") as handle:
                job = imports.create_import(
                    access, path.name, handle, preset_name=options["preset"] or ""
                )
            mapping = parse_mapping(options["map"]) if options["map"] else None
            imports.configure(
                access, job, mapping=job.mapping | mapping if mapping else None,
                date_format=options["date_format"], source=options["source"],
                encoding=options["encoding"], skip_empty=options["skip_empty"] or None,
            )  # fmt: skip
        console = Console(stderr=True)
        columns = (
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
            TimeElapsedColumn(),
        )  # fmt: skip
        with Progress(*columns, console=console, transient=False) as progress:
            bar = progress.add_task(job.file_name, total=100)

            def report(percent: int, message: str) -> None:
                progress.update(bar, completed=percent, description=message)

            job = imports.execute(access, job, write=not options["dry_run"], report=report)
            progress.update(bar, completed=100)
        for note in job.notes[:20]:
            self.stdout.write(f"note: {note}")
        if job.errors:
            raise CommandError("\n".join(job.errors))
        verbs = ("would create", "would update") if options["dry_run"] else ("created", "updated")
        self.stdout.write(
            f"{job.rows_total} rows: {verbs[0]} {job.created_count}, {verbs[1]} "
            f"{job.updated_count}, unchanged {job.unchanged_count}, skipped {job.skipped_count}"
        )

    def _resumable(self, access: Access, path: Path) -> Any:
        """An earlier import of this very file that stopped part-way, to resume."""
        digest = imports.file_digest(path)
        for job in imports.imports(access):
            if job.sha256 == digest and imports.resumable(job):
                self.stderr.write(f"resuming import {job.pk} after row {job.rows_done}")
                return job
        return None

    def _records(self, access: Access, path: Path, kind: str) -> None:
        table = open_table(path, kind_of(path.name))
        items: list[dict[str, Any]] = []
        numbers: list[int] = []
        for number, cells in table.rows:
            item = {name: str(cell) for name, cell in zip(table.header, cells, strict=True)}
            items.append(_record(item) if kind == "customers" else item)
            numbers.append(number)
        if not items:
            raise Invalid("file: has no rows after the header")
        run = people.import_customers if kind == "customers" else people.import_companies
        created = updated = 0
        with transaction.atomic():
            for start in range(0, len(items), bulk.MAX_ITEMS):
                try:
                    result = run(access, items[start : start + bulk.MAX_ITEMS])
                except DomainError as error:
                    raise type(error)(*_rows_named(error, numbers[start:])) from None
                created, updated = created + result.created, updated + result.updated
        self.stdout.write(f"{len(items)} rows: created {created}, updated {updated}")


def _record(item: dict[str, Any]) -> dict[str, Any]:
    """A customer row: "company" and "company_domain" columns make the company reference."""
    company = {"name": item.pop("company", ""), "domain": item.pop("company_domain", "")}
    company = {k: v for k, v in company.items() if v}
    return item | ({"company": company} if company else {})


def _rows_named(error: DomainError, numbers: list[int]) -> list[str]:
    """ "items[3].email: ..." → "row 5: email: ..." for the file's own row numbers."""

    def named(found: re.Match[str]) -> str:
        return f"row {numbers[int(found.group(1))]}: "

    return [re.sub(r"^items\[(\d+)\][.:]\s?", named, m) for m in error.errors or [error.message]]
