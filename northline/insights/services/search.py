"""The inbox's text search (decision 0029): every word of the query must begin a word of the
feedback's title or text, whatever the case and accents ("expor" finds "Export", "cafe" finds
"Café"). It reads the full-text index of migration 0010 (FTS5 on SQLite; on PostgreSQL a GIN
index over the words `insights_feedback_words` makes, stored in a generated column since
migration 0015) instead of scanning every row.

The query never reaches either database's query language as written: `words` keeps only its
words (runs of letters and digits, the way both indexes split text), and each becomes a quoted
prefix term (FTS5) or the lexemes of a word do (PostgreSQL, migration 0011), so quotes, `*`,
`-`, `OR`, `NEAR` or brackets in the input are just separators.

On SQLite a query is first read against the index's vocabulary once per request (`parse`,
decision 0041): each word becomes the index's own words it begins, with their item counts, so
that a word found in no item ends the search before any list is read, a word found in every
item filters nothing, and a common prefix is an OR of its words, which FTS5 reads as it goes,
instead of a prefix term, whose word lists FTS5 merges in full each time the index is read."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, F, QuerySet, Value
from django.db.models.expressions import RawSQL

from ..models import Feedback

# Word characters of SQLite's unicode61 tokenizer (its default categories "L* N* Co"), and the
# marks within words: each index folds case and accents itself, in the same step for the
# query as for the text, so the words are passed on as typed.
WORD_CATEGORIES = ("L", "N", "M", "Co")
MAX_WORDS = 32  # more words than this add nothing a person would type, only index lookups
# From this many matches on SQLite, the newest-first list walks the list's own index and keeps
# the matches (a set built once from the text index) instead of fetching every match by id
# and sorting them all. At a million items: 100 matches 0.2 ms by id / 69 ms walking;
# 127,000 matches 153 ms by id / 18 ms walking (CPU; docs/benchmarks.md).
WALK_FROM = 2_000
# Under a search, a tab's count stops here and reads "10,000+" (decision 0033): counting every
# match of a word found in most items means reading a million rows, the list's first page
# does not need them, and nobody reads through ten thousand matches instead of narrowing.
COUNT_CAP = 10_000
# PostgreSQL walks the newest-first index testing each row's words (computed, tens of
# microseconds, before decision 0041; stored since, a few), so walking pays off later than on
# SQLite: for 50 newest of m matches among n items it tests about 50 * n / m rows, against
# fetching and sorting the m matches; at a million items the two met at some 10,000-20,000
# matches (3,485 walked: 1.6 s), and a rare word walked with stored words still takes 0.7 s
# (docs/benchmarks.md).
# Not above the cap: a capped count only says "more than the cap".
PG_WALK_FROM = COUNT_CAP
# A match looked up by key costs about as much as this many entries of the set of matches
# built, or of an index walked (SQLite at a million items, CPU with the system's part:
# docs/benchmarks.md); it chooses the plan of `capped_count`.
LOOKUP_COST = 7
# A prefix beginning more of the index's words than this stays a prefix term: an OR of them
# all would cost FTS5 a word list each, and the vocabulary read stops here.
MAX_EXPANSION = 64
# Per connection, in its temporary schema (nothing in the database's own): the index's
# vocabulary, and an FTS5 table with the index's tokenizer, which folds the query's words
# exactly as the index folded the text (case and accents the unicode61 way, not Python's).
_TEMPORARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.insights_search_vocabulary"
    " USING fts5vocab(main, insights_feedback_search, 'row')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.insights_search_query"
    " USING fts5(word, tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.insights_search_query_words"
    " USING fts5vocab(temp, insights_search_query, 'instance')",
)
_BEGUN = (
    "SELECT term, doc FROM temp.insights_search_vocabulary WHERE term >= %s AND term <= %s"
    " ORDER BY term LIMIT %s"
)
_COUNT = "SELECT count(*) FROM insights_feedback_search WHERE insights_feedback_search MATCH %s"
# The list's first pages of a word in most items (SQLite) test the rows of the list's order one
# by one against the index when about this many rows reach the page's last match: a test opens
# the index again (about 190 µs at a million items), against building the set of every match
# first (250-300 ms for a million; docs/benchmarks.md).
PROBE_ROWS = 400
_PROBE = (
    "EXISTS (SELECT 1 FROM insights_feedback_search WHERE insights_feedback_search MATCH %s"
    ' AND insights_feedback_search.rowid = "insights_feedback"."id")'
)
# The matches read from the text index in its own order and looked up by key one at a time,
# stopping at the limit: CROSS JOIN keeps the index outermost (SQLite never reorders it) and
# the listed rows' subquery is flattened into the join, so no set of every match is built.
_STREAM = (
    "SELECT count(*) FROM (SELECT 1 FROM insights_feedback_search CROSS JOIN ({rows}) AS listed"
    " ON listed.id = insights_feedback_search.rowid"
    " WHERE insights_feedback_search MATCH %s LIMIT %s)"
)

_MATCH = {
    "sqlite": '"insights_feedback"."id" IN '
    "(SELECT rowid FROM insights_feedback_search WHERE insights_feedback_search MATCH %s)",
    "postgresql": '"insights_feedback"."search_words" @@ insights_feedback_query(%s)',
}


def words(query: str) -> list[str]:
    """The query's distinct words, lower-cased, in order of appearance."""
    plain = unicodedata.normalize("NFC", query)
    spaced = "".join(
        c if unicodedata.category(c).startswith(WORD_CATEGORIES) else " " for c in plain
    )
    return list(dict.fromkeys(spaced.lower().split()))[:MAX_WORDS]


@dataclass(frozen=True)
class Search:
    """A query with words, as the index reads it. `expression`: the index query, "" when every
    word is in every item (the search filters nothing); `nothing`: a word begins no word of
    any item, so nothing matches; `least`: for each word of the expression, the most items
    that hold one of the index's words it begins, which it matches at least (SQLite; empty
    when not known: PostgreSQL); `matches`: the index's matches when its vocabulary says so
    (a query of one word that begins one of the index's words), which spares counting them;
    `prefixed`: a word stayed a prefix term, whose lists FTS5 merges at every read of it."""

    words: tuple[str, ...]
    expression: str
    nothing: bool = False
    least: tuple[int, ...] = ()
    matches: int | None = None
    prefixed: bool = False

    def surely_more(self, bound: int, cap: int, here: int) -> bool:
        """Whether `bound` items (of a workspace of `here`) hold more than `cap` matches
        because fewer of them can lack a word: at most Σ (items − least) items of the index
        lack one. The index's items are counted only when `here` leaves it possible."""
        if not self.least or bound <= cap + sum(max(here - n, 0) for n in self.least):
            return False
        return bound > cap + self.lacking

    @cached_property
    def lacking(self) -> int:
        """At most this many items of the index (every workspace) lack one of the words."""
        items = _items()
        return sum(items - n for n in self.least)


def parse(query: str, here: int) -> Search | None:
    """The query's search, None if it has no word (it filters nothing: "--", '"'), for a
    workspace of `here` items. On SQLite it reads the index's vocabulary: one range of its
    words per query word (see the module)."""
    terms = words(query)
    if not terms:
        return None
    _vendor_sql()
    if connection.vendor == "postgresql":  # insights_feedback_query makes the prefix terms
        return Search(tuple(terms), " ".join(terms))
    return _read(terms, here)


def _read(terms: list[str], here: int) -> Search:
    """SQLite: each word that the index's tokenizer keeps as one word becomes an OR of the
    index's words it begins (at most MAX_EXPANSION; none: nothing matches), and is left out
    when one of them is in every item; a word of several stays the quoted prefix term FTS5
    reads, and one of none (a lone accent) is left out, as FTS5 leaves out an empty phrase
    beside others (alone, it matches nothing). The index's items (every workspace's) are
    counted only when a word is in as many items as the workspace's `here` or more."""
    parts, found, sizes = [], [], []
    for term, folded in zip(terms, _folded(terms), strict=True):
        if not folded:
            continue
        begun = _begun(folded[0]) if len(folded) == 1 else None
        if begun == []:
            return Search(tuple(terms), "", nothing=True)
        if begun is None or len(begun) > MAX_EXPANSION:
            parts.append(f'"{term}"*')
        else:
            parts.append("(" + " OR ".join(_quoted(word) for word, _ in begun) + ")")
        found.append(max((n for _, n in begun or []), default=0))
        sizes.append(len(begun) if begun is not None else 0)
    if not parts:
        return Search(tuple(terms), "", nothing=True)
    matches = found[0] if sizes == [1] else None
    items = _items() if max(found) >= here else None
    kept = [(part, n) for part, n in zip(parts, found, strict=True) if n != items]
    expression = " AND ".join(part for part, _ in kept)
    prefixed = any(part.endswith("*") for part, _ in kept)
    least = tuple(n for _, n in kept)
    return Search(tuple(terms), expression, least=least, matches=matches, prefixed=prefixed)


def _quoted(word: str) -> str:
    """An FTS5 string (the tokenizer's words hold no quote; doubled if one ever did)."""
    return '"' + word.replace('"', '""') + '"'


def _folded(terms: list[str]) -> list[list[str]]:
    """Each word's words as the index's tokenizer makes them (usually one, folded)."""
    with connection.cursor() as cursor:
        for statement in _TEMPORARY:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO temp.insights_search_query (rowid, word) VALUES (%s, %s)",
            list(enumerate(terms)),
        )
        cursor.execute(
            "SELECT doc, term FROM temp.insights_search_query_words ORDER BY doc, offset"
        )
        tokens = cursor.fetchall()
        cursor.execute("DELETE FROM temp.insights_search_query")
    folded: list[list[str]] = [[] for _ in terms]
    for row, token in tokens:
        folded[row].append(token)
    return folded


def _begun(prefix: str) -> list[tuple[str, int]]:
    """The index's words that begin with `prefix` and their items, MAX_EXPANSION + 1 at most.
    The vocabulary is ordered by the words' bytes, as FTS5 matches a prefix."""
    with connection.cursor() as cursor:
        cursor.execute(_BEGUN, [prefix, prefix + "\U0010ffff", MAX_EXPANSION + 1])
        return [(word, int(n)) for word, n in cursor.fetchall() if word.startswith(prefix)]


def _items() -> int:
    """Items of every workspace: the documents of the index, which is one for all."""
    return Feedback.objects.count()


def matching(
    rows: QuerySet[Feedback],
    found: Search,
    *,
    newest_first: bool = False,
    matches: int | None = None,
    walk: bool = False,
    probe: bool = False,
) -> QuerySet[Feedback]:
    """`rows` narrowed to those whose title or text holds every word of the search.
    `newest_first`: for the list's page, whose plan may differ from the tab counts' (see
    WALK_FROM); `matches`, the tab's count when the caller has it, spares counting the
    index's matches to choose. `walk`: test the matches against rows read through another
    index whatever their number; `probe` (SQLite, see `probes`): test each row of their own
    order against the index. PostgreSQL's planner chooses itself from the index's statistics."""
    if found.nothing:
        return rows.none()
    if not found.expression:
        return rows
    sql, term = _vendor_sql(), found.expression
    if connection.vendor == "sqlite" and probe:
        sql = _PROBE
    elif connection.vendor == "sqlite" and (walk or (newest_first and _walks(term, matches))):
        sql = "+" + sql  # a unary plus: SQLite will not look the matches up by primary key
    kept = RawSQL(sql, [term], output_field=BooleanField())  # noqa: S611 - constant SQL, bound term
    return rows.filter(kept)


def probes(found: Search, until: int, here: int) -> bool:
    """Whether the list's first `until` matches, in a workspace of `here` items, are found by
    testing rows one by one (`matching(probe=True)`, SQLite): when at most `lacking` items lack
    a word, about until * here / (here - lacking) rows are tested, and PROBE_ROWS is the most
    worth it; never with a prefix term, which a test would merge again. The index's items are
    counted only when `here` leaves it possible."""
    if connection.vendor != "sqlite" or not found.expression or not found.least:
        return False
    if found.prefixed:
        return False
    most = here - sum(max(here - n, 0) for n in found.least)  # the fewest lacking, `here` all
    if most <= 0 or until * here > PROBE_ROWS * most:
        return False
    dense = here - found.lacking
    return dense > 0 and until * here <= PROBE_ROWS * dense


def index_matches(found: Search) -> int | None:
    """The text index's matches of the search in every workspace, on SQLite, where they
    choose the plans; None on PostgreSQL, whose planner chooses itself."""
    _vendor_sql()
    if connection.vendor != "sqlite" or not found.expression:
        return None
    return found.matches if found.matches is not None else _matches(found.expression)


def capped_count(rows: QuerySet[Feedback], found: Search, cap: int, *, stream: bool) -> int:
    """How many of `rows` match the search, counting no further than cap + 1,
    so that a word in most items costs no more than a rarer one. `stream` (SQLite, see
    `count_plan`): read the text index's matches and look each up by key (`_STREAM`) instead
    of testing `rows` through their own index against the set of every match. PostgreSQL's
    planner chooses itself; the LIMIT under the count stops its scan."""
    if stream and connection.vendor == "sqlite" and found.expression and not found.nothing:
        listed, params = rows.order_by().values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(_STREAM.format(rows=listed), [*params, found.expression, cap + 1])
            return int(cursor.fetchone()[0])
    return matching(rows, found, walk=True).order_by()[: cap + 1].count()


def count_plan(matches: int | None, bound: int, items: int, cap: int, *, shared: bool) -> str:
    """How to count the matches among `bound` rows (a status under the other filters, bigger
    than the cap) of a workspace of `items`, when the text index holds `matches` (None on
    PostgreSQL: "walk", a capped count its planner plans). Costs in steps of a walk:
    - "stream": about (cap + 1) * items / bound matches read (the rows are that share of
      the workspace), each looked up by key at LOOKUP_COST;
    - "walk": the set of every match built, then the rows walked until cap + 1 are found,
      about (cap + 1) * items / matches of them;
    - "exact": the rows walked to the end in the one exact aggregate, whose set of matches is
      built once for every status in it (`shared`: it is built anyway).
    A word in most items streams for a status holding most of them; a rarer word walks; a
    status with few rows joins the exact aggregate."""
    if matches is None:
        return "walk"
    costs = {
        "stream": LOOKUP_COST * min(matches, (cap + 1) * items / max(bound, 1)),
        "walk": matches + min(bound, (cap + 1) * items / max(matches, 1)),
        "exact": bound + (0 if shared else matches),
    }
    return min(costs, key=lambda plan: costs[plan])


def newest_first(found: Search | None, matches: int | None) -> list[Any]:
    """The list's order, newest first. On PostgreSQL, for a search with fewer than PG_WALK_FROM
    matches (the tab's count), `received_at + 0` keeps the planner off the newest-first index:
    it takes a prefix query for 0.5 % of the items and walks that index computing every row's
    words (a rare word at a million items: 26 s) instead of reading the GIN index and sorting
    the few matches (docs/benchmarks.md)."""
    rare = matches is not None and matches < PG_WALK_FROM and found is not None
    if rare and connection.vendor == "postgresql":
        shifted = F("received_at") + Value(timedelta(0))
        return [ExpressionWrapper(shifted, output_field=DateTimeField()).desc(), "-id"]
    return ["-received_at", "-id"]


def _vendor_sql() -> str:
    if connection.vendor not in _MATCH:
        raise RuntimeError(f"feedback search: no text index for the {connection.vendor} database")
    return _MATCH[connection.vendor]


def _walks(term: str, matches: int | None) -> bool:
    return (_matches(term) if matches is None else matches) >= WALK_FROM


def _matches(term: str) -> int:
    """Items of every workspace that match (the text index is one for all)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [term])
        return int(cursor.fetchone()[0])
