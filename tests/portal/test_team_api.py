"""The portal's team API: every endpoint for each persona, the one error shape, votes on
behalf of customers, moderation (approve, reject, merge without double votes), status and
official replies that e-mail followers, links to features."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from northline.insights.models import Company, Customer, FeedbackLink
from northline.planning.services import features
from northline.portal.models import Comment, Follow, Idea, Vote
from tests.conftest import Team
from tests.personas import ADMINS, EDITORS, EVERYONE, PERSONAS, call, expected
from tests.portal.helpers import make_idea, make_portal, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    make_portal(team, moderation=True)
    features.create_feature(team.access("editor"), "Dark mode")
    published = make_idea(team.workspace, "Published idea")
    from northline.portal.services import moderation

    moderation.approve_idea(team.access("editor"), published)
    pending = make_idea(team.workspace, "Waiting idea", email="bo@acme.com")
    other = make_idea(team.workspace, "Another waiting idea", email="cy@acme.com")
    Comment.objects.create(workspace=team.workspace, idea=published, text="pending comment",
                           state=Comment.State.PENDING)  # fmt: skip
    return {"published": published, "pending": pending, "other": other,
            "comment": Comment.objects.get()}  # fmt: skip


def endpoints(team: Team, s: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    p = f"/api/v1/workspaces/{team.workspace.slug}/portal"
    i = f"{p}/ideas/{s['published'].pk}"
    return [
        ("get", p, None, EVERYONE, 200),
        ("patch", p, {"intro": "Hello"}, ADMINS, 200),
        ("get", f"{p}/ideas", None, EVERYONE, 200),
        ("get", i, None, EVERYONE, 200),
        ("patch", i, {"status": "planned"}, EDITORS, 200),
        ("post", f"{i}/votes", {"customer": {"email": "new@corp.com"}}, EDITORS, 201),
        ("get", f"{i}/voter-candidates?q=acme", None, EDITORS, 200),
        ("post", f"{i}/replies", {"text": "On it"}, EDITORS, 201),
        ("post", f"{i}/links", {"feature": "F-1"}, EDITORS, 201),
        ("get", f"{p}/moderation", None, EVERYONE, 200),
        ("post", f"{p}/comments/{s['comment'].pk}/approve", None, EDITORS, 200),
        ("post", f"{p}/ideas/{s['pending'].pk}/approve", None, EDITORS, 200),
        ("post", f"{p}/ideas/{s['other'].pk}/merge", {"into": s["published"].pk}, EDITORS, 200),
        ("delete", f"{i}/votes/{s['published'].author_id}", None, EDITORS, 204),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix(team: Team, s: dict[str, Any], persona: str) -> None:
    client = team.client(persona)
    for method, url, body, allowed, ok in endpoints(team, s):
        response = call(client, method, url, body)
        assert response.status_code == expected(persona, allowed, ok), (method, url)


def test_settings_round_trip_and_bad_input(team: Team, s: dict[str, Any]) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal"
    client = team.client("admin")
    body = call(
        client,
        "patch",
        url,
        {"visibility": "private", "allowed_domains": ["https://www.Acme.com/"]},
    ).json()
    assert body["visibility"] == "private" and body["allowed_domains"] == ["acme.com"]
    assert body["url"] == f"http://testserver/p/{team.workspace.slug}/"
    bad = call(
        client,
        "patch",
        url,
        {"visibility": "secret", "title": "", "allowed_domains": ["not a domain"]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        "visibility: 'secret' is not one of public, private",
        "title: must not be empty",
        "allowed_domains[0]: 'not a domain' is not a domain like acme.com",
    ]
    assert call(client, "get", url).json()["visibility"] == "private"  # nothing half-saved


def test_idea_detail_shows_voters_with_companies_and_revenue(team: Team, s: dict[str, Any]) -> None:
    acme = Company.objects.create(
        workspace=team.workspace, name="Acme", domain="acme.com", revenue=50000
    )
    Customer.objects.filter(email="ann@acme.com").update(company=acme)
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas/{s['published'].pk}"
    client = team.client("editor")
    vote = call(client, "post", f"{url}/votes",
                {"customer": {"email": "max@globex.com", "name": "Max",
                              "company": {"domain": "globex.com", "name": "Globex", "revenue": 20000}}})  # fmt: skip
    assert vote.status_code == 201
    assert vote.json()["on_behalf_by"] == "editor@example.com"
    again = call(client, "post", f"{url}/votes", {"customer": {"email": "max@globex.com"}})
    assert again.status_code == 409
    assert again.json()["errors"] == ["customer: Max already voted for this idea"]
    body = call(client, "get", url).json()
    assert body["votes"] == 2 and body["companies"] == 2 and body["revenue"] == 70000.0
    assert {(v["customer"]["email"], v["company"], v["on_behalf_by"]) for v in body["voters"]} == {
        ("ann@acme.com", "Acme", None), ("max@globex.com", "Globex", "editor@example.com")}  # fmt: skip
    call(client, "post", f"{url}/votes", {"customer": {"email": "gil@globex.com"}})  # same company
    listed = call(client, "get", url.rsplit("/", 1)[0] + "?state=published").json()["items"]
    assert [(i["title"], i["votes"], i["companies"], i["revenue"]) for i in listed] == [
        ("Published idea", 3, 2, 70000.0)]  # fmt: skip


def test_vote_on_behalf_bad_input(team: Team, s: dict[str, Any]) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas/{s['published'].pk}/votes"
    client = team.client("editor")
    bad = call(client, "post", url, {"customer": {"email": "nope@"}})
    assert bad.status_code == 422
    assert bad.json()["errors"] == ["customer.email: 'nope@' is not a valid e-mail address"]
    missing = call(client, "post", url, {"customer": {"id": 99999}})
    assert missing.json()["errors"] == ["customer.id: 99999 not found"]
    assert Vote.objects.filter(idea=s["published"]).count() == 1


def test_merge_moves_votes_and_followers_without_double_votes(
    team: Team, s: dict[str, Any]
) -> None:
    target, duplicate = s["published"], s["pending"]
    both = visit(team.workspace, "ann@acme.com").customer  # voted for target as its author
    Vote.objects.create(workspace=team.workspace, idea=duplicate, customer=both)
    Follow.objects.create(workspace=team.workspace, idea=duplicate, customer=both)
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas/{duplicate.pk}/merge"
    response = call(team.client("editor"), "post", url, {"into": target.pk})
    assert response.status_code == 200 and response.json()["votes"] == 2
    assert sorted(Vote.objects.filter(idea=target).values_list("customer__email", flat=True)) == [
        "ann@acme.com", "bo@acme.com"]  # fmt: skip
    assert Follow.objects.filter(idea=target).count() == 2
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into_id, duplicate.votes) == ("merged", target.pk, 0)
    assert Client().get(duplicate.get_absolute_url()).status_code == 302
    into_itself = call(team.client("editor"), "post", url.replace(str(duplicate.pk), str(target.pk)),
                       {"into": target.pk})  # fmt: skip
    assert into_itself.json()["errors"] == [
        f"into: an idea cannot be merged into itself ({target.pk})"
    ]


def test_approve_and_reject(team: Team, s: dict[str, Any]) -> None:
    p = f"/api/v1/workspaces/{team.workspace.slug}/portal"
    client = team.client("editor")
    assert call(client, "post", f"{p}/ideas/{s['pending'].pk}/reject").json()["state"] == "rejected"
    again = call(client, "post", f"{p}/ideas/{s['pending'].pk}/approve")
    assert again.status_code == 422
    assert again.json()["errors"] == [
        "idea: 'Waiting idea' is not waiting for approval (it is rejected)"]  # fmt: skip
    approved = call(client, "post", f"{p}/ideas/{s['other'].pk}/approve").json()
    assert approved["state"] == "published" and approved["feedback"] is not None
    queue = call(client, "get", f"{p}/moderation").json()
    assert queue["ideas"] == [] and [c["text"] for c in queue["comments"]] == ["pending comment"]


@pytest.mark.django_db(transaction=True)  # the worker runs the queued e-mail task for real
def test_newly_invited_customers_are_told_where_to_sign_in(team: Team) -> None:
    make_portal(team, visibility="private", invited_emails=["old@x.io"])
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal"
    body = {"invited_emails": ["old@x.io", "New@Y.io"]}
    assert call(team.client("admin"), "patch", url, body).status_code == 200
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["new@y.io"], "You are invited to Acme ideas")
    ]
    assert f"http://testserver/p/{team.workspace.slug}/sign-in/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)  # the worker runs the queued e-mail task for real
def test_status_and_official_reply_mail_followers(team: Team, s: dict[str, Any]) -> None:
    idea = s["published"]
    Follow.objects.create(
        workspace=team.workspace, idea=idea, customer=visit(team.workspace, "fan@x.io").customer
    )
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas/{idea.pk}"
    client = team.client("editor")
    assert call(client, "patch", url, {"status": "planned"}).json()["status"] == "planned"
    assert call(client, "post", f"{url}/replies", {"text": "Coming in May"}).status_code == 201
    bad = call(client, "patch", url, {"status": "someday"})
    assert bad.json()["errors"] == [
        "status: 'someday' is not one of under_review, planned, in_progress, shipped, declined"]  # fmt: skip
    mail.outbox.clear()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [("ann@acme.com", "Planned: Published idea"), ("ann@acme.com", "Reply on Published idea"),
                    ("fan@x.io", "Planned: Published idea"), ("fan@x.io", "Reply on Published idea")]  # fmt: skip
    reply = next(m for m in mail.outbox if m.subject.startswith("Reply"))
    assert (
        "Coming in May" in reply.body and f"/p/{team.workspace.slug}/ideas/{idea.pk}/" in reply.body
    )


def test_link_to_a_feature_goes_through_insights(team: Team, s: dict[str, Any]) -> None:
    p = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas"
    client = team.client("editor")
    response = call(
        client,
        "post",
        f"{p}/{s['published'].pk}/links",
        {"feature": "F-1", "importance": "critical"},
    )
    assert response.json() == {
        "feature": "F-1",
        "title": "Dark mode",
        "importance": "critical",
        "highlight": None,
    }
    link = FeedbackLink.objects.get()
    assert link.feedback == s["published"].feedback and link.source == "portal"
    waiting = call(client, "post", f"{p}/{s['pending'].pk}/links", {"feature": "F-1"})
    assert waiting.json()["errors"] == [
        "idea: 'Waiting idea' is not published yet; approve it first"
    ]
    unknown = call(client, "post", f"{p}/{s['published'].pk}/links", {"feature": "F-99"})
    assert unknown.status_code == 422


def test_another_workspaces_idea_is_not_found(team: Team, s: dict[str, Any]) -> None:
    from tests.conftest import make_workspace

    elsewhere = make_workspace(team.owner, "Beta")
    url = f"/api/v1/workspaces/{elsewhere.slug}/portal/ideas/{s['published'].pk}"
    assert call(team.client("owner"), "get", url).status_code == 404
    assert Idea.objects.count() == 3


def test_voter_candidates_search_by_name_or_email(team: Team, s: dict[str, Any]) -> None:
    Customer.objects.bulk_create(
        Customer(workspace=team.workspace, name=f"Person {n:03}", email=f"p{n:03}@corp.io")
        for n in range(600)
    )  # more than the old selector's 500
    url = f"/api/v1/workspaces/{team.workspace.slug}/portal/ideas/{s['published'].pk}"
    client = team.client("editor")
    found = call(client, "get", f"{url}/voter-candidates?q=P599@CORP").json()
    assert [(c["customer"]["email"], c["voted"]) for c in found] == [("p599@corp.io", False)]
    author = call(client, "get", f"{url}/voter-candidates?q=ann@acme").json()
    assert [(c["customer"]["email"], c["voted"]) for c in author] == [("ann@acme.com", True)]
    assert len(call(client, "get", f"{url}/voter-candidates?q=person").json()) == 10
    assert call(client, "get", f"{url}/voter-candidates?q=").json() == []
    short = call(client, "get", f"{url}/voter-candidates?q=p")
    assert short.status_code == 422
    assert short.json()["errors"] == ["voter: give at least 2 characters, got 'p'"]
