"""Searches that the index's vocabulary answers (decision 0041), on the database of the run:
a word in every item filters nothing, a word in no item matches nothing, a status with more
items than the cap plus those lacking a word is capped without a count, a prefix is an OR of
the index's words it begins. The items, their order and the capped counts are those of the
plain search on both databases; on SQLite the tests also check that each rule was taken (on
PostgreSQL the planner reads the GIN index, and the same results are expected)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from northline.insights import views
from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from northline.insights.services import search
from tests.conftest import Team, make_user, make_workspace

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
PROBE = "EXISTS (SELECT 1 FROM insights_feedback_search"
# (title, text, status): every item says "the"; rows 0, 1, 4 and 5 "export" or "exporting".
ROWS = [
    ("Export fails", "The export button does nothing", "new"),
    ("", "Exporting the report is slow", "new"),
    ("Dark mode", "The dashboard is too bright", "new"),
    ("", "The theme colours are off", "new"),
    ("", "Export of the archive", "archived"),
    ("", "The export again", "archived"),
]


def add(team: Team, rows: list[tuple[str, str, str]]) -> list[int]:
    access = team.access("editor")
    made = []
    for title, text, status in rows:
        fields = {"text": text, **({"title": title} if title else {})}
        item = service.add_feedback(access, fields)[0]
        Feedback.objects.filter(pk=item.pk).update(status=status)  # the tally's trigger follows
        made.append(item.pk)
    return made


def newest(ids: list[int]) -> list[int]:
    rows = Feedback.objects.filter(pk__in=ids).order_by("-received_at", "-id")
    return list(rows.values_list("id", flat=True))


@pytest.fixture
def rows(team: Team) -> list[int]:
    """The items in ROWS' order."""
    return add(team, ROWS)


def listed(team: Team, query: str, status: str = "all") -> list[int]:
    access = team.access("viewer")
    chosen = service.filters(access, q=query)
    return list(service.feedback_list(access, chosen, status).values_list("id", flat=True))


def counted(team: Team, query: str, cap: int) -> tuple[dict[str, int], set[str]]:
    access = team.access("viewer")
    counts = service.status_counts(access, service.filters(access, q=query), cap=cap)
    return dict(counts), set(counts.capped)


def read(team: Team, query: str) -> search.Search | None:
    return service.filters(team.access("viewer"), q=query).terms


def test_a_word_in_every_item_filters_nothing(team: Team, rows: list[int]) -> None:
    # "the" begins "the" (in every item) and "theme"
    assert listed(team, "the") == newest(rows)
    assert listed(team, "the", "archived") == newest(rows[4:])
    assert counted(team, "the", 3) == (
        {"new": 3, "triaged": 0, "linked": 0, "archived": 2, "open": 3, "all": 3},
        {"new", "open", "all"},
    )
    assert counted(team, "the", 6)[0] == {
        "new": 4, "triaged": 0, "linked": 0, "archived": 2, "open": 4, "all": 6,
    }  # fmt: skip
    # beside another word, only the other one narrows
    assert listed(team, "the expor") == newest([rows[0], rows[1], rows[4], rows[5]])
    assert counted(team, "the expor", 3)[0] == {
        "new": 2, "triaged": 0, "linked": 0, "archived": 2, "open": 2, "all": 4,
    }  # fmt: skip
    found = read(team, "the expor")
    assert found is not None
    if SQLITE:
        assert read(team, "the") == search.Search(("the",), "")
        assert found.expression == '("export" OR "exporting")'


def test_an_item_elsewhere_without_the_word_keeps_the_search(team: Team, rows: list[int]) -> None:
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    Feedback.objects.create(workspace=other, text="Nothing here")
    assert listed(team, "the") == newest(rows)
    assert counted(team, "the", 6)[0]["all"] == 6
    if SQLITE:  # the index is one for every workspace: the word is no longer in every item
        assert read(team, "the") == search.Search(("the",), '("the" OR "theme")', least=(6,))


def test_a_word_in_no_item_matches_nothing(team: Team, rows: list[int]) -> None:
    assert listed(team, "export zzz") == []
    assert counted(team, "export zzz", 3) == (dict.fromkeys(service.TABS, 0), set())
    client, slug = team.client("viewer"), team.workspace.slug
    body = client.get(f"/api/v1/workspaces/{slug}/feedback", {"q": "export zzz"}).json()
    assert (body["count"], body["count_capped"], body["items"]) == (0, False, [])
    if SQLITE:
        assert read(team, "export zzz") == search.Search(("export", "zzz"), "", nothing=True)


def test_a_status_past_the_cap_and_the_lacking_items_is_capped_uncounted(
    team: Team, rows: list[int]
) -> None:
    more = add(team, [(f"Export number {n}", "Broken", "new") for n in range(4)])
    # "export" is in 7 items of 10: at most 3 lack it. new: 8 items, 6 matches.
    if SQLITE:
        assert read(team, "export") == search.Search(
            ("export",), '("export" OR "exporting")', least=(7,)
        )
    # cap 2: new's 8 items exceed 2 + 3, so it has more than 2 matches without a count
    with CaptureQueriesContext(connection) as queries:
        assert counted(team, "export", 2) == (
            {"new": 2, "triaged": 0, "linked": 0, "archived": 2, "open": 2, "all": 2},
            {"new", "open", "all"},
        )
    if SQLITE:  # archived (2 items) was counted; new was not
        searched = [q["sql"] for q in queries.captured_queries if "MATCH" in q["sql"]]
        assert [sql for sql in searched if "'archived'" in sql]
        assert not [sql for sql in searched if "'new'" in sql]
    # cap 5: new's 8 items do not exceed 5 + 3; counted, more than 5. cap 6: exactly 6.
    assert counted(team, "export", 5)[1] == {"new", "open", "all"}
    assert counted(team, "export", 6) == (
        {"new": 6, "triaged": 0, "linked": 0, "archived": 2, "open": 6, "all": 8},
        set(),
    )
    assert listed(team, "export") == newest([rows[0], rows[1], rows[4], rows[5], *more])


def test_a_prefix_of_many_words_stays_a_prefix(
    team: Team, rows: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_EXPANSION", 1)
    assert listed(team, "expor") == newest([rows[0], rows[1], rows[4], rows[5]])
    with CaptureQueriesContext(connection) as queries:  # a prefix term is never tested row by row
        page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/", {"q": "expor"})
    assert page.status_code == 200
    assert not [q for q in queries.captured_queries if PROBE in q["sql"]]
    assert listed(team, "the") == newest(rows)
    if SQLITE:
        assert read(team, "expor") == search.Search(
            ("expor",), '"expor"*', least=(3,), prefixed=True
        )
        assert read(team, "the") == search.Search(("the",), "")


def test_the_query_is_folded_by_the_index_tokenizer(team: Team, rows: list[int]) -> None:
    access = team.access("editor")
    cafe = service.add_feedback(access, {"text": "Café crème for the team"})[0].pk
    assert listed(team, "CAFÉ CREME") == [cafe]
    assert listed(team, "cafes") == []
    if SQLITE:
        found = read(team, "CAFÉ CREME")
        assert found is not None and found.expression == '("cafe") AND ("creme")'


def test_the_page_reads_the_vocabulary_once(team: Team, rows: list[int]) -> None:
    client, slug = team.client("viewer"), team.workspace.slug
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/w/{slug}/insights/", {"q": "export dark"})
    assert page.status_code == 200
    if SQLITE:  # one range of words per query word, for the counts and the list together
        ranges = [
            q for q in queries.captured_queries if "insights_search_vocabulary WHERE" in q["sql"]
        ]
        assert len(ranges) == 2


@pytest.mark.parametrize("probe_rows", [search.PROBE_ROWS, 0])  # both plans of the page
def test_the_first_pages_of_a_common_word_test_rows_one_by_one(
    team: Team, rows: list[int], probe_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PROBE_ROWS", probe_rows)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    client, slug = team.client("viewer"), team.workspace.slug
    exports = newest([rows[0], rows[1], rows[4], rows[5]])
    pages, probed = [], 0
    for number in ("1", "2", "3"):
        with CaptureQueriesContext(connection) as queries:  # the log restarts with a request
            page = client.get(
                f"/w/{slug}/insights/", {"q": "export", "status": "all", "page": number}
            )
        probed += sum(PROBE in q["sql"] for q in queries.captured_queries)
        pages.append(re.findall(rf"/w/{slug}/insights/feedback/(\d+)/", page.content.decode()))
    assert [list(dict.fromkeys(int(n) for n in found)) for found in pages] == [
        exports[:2],
        exports[2:],
        exports[2:],  # page 3 of 2 shows the last page
    ]
    api = f"/api/v1/workspaces/{slug}/feedback"
    body = client.get(api, {"q": "export", "status": "all", "offset": 1, "limit": 2}).json()
    assert [item["id"] for item in body["items"]] == exports[1:3]
    if SQLITE:  # 4 of 6 items match: 2, 4 or 6 rows listed are expected within 400 tests
        assert probed == (3 if probe_rows else 0)
