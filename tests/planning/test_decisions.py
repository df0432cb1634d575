"""The decision log: services, API and pages (role matrix, bad input, CSRF, escaping)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from northline.accounts.models import Membership
from northline.core.errors import Forbidden, Invalid, NotFound
from northline.core.models import Activity
from northline.planning.models import (
    Decision,
    DecisionRisk,
    PortfolioRun,
    Scenario,
    SimulationRun,
)
from northline.planning.services import decisions as service
from northline.planning.services import features, scores
from tests.conftest import Team
from tests.personas import ADMINS, EDITORS, EVERYONE, PERSONAS, call, expected

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"name": "Build in-house", "notes": "three months, full control", "chosen": True},
    {"name": "Buy", "notes": "$20k a year", "chosen": False},
]


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def world(team: Team) -> dict[str, Any]:
    """Two features, a scenario, a simulation run, a portfolio plan and one decision on F-1."""
    access = team.access("editor")
    model = scores.create_model(access, "RICE", "rice")
    f1 = features.create_feature(access, "Bulk export")
    f2 = features.create_feature(access, "SSO")
    scenario = Scenario.objects.create(workspace=team.workspace, name="Q3 push")
    simulation = SimulationRun.objects.create(
        workspace=team.workspace, model=model, samples=1000, top_n=5
    )
    plan = PortfolioRun.objects.create(workspace=team.workspace, model=model)
    decision = service.create_decision(
        access, "Build export in-house", context="Customers ask for CSV.", options=OPTIONS,
        features=["F-1"], scenarios=["Q3 push"], revisit_on=today() + timedelta(days=90),
    )  # fmt: skip
    return {"model": model, "f1": f1, "f2": f2, "scenario": scenario, "simulation": simulation,
            "plan": plan, "decision": decision}  # fmt: skip


def verbs() -> list[str]:
    return list(
        Activity.objects.filter(verb__startswith="decision.").values_list("verb", flat=True)
    )


# --- services --------------------------------------------------------------------------------


def test_create_a_decided_decision_fills_who_and_when(team: Team, world: dict[str, Any]) -> None:
    d = world["decision"]
    assert (d.status, d.decided_on, d.decided_by) == ("decided", today(), team.editor)
    assert [f.ref for f in d.features.all()] == ["F-1"]
    assert [s.name for s in d.scenarios.all()] == ["Q3 push"]
    assert d.options == OPTIONS
    created = Activity.objects.get(verb="decision.created")
    assert created.actor == team.editor and created.changes == {"status": [None, "decided"]}


def test_a_proposal_needs_no_options_nor_date(team: Team, world: dict[str, Any]) -> None:
    d = service.create_decision(team.access("editor"), "Pricing page", status="proposed")
    assert (d.status, d.decided_on, d.decided_by, d.options) == ("proposed", None, None, [])


def test_evidence_by_id_and_runs(team: Team, world: dict[str, Any]) -> None:
    d = service.create_decision(
        team.access("editor"), "Ship SSO first", options=[{"name": "SSO", "chosen": True}],
        features=["F-2", "f2", 1], scenarios=[world["scenario"].pk],
        simulation=world["simulation"].pk, portfolio=world["plan"].pk,
        decided_by="viewer@example.com", decided_on="2025-01-10", revisit_on=date(2025, 4, 1),
    )  # fmt: skip
    d.refresh_from_db()
    assert sorted(f.ref for f in d.features.all()) == ["F-1", "F-2"]
    assert list(d.scenarios.all()) == [world["scenario"]]
    assert (d.simulation, d.portfolio) == (world["simulation"], world["plan"])
    assert (d.decided_by, d.decided_on, d.revisit_on) == (
        team.viewer,
        date(2025, 1, 10),
        date(2025, 4, 1),
    )
    assert d.options == [{"name": "SSO", "notes": "", "chosen": True}]


def test_update_records_what_changed(team: Team, world: dict[str, Any]) -> None:
    access = team.access("admin")
    service.update_decision(
        access, world["decision"], title="Build export in-house, CSV first",
        features=["F-1", "F-2"], scenarios=[], simulation=world["simulation"].pk,
    )  # fmt: skip
    changes = Activity.objects.get(verb="decision.updated").changes
    assert changes == {
        "title": ["Build export in-house", "Build export in-house, CSV first"],
        "features": [["F-1"], ["F-1", "F-2"]],
        "scenarios": [["Q3 push"], []],
        "simulation": [None, world["simulation"].pk],
    }
    stored = Decision.objects.get()
    assert stored.title.endswith("CSV first") and stored.features.count() == 2
    assert not stored.scenarios.exists()
    service.update_decision(access, stored, title=stored.title)  # nothing changes: no entry
    assert verbs().count("decision.updated") == 1


def test_deciding_a_proposal_dates_it(team: Team, world: dict[str, Any]) -> None:
    access = team.access("editor")
    d = service.create_decision(access, "Pricing", status="proposed", options=OPTIONS)
    service.update_decision(team.access("admin"), d, status="decided")
    d.refresh_from_db()
    assert (d.status, d.decided_on, d.decided_by) == ("decided", today(), team.admin)


BAD_DECISIONS = [
    ({"title": "  "}, "title: must not be empty"),
    ({"title": "x" * 201}, "title: must be at most 200 characters, got 201"),
    ({"status": "done"}, "status: 'done' is not one of proposed, decided, revisited, reversed"),
    ({"options": []}, "options: a decided decision needs at least one option"),
    ({"options": [{"name": "A", "chosen": True}, {"name": "B", "chosen": True}]},
     "options: choose one option, got 2 chosen"),
    ({"options": [{"name": "A"}, {"name": "B"}]}, "options: choose one option, got 0 chosen"),
    ({"status": "proposed", "options": [{"name": "A", "chosen": True}, {"name": "B", "chosen": True}]},
     "options: choose one option, got 2 chosen"),
    ({"options": [{"name": "A", "chosen": True}, {"name": " "}]}, "options: option 2 has no name"),
    ({"options": [{"name": "Buy", "chosen": True}, {"name": "buy"}]}, "options: 'buy' is listed twice"),
    ({"options": [{"name": f"o{i}"} for i in range(21)]}, "options: at most 20 options, got 21"),
    ({"decided_on": date(2025, 2, 1), "revisit_on": date(2025, 1, 1)},
     "revisit_on: 2025-01-01 is before decided_on 2025-02-01"),
    ({"revisit_on": date(2000, 1, 1)}, "revisit_on: 2000-01-01 is before decided_on {today}"),
    ({"decided_on": "yesterday"}, "decided_on: 'yesterday' is not a date like 2025-03-31"),
    ({"features": ["F-1", "F-99"]}, "features: F-99 not found"),
    ({"features": ["abc"]}, "features: 'abc' is not a feature reference like F-12"),
    ({"scenarios": [99999]}, "scenarios: scenario 99999 not found"),
    ({"simulation": 99999}, "simulation: run 99999 not found"),
    ({"portfolio": 99999}, "portfolio: run 99999 not found"),
    ({"decided_by": "nobody@example.com"},
     "decided_by: 'nobody@example.com' is not a member of this workspace"),
    ({"decided_by": "outsider@example.com"},
     "decided_by: 'outsider@example.com' is not a member of this workspace"),
    ({"colour": "red"}, "colour: not a decision field"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "message"), BAD_DECISIONS)
def test_bad_decisions_write_nothing(
    team: Team, world: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    before = (Decision.objects.count(), Activity.objects.count())
    given = {"title": "New", "options": OPTIONS, "features": ["F-2"], **fields}
    with pytest.raises(Invalid) as caught:
        service.create_decision(team.access("editor"), given.pop("title"), **given)
    assert caught.value.message == message.format(today=today())
    assert (Decision.objects.count(), Activity.objects.count()) == before


@pytest.mark.parametrize(("fields", "message"), BAD_DECISIONS)
def test_bad_updates_write_nothing(
    team: Team, world: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    d = world["decision"]
    before = (Activity.objects.count(), d.updated_at)
    with pytest.raises(Invalid) as caught:
        service.update_decision(team.access("editor"), d, **{"title": "Changed", **fields})
    assert caught.value.message == message.format(today=today())
    stored = Decision.objects.get()
    assert (stored.title, stored.options) == ("Build export in-house", OPTIONS)
    assert [f.ref for f in stored.features.all()] == ["F-1"]
    assert (Activity.objects.count(), stored.updated_at) == before


def test_scenarios_by_name_or_id(team: Team, world: dict[str, Any]) -> None:
    Scenario.objects.create(workspace=team.workspace, name="2026")  # a name made of digits
    lean = Scenario.objects.create(workspace=team.workspace, name="Lean")
    d = service.create_decision(
        team.access("editor"), "x", options=OPTIONS,
        scenarios=["q3 PUSH", "2026", str(lean.pk), world["scenario"].pk],
    )  # fmt: skip
    assert sorted(s.name for s in d.scenarios.all()) == ["2026", "Lean", "Q3 push"]
    with pytest.raises(Invalid) as caught:
        service.link_scenario(team.access("editor"), d, "Nope")
    assert caught.value.message.startswith("scenarios: no scenario named 'Nope'")


def test_roles_of_the_services(team: Team, world: dict[str, Any]) -> None:
    d = world["decision"]
    with pytest.raises(Forbidden):
        service.create_decision(team.access("viewer"), "x", options=OPTIONS)
    with pytest.raises(Forbidden):
        service.add_risk(team.access("viewer"), d, "Late", 0.5, 2)
    with pytest.raises(Forbidden):
        service.delete_decision(team.access("editor"), d)
    assert Decision.objects.count() == 1 and not DecisionRisk.objects.exists()
    service.delete_decision(team.access("admin"), d)
    assert not Decision.objects.exists() and "decision.deleted" in verbs()


@pytest.mark.parametrize(
    ("exposure", "level"),
    [(0, "low"), (0.99, "low"), (1.0, "medium"), (2.49, "medium"), (2.5, "high"), (5, "high")],
)
def test_risk_levels(exposure: float, level: str) -> None:
    assert service.risk_level(exposure) == level


def test_risks_and_total_exposure(team: Team, world: dict[str, Any]) -> None:
    access, d = team.access("editor"), world["decision"]
    late = service.add_risk(access, d, " Vendor is late ", 0.3, 4, mitigation="weekly check")
    service.add_risk(access, d, "Scope creep", 0.5, 3)
    assert (late.description, late.exposure, service.risk_level(late.exposure)) == (
        "Vendor is late",
        pytest.approx(1.2),
        "medium",
    )
    assert service.total_exposure(Decision.objects.get()) == pytest.approx(2.7)
    listed = service.decision_log(access).get()
    assert listed.exposure_total == pytest.approx(2.7)  # type: ignore[attr-defined]
    service.remove_risk(access, d, late.pk)
    assert service.total_exposure(Decision.objects.get()) == pytest.approx(1.5)
    assert verbs().count("decision.risk_added") == 2 and "decision.risk_removed" in verbs()
    with pytest.raises(NotFound):
        service.remove_risk(access, d, late.pk)


@pytest.mark.parametrize(
    ("risk", "message"),
    [
        (("Late", 1.5, 3), "probability: must be between 0 and 1, got 1.5"),
        (("Late", -0.1, 3), "probability: must be between 0 and 1, got -0.1"),
        (("Late", float("nan"), 3), "probability: must be a finite number, got nan"),
        (("Late", 0.5, 0), "impact: must be between 1 and 5, got 0"),
        (("Late", 0.5, 7), "impact: must be between 1 and 5, got 7"),
        (("  ", 0.5, 3), "description: must not be empty"),
        (("x" * 301, 0.5, 3), "description: must be at most 300 characters, got 301"),
    ],
)
def test_bad_risks_write_nothing(
    team: Team, world: dict[str, Any], risk: tuple[Any, ...], message: str
) -> None:
    before = Activity.objects.count()
    with pytest.raises(Invalid) as caught:
        service.add_risk(team.access("editor"), world["decision"], *risk)
    assert caught.value.message == message
    assert not DecisionRisk.objects.exists() and Activity.objects.count() == before


def test_revisit_keeps_a_dated_note(team: Team, world: dict[str, Any]) -> None:
    d, later = world["decision"], today() + timedelta(days=180)
    service.revisit(team.access("editor"), d, note="Exports doubled; keep it.", revisit_on=later)
    d.refresh_from_db()
    assert (d.status, d.revisit_on) == ("revisited", later)
    assert d.outcome == f"{today()} · revisited by Editor: Exports doubled; keep it."
    service.revisit(team.access("admin"), d, note="Vendor is cheaper now.", status="reversed")
    d.refresh_from_db()
    assert (d.status, d.revisit_on) == ("reversed", None)
    assert d.outcome.endswith(f"\n\n{today()} · reversed by Admin: Vendor is cheaper now.")
    entry = Activity.objects.get(verb="decision.reversed")
    assert entry.changes["status"] == ["revisited", "reversed"]
    assert "decision.revisited" in verbs()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note": " "}, "note: must not be empty; say what was learned"),
        ({"note": "x", "status": "decided"}, "status: 'decided' is not one of revisited, reversed"),
        ({"note": "x", "revisit_on": date(2000, 1, 1)},
         "revisit_on: 2000-01-01 is before decided_on {today}"),
    ],
)  # fmt: skip
def test_bad_revisits_write_nothing(
    team: Team, world: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    before = Activity.objects.count()
    with pytest.raises(Invalid) as caught:
        service.revisit(team.access("editor"), world["decision"], **fields)
    assert caught.value.message == message.format(today=today())
    stored = Decision.objects.get()
    assert (stored.status, stored.outcome) == ("decided", "")
    assert Activity.objects.count() == before


def test_a_proposal_cannot_be_revisited(team: Team, world: dict[str, Any]) -> None:
    d = service.create_decision(team.access("editor"), "Pricing", status="proposed")
    with pytest.raises(Invalid) as caught:
        service.revisit(team.access("editor"), d, note="too early")
    assert (
        caught.value.message == "status: a proposed decision cannot be revisited; decide it first"
    )
    assert Decision.objects.get(pk=d.pk).outcome == ""


def test_log_filters_and_order(team: Team, world: dict[str, Any]) -> None:
    access = team.access("editor")
    old = service.create_decision(
        access, "Old", options=OPTIONS, decided_on=date(2024, 1, 1), revisit_on=date(2024, 6, 1),
        features=["F-2"],
    )  # fmt: skip
    newer = service.create_decision(access, "Newer", options=OPTIONS, decided_on=date(2024, 5, 1))
    proposal = service.create_decision(access, "Idea", status="proposed")
    reversed_ = service.create_decision(
        access, "Gone", options=OPTIONS, decided_on=date(2024, 2, 1), revisit_on=date(2024, 3, 1)
    )
    service.revisit(access, reversed_, note="no", status="reversed", revisit_on=date(2024, 3, 1))
    log = service.decision_log
    assert list(log(access)) == [proposal, world["decision"], newer, reversed_, old]
    assert list(log(access, status="proposed")) == [proposal]
    assert list(log(access, feature="F-2")) == [old]
    assert list(log(access, feature="2", due=True)) == [old]
    assert list(log(access, due=True)) == [old]  # reversed ones are not due
    service.revisit(access, old, note="ok", revisit_on=today())
    assert list(log(access, due=True)) == [old]  # a revisited decision comes due again
    assert service.is_due(old) and not service.is_due(world["decision"])
    assert list(service.decisions_for_feature(access, world["f1"])) == [world["decision"]]
    with pytest.raises(Invalid) as caught:
        list(log(access, status="open"))
    assert (
        caught.value.message
        == "status: 'open' is not one of proposed, decided, revisited, reversed"
    )


def test_link_and_unlink_evidence(team: Team, world: dict[str, Any]) -> None:
    access, d = team.access("editor"), world["decision"]
    assert service.link_feature(access, d, "F-2") == world["f2"]
    service.link_feature(access, d, "2")  # twice: harmless, recorded once
    assert sorted(f.ref for f in d.features.all()) == ["F-1", "F-2"]
    service.unlink_feature(access, d, "F-1")
    assert [f.ref for f in d.features.all()] == ["F-2"]
    with pytest.raises(NotFound) as missing:
        service.unlink_feature(access, d, 1)
    assert missing.value.message == "features: F-1 is not linked to this decision"
    with pytest.raises(Invalid) as unknown:
        service.link_feature(access, d, "F-99")
    assert unknown.value.message == "features: F-99 not found"
    service.unlink_scenario(access, d, world["scenario"].pk)
    assert service.link_scenario(access, d, "Q3 push") == world["scenario"]
    assert verbs().count("decision.evidence_linked") == 2
    assert verbs().count("decision.evidence_unlinked") == 2
    linked = Activity.objects.filter(verb="decision.evidence_linked").order_by("id").first()
    assert linked is not None and linked.changes == {"features": [None, "F-2"]}


# --- API -------------------------------------------------------------------------------------


def api_endpoints(team: Team, w: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    d = w["decision"]
    base = f"/api/v1/workspaces/{team.workspace.slug}/decisions"
    risk = DecisionRisk.objects.create(decision=d, description="Late", probability=0.2, impact=3)
    Scenario.objects.create(workspace=team.workspace, name="Lean year")
    return [
        ("get", f"{base}?status=decided&feature=F-1&due=false", None, EVERYONE, 200),
        ("post", base, {"title": "Buy SSO", "options": OPTIONS}, EDITORS, 201),
        ("get", f"{base}/{d.pk}", None, EVERYONE, 200),
        ("patch", f"{base}/{d.pk}", {"outcome": "Go"}, EDITORS, 200),
        ("delete", f"{base}/{d.pk}", None, ADMINS, 204),
        ("post", f"{base}/{d.pk}/risks", {"description": "Scope", "probability": 0.5,
                                          "impact": 2}, EDITORS, 201),
        ("delete", f"{base}/{d.pk}/risks/{risk.pk}", None, EDITORS, 204),
        ("post", f"{base}/{d.pk}/revisit", {"note": "Still right"}, EDITORS, 200),
        ("post", f"{base}/{d.pk}/features", {"feature": "F-2"}, EDITORS, 201),
        ("delete", f"{base}/{d.pk}/features/F-1", None, EDITORS, 204),
        ("post", f"{base}/{d.pk}/scenarios", {"scenario": "Lean year"}, EDITORS, 201),
        ("delete", f"{base}/{d.pk}/scenarios/{w['scenario'].pk}", None, EDITORS, 204),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(12))
def test_api_for_each_persona(team: Team, world: dict[str, Any], persona: str, index: int) -> None:
    method, url, body, allowed, ok = api_endpoints(team, world)[index]
    before = Activity.objects.count()
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if method != "get":  # a write is recorded exactly when it is allowed
        assert (Activity.objects.count() > before) == (response.status_code == ok)


def test_api_decision_shape(team: Team, world: dict[str, Any]) -> None:
    base = f"/api/v1/workspaces/{team.workspace.slug}/decisions"
    client = team.client("editor")
    made = call(client, "post", base, {
        "title": "Ship SSO", "options": [{"name": "SSO", "chosen": True}, {"name": "Later"}],
        "features": ["F-2"], "scenarios": [world["scenario"].pk, "Q3 push"],
        "simulation": world["simulation"].pk, "decided_on": "2025-03-01",
        "revisit_on": "2025-06-01",
    })  # fmt: skip
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    call(client, "post", f"{base}/{pk}/risks", {"description": "Churn", "probability": 0.5,
                                                 "impact": 4, "mitigation": "beta"})  # fmt: skip
    body = client.get(f"{base}/{pk}").json()
    assert body["options"] == [
        {"name": "SSO", "notes": "", "chosen": True},
        {"name": "Later", "notes": "", "chosen": False},
    ]
    assert (body["status"], body["decided_by"], body["decided_on"]) == (
        "decided",
        "editor@example.com",
        "2025-03-01",
    )
    assert body["due_for_revisit"] is True and body["features"] == ["F-2"]
    assert body["scenarios"] == [{"id": world["scenario"].pk, "name": "Q3 push"}]
    assert (body["simulation"], body["portfolio"]) == (world["simulation"].pk, None)
    assert body["risks"][0] | {"id": 0} == {
        "id": 0, "description": "Churn", "probability": 0.5, "impact": 4.0, "exposure": 2.0,
        "level": "medium", "mitigation": "beta",
    }  # fmt: skip
    assert (body["total_exposure"], body["risk_level"]) == (2.0, "medium")
    listed = client.get(f"{base}?due=true").json()
    assert [d["id"] for d in listed] == [pk] and listed[0]["total_exposure"] == 2.0
    assert [d["title"] for d in client.get(f"{base}?feature=F-1").json()] == [
        "Build export in-house"
    ]


def test_api_patch_and_revisit(team: Team, world: dict[str, Any]) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/decisions/{world['decision'].pk}"
    client = team.client("editor")
    patched = call(client, "patch", url, {"features": ["F-2"], "portfolio": world["plan"].pk})
    assert patched.json()["features"] == ["F-2"] and patched.json()["portfolio"] == world["plan"].pk
    assert patched.json()["title"] == "Build export in-house"  # untouched fields stay
    cleared = call(client, "patch", url, {"portfolio": None, "revisit_on": None})
    assert cleared.json()["portfolio"] is None and cleared.json()["revisit_on"] is None
    revisited = call(client, "post", f"{url}/revisit",
                     {"note": "Holds", "revisit_on": str(today() + timedelta(days=30))})  # fmt: skip
    assert revisited.json()["status"] == "revisited"
    assert revisited.json()["outcome"] == f"{today()} · revisited by Editor: Holds"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("post", "", {"title": "x", "options": [{"name": "A", "chosen": True},
                                                {"name": "B", "chosen": True}]},
         422, "options: choose one option, got 2 chosen"),
        ("post", "", {"title": "x", "options": OPTIONS, "features": ["F-99"]}, 422,
         "features: F-99 not found"),
        ("post", "", {"options": OPTIONS}, 422, "title: Field required"),
        ("post", "", {"title": "x", "options": OPTIONS, "revisit_on": "soon"}, 422,
         "revisit_on: Input should be a valid date or datetime, input is too short"),
        ("patch", "/{id}", {"revisit_on": "2000-01-01"}, 422,
         "revisit_on: 2000-01-01 is before decided_on {today}"),
        ("patch", "/{id}", {"status": "maybe"}, 422,
         "status: 'maybe' is not one of proposed, decided, revisited, reversed"),
        ("post", "/{id}/risks", {"description": "x", "probability": 1.5, "impact": 3}, 422,
         "probability: must be between 0 and 1, got 1.5"),
        ("post", "/{id}/risks", {"description": "x", "probability": 0.5, "impact": 9}, 422,
         "impact: must be between 1 and 5, got 9"),
        ("post", "/{id}/revisit", {"note": ""}, 422, "note: must not be empty; say what was learned"),
        ("post", "/{id}/features", {"feature": "F-99"}, 422, "features: F-99 not found"),
        ("delete", "/{id}/risks/99999", None, 404, "risk 99999 not found"),
        ("get", "/99999", None, 404, "decision not found"),
        ("get", "?status=open", None, 422,
         "status: 'open' is not one of proposed, decided, revisited, reversed"),
        ("get", "?feature=abc", None, 422, "feature: 'abc' is not a feature reference like F-12"),
    ],
)  # fmt: skip
def test_api_errors_have_the_error_shape_and_write_nothing(
    team: Team, world: dict[str, Any], method: str, path: str, body: Any, status: int,
    message: str,
) -> None:  # fmt: skip
    d = world["decision"]
    before = (Decision.objects.count(), DecisionRisk.objects.count(), Activity.objects.count())
    url = f"/api/v1/workspaces/{team.workspace.slug}/decisions" + path.format(id=d.pk)
    response = call(team.client("editor"), method, url, body)
    message = message.format(today=today())
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": message, "errors": [message], "status": status}
    after = (Decision.objects.count(), DecisionRisk.objects.count(), Activity.objects.count())
    assert after == before
    stored = Decision.objects.get(pk=d.pk)
    assert (stored.status, stored.revisit_on) == (d.status, d.revisit_on)


def test_api_decision_of_another_workspace_is_404(team: Team, world: dict[str, Any]) -> None:
    from northline.accounts import services
    from tests.conftest import access_for

    other = services.create_workspace(team.owner, "Other")
    elsewhere = service.create_decision(access_for(team.owner, other), "Theirs", options=OPTIONS)
    url = f"/api/v1/workspaces/{team.workspace.slug}/decisions/{elsewhere.pk}"
    assert team.client("owner").get(url).status_code == 404
    assert call(team.client("owner"), "patch", url, {"title": "Mine"}).status_code == 404
    assert Decision.objects.get(pk=elsewhere.pk).title == "Theirs"


# --- pages -----------------------------------------------------------------------------------

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}
WRITE_FORM = {"owner": 200, "admin": 200, "editor": 200, "viewer": 403, "outsider": 404}
DELETE = {"owner": 302, "admin": 302, "editor": 403, "viewer": 403, "outsider": 404}


def base(team: Team) -> str:
    return f"/w/{team.workspace.slug}/planning/decisions"


@pytest.mark.parametrize("persona", PERSONAS)
def test_read_pages(team: Team, world: dict[str, Any], persona: str) -> None:
    d = world["decision"].pk
    pages = {
        f"{base(team)}/": READ, f"{base(team)}/?status=decided&feature=F-1&due=on&page=9": READ,
        f"{base(team)}/{d}/": READ, f"{base(team)}/new/": WRITE_FORM,
        f"{base(team)}/{d}/edit/": WRITE_FORM,
    }  # fmt: skip
    for url, statuses in pages.items():
        response = team.client(persona).get(url)
        if persona == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/login/")
        else:
            assert response.status_code == statuses[persona], url


def page_writes(team: Team, w: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any, Any]]:
    """(url, data, expected statuses, a check that the write happened)."""
    d = w["decision"]
    one = f"{base(team)}/{d.pk}"
    risk = DecisionRisk.objects.create(decision=d, description="Late", probability=0.2, impact=3)
    return [
        (f"{base(team)}/new/", {"title": "Buy SSO", "status": "proposed"}, WRITE,
         lambda: Decision.objects.filter(title="Buy SSO").exists()),
        (f"{one}/edit/", {"title": "Renamed", "status": "decided", "options": "* Build"}, WRITE,
         lambda: Decision.objects.filter(title="Renamed").exists()),
        (f"{one}/risks/", {"description": "Scope", "probability": "0.5", "impact": "2"}, WRITE,
         lambda: DecisionRisk.objects.filter(description="Scope").exists()),
        (f"{one}/risks/{risk.pk}/remove/", {}, WRITE,
         lambda: not DecisionRisk.objects.filter(pk=risk.pk).exists()),
        (f"{one}/revisit/", {"status": "revisited", "note": "Holds"}, WRITE,
         lambda: Decision.objects.filter(status="revisited").exists()),
        (f"{one}/features/", {"features": "F-2"}, WRITE, lambda: d.features.count() == 2),
        (f"{one}/features/1/unlink/", {}, WRITE, lambda: not d.features.exists()),
        (f"{one}/scenarios/{w['scenario'].pk}/unlink/", {}, WRITE,
         lambda: not d.scenarios.exists()),
        (f"{one}/delete/", {}, DELETE, lambda: not Decision.objects.exists()),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(9))
def test_write_pages(team: Team, world: dict[str, Any], persona: str, index: int) -> None:
    url, data, statuses, happened = page_writes(team, world)[index]
    response = team.client(persona).post(url, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert not happened()
    else:
        assert response.status_code == statuses[persona], response.content[:300]
        assert happened() == (statuses[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_link_scenario_page(team: Team, world: dict[str, Any], persona: str) -> None:
    later = Scenario.objects.create(workspace=team.workspace, name="Lean year")
    url = f"{base(team)}/{world['decision'].pk}/scenarios/"
    response = team.client(persona).post(url, {"scenarios": later.pk})
    linked = world["decision"].scenarios.filter(pk=later.pk).exists()
    if persona == "anonymous":
        assert response.status_code == 302 and not linked
    else:
        assert response.status_code == WRITE[persona] and linked == (WRITE[persona] == 302)


def test_new_decision_form(team: Team, world: dict[str, Any]) -> None:
    options = "Build in-house | three months\n\n* Buy | $20k a year, ready now\n"
    response = team.client("editor").post(f"{base(team)}/new/", {
        "title": "Buy the exporter", "status": "decided", "context": "CSV asks",
        "options": options, "outcome": "Buy it", "decided_by": "admin@example.com",
        "decided_on": "2025-02-01", "revisit_on": "2025-08-01", "features": "F-1, f2",
        "scenarios": [str(world["scenario"].pk)], "simulation": str(world["simulation"].pk),
        "portfolio": str(world["plan"].pk),
    })  # fmt: skip
    made = Decision.objects.get(title="Buy the exporter")
    assert response.status_code == 302 and response["Location"] == f"{base(team)}/{made.pk}/"
    assert made.options == [
        {"name": "Build in-house", "notes": "three months", "chosen": False},
        {"name": "Buy", "notes": "$20k a year, ready now", "chosen": True},
    ]
    assert (made.decided_by, made.decided_on, made.revisit_on) == (
        team.admin,
        date(2025, 2, 1),
        date(2025, 8, 1),
    )
    assert sorted(f.ref for f in made.features.all()) == ["F-1", "F-2"]
    assert list(made.scenarios.all()) == [world["scenario"]]
    assert (made.simulation, made.portfolio) == (world["simulation"], world["plan"])
    edit = team.client("editor").get(f"{base(team)}/{made.pk}/edit/").content.decode()
    assert "* Buy | $20k a year, ready now" in edit and 'value="2025-08-01"' in edit


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"options": "* A\n* B"}, "choose one option, got 2 chosen"),
        ({"features": "F-1 F-99"}, "F-99 not found"),
        ({"title": ""}, "must not be empty"),
        ({"decided_on": "2025-05-01", "revisit_on": "2025-01-01"},
         "2025-01-01 is before decided_on 2025-05-01"),
        ({"revisit_on": "someday"}, "Enter a valid date."),
    ],
)  # fmt: skip
def test_form_errors_show_beside_fields(
    team: Team, world: dict[str, Any], data: dict[str, str], message: str
) -> None:
    before = (Decision.objects.count(), Activity.objects.count())
    posted = {"title": "New", "status": "decided", "options": "* A\nB", **data}
    response = team.client("editor").post(f"{base(team)}/new/", posted)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="error">{message}</p>' in html
    assert (Decision.objects.count(), Activity.objects.count()) == before
    edit = team.client("editor").post(f"{base(team)}/{world['decision'].pk}/edit/", posted)
    assert edit.status_code == 422 and message in edit.content.decode()
    assert Decision.objects.get(pk=world["decision"].pk).title == "Build export in-house"


def test_detail_page_shows_the_evidence_and_risks(team: Team, world: dict[str, Any]) -> None:
    d = world["decision"]
    service.add_risk(team.access("editor"), d, "Vendor is late", 0.3, 4, mitigation="weekly")
    service.add_risk(team.access("editor"), d, "Scope creep", 0.5, 3)
    service.update_decision(team.access("editor"), d, simulation=world["simulation"].pk)
    html = team.client("viewer").get(f"{base(team)}/{d.pk}/").content.decode()
    assert (
        f'<a href="{world["f1"].get_absolute_url()}"><span class="ref">F-1</span> Bulk export</a>'
        in html
    )
    assert f'href="/w/{team.workspace.slug}/planning/features/1/"' in html
    assert (
        '<li class="chosen"><strong>Build in-house</strong> <span class="badge">chosen</span>'
        in html
    )
    assert '1.20 <span class="level medium">medium</span>' in html
    assert '2.70 <span class="level high">high</span>' in html  # the total
    assert "below 1" in html and "below 2.5" in html and "from 2.5" in html  # the rule
    assert "Q3 push" in html and "Simulation" in html
    assert "Add a risk" not in html and "Delete this decision" not in html  # a viewer reads
    editor = team.client("editor").get(f"{base(team)}/{d.pk}/").content.decode()
    assert "Add a risk" in editor and "Record revisit" in editor
    assert "Delete this decision" not in editor  # admins only
    assert (
        "Delete this decision" in team.client("admin").get(f"{base(team)}/{d.pk}/").content.decode()
    )


def test_risk_form_errors_show_on_the_detail_page(team: Team, world: dict[str, Any]) -> None:
    url = f"{base(team)}/{world['decision'].pk}/risks/"
    response = team.client("editor").post(
        url, {"description": "Late", "probability": "1.5", "impact": "3"}
    )
    assert response.status_code == 422
    assert '<p class="error">must be between 0 and 1, got 1.5</p>' in response.content.decode()
    assert not DecisionRisk.objects.exists()


def test_revisit_and_link_errors_show_on_the_detail_page(team: Team, world: dict[str, Any]) -> None:
    one, client = f"{base(team)}/{world['decision'].pk}", team.client("editor")
    revisit = client.post(f"{one}/revisit/", {"status": "reversed", "note": ""})
    assert revisit.status_code == 422
    assert "must not be empty; say what was learned" in revisit.content.decode()
    link = client.post(f"{one}/features/", {"features": "F-42"})
    assert link.status_code == 422 and "F-42 not found" in link.content.decode()
    bad = client.post(f"{one}/scenarios/", {"scenarios": "99999"})
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()
    stored = Decision.objects.get()
    assert (stored.status, stored.outcome, stored.features.count()) == ("decided", "", 1)


def test_log_page_filters_badges_and_exposure(team: Team, world: dict[str, Any]) -> None:
    access = team.access("editor")
    due = service.create_decision(
        access, "Drop the legacy API", options=OPTIONS, decided_on=date(2024, 1, 1),
        revisit_on=date(2024, 7, 1), features=["F-2"],
    )  # fmt: skip
    service.add_risk(access, due, "Angry integrators", 0.5, 5)
    html = team.client("viewer").get(f"{base(team)}/").content.decode()
    assert "2 decisions" in html and html.count("due for revisit</span>") == 1
    assert '2.50 <span class="level high">high</span>' in html
    assert '0 <span class="level low">low</span>' in html
    filtered = team.client("viewer").get(f"{base(team)}/?due=on").content.decode()
    assert "Drop the legacy API" in filtered and "Build export in-house" not in filtered
    by_feature = team.client("viewer").get(f"{base(team)}/?feature=F-1").content.decode()
    assert "Build export in-house" in by_feature and "Drop the legacy API" not in by_feature
    bad = team.client("viewer").get(f"{base(team)}/?feature=nope").content.decode()
    assert "is not a feature reference like F-12" in bad and "0 decisions" in bad
    assert "Record a decision" not in html  # a viewer gets no write buttons


def test_forms_need_csrf(team: Team, world: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.admin)
    one = f"{base(team)}/{world['decision'].pk}"
    posts = [
        (f"{base(team)}/new/", {"title": "x", "status": "proposed"}),
        (f"{one}/edit/", {"title": "Hijacked", "status": "proposed"}),
        (f"{one}/risks/", {"description": "x", "probability": "0.5", "impact": "2"}),
        (f"{one}/revisit/", {"status": "reversed", "note": "x"}),
        (f"{one}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    stored = Decision.objects.get()
    assert (stored.title, stored.status) == ("Build export in-house", "decided")
    assert not DecisionRisk.objects.exists()


def test_titles_are_escaped(team: Team, world: dict[str, Any]) -> None:
    access = team.access("editor")
    service.update_decision(access, world["decision"], title="<script>alert(1)</script>")
    service.add_risk(access, world["decision"], "<script>risk()</script>", 0.1, 1)
    for url in (f"{base(team)}/", f"{base(team)}/{world['decision'].pk}/"):
        html = team.client("viewer").get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "&lt;script&gt;risk()" in html and "<script>risk()" not in html


def test_pages_record_activity(team: Team, world: dict[str, Any]) -> None:
    client = team.client("editor")
    client.post(f"{base(team)}/new/", {"title": "Logged", "status": "proposed"})
    made = Decision.objects.get(title="Logged")
    client.post(f"{base(team)}/{made.pk}/edit/", {"title": "Logged", "status": "decided",
                                                   "options": "* Only way"})  # fmt: skip
    entry = Activity.objects.filter(verb="decision.updated").get()
    assert entry.actor == team.editor and entry.object_id == str(made.pk)
    assert entry.changes["status"] == ["proposed", "decided"]
    assert entry.changes["decided_on"] == [None, str(today())]
    feed = team.client("viewer").get(f"/w/{team.workspace.slug}/activity/").content.decode()
    assert "recorded the decision" in feed and "changed the decision" in feed
    # as a person reads it, not as Python prints lists and dicts (PostgreSQL's jsonb orders the
    # keys its own way, so each change is looked for alone)
    for change in (
        "options: none → Only way", "status: proposed → decided",
        "decided_by: editor@example.com", f"decided_on: {today()}",
    ):  # fmt: skip
        assert change in feed
    assert "[None," not in feed and "&#x27;" not in feed


def test_features_page_link_target_exists(team: Team, world: dict[str, Any]) -> None:
    """The evidence links go to the feature page, which answers."""
    response = team.client("viewer").get(world["f1"].get_absolute_url())
    assert response.status_code == 200 and "Bulk export" in response.content.decode()


def test_a_decider_who_left_stays_on_the_record(team: Team, world: dict[str, Any]) -> None:
    d = world["decision"]  # decided by the editor, who then leaves
    Membership.objects.filter(workspace=team.workspace, user=team.editor).delete()
    edit = f"{base(team)}/{d.pk}/edit/"
    form = team.client("admin").get(edit).content.decode()
    assert '<option value="editor@example.com" selected>' in form
    response = team.client("admin").post(edit, {
        "title": "Kept", "status": "decided", "options": "* Build", "decided_by": "editor@example.com",
    })  # fmt: skip
    d.refresh_from_db()
    assert response.status_code == 302 and (d.title, d.decided_by) == ("Kept", team.editor)
    with pytest.raises(Invalid) as caught:
        service.update_decision(team.access("admin"), d, decided_by="outsider@example.com")
    assert caught.value.message == (
        "decided_by: 'outsider@example.com' is not a member of this workspace"
    )
