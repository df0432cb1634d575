from __future__ import annotations

import getpass
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from northline.accounts import services
from northline.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user who logs in with e-mail and password, optionally with a workspace."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True, help="the login e-mail address")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of prompting",
        )
        parser.add_argument(
            "--workspace", default="", help="also create a workspace of this name, owned by them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self.read_password(options["password_stdin"])
        try:
            user = services.sign_up(options["email"], password, options["name"])
            if options["workspace"]:
                workspace = services.create_workspace(user, options["workspace"])
                self.stdout.write(f"Workspace {workspace.name!r} at /w/{workspace.slug}/")
        except DomainError as error:
            raise CommandError("; ".join(error.errors or [error.message])) from None
        self.stdout.write(f"Created user {user.email}")

    def read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty():
            raise CommandError("no terminal to prompt for a password: use --password-stdin")
        first, second = getpass.getpass("Password: "), getpass.getpass("Again: ")
        if first != second:
            raise CommandError("password: the two entries differ")
        return first
