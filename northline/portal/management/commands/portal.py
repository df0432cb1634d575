"""`northline portal cleanup`: housekeeping of the customer portals from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ...services.signin import purge_expired


class Command(BaseCommand):
    help = (
        "Housekeeping of the customer portals. `portal cleanup` deletes expired portal sessions "
        "and sign-in links of every workspace (the first sign-in request of each hour also "
        "queues it for the worker); run it from cron or a systemd timer, e.g. hourly."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("cleanup", help="delete expired portal sessions and sign-in links")

    def handle(self, *args: Any, **options: Any) -> None:
        sessions, links = purge_expired()
        self.stdout.write(f"Deleted {sessions} expired portal sessions and {links} sign-in links.")
