"""The bulk writes of feedback (decision 0049): a batch is staged in a temporary table and
reaches the feedback table in one statement, its triggers in place (an import's insert on both
databases, processing's results UPDATE on SQLite). Compared with a statement per row on the
same rows: the same stored rows, the same tally and the same search answers; a failed batch
writes nothing; and SQLite's schema never changes, so another connection's statements stay
valid (dropping the triggers for a batch, decisions 0042 and 0047, made concurrent web writes
fail with "no such table"). Runs on the database of the run."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from northline.accounts.models import Workspace
from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from northline.insights.services.bulk_insert import insert_feedback, update_feedback
from northline.insights.services.rows import existing, insert_rows, update_rows
from tests.conftest import Team, make_user, make_workspace
from tests.insights.test_search import searched
from tests.insights.test_tally import assert_right, tallied

pytestmark = pytest.mark.django_db
NAMES = ["workspace_id", "created_at", "updated_at", "title", "text", "source", "received_at", "external_id", "status",
         "kind", "sentiment", "language", "created_by_id"]  # fmt: skip
TEXTS = [
    ("Export to CSV fails", "The export button does nothing"),
    ("", "CSV exports are broken since v1.2.3"),
    ("Café menu", "The crème brûlée page is empty"),
    ("", "Send the e-mail digest to user@example.com on Mondays"),
    ("DARK MODE", "WE WANT A DARK THEME FOR THE DASHBOARD"),
]
QUERIES = ["export", "expor", "csv broken", "cafe", "creme brulee", "e-mail", "user", "dark",
           "the", "zzz"]  # fmt: skip


def rows(workspace: Workspace, owner: int, n: int, prefix: str = "E") -> list[tuple[Any, ...]]:
    """n rows spread over statuses, types, sentiments, languages and sources."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        (workspace.pk, start, start, title, f"{text} #{i}", ("import", "review", "support")[i % 3],
         start + timedelta(minutes=i), f"{prefix}-{i}", ("new", "triaged", "archived")[i % 3],
         ("bug", "", "question", "praise")[i % 4], ("", "positive", "negative")[i % 3],
         ("en", "de")[i % 2], owner)
        for i, (title, text) in enumerate(TEXTS[i % len(TEXTS)] for i in range(n))
    ]  # fmt: skip


def schema() -> tuple[int, list[tuple[str, str]]]:
    """SQLite's schema version (it moves with every change to the main schema, which makes
    every other connection prepare its statements again) and the feedback table's triggers."""
    if connection.vendor != "sqlite":
        return 0, []
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA schema_version")
        (version,) = cursor.fetchone()
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        return version, cursor.fetchall()


def stored(workspace: Workspace) -> list[tuple[Any, ...]]:
    """Every column of the workspace's feedback rows as stored, on SQLite with its storage
    class (what a staging table could change), in id order; ids and the workspace left out."""
    columns = [
        f.column for f in Feedback._meta.concrete_fields if f.column not in ("id", "workspace_id")
    ]
    if connection.vendor == "sqlite":
        columns += [f"typeof({column})" for column in columns]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {listed} FROM {Feedback._meta.db_table}"  # noqa: S608 - names from the model
            " WHERE workspace_id = %s ORDER BY id",
            [workspace.pk],
        )
        return cursor.fetchall()


def by_key(tally: dict[tuple[str, ...], int]) -> dict[tuple[str, ...], int]:
    return dict(sorted(tally.items()))


def test_the_same_tally_and_search_as_the_triggers(team: Team) -> None:
    owner = team.owner.pk
    bulk = team.workspace
    plain = make_workspace(team.owner, "Plain")
    before = schema()
    with transaction.atomic():
        insert_feedback(NAMES, rows(bulk, owner, 60))
    with transaction.atomic():
        insert_rows(Feedback, NAMES, rows(plain, owner, 60))  # through the row triggers
    assert schema() == before
    assert_right(bulk)
    assert by_key(tallied(bulk)) == by_key(tallied(plain))
    assert sum(tallied(bulk).values()) == 60
    assert stored(bulk) == stored(plain)
    assert len(stored(bulk)) == 60
    items = list(Feedback.objects.filter(workspace=bulk))
    for query in QUERIES:  # what a word-by-word reading of each item says it holds
        assert searched(team, query) == {f.pk for f in items if holds(f, query)}, query
    assert len(searched(team, "export")) == 24
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # FTS5 compares its index with the table's rows
            cursor.execute(
                "INSERT INTO insights_feedback_search (insights_feedback_search, rank)"
                " VALUES ('integrity-check', 1)"
            )


def holds(item: Feedback, query: str) -> bool:
    """Every word of the query begins a word of the title or text (case and accents folded)."""

    def words(text: str) -> list[str]:
        plain = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        return "".join(c if c.isalnum() else " " for c in plain).split()

    have = words(f"{item.title} {item.text}")
    return all(any(w.startswith(q) for w in have) for q in words(query))


def test_later_writes_go_through_the_triggers_again(team: Team) -> None:
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, team.owner.pk, 10))
    item, _ = service.add_feedback(team.access("editor"), {"text": "Zebra crossing sync"})
    assert searched(team, "zebra") == {item.pk}
    assert_right(team.workspace)
    item.delete()
    assert searched(team, "zebra") == set()
    assert_right(team.workspace)


def test_a_failed_batch_writes_nothing_and_keeps_the_triggers(team: Team) -> None:
    owner = team.owner.pk
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, owner, 10))
    before, tally = schema(), tallied(team.workspace)
    clash = rows(team.workspace, owner, 12)[10:] + rows(team.workspace, owner, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_feedback(NAMES, clash)  # E-0 again: the external id's unique constraint
    assert schema() == before
    assert tallied(team.workspace) == tally
    assert Feedback.objects.filter(workspace=team.workspace).count() == 10
    assert_right(team.workspace)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's insert triggers")
def test_a_trigger_dropped_by_hand_stays_dropped(team: Team) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER insights_feedback_search_insert")
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, team.owner.pk, 6))
    names = [name for name, _ in schema()[1]]
    assert "insights_feedback_search_insert" not in names
    assert "insights_feedback_tally_insert" in names
    assert searched(team, "export") == set()  # not indexed, as with the trigger off
    assert_right(team.workspace)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO insights_feedback_search (insights_feedback_search) VALUES ('rebuild')"
        )
    assert len(searched(team, "export")) == 3


def test_other_workspaces_rows_are_left_alone(team: Team) -> None:
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    service.add_feedback(team.access("editor"), {"text": "Export mine"})
    Feedback.objects.create(workspace=other, text="Export theirs")
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, team.owner.pk, 5))
    assert_right(team.workspace)
    assert_right(other)
    assert sum(tallied(other).values()) == 1


def test_existing_keys_are_the_workspaces_rows_in_parts(team: Team) -> None:
    # 12,000 keys go in three SELECTs; deleted rows, another workspace's and unknown keys
    # are left out
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, team.owner.pk, 6))
    mine = list(Feedback.objects.filter(workspace=team.workspace).values_list("pk", flat=True))
    theirs = Feedback.objects.create(workspace=other, text="Export theirs").pk
    Feedback.objects.filter(pk=mine[0]).delete()
    keys = {*mine, theirs, *range(theirs + 1, theirs + 12_000)}
    assert existing(Feedback, keys, team.workspace.pk) == set(mine[1:])
    assert existing(Feedback, [theirs], other.pk) == {theirs}
    assert existing(Feedback, [], team.workspace.pk) == set()


def relabelled(workspace: Workspace, offset: int) -> list[Feedback]:
    """The workspace's rows with new types, sentiments and languages (unsaved): some keys
    gain rows, some lose them, some lose all, one is new (kind "other"), some rows keep theirs."""
    items = list(Feedback.objects.filter(workspace=workspace).order_by("pk"))
    for i, item in enumerate(items):
        if i % 5:
            item.kind = ("bug", "question", "other")[(i + offset) % 3]
            item.sentiment = ("negative", "neutral")[i % 2]
            item.language = "fr" if i % 7 == 0 else item.language
    return items


RESULTS = ["kind", "sentiment", "language"]


def test_the_results_update_keeps_the_tally_as_the_trigger(team: Team) -> None:
    owner = team.owner.pk
    bulk, plain = team.workspace, make_workspace(team.owner, "Plain")
    for workspace in (bulk, plain):
        with transaction.atomic():
            insert_feedback(NAMES, rows(workspace, owner, 60))
    before = schema()
    with transaction.atomic():
        update_feedback(relabelled(bulk, 0), RESULTS)
    with transaction.atomic():
        update_rows(relabelled(plain, 0), RESULTS)  # through the row trigger
    assert schema() == before
    assert_right(bulk)
    assert by_key(tallied(bulk)) == by_key(tallied(plain))
    assert any("other" in key for key in tallied(bulk)) and sum(tallied(bulk).values()) == 60
    assert Feedback.objects.filter(workspace=bulk, kind="other").count() == 16
    assert stored(bulk) == stored(plain)
    update_feedback(relabelled(bulk, 1), RESULTS)  # its own transaction; a second move
    assert_right(bulk)
    update_feedback(relabelled(bulk, 1), RESULTS)  # nothing moves
    assert_right(bulk)
    assert schema() == before


def test_a_failed_results_update_writes_nothing_and_keeps_the_trigger(team: Team) -> None:
    with transaction.atomic():
        insert_feedback(NAMES, rows(team.workspace, team.owner.pk, 20))
    before, tally = schema(), tallied(team.workspace)
    with pytest.raises(RuntimeError), transaction.atomic():
        update_feedback(relabelled(team.workspace, 0), RESULTS)
        raise RuntimeError("the batch failed after its update")
    assert schema() == before
    assert tallied(team.workspace) == tally
    assert Feedback.objects.filter(workspace=team.workspace, kind="other").count() == 0
    assert_right(team.workspace)
    item = Feedback.objects.filter(workspace=team.workspace).first()
    assert item is not None
    item.kind = "other"
    item.save()  # later writes go through the trigger again
    assert_right(team.workspace)
