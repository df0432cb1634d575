"""The inbox's tab counts kept per (workspace, status, type, sentiment, language, source) by
triggers on the feedback table (decision 0021). SQLite gets row triggers, PostgreSQL statement
triggers over transition tables (one aggregate per statement, rows locked in key order); both
add a new key with an upsert and take a removed one away with a plain UPDATE, so a delete that
cascades from the workspace never writes a row for a workspace being deleted."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

TALLY = "insights_feedbacktally"
KEY = "workspace_id, status, kind, sentiment, language, source"


def match(row: str, table: str = "") -> str:
    """The tally row of `row`'s key: "workspace_id = OLD.workspace_id AND ..."."""
    prefix = f"{table}." if table else ""
    return " AND ".join(f"{prefix}{c} = {row}.{c}" for c in KEY.split(", "))


SQLITE = [
    f"""CREATE TRIGGER insights_feedback_tally_insert AFTER INSERT ON insights_feedback
    BEGIN
        INSERT INTO {TALLY} ({KEY}, n)
        VALUES (NEW.workspace_id, NEW.status, NEW.kind, NEW.sentiment, NEW.language,
                NEW.source, 1)
        ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER insights_feedback_tally_delete AFTER DELETE ON insights_feedback
    BEGIN
        UPDATE {TALLY} SET n = n - 1 WHERE {match("OLD")};
    END""",
    f"""CREATE TRIGGER insights_feedback_tally_update
    AFTER UPDATE OF {KEY} ON insights_feedback
    WHEN OLD.workspace_id IS NOT NEW.workspace_id OR OLD.status IS NOT NEW.status
        OR OLD.kind IS NOT NEW.kind OR OLD.sentiment IS NOT NEW.sentiment
        OR OLD.language IS NOT NEW.language OR OLD.source IS NOT NEW.source
    BEGIN
        UPDATE {TALLY} SET n = n - 1 WHERE {match("OLD")};
        INSERT INTO {TALLY} ({KEY}, n)
        VALUES (NEW.workspace_id, NEW.status, NEW.kind, NEW.sentiment, NEW.language,
                NEW.source, 1)
        ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS insights_feedback_tally_{event}"
    for event in ("insert", "delete", "update")
]


def _pg_add(rows: str) -> str:
    return f"""INSERT INTO {TALLY} ({KEY}, n)
        SELECT {KEY}, count(*) FROM {rows} GROUP BY {KEY} ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n;"""


def _pg_take(rows: str) -> str:
    return f"""UPDATE {TALLY} AS t SET n = t.n - gone.n
        FROM (SELECT {KEY}, count(*) AS n FROM {rows} GROUP BY {KEY}) AS gone
        WHERE {match("gone", "t")};"""


def _pg_changed(side: str) -> str:
    """`side` (old_rows or new_rows) of an UPDATE's rows whose key changed. PostgreSQL allows
    no column list on a trigger with transition tables, so every UPDATE fires it; without this
    filter an UPDATE of another column (a cascade setting `theme` to NULL while the workspace
    is being deleted) would write tally rows back for a workspace on its way out."""
    columns = KEY.split(", ")
    old = ", ".join(f"o.{c}" for c in columns)
    new = ", ".join(f"n.{c}" for c in columns)
    alias = side[0]
    return f"""(SELECT {alias}.* FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
        WHERE ({old}) IS DISTINCT FROM ({new})) AS changed"""


POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION insights_feedback_tally() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_pg_take("old_rows")}
        ELSIF TG_OP = 'INSERT' THEN
            {_pg_add("new_rows")}
        ELSE
            {_pg_take(_pg_changed("old_rows"))}
            {_pg_add(_pg_changed("new_rows"))}
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER insights_feedback_tally_insert AFTER INSERT ON insights_feedback
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_feedback_tally()""",
    """CREATE TRIGGER insights_feedback_tally_delete AFTER DELETE ON insights_feedback
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_feedback_tally()""",
    """CREATE TRIGGER insights_feedback_tally_update AFTER UPDATE ON insights_feedback
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_feedback_tally()""",
]
POSTGRESQL_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS insights_feedback_tally_{event} ON insights_feedback"
        for event in ("insert", "delete", "update")
    ),
    "DROP FUNCTION IF EXISTS insights_feedback_tally()",
]
FILL = f"INSERT INTO {TALLY} ({KEY}, n) SELECT {KEY}, count(*) FROM insights_feedback GROUP BY {KEY}"  # noqa: S608


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"feedback tally: no triggers for the {vendor} database")
    for sql in statements[vendor]:
        schema_editor.execute(sql, params=None)


def create_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})
    schema_editor.execute(FILL, params=None)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("insights", "0005_merge_imports_processing"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeedbackTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(max_length=10)),
                ("kind", models.CharField(max_length=40)),
                ("sentiment", models.CharField(max_length=10)),
                ("language", models.CharField(max_length=8)),
                ("source", models.CharField(max_length=12)),
                ("n", models.BigIntegerField(default=0)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+",
                        to="accounts.workspace",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "status", "kind", "sentiment", "language", "source"),
                        name="feedback_tally_key",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]  # fmt: skip
