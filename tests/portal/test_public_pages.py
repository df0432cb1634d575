"""The public side of a portal over real HTTP: who may see it (public, private, disabled),
posting ideas with the similar-ideas step, votes (one per customer), comments, follows,
moderation as customers see it, CSRF, escaped output, the honeypot and the rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from northline.insights.models import Feedback
from northline.portal.models import Comment, Follow, Idea, Vote
from northline.portal.services import antispam, ideas
from tests.conftest import Team
from tests.portal.helpers import link_in_outbox, make_idea, make_portal, sign_in, visit

pytestmark = pytest.mark.django_db


def urls(team: Team, idea: Idea) -> list[str]:
    base = f"/p/{team.workspace.slug}"
    return [f"{base}/", f"{base}/ideas/new/", f"{base}/ideas/{idea.pk}/",
            f"{base}/ideas/similar.json?q=dark+mode"]  # fmt: skip


def test_public_portal_is_readable_by_anyone(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    for url in urls(team, idea):
        assert Client().get(url).status_code == 200, url
    page = Client().get(f"/p/{team.workspace.slug}/").content.decode()
    assert "Dark mode" in page and "Sign in" in page
    assert 'class="sidebar"' not in page  # its own layout, without the team's navigation


def test_disabled_or_missing_portal_is_not_found(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    make_portal(team, enabled=False)
    for url in [*urls(team, idea), f"/p/{team.workspace.slug}/sign-in/"]:
        assert Client().get(url).status_code == 404, url
        assert team.client("owner").get(url).status_code == 404, url
    assert Client().get("/p/no-such-workspace/").status_code == 404


def test_private_portal_is_not_found_for_outsiders(team: Team) -> None:
    make_portal(team, visibility="private", allowed_domains=["acme.com"])
    idea = make_idea(team.workspace, "Dark mode")
    stranger = Client()
    allowed = sign_in(team.workspace, "bo@acme.com")
    for url in urls(team, idea):
        assert stranger.get(url).status_code == 404, url
        assert team.client("owner").get(url).status_code == 404, url  # team login is not a visit
        assert allowed.get(url).status_code == 200, url
    assert Client().get(f"/p/{team.workspace.slug}/sign-in/").status_code == 200


def test_a_customer_removed_from_a_private_portal_loses_it(team: Team) -> None:
    make_portal(team, visibility="private", invited_emails=["bo@partner.io"])
    client = sign_in(team.workspace, "bo@partner.io")
    assert client.get(f"/p/{team.workspace.slug}/").status_code == 200
    make_portal(team, invited_emails=[])
    assert client.get(f"/p/{team.workspace.slug}/").status_code == 404


def test_post_an_idea_lands_in_the_inbox_with_vote_and_follow(team: Team) -> None:
    make_portal(team)
    client = sign_in(team.workspace, "ann@acme.com")
    response = client.post(
        f"/p/{team.workspace.slug}/ideas/new/", {"title": "Export to Excel", "details": "Monthly"}
    )
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
    assert (idea.state, idea.status, idea.votes, idea.author.email) == (  # type: ignore[union-attr]
        "published", "under_review", 1, "ann@acme.com")  # fmt: skip
    assert Follow.objects.filter(idea=idea, customer=idea.author).exists()
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.title, feedback.text) == (
        "portal",
        "Export to Excel",
        "Monthly",
    )
    assert feedback.customer == idea.author and idea.feedback == feedback


def test_anonymous_visitors_cannot_write(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    base = f"/p/{team.workspace.slug}"
    response = Client().post(f"{base}/ideas/new/", {"title": "Spam idea"})
    assert response.status_code == 401
    assert "Sign in with your e-mail address first" in response.content.decode()
    Client().post(f"{base}/ideas/{idea.pk}/vote/", {"vote": "1"})
    Client().post(f"{base}/ideas/{idea.pk}/comments/", {"text": "hi"})
    assert Idea.objects.count() == 1 and Vote.objects.count() == 1 and not Comment.objects.exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "title: must not be empty"), ("abc", "title: must be at least 4 characters, got 'abc'"),
     ("x" * 201, "title: must be at most 200 characters, got 201")],
)  # fmt: skip
def test_bad_idea_titles_are_named(team: Team, title: str, message: str) -> None:
    make_portal(team)
    client = sign_in(team.workspace, "ann@acme.com")
    response = client.post(f"/p/{team.workspace.slug}/ideas/new/", {"title": title})
    assert response.status_code == 422
    assert message.split(": ", 1)[1].replace("'", "&#x27;") in response.content.decode()
    assert not Idea.objects.exists()


def test_without_js_similar_ideas_come_as_a_step_before_posting(team: Team) -> None:
    make_portal(team)
    existing = make_idea(team.workspace, "Dark mode for the dashboard")
    make_idea(team.workspace, "Export reports to Excel")
    client = sign_in(team.workspace, "bo@acme.com")
    url = f"/p/{team.workspace.slug}/ideas/new/"
    step = client.post(url, {"title": "Dashboard dark theme", "checked": "0"})
    page = step.content.decode()
    assert step.status_code == 200 and "Is it one of these?" in page
    assert existing.title in page and "Post my idea anyway" in page
    assert 'name="checked" value="1"' in page
    assert Idea.objects.count() == 2
    posted = client.post(url, {"title": "Dashboard dark theme", "checked": "1"})
    assert posted.status_code == 302 and Idea.objects.count() == 3


def test_votes_once_per_customer_and_can_take_it_back(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    client = sign_in(team.workspace, "bo@acme.com")
    url = f"/p/{team.workspace.slug}/ideas/{idea.pk}/vote/"
    for _ in range(2):
        assert client.post(url, {"vote": "1"}).status_code == 302
    idea.refresh_from_db()
    assert idea.votes == 2 and Vote.objects.filter(idea=idea).count() == 2
    client.post(url, {"vote": "0"})
    idea.refresh_from_db()
    assert idea.votes == 1


def test_comment_and_follow(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    client = sign_in(team.workspace, "bo@acme.com")
    base = f"/p/{team.workspace.slug}/ideas/{idea.pk}"
    response = client.post(f"{base}/comments/", {"text": "Yes please, my eyes"})
    assert response.status_code == 302
    assert "Yes please, my eyes" in client.get(f"{base}/").content.decode()
    empty = client.post(f"{base}/comments/", {"text": "  "})
    assert empty.status_code == 422 and "must not be empty" in empty.content.decode()
    client.post(f"{base}/follow/", {"follow": "1"})
    assert Follow.objects.filter(idea=idea, customer__email="bo@acme.com").exists()
    assert "Following" in client.get(f"{base}/").content.decode()
    client.post(f"{base}/follow/", {"follow": "0"})
    assert not Follow.objects.filter(idea=idea, customer__email="bo@acme.com").exists()


def test_with_moderation_new_posts_wait_and_only_their_author_sees_them(team: Team) -> None:
    make_portal(team, moderation=True)
    author = sign_in(team.workspace, "ann@acme.com")
    response = author.post(f"/p/{team.workspace.slug}/ideas/new/", {"title": "Offline mode"})
    idea = Idea.objects.get()
    assert idea.state == "pending" and not Feedback.objects.exists()
    assert "Waiting for approval" in author.get(response["Location"]).content.decode()
    assert Client().get(idea.get_absolute_url()).status_code == 404
    assert "Offline mode" not in Client().get(f"/p/{team.workspace.slug}/").content.decode()


def test_pending_comments_wait(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    make_portal(team, moderation=True)
    client = sign_in(team.workspace, "bo@acme.com")
    client.post(f"/p/{team.workspace.slug}/ideas/{idea.pk}/comments/", {"text": "Buy pills"})
    assert Comment.objects.get().state == "pending"
    assert "Buy pills" not in Client().get(idea.get_absolute_url()).content.decode()
    assert "Buy pills" in client.get(idea.get_absolute_url()).content.decode()


def test_forms_need_the_csrf_token(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    client = sign_in_with_csrf(team, "bo@acme.com")
    base = f"/p/{team.workspace.slug}"
    for url, data in [(f"{base}/ideas/new/", {"title": "Sneaky idea"}),
                      (f"{base}/ideas/{idea.pk}/vote/", {"vote": "1"}),
                      (f"{base}/ideas/{idea.pk}/comments/", {"text": "sneaky"}),
                      (f"{base}/sign-in/", {"email": "x@acme.com"})]:  # fmt: skip
        assert client.post(url, data).status_code == 403, url
    assert Idea.objects.count() == 1 and Vote.objects.count() == 1


def sign_in_with_csrf(team: Team, email: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    base = f"/p/{team.workspace.slug}"
    client.get(f"{base}/sign-in/")
    token = client.cookies["csrftoken"].value
    client.post(f"{base}/sign-in/", {"email": email, "csrfmiddlewaretoken": token})
    client.post(link_in_outbox(email), {"csrfmiddlewaretoken": token})
    return client


def test_with_the_token_forms_work(team: Team) -> None:
    make_portal(team)
    client = sign_in_with_csrf(team, "bo@acme.com")
    token = client.cookies["csrftoken"].value
    url = f"/p/{team.workspace.slug}/ideas/new/"
    response = client.post(url, {"title": "Fine idea", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Idea.objects.get().title == "Fine idea"


def test_output_is_escaped(team: Team) -> None:
    make_portal(team, intro="<b>hi</b>")
    idea = make_idea(team.workspace, "<script>alert(1)</script>", details="<img src=x onerror=1>")
    client = sign_in(team.workspace, "bo@acme.com")
    client.post(f"{idea.get_absolute_url()}comments/", {"text": "<script>bad()</script>"})
    for url in (f"/p/{team.workspace.slug}/", idea.get_absolute_url()):
        page = client.get(url).content.decode()
        assert (
            "<script>alert(1)</script>" not in page
            and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        )
        assert "<b>hi</b>" not in page
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "<img src=x" not in page and "<script>bad()" not in page
    body = client.get(f"/p/{team.workspace.slug}/ideas/similar.json?q=script+alert").json()
    assert body["ideas"][0]["title"] == "<script>alert(1)</script>"  # JSON, shown by textContent


def test_honeypot_refuses_ideas_and_comments(team: Team) -> None:
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    client = sign_in(team.workspace, "bot@spam.io")
    base = f"/p/{team.workspace.slug}"
    bad = client.post(f"{base}/ideas/new/", {"title": "Cheap watches", "website": "x"})
    assert bad.status_code == 422 and "leave this field empty" in bad.content.decode()
    bad = client.post(f"{base}/ideas/{idea.pk}/comments/", {"text": "Cheap", "website": "x"})
    assert bad.status_code == 422
    assert Idea.objects.count() == 1 and not Comment.objects.exists()


@pytest.mark.parametrize(
    ("action", "path", "data"),
    [("idea", "ideas/new/", {"title": "Idea number {n}", "checked": "1"}),
     ("comment", "ideas/{pk}/comments/", {"text": "Comment {n}"}),
     ("vote", "ideas/{pk}/vote/", {"vote": "{v}"})],
)  # fmt: skip
@pytest.mark.parametrize("per", ["customer", "client"])
def test_writes_are_rate_limited(
    team: Team, monkeypatch: pytest.MonkeyPatch, action: str, path: str, data: dict[str, str],
    per: str,
) -> None:  # fmt: skip
    tight = ((100, 3600), (3, 3600)) if per == "customer" else ((3, 3600), (100, 3600))
    monkeypatch.setitem(antispam.LIMITS, action, tight)
    make_portal(team)
    idea = make_idea(team.workspace, "Dark mode")
    client = sign_in(team.workspace, "bo@acme.com")
    url = f"/p/{team.workspace.slug}/" + path.format(pk=idea.pk)

    def send(who: Client, n: int) -> int:
        filled = {k: v.format(n=n, v=n % 2) for k, v in data.items()}
        response = who.post(url, filled, follow=True)
        return 429 if "Too many attempts" in response.content.decode() else response.status_code

    codes = [send(client, n) for n in range(4)]
    assert codes == [200, 200, 200, 429]
    other = sign_in(team.workspace, "cy@acme.com", Client(REMOTE_ADDR="10.7.7.7"))
    assert send(other if per == "client" else sign_in(team.workspace, "dee@acme.com"), 5) == 200


def test_sorting_search_and_status_filter(team: Team) -> None:
    make_portal(team)
    old = make_idea(team.workspace, "Old favourite: offline mode")
    new = make_idea(team.workspace, "Fresh: calendar sync")
    for n in range(3):
        ideas.vote(visit(team.workspace, f"fan{n}@x.io"), old)
    ideas.vote(visit(team.workspace, "fan9@x.io"), new)
    Vote.objects.filter(idea=old).update(created_at=timezone.now() - timedelta(days=30))
    Idea.objects.filter(pk=new.pk).update(status="planned")
    base = f"/p/{team.workspace.slug}/"

    def titles(**query: str) -> list[str]:
        page = Client().get(base, query).content.decode()
        return sorted((t for t in (old.title, new.title) if t in page), key=page.index)

    assert titles(sort="top") == [old.title, new.title]
    assert titles(sort="new") == [new.title, old.title]
    assert titles(sort="trending") == [new.title, old.title]
    assert titles(q="CALENDAR") == [new.title]
    assert titles(status="planned") == [new.title]
    bad = Client().get(base, {"status": "someday"})
    assert "status: &#x27;someday&#x27; is not one of under_review" in bad.content.decode()
