from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from northline import demo


class Command(BaseCommand):
    help = "Load the demo workspace (Acme Analytics) if it is missing, or --reset it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo workspace and its people first"
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        if reset:
            demo.remove_demo()
        existed = demo.demo_exists()
        login = demo.load_demo()
        state = "already there" if existed else "loaded"
        self.stdout.write(
            f"Demo workspace {login.workspace.name!r} {state}: "
            f"log in as {login.email} / {login.password}"
        )
