"""The feedback tally (decision 0021): after every kind of write (intake from the form, the
API and a file; triage, linking, archiving, merging a duplicate, processing, a team
correction, a delete, a deleted workspace) the tally equals a fresh count of the feedback, and
the inbox's tabs read it; `recount_feedback` repairs a tally that is wrong. Runs on the test
database of the run (SQLite, or PostgreSQL with NORTHLINE_DATABASE_URL), whose triggers keep it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from northline.accounts.models import Workspace
from northline.insights.models import Feedback, FeedbackTally, Theme
from northline.insights.services import feedback as service
from northline.insights.services import imports, links, retraining, tally
from northline.planning.services import features
from tests.conftest import Team, make_user, make_workspace
from tests.insights.processing_helpers import Commits, add

pytestmark = pytest.mark.django_db


def tallied(workspace: Workspace) -> dict[tuple[str, ...], int]:
    rows = FeedbackTally.objects.filter(workspace=workspace, n__gt=0)
    return {tuple(key): n for *key, n in rows.values_list(*tally.KEY, "n")}


def counted(workspace: Workspace) -> dict[tuple[str, ...], int]:
    rows = Feedback.objects.filter(workspace=workspace)
    return {
        tuple(getattr(f, name) for name in tally.KEY): rows.filter(
            **{name: getattr(f, name) for name in tally.KEY}
        ).count()
        for f in rows
    }


def assert_right(workspace: Workspace) -> None:
    assert tallied(workspace) == counted(workspace)
    assert FeedbackTally.objects.filter(workspace=workspace, n__lt=0).count() == 0


def tabs(team: Team, **query: str) -> dict[str, int]:
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/", query)
    assert page.status_code == 200
    found = re.findall(
        r'status=(\w+)"[^>]*>[^<]+<span class="count">(\d+)</span>', page.content.decode()
    )
    return {key: int(n) for key, n in found}


def test_intake_triage_archive_and_the_tabs(team: Team) -> None:
    access = team.access("editor")
    one, _ = service.add_feedback(access, {"text": "Export is slow", "source": "email"})
    service.import_feedback(
        access, [{"text": f"Item {n}", "external_id": f"X-{n}", "source": "api"} for n in range(4)]
    )
    assert tabs(team) == {"open": 5, "new": 5, "triaged": 0, "linked": 0, "archived": 0, "all": 5}
    service.set_status(access, one, "triaged")
    service.archive_feedback(access, Feedback.objects.get(external_id="X-0"))
    service.import_feedback(
        access, [{"text": "Item 1, again", "external_id": "X-1", "source": "api"}]
    )
    assert_right(team.workspace)
    assert tabs(team) == {"open": 4, "new": 3, "triaged": 1, "linked": 0, "archived": 1, "all": 5}
    assert tabs(team, source="api") == {
        "open": 3, "new": 3, "triaged": 0, "linked": 0, "archived": 1, "all": 4,
    }  # fmt: skip
    assert tabs(team, source="email", status="triaged")["triaged"] == 1


def test_the_form_and_the_api_count_the_same(team: Team) -> None:
    client = team.client("editor")
    base = f"/w/{team.workspace.slug}/insights"
    assert (
        client.post(f"{base}/feedback/new/", {"text": "From the form", "source": "app"}).status_code
        == 302
    )
    api = f"/api/v1/workspaces/{team.workspace.slug}/feedback"
    assert (
        client.post(api, {"text": "From the API"}, content_type="application/json").status_code
        == 201
    )
    assert_right(team.workspace)
    listed = team.client("viewer").get(api, {"status": "new"}).json()
    assert listed["count"] == 2 and len(listed["items"]) == 2
    assert team.client("viewer").get(api, {"status": "archived"}).json()["count"] == 0


def test_linking_merging_and_deleting(team: Team) -> None:
    access = team.access("editor")
    first, _ = service.add_feedback(access, {"text": "Dark mode please"})
    second, _ = service.add_feedback(access, {"text": "Please add a dark mode"})
    third, _ = service.add_feedback(access, {"text": "Crash on start"})
    links.link_feature(access, first, features.create_feature(access, "Dark mode"))
    retraining.merge_duplicate(access, second, first)
    assert tabs(team)["linked"] == 1 and tabs(team)["archived"] == 1
    third.delete()
    assert_right(team.workspace)
    assert tabs(team) == {"open": 1, "new": 0, "triaged": 0, "linked": 1, "archived": 1, "all": 2}


def test_processing_and_corrections_move_items_between_facets(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "The app crashes every time I upload a photo")
    add(team, commits, "Love the new design, great work team!")
    assert fb.kind and fb.sentiment and fb.language
    assert_right(team.workspace)
    assert tabs(team, type=fb.kind)["new"] == Feedback.objects.filter(kind=fb.kind).count()
    other = "question" if fb.kind != "question" else "bug"
    retraining.correct(team.access("editor"), fb, "type", other)
    assert_right(team.workspace)
    assert tabs(team, type=other, sentiment=fb.sentiment, language=fb.language)["new"] == 1


def test_a_file_import_is_counted(team: Team) -> None:
    access = team.access("editor")
    data = b"Body,Id\nSlow export,A-1\nLove it,A-2\nCrash,A-3\n"
    job = imports.create_import(access, "reviews.csv", io.BytesIO(data))
    imports.configure(access, job, mapping={"text": "Body", "external_id": "Id"})
    imports.execute(access, job, write=True)
    assert_right(team.workspace)
    assert tabs(team, source="import")["new"] == 3


def test_other_workspaces_and_a_deleted_workspace(team: Team) -> None:
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    Feedback.objects.create(workspace=other, text="Someone else's")
    service.add_feedback(team.access("editor"), {"text": "Ours"})
    assert tabs(team)["all"] == 1
    other.delete()
    assert FeedbackTally.objects.filter(workspace_id=other.pk).count() == 0
    assert_right(team.workspace)


def test_a_deleted_workspace_whose_items_have_a_theme_leaves_no_tally(team: Team) -> None:
    """Deleting the workspace first sets its items' theme to NULL (an UPDATE of a column
    outside the key): that UPDATE must not write the workspace's tally rows back."""
    other = make_workspace(make_user("zed@example.com", "Zed"), "Other")
    theme = Theme.objects.create(workspace=other, label="exports", size=1)
    Feedback.objects.create(workspace=other, text="Someone else's", theme=theme)
    other.delete()
    assert FeedbackTally.objects.filter(workspace_id=other.pk).count() == 0
    assert_right(team.workspace)


def test_only_updates_of_the_key_touch_the_tally(team: Team) -> None:
    """With the tally rows gone, an UPDATE of a column outside the key writes none back (on
    PostgreSQL every UPDATE fires the statement trigger); one of the status writes one."""
    service.add_feedback(team.access("editor"), {"text": "Slow export"})
    items = Feedback.objects.filter(workspace=team.workspace)
    FeedbackTally.objects.filter(workspace=team.workspace).delete()
    items.update(title="Exports are slow")
    assert tallied(team.workspace) == {}
    items.update(status=Feedback.Status.TRIAGED)
    assert [key[0] for key in tallied(team.workspace)] == ["triaged"]


def test_filters_the_tally_does_not_keep_are_counted_from_the_rows(team: Team) -> None:
    access = team.access("editor")
    service.add_feedback(access, {"text": "Slow export", "tags": ["speed"]})
    service.add_feedback(access, {"text": "Slow search"})
    service.add_feedback(access, {"text": "Nice colours", "tags": ["speed"]})
    assert tabs(team, tag="speed")["new"] == 2
    assert tabs(team, q="slow")["new"] == 2
    assert tabs(team, q="slow", tag="speed")["new"] == 1


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("recount_feedback", *args, stdout=out)
    return out.getvalue()


def test_recount_repairs_a_wrong_tally(team: Team) -> None:
    access = team.access("editor")
    for text in ("One", "Two", "Three"):
        service.add_feedback(access, {"text": text, "source": "email"})
    assert run("--workspace", "acme") == "acme: 1 counts, 0 corrected\n"
    FeedbackTally.objects.filter(workspace=team.workspace).update(n=7)
    FeedbackTally.objects.create(
        workspace=team.workspace, status="triaged", kind="", sentiment="", language="",
        source="app", n=2,
    )  # fmt: skip
    assert tabs(team)["all"] == 9
    assert run("--workspace", "acme") == "acme: 1 counts, 2 corrected\n"
    assert tabs(team) == {"open": 3, "new": 3, "triaged": 0, "linked": 0, "archived": 0, "all": 3}
    FeedbackTally.objects.filter(workspace=team.workspace).delete()
    assert run() == "acme: 1 counts, 1 corrected\nelsewhere: 0 counts, 0 corrected\n"
    assert_right(team.workspace)


def test_recount_of_an_unknown_workspace(team: Team) -> None:
    with pytest.raises(CommandError, match=r"^workspace: no workspace 'nope'$"):
        run("--workspace", "nope")


def test_a_status_outside_the_choices_is_counted_too(team: Team) -> None:
    """A status outside the choices (as a raw write could store) is still counted and recounted."""
    Feedback.objects.create(workspace=team.workspace, text="Odd", status="snoozed")
    assert tallied(team.workspace)[("snoozed", "", "", "", "app")] == 1
    assert tally.recount(team.workspace).fixed == 0
