"""The inbox's text search (decision 0029) on the database of the run (SQLite's FTS5, or
PostgreSQL's GIN index with NORTHLINE_DATABASE_URL): the same cases and the same expected
results on both. Every word of the query begins a word of the title or text, whatever the case
and accents; operators of either query language in the input are plain separators; the index
follows every write (form and API intake, bulk and file imports, edits, plain UPDATEs and
deletes); the page and the API list the same items with the same tab counts."""

from __future__ import annotations

import io
import re

import pytest

from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from northline.insights.services import imports, search
from tests.conftest import Team, make_user, make_workspace

pytestmark = pytest.mark.django_db

ITEMS = {
    "csv": ("Export to CSV fails", "The export button does nothing"),
    "exports": ("", "CSV exports are broken since v1.2.3"),
    "pdf": ("PDF invoices", "Please add a PDF download of every invoice"),
    "cafe": ("Café menu", "The crème brûlée page is empty"),
    "mail": ("", "Send the e-mail digest to user@example.com on Mondays"),
    "upper": ("DARK MODE", "WE WANT A DARK THEME FOR THE DASHBOARD"),
    "order": ("", "Sorting by order date (newest first) is wrong"),
    "greek": ("", "Ελληνικά κείμενα και Привет мир"),
}


@pytest.fixture
def ids(team: Team) -> dict[str, int]:
    access = team.access("editor")
    found = {}
    for name, (title, text) in ITEMS.items():
        fields = {"text": text, **({"title": title} if title else {})}
        found[name] = service.add_feedback(access, fields)[0].pk
    return found


def searched(team: Team, query: str, **filters: str) -> set[int]:
    access = team.access("viewer")
    chosen = service.filters(access, q=query, **filters)
    return set(service.feedback_list(access, chosen, "all").values_list("id", flat=True))


CASES = [
    ("export", {"csv", "exports"}),  # title or text; a prefix of "exports"
    ("expor", {"csv", "exports"}),
    ("EXPORT", {"csv", "exports"}),
    ("csv export", {"csv", "exports"}),  # every word, in any order
    ("export csv broken", {"exports"}),
    ("export pdf", set()),
    ("cafe", {"cafe"}),  # accents and case do not matter, either way
    ("CAFÉ", {"cafe"}),
    ("creme brulee", {"cafe"}),
    ("dark", {"upper"}),
    ("dashboard theme", {"upper"}),
    ("e-mail", {"mail"}),  # the words of an address or a version are words
    ("mail", {"mail"}),
    ("example", {"mail"}),
    ("user@example.com", {"mail"}),
    ("v1.2", {"exports"}),
    ("ΕΛΛΗΝΙΚΆ", {"greek"}),  # case in every script; accents: those of Latin letters
    ("привет ελλην", {"greek"}),
    ("invoices", {"pdf"}),
    ("invoice download", {"pdf"}),
    ("xyz", set()),
    ("downloads", set()),  # a prefix of the query's word is not enough
]


@pytest.mark.parametrize(("query", "names"), CASES)
def test_every_word_is_a_prefix_of_a_word(
    team: Team, ids: dict[str, int], query: str, names: set[str]
) -> None:
    assert searched(team, query) == {ids[name] for name in names}


OPERATORS = [
    ('"', set(ITEMS)),  # no word at all: no text filter
    ("*", set(ITEMS)),
    ("-", set(ITEMS)),
    ("(", set(ITEMS)),
    ("%_\\'", set(ITEMS)),
    ("", set(ITEMS)),
    ('"export', {"csv", "exports"}),
    ('export"', {"csv", "exports"}),
    ("export*", {"csv", "exports"}),
    ("-export", {"csv", "exports"}),
    ("export -csv", {"csv", "exports"}),
    ("(export", {"csv", "exports"}),
    ("export OR pdf", set()),  # OR is a word to find, not an operator
    ("or", {"order"}),
    ("NEAR(export pdf)", set()),
    ("NEAR", set()),
    ("export AND NOT csv", set()),
    ("title:export", set()),  # no column filter: "title" is a word
    ("export & pdf | csv ! :*", set()),  # PostgreSQL's tsquery operators
    ("'export' <-> 'csv'", {"csv", "exports"}),
    ("^export", {"csv", "exports"}),
    ("\u0301", set()),  # a lone accent: a word of no letter, which neither index can find
    ("\u0301 export", {"csv", "exports"}),
    ("\u02bc", set()),  # the modifier letter apostrophe, which unaccent makes a quote
]


@pytest.mark.parametrize(("query", "names"), OPERATORS)
def test_operators_in_the_query_are_separators(
    team: Team, ids: dict[str, int], query: str, names: set[str]
) -> None:
    assert searched(team, query) == {ids[name] for name in names}


def test_a_long_query(team: Team, ids: dict[str, int]) -> None:
    words = " ".join(["export"] * 150)
    assert len(words) >= 1000 - 10
    assert searched(team, words[:1000]) == {ids["csv"], ids["exports"]}
    assert searched(team, "csv " + "x" * 996) == set()
    many = " ".join(f"w{n}" for n in range(200))
    assert search.words(many) == [f"w{n}" for n in range(search.MAX_WORDS)]


def test_a_query_too_long_names_the_field(team: Team) -> None:
    url = f"/w/{team.workspace.slug}/insights/"
    page = team.client("viewer").get(url, {"q": "x" * 1001})
    assert page.status_code == 200  # the inbox shows the problem above an unfiltered list
    assert "q: must be at most 1000 characters, got 1001" in page.content.decode()
    api = f"/api/v1/workspaces/{team.workspace.slug}/feedback"
    answer = team.client("viewer").get(api, {"q": "x" * 1001})
    assert answer.status_code == 422
    assert "q: must be at most 1000 characters, got 1001" in answer.content.decode()


def test_words_of_a_query() -> None:
    assert search.words('Crème "brûlée"* OR -e-mail (NEAR) v1.2 crème') == [
        "crème", "brûlée", "or", "e", "mail", "near", "v1", "2",
    ]  # fmt: skip
    assert search.words("--- * ( ) \" ' %") == []


def test_combined_with_other_filters_and_the_tabs(team: Team, ids: dict[str, int]) -> None:
    access = team.access("editor")
    service.archive_feedback(access, Feedback.objects.get(pk=ids["exports"]))
    service.update_feedback(access, Feedback.objects.get(pk=ids["csv"]), source="email")
    Feedback.objects.filter(pk=ids["pdf"]).update(kind="feature_request")
    assert searched(team, "export", source="email") == {ids["csv"]}
    assert searched(team, "export", source="sales") == set()
    assert searched(team, "pdf", kind="feature_request") == {ids["pdf"]}
    assert searched(team, "pdf", kind="bug") == set()
    tabs = tab_counts(team, {"q": "export"})
    assert tabs == {"open": 1, "new": 1, "triaged": 0, "linked": 0, "archived": 1, "all": 2}
    assert tab_counts(team, {"q": "export", "source": "email"})["all"] == 1


def tab_counts(team: Team, query: dict[str, str]) -> dict[str, int]:
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/", query)
    assert page.status_code == 200
    found = re.findall(
        r'status=(\w+)"[^>]*>[^<]+<span class="count">(\d+)</span>', page.content.decode()
    )
    return {key: int(n) for key, n in found}


@pytest.mark.parametrize("walk_from", [search.WALK_FROM, 1])  # both plans of the page
@pytest.mark.parametrize("query", ["export", "csv export", "expor", '"(-NEAR', "cafe"])
def test_the_page_and_the_api_list_the_same(
    team: Team, ids: dict[str, int], query: str, walk_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WALK_FROM", walk_from)
    monkeypatch.setattr(search, "PG_WALK_FROM", walk_from)
    client = team.client("viewer")
    page = client.get(f"/w/{team.workspace.slug}/insights/", {"q": query, "status": "all"})
    assert page.status_code == 200
    slug = team.workspace.slug
    found = re.findall(rf"/w/{slug}/insights/feedback/(\d+)/", page.content.decode())
    listed = list(dict.fromkeys(int(n) for n in found))
    api = client.get(f"/api/v1/workspaces/{slug}/feedback", {"q": query, "status": "all"})
    assert api.status_code == 200
    assert [item["id"] for item in api.json()["items"]] == listed  # newest first, both
    newest = Feedback.objects.filter(pk__in=searched(team, query)).order_by("-received_at", "-id")
    assert listed == list(newest.values_list("id", flat=True))
    assert api.json()["count"] == len(listed) == tab_counts(team, {"q": query})["all"]


def test_edits_and_deletes_keep_the_index_right(team: Team, ids: dict[str, int]) -> None:
    access = team.access("editor")
    csv = Feedback.objects.get(pk=ids["csv"])
    service.update_feedback(access, csv, title="Import from Excel", text="Nothing happens")
    assert searched(team, "export") == {ids["exports"]}
    assert searched(team, "excel nothing") == {ids["csv"]}
    Feedback.objects.filter(pk=ids["pdf"]).update(text="Webhooks for invoices")  # a plain UPDATE
    assert searched(team, "download") == set()
    assert searched(team, "webhook invoice") == {ids["pdf"]}
    Feedback.objects.filter(pk=ids["pdf"]).update(status="triaged", kind="bug")  # not the text
    assert searched(team, "webhook") == {ids["pdf"]}
    Feedback.objects.get(pk=ids["exports"]).delete()
    Feedback.objects.filter(pk=ids["cafe"]).delete()
    assert searched(team, "export") == set()
    assert searched(team, "cafe") == set()
    service.add_feedback(access, {"text": "Exporting to Excel works now"})
    assert len(searched(team, "excel")) == 2


def test_imports_are_indexed(team: Team) -> None:
    access = team.access("editor")
    service.import_feedback(
        access, [{"text": f"Bulk item {n} about zapier", "external_id": f"Z-{n}"} for n in range(5)]
    )
    data = b"Body,Id\nSlow zapier sync,A-1\nLove it,A-2\n"
    job = imports.create_import(access, "reviews.csv", io.BytesIO(data))
    imports.configure(access, job, mapping={"text": "Body", "external_id": "Id"})
    imports.execute(access, job, write=True)
    assert len(searched(team, "zapier")) == 6
    assert len(searched(team, "zapier sync")) == 1
    service.import_feedback(access, [{"text": "Bulk item 0 about hubspot", "external_id": "Z-0"}])
    assert len(searched(team, "zapier")) == 5
    assert len(searched(team, "hubspot bulk")) == 1


def test_a_bulk_insert_is_indexed(team: Team) -> None:
    """One multi-row INSERT (PostgreSQL's statement, SQLite's row triggers)."""
    Feedback.objects.bulk_create(
        [Feedback(workspace=team.workspace, text=f"Raw row {n} mentions gantt") for n in range(3)]
    )
    assert len(searched(team, "gantt")) == 3
    assert len(searched(team, "raw gantt 1")) == 1


def test_other_workspaces_are_not_searched(team: Team, ids: dict[str, int]) -> None:
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    Feedback.objects.create(workspace=other, text="Export to CSV as well")
    assert searched(team, "export csv") == {ids["csv"], ids["exports"]}
    other.delete()
    assert searched(team, "export csv") == {ids["csv"], ids["exports"]}
