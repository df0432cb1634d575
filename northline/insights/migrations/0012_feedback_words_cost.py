"""PostgreSQL: tell the planner what `insights_feedback_words` costs (decision 0029).

With the default cost of a function (100 operator costs), the planner took computing a
feedback's words for nearly free, so for a rare word it walked the newest-first index and
computed them for row after row until 50 matched (5.3 s at 200,000 items for a word in 100 of
them) instead of reading the GIN index (8 ms). Computing them (unaccent, translate, the
parser) takes tens of microseconds, about 1,000 operator costs: with that, the planner reads
the index for a rare word and still walks the list's index for a common one, where 50 matches
come soon (20 ms). SQLite is unchanged."""

from __future__ import annotations

from typing import Any

from django.db import migrations

WORDS = "insights_feedback_words(text, text)"


def _cost(schema_editor: Any, cost: int) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {WORDS} COST {cost}", params=None)


def costly(apps: Any, schema_editor: Any) -> None:
    _cost(schema_editor, 1000)


def default_cost(apps: Any, schema_editor: Any) -> None:
    _cost(schema_editor, 100)


class Migration(migrations.Migration):
    dependencies = [("insights", "0011_feedback_search_query_lexemes")]

    operations = [migrations.RunPython(costly, default_cost)]
