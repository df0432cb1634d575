"""Run a KPI's SQL query against a database named by URL, read-only and with a timeout, and read
its rows as (time, value[, dimension]). No Django here: the service stores what comes back.

Read-only twice over: the statement must be one SELECT (or WITH … SELECT, VALUES) with no
writing keyword outside string literals, and the connection itself cannot write — SQLite is
opened with mode=ro, a DuckDB file with read_only=True, PostgreSQL with
default_transaction_read_only, and every transaction is rolled back. The timeout interrupts
the running statement from a timer thread (sqlite3 and DuckDB `interrupt()`, a driver's
`cancel()`), and PostgreSQL also gets a statement_timeout.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

MAX_ROWS = 200_000
_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_FIRST = re.compile(r"^\s*\(*\s*(select|with|values)\b", re.IGNORECASE)
_WRITES = re.compile(
    r"\b(insert|update|delete|merge|upsert|create|drop|alter|truncate|grant|revoke|attach|"
    r"detach|copy|pragma|vacuum|call|exec|execute|install|load|export|import|lock|reindex|"
    r"begin|commit|rollback|savepoint|into|set)\b",
    re.IGNORECASE,
)


class SourceError(Exception):
    """What went wrong, in words for the refresh log ("timeout: the query ran over 5 s")."""


@dataclass(frozen=True)
class Fetched:
    rows: list[tuple[date, float, str | None]]
    rows_read: int
    columns: list[str]
    seconds: float


def check_statement(sql: str) -> str:
    """The statement without a trailing semicolon, or SourceError if it could write."""
    bare = _COMMENTS.sub(" ", _STRINGS.sub("''", sql)).strip().rstrip(";").strip()
    if not bare:
        raise SourceError("query: must not be empty")
    if ";" in bare:
        raise SourceError("query: only one statement is allowed (found ';' inside)")
    if not _FIRST.match(bare):
        word = bare.split()[0].upper()
        raise SourceError(f"query: must be a SELECT (read-only); it starts with {word}")
    found = _WRITES.search(bare)
    if found:
        raise SourceError(f"query: read-only; {found.group(1).upper()} is not allowed")
    return sql.strip().rstrip(";").strip()


def duckdb_path(url: str) -> str | None:
    """The file of a duckdb:///path URL, or None for any other URL."""
    if not url.lower().startswith("duckdb:///"):
        return None
    return unquote(url[len("duckdb:///") :].split("?")[0]) or None


def run(url: str, sql: str, *, timeout: float, max_rows: int = MAX_ROWS) -> Fetched:
    """The query's rows, checked; SourceError for a bad URL, statement, timeout, failure or
    wrong columns."""
    statement = check_statement(sql)
    started = time.monotonic()
    path = duckdb_path(url)
    with _duckdb(path) if path else _sqlalchemy(url, timeout) as (execute, interrupt):
        timer = threading.Timer(timeout, interrupt)
        timer.start()
        try:
            columns, raw = execute(statement, max_rows + 1)
        except Exception as error:
            if time.monotonic() - started >= timeout:
                raise SourceError(
                    f"timeout: the query ran over {timeout:g} s and was stopped"
                ) from None
            raise SourceError(f"query failed: {_first_line(error)}") from None
        finally:
            timer.cancel()
    if len(raw) > max_rows:
        raise SourceError(
            f"rows: the query returned more than {max_rows} rows; aggregate it further"
        )
    return Fetched(shaped(columns, raw), len(raw), columns, time.monotonic() - started)


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


Execute = Callable[[str, int], tuple[list[str], list[Sequence[Any]]]]


@contextmanager
def _duckdb(path: str) -> Iterator[tuple[Execute, Callable[[], None]]]:
    import duckdb

    try:
        connection = duckdb.connect(path, read_only=True)
    except Exception as error:
        raise SourceError(
            f"url: cannot open the DuckDB file {path!r} ({_first_line(error)})"
        ) from None

    def execute(statement: str, limit: int) -> tuple[list[str], list[Sequence[Any]]]:
        cursor = connection.execute(statement)
        columns = [d[0] for d in cursor.description or []]
        rows: list[Sequence[Any]] = list(cursor.fetchmany(limit))
        return columns, rows

    try:
        yield execute, connection.interrupt
    finally:
        connection.close()


@contextmanager
def _sqlalchemy(url: str, timeout: float) -> Iterator[tuple[Execute, Callable[[], None]]]:
    import sqlalchemy
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SourceError(
            "url: not a database URL like postgresql://user@host/db or duckdb:///file.duckdb"
        ) from None
    options: dict[str, Any] = {"poolclass": sqlalchemy.pool.NullPool}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:":
            raise SourceError("url: name a SQLite file, like sqlite:////data/app.db")
        options["creator"] = lambda: sqlite3.connect(
            f"file:{database}?mode=ro", uri=True, check_same_thread=False
        )
    elif backend == "postgresql":
        millis = int(timeout * 1000)
        options["connect_args"] = {
            "options": f"-c default_transaction_read_only=on -c statement_timeout={millis}"
        }
    try:
        engine = sqlalchemy.create_engine(parsed, **options)
        connection = engine.connect()
    except (NoSuchModuleError, ModuleNotFoundError):
        raise SourceError(f"url: no driver installed for {backend!r}") from None
    except Exception as error:
        raise SourceError(f"url: cannot connect ({_first_line(error)})") from None
    raw = connection.connection.dbapi_connection

    def interrupt() -> None:
        stop = getattr(raw, "interrupt", None) or getattr(raw, "cancel", None)
        if stop is not None:
            stop()

    def execute(statement: str, limit: int) -> tuple[list[str], list[Sequence[Any]]]:
        if backend in ("mysql", "mariadb"):
            connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        result = connection.exec_driver_sql(statement)
        rows: list[Sequence[Any]] = [tuple(r) for r in result.fetchmany(limit)]
        return list(result.keys()), rows

    try:
        yield execute, interrupt
    finally:
        try:
            connection.rollback()
        finally:
            connection.close()
            engine.dispose()


def shaped(columns: list[str], raw: list[Sequence[Any]]) -> list[tuple[date, float, str | None]]:
    """(time, value[, dimension]) rows checked; the first bad row named (row 1 is the first)."""
    if len(columns) not in (2, 3):
        shown = ", ".join(columns) or "none"
        raise SourceError(
            f"columns: expected (time, value) or (time, value, dimension), got {len(columns)}: {shown}"
        )
    rows: list[tuple[date, float, str | None]] = []
    for number, row in enumerate(raw, start=1):
        when = _day(row[0])
        if when is None:
            raise SourceError(f"row {number}: {columns[0]} {row[0]!r} is not a date or time")
        value = row[1]
        if isinstance(value, Decimal):
            value = float(value)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise SourceError(f"row {number}: {columns[1]} {row[1]!r} is not a number")
        dimension = None if len(row) < 3 or row[2] is None else str(row[2]).strip() or None
        rows.append((when, float(value), dimension))
    return rows


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None
