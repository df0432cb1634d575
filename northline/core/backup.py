"""Backup and restore of the whole database: SQLite's online backup API, or pg_dump/pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

PG_TIMEOUT = 3600


class BackupError(Exception):
    pass


def vendor() -> str:
    return "SQLite" if connection.vendor == "sqlite" else "PostgreSQL"


def backup(file: Path) -> int:
    """Write a consistent copy of the live database to `file`; returns its size in bytes."""
    file.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        target = sqlite3.connect(file)
        try:
            sqlite_connection().backup(target)
        finally:
            target.close()
    else:
        run_pg(["pg_dump", "--format=custom", "--no-owner", f"--file={file}"])
    return file.stat().st_size


def restore(file: Path) -> None:
    if not file.is_file():
        raise BackupError(f"file: {str(file)!r} does not exist")
    if connection.vendor == "sqlite":
        source = open_sqlite_backup(file)
        try:
            source.backup(sqlite_connection())
        finally:
            source.close()
    else:
        run_pg(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                str(file),
            ]
        )
    connection.close()


def sqlite_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def open_sqlite_backup(file: Path) -> sqlite3.Connection:
    source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        source.execute("SELECT 1 FROM django_migrations LIMIT 1")
    except sqlite3.DatabaseError:
        source.close()
        raise BackupError(f"file: {str(file)!r} is not a Northline SQLite backup") from None
    return source


def run_pg(command: list[str]) -> None:
    settings = connection.settings_dict
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools")
    env = {
        **os.environ,
        "PGHOST": str(settings.get("HOST") or ""),
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": str(settings.get("USER") or ""),
        "PGPASSWORD": str(settings.get("PASSWORD") or ""),
        "PGDATABASE": str(settings["NAME"]),
    }
    if command[0] == "pg_restore":
        command = [*command[:-1], f"--dbname={settings['NAME']}", command[-1]]
    connection.close()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")
