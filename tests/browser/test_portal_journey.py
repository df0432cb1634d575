"""A customer's portal journey in real Chromium over real HTTP, on the demo workspace: sign in
by the e-mailed magic link, type an idea and see a similar one suggested, vote for it instead,
post another idea, comment and follow; then the team moderates and votes on behalf of a
customer.

Screenshots are kept in test-artifacts/screenshots/ (portal-*.png).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from northline.demo import DEMO_PASSWORD, load_demo
from northline.portal.models import Comment, Follow, Idea, Vote
from tests.browser.conftest import logged_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "nora@newco.example"


def test_customer_suggests_votes_comments_and_team_moderates(
    browser: Any, live_server: Any
) -> None:
    login = load_demo()
    portal = f"{live_server.url}/p/{login.workspace.slug}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{portal}/")
    assert page.locator("h1").inner_text() == "Acme Analytics ideas"
    assert page.locator(".idea-row").count() == 5
    shot(page, "portal-01-ideas")

    page.click("header >> text=Sign in")
    page.fill("#id_email", EMAIL)
    page.click("button:has-text('E-mail me a sign-in link')")
    assert "Check your e-mail" in page.locator("h1").inner_text()
    link = re.search(r"http://\S+/sign-in/\S+/", mail.outbox[-1].body)
    assert link is not None and mail.outbox[-1].to == [EMAIL]
    page.goto(link.group(0))
    page.click("button:has-text('Sign in')")
    assert "You are signed in." in page.locator(".flash").inner_text()
    assert EMAIL in page.locator(".portal-bar").inner_text()

    page.locator("#id_title").press_sequentially("dark theme for dashboards", delay=30)
    suggestion = page.locator(".similar-live .idea-title").first
    suggestion.wait_for()
    assert suggestion.inner_text() == "Dark mode for the dashboards"
    shot(page, "portal-02-similar")
    page.locator(".similar-live .vote-button").first.click()
    page.wait_for_url(re.compile(r"/ideas/\d+/$"))
    dark = Idea.objects.get(title="Dark mode for the dashboards")
    assert Vote.objects.filter(idea=dark, customer__email=EMAIL).exists()
    assert page.locator(".idea-page .vote-button.voted strong").inner_text() == "5"

    page.fill("#id_text", "Please include the embedded dashboards too.")
    page.click("button:has-text('Comment')")
    assert "Your comment waits for approval." in page.locator(".flash").inner_text()
    page.click("button:has-text('Follow')")
    assert "Following" in page.locator(".idea-page").inner_text()
    assert Follow.objects.filter(idea=dark, customer__email=EMAIL).exists()
    shot(page, "portal-03-idea")

    page.goto(f"{portal}/")
    page.locator("#id_title").press_sequentially("Raw event export to BigQuery", delay=20)
    page.fill("#id_details", "We join your events with our billing data.")
    page.click("button:has-text('Post')")
    if page.locator("button:has-text('Post my idea anyway')").count():
        page.click("button:has-text('Post my idea anyway')")  # the no-JS check step
    assert "waits for the team's approval" in page.locator(".flash").inner_text()
    posted = Idea.objects.get(title="Raw event export to BigQuery")
    assert posted.state == "pending"

    team = logged_in(browser, live_server.url, login.email, DEMO_PASSWORD)
    team.goto(f"{live_server.url}/w/{login.workspace.slug}/portal/moderation/")
    queue = team.locator("ul.moderation")
    assert "Raw event export to BigQuery" in queue.inner_text()
    shot(team, "portal-04-moderation")
    team.locator(f"#idea-{posted.pk} button:has-text('Approve')").click()
    assert "Approved “Raw event export to BigQuery”." in team.locator(".flash").inner_text()
    comment = Comment.objects.get(text="Please include the embedded dashboards too.")
    team.locator("li", has_text=comment.text).locator("button:has-text('Approve')").click()
    comment.refresh_from_db()
    assert comment.state == "published"

    team.goto(f"{live_server.url}/w/{login.workspace.slug}/portal/")
    team.click("text=Export charts to PowerPoint")
    team.fill("#id_email", "dan@initech.example")
    team.fill("#id_name", "Dan Initech")
    team.fill("#id_company", "initech.example")
    team.click("button:has-text('Add vote')")
    assert "Voted on behalf of Dan Initech." in team.locator(".flash").inner_text()
    voters = team.locator("table.voters").inner_text()
    assert "Dan Initech" in voters and "Initech" in voters and "on their behalf" in voters
    team.fill("input[name=voter]", "initech")  # an existing customer: found on the server
    team.click("button:has-text('Search')")
    found = team.locator("ul.found")
    assert "Dan Initech <dan@initech.example>" in found.inner_text()
    assert "already voted" in found.locator("li", has_text="Dan Initech").inner_text()
    shot(team, "portal-05-team-idea")
    pick = found.locator("li", has=team.locator("button:has-text('Vote for them')")).first
    name = pick.inner_text().split(" <")[0]
    pick.locator("button").click()
    assert f"Voted on behalf of {name}." in team.locator(".flash").inner_text()
    team.goto(f"{live_server.url}/w/{login.workspace.slug}/insights/demand/")
    assert "voters" in team.locator("table.demand").inner_text()  # linked demo ideas' voters
    shot(team, "portal-06-demand")

    page.goto(f"{portal}/")
    assert "Raw event export to BigQuery" in page.locator("ol.ideas").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{dark.get_absolute_url()}")
    assert "Please include the embedded dashboards too." in page.locator(".comments").inner_text()
    shot(page, "portal-06-mobile")
