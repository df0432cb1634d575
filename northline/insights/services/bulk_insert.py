"""Inserting or updating many feedback rows at once by one statement per batch, so the table's
triggers cost once per batch instead of once per row (decision 0049).

The feedback tally (decision 0021) and the search index (decision 0029) are kept by triggers.
Sent with `executemany`, every row of an import or of processing's results is a statement of
its own. On SQLite a statement that fires a trigger is journalled (a trigger may fail
half-way): with the table's dozen indexes that journal spills to a temporary file, and FTS5
writes its pending words out at each statement's savepoint, so every row becomes an index
segment to merge (about 130 µs of CPU a row, four times the insert itself; decision 0042). On
PostgreSQL the tally's statement trigger runs once per row's statement.

Here the batch goes with `executemany` into a temporary table of this connection first, and
then into the feedback table by one `INSERT … SELECT` (on SQLite also one `UPDATE … FROM`): one statement,
one journal, one index flush, one run of a statement trigger, with every trigger in place doing
its work for every row. The table's schema is never touched, so another connection's
statements stay valid. Decisions 0042 and 0047 dropped SQLite's triggers for the batch and
created them again instead: every batch then changed the schema, and a web request writing to
the table at that moment failed with "no such table: insights_feedback".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from ..models import Feedback
from .rows import (
    default_values,
    given_values,
    insert_into,
    insert_values,
    update_rows,
    update_values,
)

STAGE = "feedback_stage"  # a TEMP table: this connection's own, gone when it closes
# Where each database keeps it: the qualified name never finds a real table of that name.
TEMP_SCHEMA = {"sqlite": "temp", "postgresql": "pg_temp"}


def insert_feedback(names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """`insert_rows` of feedback (tuples of the fields `names`) by one statement. On SQLite the
    ids follow the rows' order, and the other columns, every row's defaults, are constants of
    that statement, not staged (decision 0051). PostgreSQL stages them too (a parameter in a
    SELECT list has no type there) and promises no order: read the ids back by identity."""
    if not rows:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        columns, values = given_values(Feedback, names, rows)
        rest, defaults = default_values(Feedback, names)  # the same for every row: not staged
        order = " ORDER BY rowid"
    else:
        columns, values = insert_values(Feedback, names, rows)
        rest, defaults, order = [], (), ""
    listed = ", ".join(map(quote, columns))
    into = ", ".join(map(quote, [*columns, *rest]))
    constants = "".join(", %s" for _ in rest)
    with transaction.atomic(), _staged(columns, values) as (cursor, stage):
        cursor.execute(
            f"INSERT INTO {Feedback._meta.db_table} ({into})"  # noqa: S608 - names from the model
            f" SELECT {listed}{constants} FROM {stage}{order}",
            defaults,
        )


def update_feedback(rows: Sequence[Feedback], fields: Sequence[str]) -> None:
    """`update_rows` of feedback rows; on SQLite by one UPDATE, inside the caller's transaction
    or one of its own. PostgreSQL updates a row per statement: there the staged UPDATE was
    measured at 0.14 to 2 times the server CPU of a batch, by the join plan (decision 0049)."""
    if connection.vendor != "sqlite" or not rows:
        update_rows(rows, fields)
        return
    columns, values = update_values(rows, fields)
    quote = connection.ops.quote_name
    table = Feedback._meta.db_table
    sets = ", ".join(f"{quote(column)} = s.{quote(column)}" for column in columns)
    with transaction.atomic(), _staged([*columns, "id"], values) as (cursor, stage):
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM {stage} AS s"  # noqa: S608 - names from the model
            f" WHERE {table}.id = s.id"
        )


@contextmanager
def _staged(
    columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> Iterator[tuple[CursorWrapper, str]]:
    """A cursor and the staging table's qualified name, with `rows` of `columns` in it: made
    afresh (a batch's columns are its own) and dropped after the block. A failed block leaves
    it to the rollback of the caller's transaction, which undoes its creation too."""
    quote = connection.ops.quote_name
    stage = f"{TEMP_SCHEMA[connection.vendor]}.{STAGE}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        # The feedback table's own columns, so the values keep their types on the way.
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} AS SELECT {', '.join(map(quote, columns))}"  # noqa: S608 - names from the model
            f" FROM {Feedback._meta.db_table} WHERE 1 = 0"
        )
        insert_into(STAGE, columns, rows)  # unqualified names find the temporary table first
        yield cursor, stage
        cursor.execute(f"DROP TABLE {stage}")
