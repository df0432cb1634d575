"""A search's tab counts stop at a cap (decision 0033) on the database of the run: exact up to
the cap, the cap and "capped" above it, whichever way each status is counted (exactly from the
status's own rows, or by the bounded count of the matches, streamed or walked); the page shows "N+" and the API
says `count_capped`; the items listed are those of an uncapped search, pages past the cap
included. The cap is set low through the service's parameter (and the module's default for
the page and the API) instead of building 10,000 items."""

from __future__ import annotations

import re

import pytest

from northline.insights import views
from northline.insights.models import Feedback, Tag
from northline.insights.services import feedback as service
from northline.insights.services import search
from tests.conftest import Team, make_user, make_workspace

pytestmark = pytest.mark.django_db

# (text, status, source): 5 new, 1 triaged and 2 archived items say "export"; 4 new do not.
ROWS = [
    *[(f"Export number {n} fails", "new", "email") for n in range(5)],
    ("Exporting a PDF is slow", "triaged", "email"),
    *[(f"Export archived {n}", "archived", "api") for n in range(2)],
    *[(f"Dark mode {n}", "new", "api") for n in range(3)],
    ("PDF invoices", "new", "api"),
]


@pytest.fixture(params=["stream", "walk", "exact"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each plan of a status bigger than the cap, whatever the sizes would choose."""
    chosen = str(request.param)
    monkeypatch.setattr(search, "count_plan", lambda *args, **kwargs: chosen)
    return chosen


@pytest.fixture
def rows(team: Team, plan: str) -> list[int]:
    access = team.access("editor")
    made = [service.add_feedback(access, {"text": t, "source": s})[0] for t, _, s in ROWS]
    for item, (_, status, _) in zip(made, ROWS, strict=True):
        Feedback.objects.filter(pk=item.pk).update(status=status)  # the tally's trigger follows
    return [item.pk for item in made]


def counted(team: Team, cap: int, **filters: str) -> tuple[dict[str, int], set[str]]:
    access = team.access("viewer")
    counts = service.status_counts(access, service.filters(access, **filters), cap=cap)
    return dict(counts), set(counts.capped)


def test_counts_stop_at_the_cap(team: Team, rows: list[int]) -> None:
    # new: 8 items, more than the cap, counted up to cap + 1 matches; triaged and archived:
    # no more items than the cap, counted exactly.
    assert counted(team, 3, q="export") == (
        {"new": 3, "triaged": 1, "linked": 0, "archived": 2, "open": 3, "all": 3},
        {"new", "open", "all"},
    )
    assert counted(team, 5, q="export") == (
        {"new": 5, "triaged": 1, "linked": 0, "archived": 2, "open": 6, "all": 8},
        set(),
    )
    assert counted(team, 1, q="export") == (
        {"new": 1, "triaged": 1, "linked": 0, "archived": 1, "open": 1, "all": 1},
        {"new", "archived", "open", "all"},
    )


def test_a_status_with_more_items_than_the_cap_but_few_matches_is_exact(
    team: Team, rows: list[int]
) -> None:
    # 9 new items (more than the cap) but 1 matching "pdf" among them: the bounded count
    # ends before the cap, so the number is exact.
    assert counted(team, 3, q="pdf") == (
        {"new": 1, "triaged": 1, "linked": 0, "archived": 0, "open": 2, "all": 2},
        set(),
    )
    assert counted(team, 3, q="zzz") == (dict.fromkeys(service.TABS, 0), set())


def test_capped_counts_under_other_filters(team: Team, rows: list[int]) -> None:
    # a filter of the tally (source) bounds each status through the tally
    assert counted(team, 3, q="export", source="email") == (
        {"new": 3, "triaged": 1, "linked": 0, "archived": 0, "open": 3, "all": 3},
        {"new", "open", "all"},
    )
    assert counted(team, 3, q="export", source="api") == (
        {"new": 0, "triaged": 0, "linked": 0, "archived": 2, "open": 0, "all": 2},
        set(),
    )
    # other filters (a tag) bound them by counting the status's rows without the search
    tag = Tag.objects.create(workspace=team.workspace, name="big")
    tag.feedback.add(*rows[:4], rows[8])  # 4 new exports and one new "Dark mode"
    assert counted(team, 3, q="export", tag="big") == (
        {"new": 3, "triaged": 0, "linked": 0, "archived": 0, "open": 3, "all": 3},
        {"new", "open", "all"},
    )
    assert counted(team, 4, q="export", tag="big") == (
        {"new": 4, "triaged": 0, "linked": 0, "archived": 0, "open": 4, "all": 4},
        set(),
    )
    assert counted(team, 3, q="export", tag="nope")[0] == dict.fromkeys(service.TABS, 0)


def test_another_workspace_is_not_counted(team: Team, rows: list[int]) -> None:
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    Feedback.objects.bulk_create(
        [Feedback(workspace=other, text=f"Export of pdf {n}") for n in range(6)]
    )
    assert counted(team, 3, q="pdf") == (
        {"new": 1, "triaged": 1, "linked": 0, "archived": 0, "open": 2, "all": 2},
        set(),
    )
    assert counted(team, 3, q="export")[0]["new"] == 3


def tabs_of(page: str) -> dict[str, str]:
    found = re.findall(r'status=(\w+)"[^>]*>[^<]+<span class="count">([\d,+]+)</span>', page)
    return dict(found)


def listed_on(page: str, slug: str) -> list[int]:
    found = re.findall(rf"/w/{slug}/insights/feedback/(\d+)/", page)
    return list(dict.fromkeys(int(n) for n in found))


@pytest.mark.parametrize("walk_from", [search.WALK_FROM, 1])  # both plans of the page
def test_the_page_and_the_api_agree_on_capped_counts(
    team: Team, rows: list[int], walk_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "WALK_FROM", walk_from)
    monkeypatch.setattr(search, "PG_WALK_FROM", walk_from)
    client, slug = team.client("viewer"), team.workspace.slug
    page = client.get(f"/w/{slug}/insights/", {"q": "export", "status": "all"})
    assert page.status_code == 200
    html = page.content.decode()
    assert tabs_of(html) == {
        "open": "3+", "new": "3+", "triaged": "1", "linked": "0", "archived": "2", "all": "3+",
    }  # fmt: skip
    assert "3+ items: more than the search counts. Add words or filters to narrow it." in html
    newest = Feedback.objects.filter(pk__in=rows[:8]).order_by("-received_at", "-id")
    every = list(newest.values_list("id", flat=True))
    assert listed_on(html, slug) == every  # the results are not capped, only the count
    api = f"/api/v1/workspaces/{slug}/feedback"
    for status, count, capped in [("all", 3, True), ("new", 3, True), ("archived", 2, False)]:
        body = client.get(api, {"q": "export", "status": status}).json()
        assert (body["count"], body["count_capped"]) == (count, capped)
        shown = tabs_of(html)[status]
        assert shown == f"{count}+" if capped else shown == str(count)
    body = client.get(api, {"q": "export", "status": "all"}).json()
    assert [item["id"] for item in body["items"]] == every
    assert client.get(api).json()["count_capped"] is False  # without a search: exact


def test_pages_go_on_past_a_capped_count(
    team: Team, rows: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(views, "PER_PAGE", 2)
    client, slug = team.client("viewer"), team.workspace.slug
    newest = Feedback.objects.filter(pk__in=rows[:8]).order_by("-received_at", "-id")
    every = list(newest.values_list("id", flat=True))
    url = f"/w/{slug}/insights/"
    second = client.get(url, {"q": "export", "status": "all", "page": "2"}).content.decode()
    assert listed_on(second, slug) == every[2:4]
    assert "Page 2 of 3+" in second and "page=3" in second  # past the 3 counted matches
    last = client.get(url, {"q": "export", "status": "all", "page": "4"}).content.decode()
    assert listed_on(last, slug) == every[6:8]
    assert "Page 4 of 5+" in last  # full: there may be more
    beyond = client.get(url, {"q": "export", "status": "all", "page": "5"}).content.decode()
    assert listed_on(beyond, slug) == [] and "page=6" not in beyond
    exact = client.get(url, {"q": "export", "status": "archived", "page": "9"}).content.decode()
    archived = [pk for pk in every if pk in rows[6:8]]
    assert listed_on(exact, slug) == archived  # an exact count still ends at its last page


def test_the_default_cap_reads_with_thousands_separators() -> None:
    counts = service.TabCounts({"open": 10_000, "all": 12}, frozenset({"open"}))
    assert (views.shown(counts, "open"), views.shown(counts, "all")) == ("10,000+", "12")


@pytest.mark.parametrize(
    ("persona", "code"), [("anonymous", 302), ("outsider", 404), ("viewer", 200), ("owner", 200)]
)
def test_who_sees_a_capped_search(
    team: Team, rows: list[int], persona: str, code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    client, slug = team.client(persona), team.workspace.slug
    page = client.get(f"/w/{slug}/insights/", {"q": "export"})
    assert page.status_code == code
    api = client.get(f"/api/v1/workspaces/{slug}/feedback", {"q": "export"})
    assert api.status_code == {302: 401}.get(code, code)
    if code == 200:
        assert (api.json()["count"], api.json()["count_capped"]) == (3, True)
