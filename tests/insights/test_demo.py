"""The demo workspace's insights: a few hundred processed items from every channel, linked to
planning's features with importances, so the inbox, themes, trends and demand are populated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from northline import demo
from northline.accounts.models import Workspace
from northline.insights import demo as insights_demo
from northline.insights.models import Company, Feedback, FeedbackLink, SimilarFeedback, Theme
from northline.insights.services.demand import demand
from northline.planning.models import Feature

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Workspace]:
    """One demo load for the module (it takes seconds), rolled back afterwards: nothing
    commits, so no task is queued and nothing is left for other tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo.load_demo().workspace
        transaction.set_rollback(True)


def test_the_inbox_holds_every_channel_processed(loaded: Workspace) -> None:
    items = Feedback.objects.filter(workspace=loaded)
    written = len(insights_demo.rows())
    assert written >= 250 and items.count() > written  # plus follow-ups, portal ideas, NPS
    sources = Counter(items.values_list("source", flat=True))
    assert {"support", "review", "sales", "survey", "import", "email", "portal"} <= set(sources)
    assert not items.filter(processed_at=None).exists()
    kinds = Counter(items.values_list("kind", flat=True))
    assert set(kinds) == {"bug", "feature_request", "question", "praise", "complaint", "other"}
    assert min(Counter(items.values_list("sentiment", flat=True)).values()) >= 15
    spread = items.order_by("received_at").values_list("received_at", flat=True)
    assert spread.first() < timezone.now() - timedelta(days=120)
    assert items.filter(source="review").exclude(rating=None).count() >= 30
    jira = items.get(external_id="ACME-1204")  # the fifth row, a Jira issue about dark mode
    assert jira.external_url == "https://acme.atlassian.net/browse/ACME-1204"
    assert set(jira.tags.values_list("name", flat=True)) == {"dark", "jira"}


def test_the_default_models_read_the_portal_ideas_right(loaded: Workspace) -> None:
    """The seed model once called "Scheduled PDF reports by e-mail" a negative bug."""
    idea = Feedback.objects.get(workspace=loaded, title="Scheduled PDF reports by e-mail")
    assert (idea.kind, idea.sentiment) == ("feature_request", "neutral")


def test_companies_have_segments_plans_and_revenue(loaded: Workspace) -> None:
    companies = Company.objects.filter(workspace=loaded)
    assert companies.count() == len(insights_demo.COMPANIES)
    globex = companies.get(domain="globex.example")
    assert (globex.segment, globex.plan, globex.revenue) == ("Enterprise", "Enterprise", 120_000)
    assert globex.attributes == {"region": "North America", "industry": "Manufacturing"}
    assert set(companies.values_list("segment", flat=True)) == {"Enterprise", "Mid-market", "SMB"}


def test_features_have_demand_with_importances(loaded: Workspace) -> None:
    features = {f.title: f for f in Feature.objects.filter(workspace=loaded)}
    table = demand(loaded, [f.pk for f in features.values()])
    sso = table[features["Single sign-on (SAML)"].pk]
    assert sso.items >= 8 and sso.companies >= 4 and sso.revenue > 300_000
    assert sso.importance["critical"] >= 3
    linked = {title for title, f in features.items() if table[f.pk].items}
    expected = {need.feature for need in insights_demo.NEEDS.values() if need.feature}
    assert expected <= linked
    plans = dict(
        FeedbackLink.objects.filter(workspace=loaded, importance="critical").values_list(
            "feedback__company__plan", "importance"
        )
    )
    assert set(plans) == {"Enterprise"}


def test_themes_and_duplicates_are_found(loaded: Workspace) -> None:
    themes = Theme.objects.filter(workspace=loaded, size__gte=5)
    assert themes.count() >= 8
    follow_up = Feedback.objects.filter(workspace=loaded, external_id="demo-1000").get()
    original = Feedback.objects.get(workspace=loaded, external_id="demo-0")
    pair = SimilarFeedback.objects.filter(feedback=follow_up, other=original).get()
    assert pair.score >= 0.6


def test_the_slow_dashboards_are_recent(loaded: Workspace) -> None:
    recent = timezone.now() - timedelta(days=insights_demo.NEEDS["slow"].recent_days)
    slow = Feedback.objects.filter(workspace=loaded, tags__name="slow")
    assert slow.count() >= 15 and not slow.filter(received_at__lt=recent).exists()


def test_the_pages_show_it(loaded: Workspace) -> None:
    client = Client()
    assert client.login(email=demo.DEMO_PEOPLE[0][0], password=demo.DEMO_PASSWORD)
    inbox = client.get(f"/w/{loaded.slug}/insights/")
    assert inbox.status_code == 200 and b"Call notes" in inbox.content
    page = client.get(f"/w/{loaded.slug}/insights/demand/")
    assert page.status_code == 200 and b"Single sign-on (SAML)" in page.content
