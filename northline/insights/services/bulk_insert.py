"""Inserting or updating many feedback rows at once with the work of SQLite's row triggers
done once per batch (decisions 0042 and 0047).

On SQLite the feedback tally (decision 0021) and the search index (decision 0029) are kept by
row triggers. For an import's `executemany` those cost about 130 µs of CPU a row, four times
the insert itself: every row becomes a statement with a statement journal (a trigger may fail
half-way), which spills to a temporary file with the table's dozen indexes, and FTS5 writes
its pending words to disk at each statement's savepoint, so every row becomes an index
segment to merge. Here the two insert triggers are dropped inside the batch's transaction,
the rows inserted, the tally and the index brought up to date by one statement each over the
new rows, and the triggers created again from their own stored SQL, before the transaction
ends. SQLite has one writer at a time and its DDL is transactional, so no other connection
ever sees the table without its triggers, an error undoes all of it, and every commit leaves
the tally and the index exact. PostgreSQL keeps both per statement already (a statement
trigger, a generated column): the rows are inserted as they are.

Processing's results UPDATE (type, sentiment, language of a batch) meets the same cost through
the tally's update trigger: a statement journal per row, spilled to a temporary file. There
`update_feedback` drops that trigger likewise, counts the batch's rows per tally key before and
after the UPDATE, and moves the difference in one statement per changed key. Processing does
not use it: while it ran, a web request's insert into the table failed with "no such table"
(decision 0047, part 1 withdrawn); `bench/processing_bench.py --part update` measures it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from ..models import Feedback
from .rows import insert_rows, update_rows

TALLY_KEY = "workspace_id, status, kind, sentiment, language, source"
# Each insert trigger of migrations 0006 and 0010, and the statement that does its work for
# every feedback row with an id above %s (the rows this transaction inserted).
UPKEEP = {
    "insights_feedback_tally_insert": (
        f"INSERT INTO insights_feedbacktally ({TALLY_KEY}, n)"  # noqa: S608 - constant names
        f" SELECT {TALLY_KEY}, count(*) FROM insights_feedback WHERE id > %s"
        f" GROUP BY {TALLY_KEY}"
        f" ON CONFLICT ({TALLY_KEY}) DO UPDATE SET n = n + excluded.n"
    ),
    "insights_feedback_search_insert": (
        "INSERT INTO insights_feedback_search (rowid, title, text)"
        " SELECT id, title, text FROM insights_feedback WHERE id > %s"
    ),
}


def insert_feedback(names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """`insert_rows` of feedback (tuples of the fields `names`), with the tally and the search
    index kept as their triggers keep them. A trigger that the database lacks (one dropped by
    hand, decision 0021's repair) is not created, and its work is not done."""
    if connection.vendor != "sqlite" or not rows:
        insert_rows(Feedback, names, rows)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        suspended = _stored_triggers(cursor, UPKEEP)
        # Under the write lock: every id above this one is a row inserted below.
        cursor.execute("SELECT coalesce(max(id), 0) FROM insights_feedback")
        (before,) = cursor.fetchone()
        for name, _ in suspended:
            cursor.execute(f"DROP TRIGGER {name}")
        insert_rows(Feedback, names, rows)
        for name, sql in suspended:
            cursor.execute(UPKEEP[name], [before])
            cursor.execute(sql)


TALLY_UPDATE = "insights_feedback_tally_update"
# What the update trigger does for one row, for a count of rows: a key that loses rows is taken
# down (a plain UPDATE, as the trigger's), a key that gains them is added to (an upsert).
_TAKE = (
    "UPDATE insights_feedbacktally SET n = n - %s WHERE workspace_id = %s AND status = %s"
    " AND kind = %s AND sentiment = %s AND language = %s AND source = %s"
)
_ADD = (
    f"INSERT INTO insights_feedbacktally ({TALLY_KEY}, n) VALUES (%s, %s, %s, %s, %s, %s, %s)"  # noqa: S608 - constant names
    f" ON CONFLICT ({TALLY_KEY}) DO UPDATE SET n = n + excluded.n"
)
_KEYS_AT_ONCE = 500  # ids per query counting the batch's keys (SQLite's parameter limit)


def update_feedback(rows: Sequence[Feedback], fields: Sequence[str]) -> None:
    """`update_rows` of feedback rows, with the tally kept as its update trigger keeps it (on
    SQLite the trigger is dropped for the batch and created again, inside the caller's
    transaction or one of its own). A database without the trigger gets the plain UPDATE."""
    if connection.vendor != "sqlite" or not rows:
        update_rows(rows, fields)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        found = _stored_triggers(cursor, {TALLY_UPDATE})
        if not found:
            update_rows(rows, fields)
            return
        ids = [row.pk for row in rows]
        cursor.execute(f"DROP TRIGGER {TALLY_UPDATE}")
        before = _keys(cursor, ids)
        update_rows(rows, fields)
        moved = _keys(cursor, ids)
        moved.subtract(before)
        cursor.executemany(_TAKE, [(-n, *key) for key, n in sorted(moved.items()) if n < 0])
        cursor.executemany(_ADD, [(*key, n) for key, n in sorted(moved.items()) if n > 0])
        cursor.execute(found[0][1])


def _stored_triggers(cursor: CursorWrapper, names: Collection[str]) -> list[tuple[str, str]]:
    """(name, SQL) of the feedback table's triggers among `names` that the database has, by
    name: what to drop for a batch and create again after it."""
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
        " ORDER BY name",
        [Feedback._meta.db_table],
    )
    return [(name, sql) for name, sql in cursor.fetchall() if name in names]


def _keys(cursor: CursorWrapper, ids: list[int]) -> Counter[tuple[Any, ...]]:
    """How many of these feedback rows each tally key holds."""
    counts: Counter[tuple[Any, ...]] = Counter()
    for start in range(0, len(ids), _KEYS_AT_ONCE):
        part = ids[start : start + _KEYS_AT_ONCE]
        cursor.execute(
            f"SELECT {TALLY_KEY}, count(*) FROM insights_feedback"  # noqa: S608 - constant names
            f" WHERE id IN ({', '.join(['%s'] * len(part))}) GROUP BY {TALLY_KEY}",
            part,
        )
        for *key, n in cursor.fetchall():
            counts[tuple(key)] += n
    return counts
