"""Similar ideas while typing: the JSON endpoint the page's script calls, ranked by the text
engine's similarity index, cached per workspace until an idea changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from northline.insights.text import tiers
from northline.portal.models import Idea
from northline.portal.services import antispam, moderation, similar
from tests.conftest import Team
from tests.portal.helpers import make_idea, make_portal, sign_in

pytestmark = pytest.mark.django_db

IDEAS = ["Dark mode for the dashboard", "Export reports to Excel", "Single sign-on with Okta",
         "Slack notifications for new comments", "Mobile app for Android"]  # fmt: skip


@pytest.fixture
def ideas(team: Team) -> dict[str, Idea]:
    make_portal(team)
    return {title: make_idea(team.workspace, title) for title in IDEAS}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("dark theme on dashboards", "Dark mode for the dashboard"),
     ("export to excel", "Export reports to Excel"),
     ("SSO via okta", "Single sign-on with Okta"),
     ("notify me in slack", "Slack notifications for new comments"),
     ("android application", "Mobile app for Android")],
)  # fmt: skip
def test_the_most_similar_idea_comes_first(
    team: Team, ideas: dict[str, Idea], typed: str, expected: str
) -> None:
    body = Client().get(f"/p/{team.workspace.slug}/ideas/similar.json", {"q": typed}).json()
    assert body["ok"] is True and body["tier"] == "lexical"
    assert body["ideas"][0]["title"] == expected
    first = body["ideas"][0]
    idea = ideas[expected]
    assert first["url"] == idea.get_absolute_url() and first["votes"] == 1
    assert first["vote_url"] == f"/p/{team.workspace.slug}/ideas/{idea.pk}/vote/"
    assert first["status_label"] == "Under review" and first["voted"] is False


def test_unrelated_or_short_text_suggests_nothing(team: Team, ideas: dict[str, Idea]) -> None:
    url = f"/p/{team.workspace.slug}/ideas/similar.json"
    assert Client().get(url, {"q": "zebra xylophone quux"}).json()["ideas"] == []
    assert Client().get(url, {"q": "da"}).json()["ideas"] == []


def test_marks_what_the_customer_voted_for(team: Team, ideas: dict[str, Idea]) -> None:
    client = sign_in(team.workspace, "ann@acme.com")  # the author of every idea
    body = client.get(f"/p/{team.workspace.slug}/ideas/similar.json", {"q": "dark mode"}).json()
    assert body["ideas"][0]["voted"] is True


def test_too_long_a_query_is_named(team: Team, ideas: dict[str, Idea]) -> None:
    response = Client().get(f"/p/{team.workspace.slug}/ideas/similar.json", {"q": "x" * 501})
    assert response.status_code == 422
    assert response.json()["errors"] == ["q: must be at most 500 characters, got 501"]


def test_the_index_grows_with_new_ideas_and_is_rebuilt_when_one_leaves(
    team: Team, ideas: dict[str, Idea]
) -> None:
    first = similar.index_for(team.workspace)
    assert similar.index_for(team.workspace) is first and len(first) == 2 * len(IDEAS)
    make_idea(team.workspace, "Calendar sync with Outlook")
    grown = similar.index_for(team.workspace)
    assert grown is first and len(grown) == 2 * len(IDEAS) + 2
    found = similar.similar_ideas(team.workspace, "outlook calendar")
    assert found[0][0].title == "Calendar sync with Outlook"
    duplicate = make_idea(team.workspace, "Outlook calendar sync please")
    assert len(similar.index_for(team.workspace)) == 2 * len(IDEAS) + 4
    moderation.merge_idea(team.access("editor"), duplicate, found[0][0])
    rebuilt = similar.index_for(team.workspace)
    assert rebuilt is not first and len(rebuilt) == 2 * len(IDEAS) + 2
    titles = [idea.title for idea, _ in similar.similar_ideas(team.workspace, "outlook calendar")]
    assert titles == ["Calendar sync with Outlook"]


def test_only_published_ideas_are_suggested(team: Team, ideas: dict[str, Idea]) -> None:
    make_portal(team, moderation=True)
    make_idea(team.workspace, "Calendar sync with Outlook")
    assert similar.similar_ideas(team.workspace, "outlook calendar") == []


def test_lookups_are_rate_limited_per_client(
    team: Team, ideas: dict[str, Idea], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(antispam.LIMITS, "similar", ((2, 3600), (2, 3600)))
    url = f"/p/{team.workspace.slug}/ideas/similar.json"
    codes = [Client().get(url, {"q": "dark mode"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Client(REMOTE_ADDR="10.1.2.3").get(url, {"q": "dark mode"}).status_code == 200


@pytest.mark.django_db(transaction=True)  # the worker builds the stored index for real
def test_a_big_portal_builds_its_index_in_the_worker_and_every_process_loads_it(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from northline.portal.models import SimilarIndex

    monkeypatch.setattr(similar, "SYNC_BUILD_LIMIT", 3)  # these five ideas make a "big" portal
    make_portal(team)
    for title in IDEAS:
        make_idea(team.workspace, title)

    def work() -> list[str]:
        queued = DBTaskResult.objects.filter(
            task_path__endswith="warm_similar_index", finished_at=None
        )
        ids = list(queued.values_list("id", flat=True))
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
        rows = DBTaskResult.objects.filter(id__in=ids).order_by("enqueued_at", "id")
        return [row.return_value for row in rows]

    def new_process() -> None:
        similar._cache.clear()

    new_process()
    assert similar.similar_ideas(team.workspace, "dark theme") == []  # nothing built yet
    # five publishes and that request queued it; the worker runs them once all ideas are there
    assert work() == ["rebuilt"] + ["current"] * 5
    stored = SimilarIndex.objects.get(workspace=team.workspace)
    assert (stored.ideas, stored.tier) == (5, "lexical")

    new_process()  # another app server: loads the stored index instead of building one
    assert similar.similar_ideas(team.workspace, "dark theme")[0][0].title == IDEAS[0]
    assert similar._cache[team.workspace.pk].source_at == stored.updated_at

    outlook = make_idea(team.workspace, "Calendar sync with Outlook")  # added, not rebuilt
    assert similar.similar_ideas(team.workspace, "outlook calendar")[0][0] == outlook
    assert len(similar.index_for(team.workspace) or []) == 12
    assert similar._cache[team.workspace.pk].source_at == stored.updated_at

    duplicate = make_idea(team.workspace, "Outlook calendar sync please")
    assert len(similar.index_for(team.workspace) or []) == 14
    moderation.merge_idea(team.access("editor"), duplicate, outlook)
    found = [idea.title for idea, _ in similar.similar_ideas(team.workspace, "outlook calendar")]
    assert found == ["Calendar sync with Outlook"]  # the stale copy never suggests a merged idea
    assert similar._cache[team.workspace.pk].stale is True
    # the stored index never saw the duplicate: the worker adds the one idea that stayed
    assert work() == ["extended", "current", "current"]
    assert SimilarIndex.objects.get(workspace=team.workspace).ideas == 6
    assert len(similar.index_for(team.workspace) or []) == 12  # the worker's, loaded
    assert similar._cache[team.workspace.pk].stale is False

    SimilarIndex.objects.all().delete()  # a stored index that saw an idea that then left:
    new_process()
    similar.index_for(team.workspace)  # (a big portal with nothing stored: queued, no build)
    assert work() == ["rebuilt"]
    make_idea(team.workspace, "Outlook add-in")
    work()
    new_process()
    gone = similar.index_for(team.workspace)
    moderation.merge_idea(team.access("editor"), Idea.objects.get(title="Outlook add-in"), outlook)
    assert work() == ["rebuilt"]
    assert len(similar.index_for(team.workspace) or []) == 12
    assert similar.index_for(team.workspace) is not gone


def test_a_stored_index_of_another_format_is_rebuilt_not_trusted(team: Team) -> None:
    import zlib

    from northline.portal.models import SimilarIndex

    make_portal(team)
    for title in IDEAS:
        make_idea(team.workspace, title)
    assert similar.warm(team.workspace) == "small"  # small portals store nothing: store by hand
    index = similar._build(team.workspace)
    SimilarIndex.objects.create(
        workspace=team.workspace, tier="lexical", ideas=index.count, latest=index.latest,
        data=zlib.compress(b"an index pickled by an older Northline"),
    )  # fmt: skip
    assert similar._load(team.workspace) is None
    row = SimilarIndex.objects.get(workspace=team.workspace)
    row.data = zlib.compress(tiers.similarity_index_bytes(index.index))
    row.save()
    loaded = similar._load(team.workspace)
    assert loaded is not None and len(loaded.index) == len(index.index)


def test_a_big_portal_of_a_tier_that_is_not_stored_builds_on_the_request(
    team: Team, ideas: dict[str, Idea], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from northline.portal.models import SimilarIndex

    monkeypatch.setattr(similar, "SYNC_BUILD_LIMIT", 3)
    settings.SEMANTIC_MODEL = "/no/such/model"  # configured (falls back to lexical here)
    similar._cache.clear()
    assert similar.similar_ideas(team.workspace, "dark theme")[0][0].title == IDEAS[0]
    assert similar.warm(team.workspace) == "small" and not SimilarIndex.objects.exists()
