"""PostgreSQL: the search query is made of the lexemes of its words (decision 0029).

Migration 0010 handed `to_tsquery` the words as quoted prefix terms after `unaccent`, which can
turn a word into something that is no term at all: a lone combining accent becomes '' and the
modifier letter apostrophe (ʼ) becomes a quote, a syntax error of the query. The words now go
through the same steps as the text (unaccent, ASCII punctuation to spaces, the `simple`
parser) and each lexeme that comes out becomes a prefix term; a word with none is left out, as
FTS5 leaves out an empty phrase. SQLite is unchanged."""

from __future__ import annotations

import importlib
from typing import Any

from django.db import migrations

search = importlib.import_module("northline.insights.migrations.0010_feedback_search")


def _query_function(schema_editor: Any, unaccent: str) -> str:
    spaces = " " * len(search.PUNCTUATION)
    quoted = search.PUNCTUATION.replace("'", "''")
    words = f"translate({unaccent % 'query'}, '{quoted}', '{spaces}')"
    return f"""CREATE OR REPLACE FUNCTION insights_feedback_query(query text)
        RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(string_agg('''' || lexeme || ''':*', ' & '), '')::tsquery
            FROM unnest(to_tsvector('pg_catalog.simple'::regconfig, {words}))
        $$"""


def _unaccent(schema_editor: Any) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
    return f"{schema}.unaccent('{schema}.unaccent'::regdictionary, %s)"


def lexemes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_query_function(schema_editor, _unaccent(schema_editor)), params=None)


def quoted_terms(apps: Any, schema_editor: Any) -> None:
    """Back to 0010's function."""
    if schema_editor.connection.vendor == "postgresql":
        statements = search._postgresql(schema_editor)
        schema_editor.execute(statements[1], params=None)


class Migration(migrations.Migration):
    dependencies = [("insights", "0010_feedback_search")]

    operations = [migrations.RunPython(lexemes, quoted_terms)]
