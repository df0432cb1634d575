"""The `northline` commands, run as a user runs them: through the real entry point."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from northline import demo
from northline.accounts import services
from northline.accounts.models import Membership, User, Workspace
from northline.core.models import TaskProgress
from tests.conftest import Team

COMMANDS = ["serve", "worker", "createuser", "demo", "backup", "restore", "check", "eval"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "northline.cli", command, "--help"],
        capture_output=True, text=True, check=False, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"usage: northline {command}" in done.stdout


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    original = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out)
    finally:
        sys.stdin = original
    return out.getvalue()


@pytest.mark.django_db
def test_createuser_with_a_workspace() -> None:
    output = run("createuser", "--email", "Ann@Example.com", "--name", "Ann", "--workspace", "Ann's team",
                 "--password-stdin", stdin="a long enough password\n")  # fmt: skip
    assert "Created user ann@example.com" in output and "/w/anns-team/" in output
    user = User.objects.get(email="ann@example.com")
    assert user.check_password("a long enough password")
    assert Membership.objects.get(user=user).role == "owner"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", "a long enough password", "email: must not be empty"),
        ("x@example.com", "short", "password: This password is too short. It must contain at least 8 characters."),
    ],
)  # fmt: skip
def test_createuser_refuses_bad_input(email: str, password: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        run("createuser", "--email", email, "--password-stdin", stdin=password + "\n")
    assert message in str(raised.value)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_loads_once_and_resets() -> None:
    assert "loaded: log in as demo@northline.local / northline-demo" in run("demo")
    assert "already there" in run("demo")
    workspace = Workspace.objects.get(slug=demo.DEMO_SLUG)
    assert workspace.memberships.count() == 4
    services.rename_workspace(services_access(workspace), "Changed")
    run("demo", "--reset")
    assert Workspace.objects.get(slug=demo.DEMO_SLUG).name == "Acme Analytics"


def services_access(workspace: Workspace):  # type: ignore[no-untyped-def]
    from northline.core.access import Actor, load

    owner = User.objects.get(email=demo.DEMO_PEOPLE[0][0])
    return load(Actor(owner), workspace.slug)


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_back_the_same_data(team: Team, tmp_path: Path) -> None:
    if connection.vendor == "postgresql" and not shutil_which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    file = tmp_path / "northline.backup"
    assert "Backed up the" in run("backup", str(file))
    before = snapshot()
    services.rename_workspace(team.access("owner"), "Changed after backup")
    services.create_workspace(team.owner, "Created after backup")
    assert snapshot() != before
    assert "Restored the" in run("restore", str(file), "--yes")
    assert snapshot() == before


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def snapshot() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = list(
        Workspace.objects.order_by("pk").values_list("pk", "name", "slug")
    )
    rows += list(Membership.objects.order_by("pk").values_list("pk", "user__email", "role"))
    return rows


@pytest.mark.django_db
def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    file = tmp_path / "exists.backup"
    file.write_text("keep me")
    with pytest.raises(CommandError, match="pass --force to overwrite it"):
        run("backup", str(file))
    assert file.read_text() == "keep me"


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    file = tmp_path / "garbage.backup"
    file.write_bytes(b"this is not a database")
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="is not a Northline SQLite backup"):
            run("restore", str(file), "--yes")
    with pytest.raises(CommandError, match="does not exist"):
        run("restore", str(tmp_path / "missing"), "--yes")


@pytest.mark.django_db
def test_check_reports_each_check() -> None:
    output = run("check")
    for name in ("data directory", "database", "migrations", "task queue"):
        assert name in output
    assert "FAILED" not in output


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_queued_export_and_records_progress(team: Team) -> None:
    progress = services.start_export(team.access("admin"))
    assert TaskProgress.objects.get(pk=progress.pk).status == "queued"
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    progress.refresh_from_db()
    assert (progress.status, progress.percent) == ("succeeded", 100)
    client = team.client("admin")
    page = client.get(f"/w/{team.workspace.slug}/tasks/{progress.pk}/")
    assert progress.result["url"].encode() in page.content
    download = client.get(progress.result["url"])
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert b'"format": "northline-export/1"' in body and b"viewer@example.com" in body
    assert team.client("editor").get(progress.result["url"]).status_code == 403
