"""PostgreSQL: each feedback's words are stored in a generated column (decision 0041).

The GIN index of 0010 was over an expression, `insights_feedback_words(title, text)`, which
PostgreSQL computes again for every row it tests outside the index: a capped count of a word
found in most items walks a status's rows and tests each (10,001 rows at about 55 µs: 0.3-0.6
s at a million items), and reading the GIN index instead costs more, its bitmap holding every
match. A stored generated column keeps the words computed once per write of the title or text,
so testing a row is a plain `@@` (a few microseconds: 10-70 ms for the same counts), and the
GIN index is built over the column. PostgreSQL keeps a generated column right by itself on
every write path, as it kept the expression index, so there is still no trigger. SQLite is
unchanged (its FTS5 index has its own triggers, migration 0010)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

COLUMN = "search_words"
FORWARD = [
    f"""ALTER TABLE insights_feedback ADD COLUMN {COLUMN} tsvector
    GENERATED ALWAYS AS (insights_feedback_words(title, text)) STORED""",
    f"CREATE INDEX insights_feedback_search_words ON insights_feedback USING gin ({COLUMN})",
    "DROP INDEX IF EXISTS insights_feedback_search",
]
BACKWARD = [
    f"ALTER TABLE insights_feedback DROP COLUMN IF EXISTS {COLUMN}",  # and its index
    """CREATE INDEX insights_feedback_search ON insights_feedback
    USING gin (insights_feedback_words(title, text))""",
]


def _run(schema_editor: Any, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in statements:
            schema_editor.execute(sql, params=None)


def stored(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, FORWARD)


def computed(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("insights", "0013_encoder_versions")]

    operations = [migrations.RunPython(stored, computed)]
