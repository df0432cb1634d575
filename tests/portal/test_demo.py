"""The demo workspace's portal: deterministic ideas, votes, comments, links and a queue."""

from __future__ import annotations

import pytest

from northline.demo import load_demo
from northline.insights.models import FeedbackLink
from northline.portal.models import Comment, Idea, Vote

pytestmark = pytest.mark.django_db


def test_demo_portal() -> None:
    workspace = load_demo().workspace
    rows = list(
        Idea.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list("title", "state", "votes")
    )
    assert rows == [
        ("Dark mode for the dashboards", "published", 4), ("Single sign-on with Okta", "published", 3),
        ("Slack alert when a KPI drops", "published", 4), ("Export charts to PowerPoint", "published", 2),
        ("Scheduled PDF reports by e-mail", "published", 3), ("Dark theme for the dashboard", "pending", 1),
    ]  # fmt: skip
    assert Vote.objects.exclude(on_behalf_by=None).get().customer.email == "cfo@globex.example"
    assert Comment.objects.filter(state="pending").get().text == "Azure AD too, please."
    assert FeedbackLink.objects.filter(source="portal").count() == 4
