from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from northline import demo


class Command(BaseCommand):
    help = (
        "Migrate the database, load the demo workspace into an empty one, then serve Northline "
        "with gunicorn (WSGI workers, static files by WhiteNoise) and one task worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument(
            "--workers", type=int, default=min(2 * (os.cpu_count() or 1) + 1, 8),
            help="web worker processes (default 2 x cores + 1, at most 8)",
        )  # fmt: skip
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")
        parser.add_argument("--no-demo", action="store_true", help="never load the demo workspace")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        if not options["no_demo"] and not get_user_model().objects.exists():
            login = demo.load_demo()
            self.stdout.write(
                f"Loaded the demo workspace: log in as {login.email} / {login.password}"
            )
        elif demo.demo_exists():
            self.stdout.write(f"Demo login: {demo.DEMO_PEOPLE[0][0]} / {demo.DEMO_PASSWORD}")
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"Northline is running at {url}  (Ctrl+C to stop)"))
        self.run_processes(self.commands(options))

    def commands(self, options: dict[str, Any]) -> list[list[str]]:
        web = [
            sys.executable, "-m", "gunicorn", "northline.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["workers"]), "--access-logfile", "-",
            "--graceful-timeout", "10", "--no-control-socket",
        ]  # fmt: skip
        if options["no_worker"]:
            return [web]
        return [web, [sys.executable, "-m", "northline.cli", "worker", "--verbosity", "1"]]

    def run_processes(self, commands: list[list[str]]) -> None:
        """Run the web server and the worker; when one stops (or on Ctrl+C), stop the others."""
        processes = [subprocess.Popen(command) for command in commands]  # noqa: S603

        def stop(*_: object) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        stop()
        for process in processes:
            process.wait(timeout=30)
