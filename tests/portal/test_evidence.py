"""Portal votes as demand for the features an idea is linked to, against numbers computed by
hand: a customer who both wrote feedback and voted counts once, each company's revenue once,
votes cast on behalf count, filters apply to the voter, and planning's evidence inputs read the
same numbers as the demand page."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from northline.insights.services import customers as people
from northline.insights.services import demand as service
from northline.insights.services import feedback, links
from northline.planning.services import evidence, features
from northline.portal.services import ideas, moderation
from northline.portal.services import team as portal_team
from tests.conftest import Team
from tests.portal.helpers import make_idea, make_portal, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team: Team) -> dict[str, Any]:
    """Acme (1000, enterprise), Globex (500, smb), Initech (200, smb).

    F-1 SSO: ann@acme wrote an e-mail about it, and posted the portal idea "Single sign-on"
    (her vote), linked to F-1. Voters of the idea: ann, bob@globex (himself), dee@acme (cast by
    the editor on her behalf), eve@nowhere.io (a new customer, no company, on her behalf).
    F-2 Dark mode: nothing.
    By hand, F-1: items 2 (ann's e-mail, the idea's feedback item), feedback customers 1 (ann),
    voters 4, customers 4 (ann once), companies 2 (Acme, Globex), revenue 1000 + 500 = 1500.
    """
    access = team.access("editor")
    make_portal(team)
    for name, revenue, segment in (("Acme", 1000, "enterprise"), ("Globex", 500, "smb"),
                                   ("Initech", 200, "smb")):  # fmt: skip
        people.create_company(
            access, name, domain=f"{name.lower()}.com", revenue=revenue, segment=segment
        )
    f1, f2 = (features.create_feature(access, title) for title in ("SSO", "Dark mode"))
    mail, _ = feedback.add_feedback(
        access, {"text": "We need SSO", "source": "email", "customer": {"email": "ann@acme.com"}}
    )
    links.link_feature(access, mail, f1)
    for email in ("bob@globex.com", "cy@initech.com"):  # as signing in makes them
        people.customer_for(access, {"email": email, "company": {"domain": email.split("@")[1]}})
    idea = make_idea(team.workspace, "Single sign-on", email="ann@acme.com")
    ideas.vote(visit(team.workspace, "bob@globex.com"), idea)
    portal_team.vote_on_behalf(
        access, idea, {"email": "dee@acme.com", "company": {"domain": "acme.com"}}
    )
    portal_team.vote_on_behalf(access, idea, {"email": "eve@nowhere.io", "name": "Eve"})
    portal_team.link_feature(access, idea, f1)
    return {"access": access, "f1": f1.pk, "f2": f2.pk, "idea": idea, "mail": mail}


def numbers(d: service.Demand) -> tuple[Any, ...]:
    return (d.items, d.customers, d.companies, d.revenue, d.feedback_customers, d.voters)


def test_voters_count_once_with_the_feedback_customers(team: Team, world: dict[str, Any]) -> None:
    table = service.demand(team.workspace)
    assert set(table) == {world["f1"]}
    assert numbers(table[world["f1"]]) == (2, 4, 2, 1500.0, 1, 4)
    assert numbers(service.demand(team.workspace, [world["f2"]])[world["f2"]]) == (0,) * 4 + (0, 0)


def test_planning_inputs_count_voters(team: Team, world: dict[str, Any]) -> None:
    ids = [world["f1"], world["f2"]]
    assert service.distinct_customers(team.workspace, ids) == {world["f1"]: 4, world["f2"]: 0}
    assert service.linked_revenue(team.workspace, ids) == {world["f1"]: 1500.0, world["f2"]: 0.0}
    feature = features.feature_by_ref(world["access"], "F-1")
    assert evidence.value(world["access"], "distinct_customers", [feature]) == {world["f1"]: 4.0}
    assert evidence.value(world["access"], "linked_revenue", [feature]) == {world["f1"]: 1500.0}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # only bob is in smb: no item of smb, one voter
        ({"segment": "smb"}, (0, 1, 1, 500.0, 0, 1)),
        # ann (wrote, voted) and dee (voted) are Acme's
        ({"segment": "enterprise"}, (2, 2, 1, 1000.0, 1, 2)),
        # votes are evidence from the portal: the e-mail alone remains
        ({"source": "email"}, (1, 1, 1, 1000.0, 1, 0)),
        ({"source": "portal"}, (1, 4, 2, 1500.0, 1, 4)),
    ],
)
def test_filters_apply_to_the_voters(
    team: Team, world: dict[str, Any], filters: dict[str, str], expected: tuple[Any, ...]
) -> None:
    assert (
        numbers(service.demand(team.workspace, [world["f1"]], **filters)[world["f1"]]) == expected
    )


def test_a_vote_taken_back_or_an_archived_idea_stops_counting(
    team: Team, world: dict[str, Any]
) -> None:
    ideas.vote(visit(team.workspace, "bob@globex.com"), world["idea"], wanted=False)
    assert numbers(service.demand(team.workspace, [world["f1"]])[world["f1"]]) == (
        2, 3, 1, 1000.0, 1, 3,
    )  # fmt: skip
    world["idea"].refresh_from_db()
    feedback.archive_feedback(world["access"], world["idea"].feedback)
    assert numbers(service.demand(team.workspace, [world["f1"]])[world["f1"]]) == (
        1, 1, 1, 1000.0, 1, 0,
    )  # fmt: skip


def test_votes_of_a_merged_duplicate_count_for_the_target(
    team: Team, world: dict[str, Any]
) -> None:
    duplicate = make_idea(team.workspace, "SAML login please", email="cy@initech.com")
    ideas.vote(visit(team.workspace, "bob@globex.com"), duplicate)
    moderation.merge_idea(world["access"], duplicate, world["idea"])
    # cy (Initech, 200) joins; bob keeps one vote
    assert numbers(service.demand(team.workspace, [world["f1"]])[world["f1"]]) == (
        3, 5, 3, 1700.0, 2, 5,
    )  # fmt: skip


def test_ranking_and_table_include_voters(team: Team, world: dict[str, Any]) -> None:
    rows, total = service.demand_table(world["access"], service.DemandFilters(), "customers")
    assert (total, [numbers(r.demand) for r in rows]) == (1, [(2, 4, 2, 1500.0, 1, 4)])
    smb = service.DemandFilters(segment="smb")
    for order in service.ORDERS:
        rows, total = service.demand_table(world["access"], smb, order)
        assert (total, [r.feature.ref for r in rows]) == (1, ["F-1"])


def test_demand_stays_two_queries_with_votes(
    team: Team, world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        service.demand(team.workspace)
    with django_assert_num_queries(1):
        service.distinct_customers(team.workspace, [world["f1"], world["f2"]])


def test_demand_page_api_and_csv_say_where_demand_comes_from(
    team: Team, world: dict[str, Any]
) -> None:
    client = team.client("viewer")
    page = client.get(f"/w/{team.workspace.slug}/insights/demand/").content.decode()
    assert "1 from feedback · 4 voters" in page
    body = client.get(f"/api/v1/workspaces/{team.workspace.slug}/demand").json()
    row = body["rows"][0]
    assert (row["customers"], row["feedback_customers"], row["voters"]) == (4, 1, 4)
    text = client.get(f"/api/v1/workspaces/{team.workspace.slug}/demand?format=csv")
    header, first = list(csv.reader(io.StringIO(text.content.decode())))
    assert dict(zip(header, first, strict=True))["voters"] == "4"
    assert dict(zip(header, first, strict=True))["customers"] == "4"


def test_merging_links_both_feedback_items_to_every_feature_of_either(
    team: Team, world: dict[str, Any]
) -> None:
    from northline.insights.models import FeedbackLink

    access = world["access"]
    f3 = features.create_feature(access, "SCIM")
    duplicate = make_idea(team.workspace, "SAML login please", email="cy@initech.com")
    portal_team.link_feature(access, duplicate, "F-2", "critical")
    moderation.merge_idea(access, duplicate, world["idea"])
    portal_team.link_feature(access, world["idea"], f3, "nice_to_have")  # a later link
    duplicate.refresh_from_db()
    world["idea"].refresh_from_db()

    def linked(feedback_id: int) -> list[tuple[str, str]]:
        rows = FeedbackLink.objects.filter(feedback_id=feedback_id).order_by("feature_id")
        return [(link.feature.ref, link.importance) for link in rows]

    both = [("F-1", "important"), ("F-2", "critical"), ("F-3", "nice_to_have")]
    assert linked(duplicate.feedback_id) == both
    assert linked(world["idea"].feedback_id) == both
    # F-2 now has the target's voters: ann, bob, dee, eve (the duplicate's cy moved over too)
    assert numbers(service.demand(team.workspace, [world["f2"]])[world["f2"]])[1:] == (
        5, 3, 1700.0, 2, 5,
    )  # fmt: skip


def test_merging_a_waiting_duplicate_links_nothing(team: Team, world: dict[str, Any]) -> None:
    from northline.insights.models import FeedbackLink

    before = FeedbackLink.objects.count()
    make_portal(team, moderation=True)
    duplicate = make_idea(team.workspace, "SAML login please", email="cy@initech.com")
    assert moderation.share_links(world["access"], duplicate, world["idea"]) == 0
    moderation.merge_idea(world["access"], duplicate, world["idea"])
    assert FeedbackLink.objects.count() == before
