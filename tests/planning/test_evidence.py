"""Score inputs taken from customer evidence: distinct customers and revenue of linked feedback."""

from __future__ import annotations

import pytest

from northline.core.errors import Invalid
from northline.insights.services import customers as people
from northline.insights.services import feedback, links
from northline.planning.models import FeatureScore, ScoreInput
from northline.planning.services import evidence, features, scores
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def test_reach_follows_linked_customers_and_refreshes(team: Team) -> None:
    access = team.access("editor")
    rice = scores.create_model(access, "RICE", "rice")
    people.create_company(access, "Acme", domain="acme.com", revenue=1000)
    people.create_company(access, "Globex", domain="globex.com", revenue=500)
    sso = features.create_feature(access, "SSO")
    for driver, value in {"impact": 2, "confidence": 1, "effort": 4}.items():
        scores.set_input(access, sso, rice, driver, low=value)

    def ask(email: str) -> None:
        item, _ = feedback.add_feedback(
            access, {"text": "We need SSO", "customer": {"email": email}}
        )
        links.link_feature(access, item, sso)

    ask("ann@acme.com")
    ask("ann@acme.com")  # the same customer twice counts once
    ask("bob@globex.com")
    reach = evidence.bind(access, sso, rice, "reach", "distinct_customers")
    assert (reach.low, reach.likely, reach.high, reach.source) == (2, 2, 2, "evidence")
    assert FeatureScore.objects.get(feature=sso).score == 2 * 2 * 1 / 4
    revenue = evidence.value(access, "linked_revenue", [sso])
    assert revenue == {sso.pk: 1500.0}  # Acme once, Globex once

    ask("cy@initech.com")
    assert evidence.refresh(access) == 1
    assert ScoreInput.objects.get(feature=sso, driver="reach").likely == 3
    assert evidence.refresh(access) == 0  # nothing moved since


def test_unknown_rule_is_refused(team: Team) -> None:
    access = team.access("editor")
    rice = scores.create_model(access, "RICE", "rice")
    f = features.create_feature(access, "X")
    with pytest.raises(
        Invalid, match="rule: 'votes' is not one of distinct_customers, linked_revenue"
    ):
        evidence.bind(access, f, rice, "reach", "votes")
    assert not ScoreInput.objects.exists()


def test_evidence_through_the_api_and_page(team: Team) -> None:
    access = team.access("editor")
    rice = scores.create_model(access, "RICE", "rice")
    features.create_feature(access, "SSO")
    url = f"/api/v1/workspaces/{team.workspace.slug}/features/F-1/inputs/reach/evidence"
    body = {"rule": "linked_revenue"}
    assert team.client("viewer").put(url, body, content_type="application/json").status_code == 403
    answer = team.client("editor").put(url, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["rule"] == "linked_revenue"
    refresh = f"/api/v1/workspaces/{team.workspace.slug}/evidence/refresh"
    assert team.client("editor").post(refresh).json() == {"changed": 0}
    page = f"/w/{team.workspace.slug}/planning/features/1/"
    html = team.client("viewer").get(f"{page}?model={rice.pk}").content.decode()
    assert "from evidence: linked_revenue" in html
    posted = team.client("editor").post(
        f"{page}evidence/", {"model": rice.pk, "driver": "reach", "rule": "distinct_customers"}
    )
    assert posted.status_code == 302
    assert ScoreInput.objects.get(driver="reach").rule == "distinct_customers"
