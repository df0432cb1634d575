"""A full-text index of feedback title and text for the inbox's search (decision 0029).

SQLite gets an FTS5 table over the feedback table (external content: the index holds only the
words, the text stays in `insights_feedback`), kept by row triggers on insert, delete and a
change of title or text, and filled from the existing rows by FTS5's `rebuild`. PostgreSQL gets
a GIN index over an immutable function of title and text: PostgreSQL keeps an expression index
right by itself, so it needs no trigger. Both fold case and accents and split words at
anything but letters and digits, so that "e-mail", "user@example.com" or "v1.2" are words the
same way on both (PostgreSQL's parser would otherwise keep an address or a version whole)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SEARCH = "insights_feedback_search"
# ASCII punctuation becomes a space before PostgreSQL's parser sees the text: it splits at
# every character that is not a letter or digit, as SQLite's unicode61 tokenizer does.
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

SQLITE = [
    f"""CREATE VIRTUAL TABLE {SEARCH} USING fts5(
        title, text, content='insights_feedback', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', columnsize=0)""",
    f"""CREATE TRIGGER insights_feedback_search_insert AFTER INSERT ON insights_feedback
    BEGIN
        INSERT INTO {SEARCH} (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text);
    END""",
    f"""CREATE TRIGGER insights_feedback_search_delete AFTER DELETE ON insights_feedback
    BEGIN
        INSERT INTO {SEARCH} ({SEARCH}, rowid, title, text)
        VALUES ('delete', OLD.id, OLD.title, OLD.text);
    END""",
    f"""CREATE TRIGGER insights_feedback_search_update
    AFTER UPDATE OF id, title, text ON insights_feedback
    WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title OR OLD.text IS NOT NEW.text
    BEGIN
        INSERT INTO {SEARCH} ({SEARCH}, rowid, title, text)
        VALUES ('delete', OLD.id, OLD.title, OLD.text);
        INSERT INTO {SEARCH} (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text);
    END""",
    f"INSERT INTO {SEARCH} ({SEARCH}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS insights_feedback_search_{event}"
        for event in ("insert", "delete", "update")
    ),
    f"DROP TABLE IF EXISTS {SEARCH}",
]


def _postgresql(schema_editor: Any) -> list[str]:
    """unaccent is a trusted extension (PostgreSQL 13+: the database's owner may create it);
    the functions name its schema, so that they are immutable whatever the search_path."""
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent", params=None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
    unaccent = f"{schema}.unaccent('{schema}.unaccent'::regdictionary, %s)"
    words = unaccent % "coalesce(title, '') || ' ' || coalesce(body, '')"
    spaces = " " * len(PUNCTUATION)
    quoted = PUNCTUATION.replace("'", "''")  # a standard string: only the quote is doubled
    return [
        f"""CREATE OR REPLACE FUNCTION insights_feedback_words(title text, body text)
        RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsvector('pg_catalog.simple'::regconfig,
                               translate({words}, '{quoted}', '{spaces}'))
        $$""",
        f"""CREATE OR REPLACE FUNCTION insights_feedback_query(query text)
        RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsquery('pg_catalog.simple'::regconfig, {unaccent % "query"})
        $$""",
        """CREATE INDEX insights_feedback_search ON insights_feedback
        USING gin (insights_feedback_words(title, text))""",
    ]


POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS insights_feedback_search",
    "DROP FUNCTION IF EXISTS insights_feedback_words(text, text)",
    "DROP FUNCTION IF EXISTS insights_feedback_query(text)",
]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise RuntimeError(f"feedback search: no text index for the {vendor} database")
    for sql in statements[vendor]:
        schema_editor.execute(sql, params=None)


def create_index(apps: Any, schema_editor: Any) -> None:
    postgresql = _postgresql(schema_editor) if schema_editor.connection.vendor == "postgresql" else []
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": postgresql})


def drop_index(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [("insights", "0009_recent_index_in_list_order")]

    operations = [migrations.RunPython(create_index, drop_index)]
