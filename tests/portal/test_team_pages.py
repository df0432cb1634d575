"""The team's portal pages: each for every persona (outsider 404, viewer writing 403, admins
only for settings), and the forms behind them: settings, moderation, votes on behalf of a
customer (picked or created), status, official reply and links to features."""

from __future__ import annotations

from typing import Any

import pytest

from northline.insights.models import Customer, FeedbackLink
from northline.planning.services import features
from northline.portal.models import Comment, Idea, Portal, Vote
from tests.conftest import Team
from tests.portal.helpers import make_idea, make_portal

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "admin", "editor", "viewer", "outsider"]


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    make_portal(team)
    features.create_feature(team.access("editor"), "Dark mode")
    idea = make_idea(team.workspace, "Dark mode")
    make_portal(team, moderation=True)
    pending = make_idea(team.workspace, "Darker mode", email="bo@acme.com")
    waiting = make_idea(team.workspace, "Spam spam", email="bot@spam.io")
    comment = Comment.objects.create(workspace=team.workspace, idea=idea, text="wait",
                                     state=Comment.State.PENDING)  # fmt: skip
    return {"idea": idea, "pending": pending, "waiting": waiting, "comment": comment}


def status(persona: str, allowed: set[str], ok: int) -> int:
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix(team: Team, s: dict[str, Any], persona: str) -> None:
    t = f"/w/{team.workspace.slug}/portal"
    i = f"{t}/ideas/{s['idea'].pk}"
    everyone, editors, admins = (
        {"owner", "admin", "editor", "viewer"},
        {"owner", "admin", "editor"},
        {"owner", "admin"},
    )
    pages = [
        ("get", f"{t}/", {}, everyone, 200),
        ("get", f"{i}/", {}, everyone, 200),
        ("get", f"{t}/moderation/", {}, everyone, 200),
        ("get", f"{t}/settings/", {}, admins, 200),
        (
            "post",
            f"{t}/settings/",
            {"title": "Ideas", "visibility": "public", "enabled": "on"},
            admins,
            302,
        ),
        ("post", f"{i}/status/", {"status": "planned"}, editors, 302),
        ("post", f"{i}/reply/", {"text": "Thanks"}, editors, 302),
        ("post", f"{i}/votes/", {"email": "new@corp.com"}, editors, 302),
        ("post", f"{i}/links/", {"feature": "F-1", "importance": "important"}, editors, 302),
        ("post", f"{t}/moderation/comments/{s['comment'].pk}/approve/", {}, editors, 302),
        ("post", f"{t}/moderation/ideas/{s['waiting'].pk}/reject/", {}, editors, 302),
    ]
    client = team.client(persona)
    for method, url, data, allowed, ok in pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == status(persona, allowed, ok), (method, url)


def test_anonymous_is_sent_to_log_in(team: Team, s: dict[str, Any]) -> None:
    response = team.client("anonymous").get(f"/w/{team.workspace.slug}/portal/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_settings_page_shows_errors_and_saves(team: Team, s: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/portal/settings/"
    client = team.client("admin")
    bad = client.post(
        url, {"title": "", "visibility": "private", "allowed_domains": "acme.com\nbad domain"}
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "must not be empty" in page and "is not a domain like acme.com" in page
    assert Portal.objects.get().visibility == "public"
    client.post(url, {"title": "Tell us", "visibility": "private", "allowed_domains": "acme.com, beta.io",
                      "enabled": "on"})  # fmt: skip
    portal = Portal.objects.get()
    assert (portal.title, portal.allowed_domains, portal.moderation) == (
        "Tell us",
        ["acme.com", "beta.io"],
        False,
    )


def test_moderation_page_approves_and_merges(team: Team, s: dict[str, Any]) -> None:
    t = f"/w/{team.workspace.slug}/portal/moderation"
    client = team.client("editor")
    page = client.get(f"{t}/").content.decode()
    assert "Darker mode" in page and "Spam spam" in page and "wait" in page
    preset = f'<option value="{s["idea"].pk}" selected>Dark mode</option>'
    assert page.count(preset) == 1  # "Darker mode" looks like "Dark mode"; "Spam spam" like none
    merged = client.post(
        f"{t}/ideas/{s['pending'].pk}/merge/",
        {f"i{s['pending'].pk}-into": s["idea"].pk},
        follow=True,
    )
    assert "Merged “Darker mode” into “Dark mode”." in merged.content.decode()
    s["idea"].refresh_from_db()
    assert s["idea"].votes == 2
    approved = client.post(f"{t}/ideas/{s['waiting'].pk}/approve/", follow=True)
    assert "Approved “Spam spam”." in approved.content.decode()
    twice = client.post(f"{t}/ideas/{s['waiting'].pk}/approve/", follow=True)
    assert "is not waiting for approval (it is published)" in twice.content.decode()
    assert client.post(f"{t}/ideas/{s['waiting'].pk}/explode/").status_code == 404


def test_vote_on_behalf_picks_or_creates_the_customer(team: Team, s: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/portal/ideas/{s['idea'].pk}/"
    client = team.client("editor")
    client.post(f"{url}votes/", {"email": "max@globex.com", "name": "Max", "company": "globex.com"})
    max_ = Customer.objects.get(email="max@globex.com")
    assert max_.company is not None and max_.company.domain == "globex.com"
    bo = Customer.objects.get(email="bo@acme.com")
    client.post(f"{url}votes/", {"customer": str(bo.pk)})
    votes = Vote.objects.filter(idea=s["idea"]).exclude(on_behalf_by=None)
    assert sorted(v.customer.email for v in votes) == ["bo@acme.com", "max@globex.com"]
    page = client.get(url).content.decode()
    assert "by Editor on their behalf" in page and "<td>globex.com</td>" in page
    twice = client.post(f"{url}votes/", {"customer": str(bo.pk)})
    assert twice.status_code == 409 and "already voted for this idea" in twice.content.decode()
    nobody = client.post(f"{url}votes/", {})
    assert (
        nobody.status_code == 422
        and "pick a customer or give an e-mail address" in nobody.content.decode()
    )


def test_status_reply_and_link_from_the_idea_page(team: Team, s: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/portal/ideas/{s['idea'].pk}/"
    client = team.client("editor")
    client.post(f"{url}status/", {"status": "in_progress"})
    client.post(f"{url}reply/", {"text": "Building it now"})
    client.post(f"{url}links/", {"feature": "F-1", "importance": "critical"})
    idea = Idea.objects.get(pk=s["idea"].pk)
    assert idea.status == "in_progress"
    assert idea.comment_rows.get(official=True).text == "Building it now"
    assert FeedbackLink.objects.get().importance == "critical"
    page = client.get(url).content.decode()
    assert "F-1" in page and "Dark mode" in page
    bad = client.post(f"{url}links/", {"feature": "F-99", "importance": "critical"})
    assert bad.status_code == 422 and "F-99" in bad.content.decode()
    public = client.get(idea.get_absolute_url()).content.decode()
    assert "Building it now" in public and "Official" in public and "In progress" in public


def test_vote_on_behalf_finds_the_customer_by_search_without_js(
    team: Team, s: dict[str, Any]
) -> None:
    Customer.objects.bulk_create(
        Customer(workspace=team.workspace, name=f"Person {n:03}", email=f"p{n:03}@corp.io")
        for n in range(600)
    )  # the old selector listed only the first 500
    url = f"/w/{team.workspace.slug}/portal/ideas/{s['idea'].pk}/"
    client = team.client("editor")
    page = client.get(url, {"voter": "Person 599"}).content.decode()
    target = Customer.objects.get(email="p599@corp.io")
    assert "Person 599 &lt;p599@corp.io&gt;" in page
    assert f'<input type="hidden" name="customer" value="{target.pk}">' in page
    assert "Person 598" not in page
    client.post(f"{url}votes/", {"customer": str(target.pk)})
    assert Vote.objects.filter(idea=s["idea"], customer=target).exclude(on_behalf_by=None).exists()
    again = client.get(url, {"voter": "p599@"}).content.decode()
    assert "already voted" in again and f'value="{target.pk}"' not in again
    none = client.get(url, {"voter": "<b>zz</b>"}).content.decode()
    assert "No customer’s name or e-mail contains “&lt;b&gt;zz&lt;/b&gt;”" in none
    short = client.get(url, {"voter": "x"}).content.decode()
    assert "voter: give at least 2 characters, got &#x27;x&#x27;" in short
    assert 'name="voter"' not in team.client("viewer").get(url).content.decode()
