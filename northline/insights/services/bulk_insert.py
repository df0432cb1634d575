"""Inserting or updating many feedback rows at once as one statement each on SQLite, so the
table's row triggers cost once per batch instead of once per row (decision 0049).

On SQLite the feedback tally (decision 0021) and the search index (decision 0029) are kept by
row triggers. Sent with `executemany`, every row of an import or of processing's results is a
statement of its own, and a statement that fires a trigger is journalled (a trigger may fail
half-way): with the table's dozen indexes that journal spills to a temporary file, and FTS5
writes its pending words out at each statement's savepoint, so every row becomes an index
segment to merge (about 130 µs of CPU a row, four times the insert itself; decision 0042).

Here the batch goes with `executemany` into a temporary table of this connection first, and
then into the feedback table by one `INSERT … SELECT` (or one `UPDATE … FROM`): one statement,
one journal, one index flush, with the triggers in place doing their work for every row. The
main schema is never touched, so another connection's statements stay valid. Decisions 0042
and 0047 dropped the triggers for the batch and created them again instead: every batch then
changed the schema, and a web request writing to the table at that moment failed with "no such
table: insights_feedback". PostgreSQL keeps the tally and the words per statement already (a
statement trigger, a generated column): its rows are written as they are.
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
    insert_rows,
    update_rows,
    update_values,
)

STAGE = "feedback_stage"  # a TEMP table: this connection's own, gone when it closes


def insert_feedback(names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """`insert_rows` of feedback (tuples of the fields `names`); on SQLite the rows reach the
    table in one statement, in their order (ids ascending as given). The other columns, every
    row's defaults, are constants of that statement, not staged (decision 0051)."""
    if connection.vendor != "sqlite" or not rows:
        insert_rows(Feedback, names, rows)
        return
    columns, values = given_values(Feedback, names, rows)
    rest, defaults = default_values(Feedback, names)  # the same for every row: not staged
    quote = connection.ops.quote_name
    listed = ", ".join(map(quote, columns))
    into = ", ".join(map(quote, [*columns, *rest]))
    constants = "".join(", %s" for _ in rest)
    with transaction.atomic(), _staged(columns, values) as cursor:
        cursor.execute(
            f"INSERT INTO {Feedback._meta.db_table} ({into})"  # noqa: S608 - names from the model
            f" SELECT {listed}{constants} FROM temp.{STAGE} ORDER BY rowid",
            defaults,
        )


def update_feedback(rows: Sequence[Feedback], fields: Sequence[str]) -> None:
    """`update_rows` of feedback rows; on SQLite one UPDATE for the batch, inside the caller's
    transaction or one of its own."""
    if connection.vendor != "sqlite" or not rows:
        update_rows(rows, fields)
        return
    columns, values = update_values(rows, fields)
    quote = connection.ops.quote_name
    table = Feedback._meta.db_table
    sets = ", ".join(f"{quote(column)} = s.{quote(column)}" for column in columns)
    with transaction.atomic(), _staged([*columns, "id"], values) as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM temp.{STAGE} AS s"  # noqa: S608 - names from the model
            f" WHERE {table}.id = s.id"
        )


@contextmanager
def _staged(columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> Iterator[CursorWrapper]:
    """A cursor, with `rows` of `columns` in the connection's staging table: made afresh (a
    batch's columns are its own) and dropped after the block. A failed block leaves it to the
    rollback of the caller's transaction, which undoes its creation too."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
        # The feedback table's own columns, so the values keep their affinities on the way.
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} AS SELECT {', '.join(map(quote, columns))}"  # noqa: S608 - names from the model
            f" FROM {Feedback._meta.db_table} WHERE 0"
        )
        insert_into(STAGE, columns, rows)  # unqualified names find the temp table first
        yield cursor
        cursor.execute(f"DROP TABLE temp.{STAGE}")
