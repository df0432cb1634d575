"""Monte Carlo runs and optimised plans: the services, the API and the pages."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client

from northline.core.access import Access
from northline.core.errors import Forbidden, Invalid, NotFound
from northline.core.models import Activity
from northline.planning.models import Feature, PortfolioRun, ScoringModel, SimulationRun
from northline.planning.services import analysis, features, scores
from tests.conftest import Team, access_for
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, expected

RICE = ("reach", "impact", "confidence", "effort")


@pytest.fixture
def access(team: Team) -> Access:
    return access_for(team.editor, team.workspace)


@pytest.fixture
def rice(access: Access) -> ScoringModel:
    return scores.create_model(access, "RICE", "rice")


def feature(
    access: Access,
    model: ScoringModel,
    title: str,
    *values: float | tuple[float, float, float],
    **fields: Any,
) -> Feature:
    """A feature with RICE inputs: a number is certain, a triple is (low, likely, high)."""
    f = features.create_feature(access, title, **fields)
    for driver, value in zip(RICE, values, strict=False):
        low, likely, high = value if isinstance(value, tuple) else (value, value, value)
        scores.set_input(access, f, model, driver, low=low, likely=likely, high=high)
    return f


def nothing_stored(before: int) -> bool:
    return (
        not SimulationRun.objects.exists()
        and not PortfolioRun.objects.exists()
        and Activity.objects.count() == before
    )


# --- Monte Carlo -----------------------------------------------------------------------------


def test_certain_inputs_give_the_exact_score_and_sure_odds(
    access: Access, rice: ScoringModel
) -> None:
    feature(access, rice, "Bulk export", 400, 2, 0.5, 4)  # 100
    feature(access, rice, "SSO", 100, 1, 1, 2)  # 50
    feature(access, rice, "Half done", 10, 1)  # missing confidence and effort
    feature(access, rice, "Shipped", 900, 3, 1, 1, status="shipped")
    run = analysis.run_simulation(access, rice, samples=1000, top_n=1, seed=7)
    results = run.results["features"]
    assert set(results) == {"1", "2"}  # the shipped and the half-estimated are not sampled
    first, second = results["1"], results["2"]
    assert first["p10"] == first["p50"] == first["p90"] == first["mean"] == first["score"] == 100
    assert second["p10"] == second["p90"] == 50
    assert (first["p_top"], second["p_top"]) == (1.0, 0.0)
    assert (first["rank_p10"], first["rank_p90"], second["rank_p10"]) == (1, 1, 2)
    assert first["dominant"] is None and first["swing"]["reach"] == [100, 100]
    assert run.results["skipped"] == [{"number": 3, "missing": ["confidence", "effort"]}]
    assert run.results["uncertain"] == []
    assert (run.samples, run.top_n, run.seed, run.created_by) == (1000, 1, 7, access.user)
    assert run.seconds > 0
    assert Activity.objects.filter(verb="simulation.ran").count() == 1


def test_a_ranged_input_spreads_the_score_and_drives_it(access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "Ranged", (100, 400, 900), 2, 0.5, 4)
    feature(access, rice, "Certain", 100, 1, 1, 2)
    run = analysis.run_simulation(access, rice, samples=5000, top_n=1)
    ranged = run.results["features"]["1"]
    assert ranged["p10"] < ranged["p50"] < ranged["p90"]
    assert ranged["score"] == 100 and ranged["dominant"] == "reach"
    assert ranged["swing"]["reach"] == [25, 225] and ranged["swing"]["effort"] == [100, 100]
    view = analysis.view_simulation(access, run)
    assert [r.ref for r in view.rows] == ["F-1", "F-2"]
    assert view.rows[0].title == "Ranged" and view.rows[0].tornado()[0][:3] == ("reach", 25, 225)


def test_the_same_seed_gives_the_same_run(access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", (100, 400, 900), 2, 0.5, (2, 4, 9))
    feature(access, rice, "B", (50, 300, 1200), 2, 0.5, (2, 4, 9))
    one = analysis.run_simulation(access, rice, samples=500, top_n=1, seed=3)
    two = analysis.run_simulation(access, rice, samples=500, top_n=1, seed=3)
    assert one.results == two.results


def test_close_wide_features_are_listed_as_uncertain_ranks(
    access: Access, rice: ScoringModel
) -> None:
    for i in range(4):
        feature(access, rice, f"Wide {i}", (10, 100 + i, 1000), 1, 1, 1)
    feature(access, rice, "Sure thing", 100_000, 1, 1, 1)
    run = analysis.run_simulation(access, rice, samples=2000, top_n=2)
    assert run.results["uncertain_span"] == 3
    assert sorted(run.results["uncertain"]) == [1, 2, 3, 4]
    view = analysis.view_simulation(access, run)
    assert view.rows[0].ref == "F-5" and view.rows[0].p_top == 1.0
    assert {r.ref for r in view.uncertain} == {"F-1", "F-2", "F-3", "F-4"}


def test_a_scenario_is_simulated_with_its_own_inputs(access: Access, rice: ScoringModel) -> None:
    from northline.planning.services import scenarios

    f = feature(access, rice, "A", 400, 2, 0.5, 4)
    scenario = scenarios.create_scenario(access, "Cheaper")
    scores.set_input(access, f, rice, "effort", low=2, scenario=scenario)
    run = analysis.run_simulation(access, rice, scenario, samples=100, top_n=1)
    assert run.scenario == scenario and run.results["features"]["1"]["p50"] == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"samples": 99}, "samples: must be between 100 and 100000, got 99"),
        ({"samples": 100_001}, "samples: must be between 100 and 100000, got 100001"),
        ({"top_n": 0}, "top_n: must be at least 1, got 0"),
        ({"top_n": 3}, "top_n: must be at most 2, the number of scored features, got 3"),
        ({"seed": -1}, "seed: must be between 0 and 9223372036854775807, got -1"),
        ({"model": "ICE"}, "features: no open feature has every input of ICE "
         "(impact, confidence, ease) yet; estimate some first"),
    ],
)  # fmt: skip
def test_bad_simulation_requests_store_nothing(
    access: Access, rice: ScoringModel, options: dict[str, Any], message: str
) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    feature(access, rice, "B", 100, 1, 1, 2)
    model = scores.create_model(access, "ICE", "ice") if options.pop("model", None) else rice
    before = Activity.objects.count()
    with pytest.raises(Invalid) as error:
        analysis.run_simulation(access, model, **options)
    assert error.value.errors == [message]
    assert nothing_stored(before)


def test_a_viewer_cannot_run_a_simulation(team: Team, access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    with pytest.raises(Forbidden):
        analysis.run_simulation(access_for(team.viewer, team.workspace), rice, top_n=1)
    assert not SimulationRun.objects.exists()


# --- portfolio -------------------------------------------------------------------------------


def brute_force(values: list[float], efforts: list[float], capacities: list[float]) -> float:
    """The best total value over every assignment of items to no period or one period."""
    best = 0.0
    for assignment in itertools.product(range(len(capacities) + 1), repeat=len(values)):
        used = [0.0] * len(capacities)
        for item, period in enumerate(assignment):
            if period:
                used[period - 1] += efforts[item]
        if all(u <= c for u, c in zip(used, capacities, strict=True)):
            best = max(best, sum(v for v, p in zip(values, assignment, strict=True) if p))
    return best


def test_the_plan_is_the_brute_force_optimum_and_explains_left_outs(
    access: Access, rice: ScoringModel
) -> None:
    efforts = [4, 3, 5, 2, 6, 3]
    reaches = [400, 240, 450, 100, 660, 120]
    for i, (reach, effort) in enumerate(zip(reaches, efforts, strict=True)):
        feature(access, rice, f"F{i}", reach, 1, 1, effort)
    values = [r / e for r, e in zip(reaches, efforts, strict=True)]
    run = analysis.run_portfolio(
        access, rice, periods=[{"name": "Q1", "capacity": 7}, {"name": "Q2", "capacity": 6}]
    )
    result = run.result
    assert result["status"] == "optimal"
    assert result["total_value"] == pytest.approx(brute_force(values, efforts, [7, 6]))
    chosen = set(result["selected"])
    assert sum(result["candidates"][ref]["effort"] for ref in chosen) <= 13
    assert set(result["reasons"]) == {f"F-{i + 1}" for i in range(6)} - chosen
    assert all(result["reasons"].values())
    assert run.constraints["periods"][0] == {"name": "Q1", "capacity": 7, "team_capacity": {}}
    view = analysis.view_plan(access, run)
    assert [p.name for p in view.periods] == ["Q1", "Q2"]
    assert view.selected == len(chosen) and {lo.ref for lo in view.left_out} == set(
        result["reasons"]
    )
    assert sum(p.used for p in view.periods) == sum(efforts[int(r[2:]) - 1] for r in chosen)


def test_dependencies_shipped_dropped_and_unestimated(access: Access, rice: ScoringModel) -> None:
    done = feature(access, rice, "Done", 100, 1, 1, 1, status="shipped")
    needs_done = feature(access, rice, "Needs done", 100, 1, 1, 2)
    unestimated = feature(access, rice, "No effort yet", 100, 1, 1)
    needs_unestimated = feature(access, rice, "Needs the unestimated", 100, 1, 1, 2)
    dropped = feature(access, rice, "Dropped", 100, 1, 1, 1, status="dropped")
    needs_dropped = feature(access, rice, "Needs the dropped", 100, 1, 1, 2)
    chain = feature(access, rice, "Needs a blocked one", 100, 1, 1, 2)
    for dependent, prerequisite in [
        (needs_done, done), (needs_unestimated, unestimated), (needs_dropped, dropped),
        (chain, needs_dropped),
    ]:  # fmt: skip
        features.add_dependency(access, dependent, prerequisite)
    run = analysis.run_portfolio(access, rice, periods=[{"name": "Q1", "capacity": 40}])
    assert run.result["selected"] == {"F-2": "Q1"}
    assert run.result["candidates"]["F-2"]["value"] == 50
    assert run.result["reasons"] == {
        "F-3": "has no estimate of effort",
        "F-4": "needs F-3, which has no estimate of effort",
        "F-6": "needs F-5, which is dropped",
        "F-7": "needs F-6, which cannot be planned either",
    }


def test_risk_budget_balance_mandatory_and_value_basis(access: Access, rice: ScoringModel) -> None:
    growth = features.create_area(access, "Growth")
    feature(access, rice, "Big", 1000, 1, 1, (2, 5, 20))  # risk 18
    feature(access, rice, "Small", 100, 1, 1, (1, 2, 3), area=growth)  # risk 2
    feature(access, rice, "Tiny", 30, 1, 1, 1)
    run = analysis.run_portfolio(
        access, rice, periods=[{"name": "Q1", "capacity": 20}], risk_budget=10,
        balance=[{"area": "growth", "min_share": 0.2}], mandatory=["F-3"], value_basis="p10",
    )  # fmt: skip
    assert set(run.result["selected"]) == {"F-2", "F-3"}
    assert run.result["reasons"]["F-1"].startswith("would exceed the risk budget")
    assert run.constraints["balance"] == [{"area": "Growth", "min_share": 0.2, "measure": "effort"}]
    assert run.constraints["mandatory"] == ["F-3"] and run.constraints["value_basis"] == "p10"
    mean = analysis.run_portfolio(access, rice, periods=[{"name": "Q1", "capacity": 20}])
    assert mean.result["candidates"]["F-1"]["value"] > run.result["candidates"]["F-1"]["value"]


def test_a_scenarios_periods_are_the_default(access: Access, rice: ScoringModel) -> None:
    from northline.planning.services import scenarios

    feature(access, rice, "A", 100, 1, 1, 3)
    scenario = scenarios.create_scenario(access, "Lean", periods=[{"name": "H1", "capacity": 2}])
    run = analysis.run_portfolio(access, rice, scenario)
    assert run.result["selected"] == {} and run.constraints["periods"][0]["name"] == "H1"
    assert run.result["reasons"]["F-1"].startswith("does not fit capacity")


PERIOD = [{"name": "Q1", "capacity": 10}]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "ICE"}, "model: ICE has no effort driver (effort or job_size); "
         "the plan needs effort in person-weeks"),
        ({"periods": [{"name": "Q1", "capacity": 0}]}, "periods[0].capacity: must be positive, got 0"),
        ({"periods": [{"name": "Q1", "capacity": "x"}]}, "periods[0].capacity: must be a number, got 'x'"),
        ({"periods": [{"name": "Q1", "capacity": 5}, {"name": "q1", "capacity": 5}]},
         "periods[1].name: 'q1' is used by another period"),
        ({"periods": [{"name": "Q1", "capacity": 5, "team_capacity": {"Web": -1}}]},
         "periods[0].team_capacity.Web: must not be negative, got -1"),
        ({"periods": []}, "periods: at least one period is required"),
        ({"mandatory": ["F-99"]}, "mandatory: F-99 not found"),
        ({"excluded": ["nonsense"]}, "excluded: 'nonsense' is not a feature reference like F-12"),
        ({"mandatory": ["F-3"]}, "mandatory: F-3 cannot be planned: it is shipped"),
        ({"mandatory": ["F-1"], "excluded": ["F-1"]}, "F-1: both mandatory and excluded"),
        ({"mandatory": ["F-1", "F-2"]},
         "infeasible: mandatory items need 12 person-weeks but capacity is 10"),
        ({"value_basis": "p75"}, "value_basis: 'p75' is not one of mean, p10, p50, p90"),
        ({"balance": [{"area": "Nowhere", "min_share": 0.3}]},
         "balance[0].area: no product area named 'Nowhere'"),
        ({"balance": [{"area": "Growth", "min_share": 1.5}]},
         "balance[0].min_share: must be between 0 and 1, got 1.5"),
        ({"balance": [{"area": "Growth", "min_share": 0.9}], "mandatory": ["F-1"]},
         "infeasible: the minimum share for group 'Growth' (90% of effort) cannot be met "
         "together with the other constraints"),
        ({"risk_budget": -1}, "risk_budget: must not be negative, got -1"),
        ({"time_limit": 0}, "time_limit: must be more than 0 and at most 60 seconds, got 0"),
    ],
)  # fmt: skip
def test_bad_plan_requests_store_nothing(
    access: Access, rice: ScoringModel, options: dict[str, Any], message: str
) -> None:
    growth = features.create_area(access, "Growth")
    feature(access, rice, "A", 400, 2, 0.5, 6)
    feature(access, rice, "B", 100, 1, 1, 6, area=growth)
    feature(access, rice, "Done", 100, 1, 1, 6, status="shipped")
    model = rice
    if options.pop("model", None):
        model = scores.create_model(access, "ICE", "ice")
    before = Activity.objects.count()
    with pytest.raises(Invalid) as error:
        analysis.run_portfolio(access, model, **{"periods": PERIOD, **options})
    assert error.value.errors == [message]
    assert nothing_stored(before)


def test_a_plan_needs_estimated_features(access: Access, rice: ScoringModel) -> None:
    features.create_feature(access, "Not estimated")
    with pytest.raises(Invalid, match="features: no open feature has every input of RICE"):
        analysis.run_portfolio(access, rice, periods=PERIOD)


def test_parse_periods_and_balance() -> None:
    lines = ["Q1 2027: 40", "", "Q2 2027: 35 team=Mobile:10 team=Web apps: 8"]
    assert analysis.parse_periods(lines) == [
        {"name": "Q1 2027", "capacity": "40", "team_capacity": {}},
        {"name": "Q2 2027", "capacity": "35", "team_capacity": {"Mobile": "10", "Web apps": "8"}},
    ]
    cleaned = analysis.clean_periods(analysis.parse_periods(lines))
    assert analysis.period_lines(cleaned).splitlines() == [
        "Q1 2027: 40",
        "Q2 2027: 35 team=Mobile:10 team=Web apps:8",
    ]
    assert analysis.parse_balance(["Growth: 30%", "Core:0.25"]) == [
        {"area": "Growth", "min_share": 0.3},
        {"area": "Core", "min_share": 0.25},
    ]


@pytest.mark.parametrize(
    ("parse", "lines", "message"),
    [
        (analysis.parse_periods, ["Q1 40"], "periods[0]: cannot read 'Q1 40'; write 'Q1 2027: 40', "
         "optionally followed by team=Mobile:10"),
        (analysis.parse_periods, ["Q1: 40 extra"], "periods[0]: cannot read 'Q1: 40 extra'; "
         "write 'Q1 2027: 40', optionally followed by team=Mobile:10"),
        (analysis.parse_balance, ["Growth"], "balance[0]: cannot read 'Growth'; write 'Growth: 30%'"),
        (analysis.parse_balance, ["Growth: 30"], "balance[0].min_share: write a share between 0 "
         "and 1 or a percentage like 30%, got 30"),
        (analysis.parse_balance, ["Growth: lots"], "balance[0].min_share: must be a number, got 'lots'"),
    ],
)  # fmt: skip
def test_unreadable_constraints(parse: Any, lines: list[str], message: str) -> None:
    with pytest.raises(Invalid) as error:
        parse(lines)
    assert error.value.errors == [message]


def test_a_viewer_cannot_run_a_plan(team: Team, access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    with pytest.raises(Forbidden):
        analysis.run_portfolio(access_for(team.viewer, team.workspace), rice, periods=PERIOD)
    assert not PortfolioRun.objects.exists()


def test_runs_of_another_workspace_are_not_found(
    team: Team, access: Access, rice: ScoringModel
) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    run = analysis.run_simulation(access, rice, samples=100, top_n=1)
    theirs = access_for(team.outsider, team.outsider.memberships.get().workspace)
    with pytest.raises(NotFound):
        theirs.get(SimulationRun, pk=run.pk)
    assert not analysis.simulation_runs(theirs).exists()


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def runs(access: Access, rice: ScoringModel) -> dict[str, Any]:
    feature(access, rice, "Bulk export", (100, 400, 900), 2, 0.5, (2, 4, 8))
    feature(access, rice, "SSO", 100, 1, 1, 2)
    sim = analysis.run_simulation(access, rice, samples=200, top_n=1)
    plan = analysis.run_portfolio(access, rice, periods=[{"name": "Q1", "capacity": 5}])
    return {"model": rice, "simulation": sim, "plan": plan}


def api_endpoints(team: Team, r: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    sim, plan = r["simulation"].pk, r["plan"].pk
    return [
        ("post", f"{w}/simulations", {"samples": 100, "top_n": 1}, EDITORS, 201),
        ("get", f"{w}/simulations", None, EVERYONE, 200),
        ("get", f"{w}/simulations/{sim}", None, EVERYONE, 200),
        ("post", f"{w}/plans", {"periods": [{"name": "Q1", "capacity": 10}]}, EDITORS, 201),
        ("get", f"{w}/plans", None, EVERYONE, 200),
        ("get", f"{w}/plans/{plan}", None, EVERYONE, 200),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(6))
def test_api_for_each_persona(team: Team, runs: dict[str, Any], persona: str, index: int) -> None:
    method, url, body, allowed, ok = api_endpoints(team, runs)[index]
    before = SimulationRun.objects.count() + PortfolioRun.objects.count()
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    written = SimulationRun.objects.count() + PortfolioRun.objects.count() - before
    assert written == (1 if method == "post" and response.status_code == 201 else 0)


def test_api_runs_a_simulation_and_reads_it_back(team: Team, runs: dict[str, Any]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client("editor")
    body = call(client, "post", f"{w}/simulations", {"samples": 500, "top_n": 1, "seed": 4}).json()
    assert (body["model"], body["scenario"], body["samples"], body["scored"]) == (
        "RICE",
        None,
        500,
        2,
    )
    first, second = body["features"]
    assert first["ref"] == "F-1" and first["title"] == "Bulk export"
    assert first["p10"] < first["p50"] < first["p90"] and first["dominant"] == "reach"
    assert first["swing"][0]["driver"] == "reach"  # the widest swing first
    assert second["p50"] == 50 and second["swing"][0]["at_low"] == 50
    assert body["skipped"] == [] and body["created_by"] == "editor@example.com"
    again = client.get(f"{w}/simulations/{body['id']}").json()
    assert again == body
    listed = client.get(f"{w}/simulations?limit=1").json()
    assert [r["id"] for r in listed] == [body["id"]]


def test_api_plans_and_reads_the_plan_back(team: Team, runs: dict[str, Any]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client("editor")
    payload = {
        "periods": [{"name": "Q1", "capacity": 4, "team_capacity": {"Web": 3}}],
        "mandatory": ["F-1"], "value_basis": "p50",
    }  # fmt: skip
    response = call(client, "post", f"{w}/plans", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "optimal" and body["selected"] == 1
    [q1] = body["periods"]
    assert (q1["name"], q1["used"], q1["team_capacity"]) == ("Q1", 4, {"Web": 3})
    assert [f["ref"] for f in q1["features"]] == ["F-1"] and q1["features"][0]["risk"] == 6
    assert body["left_out"] == [
        {"ref": "F-2", "title": "SSO", "reason": body["left_out"][0]["reason"]}
    ]
    assert body["constraints"]["mandatory"] == ["F-1"]
    assert client.get(f"{w}/plans/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/simulations", {"samples": 5}, 422, "samples: must be between 100 and 100000, got 5"),
        ("/simulations", {"top_n": 5}, 422,
         "top_n: must be at most 2, the number of scored features, got 5"),
        ("/simulations", {"model": 999}, 404, "scoring model not found"),
        ("/simulations", {"samples": "many"}, 422, "samples: Input should be a valid integer, "
         "unable to parse string as an integer"),
        ("/plans", {"periods": [{"name": "Q1", "capacity": 0}]}, 422,
         "periods[0].capacity: must be positive, got 0"),
        ("/plans", {}, 422, "periods: at least one period is required"),
        ("/plans", {"periods": [{"name": "Q1", "capacity": 5}], "mandatory": ["F-99"]}, 422,
         "mandatory: F-99 not found"),
        ("/plans", {"periods": [{"name": "Q1", "capacity": 3}], "mandatory": ["F-1", "F-2"]}, 422,
         "infeasible: mandatory items need 6 person-weeks but capacity is 3"),
    ],
)  # fmt: skip
def test_api_bad_input_gives_the_error_shape_and_stores_nothing(
    team: Team, runs: dict[str, Any], path: str, body: Any, status: int, message: str
) -> None:
    before = SimulationRun.objects.count() + PortfolioRun.objects.count()
    response = call(
        team.client("editor"), "post", f"/api/v1/workspaces/{team.workspace.slug}{path}", body
    )
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": message, "errors": [message], "status": status}
    assert SimulationRun.objects.count() + PortfolioRun.objects.count() == before


def test_api_another_workspaces_run_is_not_found(team: Team, runs: dict[str, Any]) -> None:
    theirs = team.outsider.memberships.get().workspace
    sim, plan = runs["simulation"].pk, runs["plan"].pk
    client = team.client("outsider")
    for url in (f"simulations/{sim}", f"plans/{plan}"):
        assert client.get(f"/api/v1/workspaces/{theirs.slug}/{url}").status_code == 404


def test_api_session_writes_need_the_csrf_token(team: Team, runs: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    url = f"/api/v1/workspaces/{team.workspace.slug}/simulations"
    response = call(client, "post", url, {"samples": 100, "top_n": 1})
    assert response.status_code == 403 and SimulationRun.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------


def page_urls(team: Team, r: dict[str, Any]) -> list[str]:
    base = f"/w/{team.workspace.slug}/planning"
    sim, plan = r["simulation"].pk, r["plan"].pk
    return [
        f"{base}/simulate/", f"{base}/simulate/{sim}/", f"{base}/simulate/{sim}/1/",
        f"{base}/plan/", f"{base}/plan/{plan}/",
    ]  # fmt: skip


MEMBER = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(5))
def test_pages_for_each_persona(team: Team, runs: dict[str, Any], persona: str, index: int) -> None:
    response = team.client(persona).get(page_urls(team, runs)[index])
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == MEMBER[persona]


WRITES = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_running_a_simulation_page(team: Team, runs: dict[str, Any], persona: str) -> None:
    data = {"model": runs["model"].pk, "scenario": "", "samples": 300, "top_n": 1, "seed": 1}
    response = team.client(persona).post(f"/w/{team.workspace.slug}/planning/simulate/", data)
    made = SimulationRun.objects.filter(samples=300).first()
    if persona == "anonymous":
        assert response.status_code == 302 and made is None
        return
    assert response.status_code == WRITES[persona]
    assert (made is not None) == (WRITES[persona] == 302)
    if made is not None:
        assert response["Location"] == f"/w/{team.workspace.slug}/planning/simulate/{made.pk}/"


@pytest.mark.parametrize("persona", PERSONAS)
def test_running_a_plan_page(team: Team, runs: dict[str, Any], persona: str) -> None:
    data = {
        "model": runs["model"].pk, "scenario": "", "periods": "Q1 2027: 8\nQ2 2027: 4 team=Web:2",
        "mandatory": "F-2", "excluded": "", "balance": "", "risk_budget": "",
        "value_basis": "mean",
    }  # fmt: skip
    response = team.client(persona).post(f"/w/{team.workspace.slug}/planning/plan/", data)
    made = PortfolioRun.objects.exclude(pk=runs["plan"].pk).first()
    if persona == "anonymous":
        assert response.status_code == 302 and made is None
        return
    assert response.status_code == WRITES[persona]
    assert (made is not None) == (WRITES[persona] == 302)
    if made is not None:
        assert made.constraints["periods"][1] == {
            "name": "Q2 2027",
            "capacity": 4,
            "team_capacity": {"Web": 2},
        }
        assert made.result["selected"]["F-2"] in ("Q1 2027", "Q2 2027")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"periods": "Q1: 0"}, "periods[0].capacity: must be positive, got 0"),
        ({"periods": "Q1 40"}, "periods[0]: cannot read &#x27;Q1 40&#x27;"),
        ({"mandatory": "F-42"}, '<p class="error">F-42 not found</p>'),  # beside its field
        ({"balance": "Nowhere: 20%"}, "balance[0].area: no product area named &#x27;Nowhere&#x27;"),
    ],
)
def test_plan_page_shows_the_services_message_and_stores_nothing(
    team: Team, runs: dict[str, Any], fields: dict[str, str], message: str
) -> None:
    data = {"model": runs["model"].pk, "periods": "Q1: 10", "value_basis": "mean", **fields}
    response = team.client("editor").post(f"/w/{team.workspace.slug}/planning/plan/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PortfolioRun.objects.count() == 1


def test_simulation_page_shows_errors_beside_the_field(team: Team, runs: dict[str, Any]) -> None:
    data = {"model": runs["model"].pk, "samples": 50, "top_n": 1, "seed": 0}
    response = team.client("editor").post(f"/w/{team.workspace.slug}/planning/simulate/", data)
    assert response.status_code == 422
    assert "must be between 100 and 100000, got 50" in response.content.decode()
    assert SimulationRun.objects.count() == 1


def test_pages_post_forms_need_the_csrf_token(team: Team, runs: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    base = f"/w/{team.workspace.slug}/planning"
    data = {"model": runs["model"].pk, "samples": 300, "top_n": 1, "seed": 0, "periods": "Q1: 9"}
    assert client.post(f"{base}/simulate/", data).status_code == 403
    assert client.post(f"{base}/plan/", data).status_code == 403
    assert SimulationRun.objects.count() == 1 and PortfolioRun.objects.count() == 1
    page = client.get(f"{base}/simulate/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


def test_pages_show_results_and_escape_titles(
    team: Team, access: Access, runs: dict[str, Any]
) -> None:
    evil = feature(access, runs["model"], "<script>alert(1)</script>", 500, 1, 1, (1, 2, 4))
    run = analysis.run_simulation(access, runs["model"], samples=200, top_n=1)
    plan = analysis.run_portfolio(access, runs["model"], periods=[{"name": "Q1", "capacity": 3}])
    base = f"/w/{team.workspace.slug}/planning"
    client = team.client("viewer")
    for url in (f"{base}/simulate/{run.pk}/", f"{base}/simulate/{run.pk}/{evil.number}/",
                f"{base}/plan/{plan.pk}/"):  # fmt: skip
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    html = client.get(f"{base}/simulate/{run.pk}/").content.decode()
    assert "interval-chart" in html and "Ranks that are uncertain" in html
    assert f"{base}/simulate/{run.pk}/1/" in html  # the dominant driver links to the tornado
    assert "running a simulation stores it" in html  # a viewer gets no form
    tornado = client.get(f"{base}/simulate/{run.pk}/1/").content.decode()
    assert "tornado-chart" in tornado and "dominant" in tornado
    html = client.get(f"{base}/plan/{plan.pk}/").content.decode()
    assert "capacity-chart" in html and "Left out" in html and "How the plan is made" in html


def test_a_feature_outside_the_run_has_no_tornado(team: Team, runs: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/simulate/{runs['simulation'].pk}/99/"
    assert team.client("viewer").get(url).status_code == 404
