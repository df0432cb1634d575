"""`northline plan score|simulate|optimise`: tables, --json, and errors that name the option."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from northline.core.access import Access
from northline.planning.models import PortfolioRun, SimulationRun
from northline.planning.services import features, scenarios, scores
from tests.conftest import Team, access_for

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def access(team: Team) -> Access:
    access = access_for(team.editor, team.workspace)
    model = scores.create_model(access, "RICE", "rice")
    growth = features.create_area(access, "Growth")
    rows: list[tuple[str, tuple[Any, ...]]] = [
        ("Bulk export", (400, 2, 0.5, (2, 4, 8))),
        ("SSO", (300, 1, 1, 2)),
        ("Dark mode", ((10, 50, 200), 1, 1, 1)),
    ]
    for title, values in rows:
        f = features.create_feature(access, title, area=growth if title == "SSO" else None)
        for driver, value in zip(("reach", "impact", "confidence", "effort"), values, strict=True):
            low, likely, high = value if isinstance(value, tuple) else (value, value, value)
            scores.set_input(access, f, model, driver, low=low, likely=likely, high=high)
    features.create_feature(access, "Unscored")
    return access


def test_score_prints_the_ranked_table(team: Team, access: Access) -> None:
    out = run("score", "--workspace", team.workspace.slug)
    lines = out.splitlines()
    assert "RICE · baseline" in out
    sso, bulk = (
        next(i for i, x in enumerate(lines) if "SSO" in x),
        lines.index(next(x for x in lines if "Bulk export" in x)),
    )
    assert sso < bulk  # 150 before 100
    assert "reach × 300" in out and "effort ÷ 2" in out
    assert "needs reach, impact, confidence, effort" in out


def test_score_json_is_the_apis_ranking(team: Team, access: Access) -> None:
    body = json.loads(run("score", "--workspace", team.workspace.slug, "--json", "--limit", "2"))
    assert (body["model"], body["scenario"], body["total"], body["pages"]) == ("RICE", None, 4, 2)
    assert [(r["rank"], r["ref"], r["score"]) for r in body["rows"]] == [
        (1, "F-2", 150.0),
        (2, "F-1", 100.0),
    ]
    assert body["rows"][0]["breakdown"]["inputs"]["reach"] == 300


def test_simulate_stores_a_run_as_the_first_owner(team: Team, access: Access) -> None:
    out = run("simulate", "--workspace", team.workspace.slug, "--samples", "500", "--top-n", "1")
    made = SimulationRun.objects.get()
    assert made.created_by == team.owner and made.samples == 500
    assert f"Simulation {made.pk}" in out and "P(top 1)" in out and "Dark mode" in out
    assert "Not simulated: F-4 Unscored needs reach, impact, confidence, effort" in out


def test_simulate_json(team: Team, access: Access) -> None:
    body = json.loads(run("simulate", "--workspace", team.workspace.slug, "--json",
                          "--samples", "300", "--top-n", "2", "--seed", "9"))  # fmt: skip
    assert (body["samples"], body["top_n"], body["seed"], body["scored"]) == (300, 2, 9, 3)
    assert body["features"][0]["ref"] == "F-2" and body["features"][0]["p_top"] == 1.0
    assert body["skipped"] == [
        {"ref": "F-4", "title": "Unscored", "missing": ["reach", "impact", "confidence", "effort"]}
    ]
    assert body["created_by"] == team.owner.email


def test_optimise_prints_the_plan_and_the_left_outs(team: Team, access: Access) -> None:
    out = run("optimise", "--workspace", team.workspace.slug, "--period", "Q1:3",
              "--period", "Q2:4 team=Web:4", "--exclude", "F-3", "--balance", "Growth:0.3")  # fmt: skip
    plan = PortfolioRun.objects.get()
    assert plan.constraints["excluded"] == ["F-3"] and plan.created_by == team.owner
    assert set(plan.result["selected"]) == {"F-1", "F-2"}
    assert f"Plan {plan.pk}" in out and "optimal: 2 features" in out
    assert "Left out" in out and "excluded by user" in out


def test_optimise_json_with_a_scenarios_capacity(team: Team, access: Access) -> None:
    scenarios.create_scenario(access, "Lean", periods=[{"name": "H1", "capacity": 3}])
    body = json.loads(run("optimise", "--workspace", team.workspace.slug, "--scenario", "lean",
                          "--json", "--value", "p50", "--mandatory", "F-2,F-3"))  # fmt: skip
    assert body["scenario"] == "Lean" and body["constraints"]["mandatory"] == ["F-2", "F-3"]
    assert body["constraints"]["value_basis"] == "p50"
    [h1] = body["periods"]
    assert (h1["name"], h1["used"]) == ("H1", 3)
    assert {f["ref"] for f in h1["features"]} == {"F-2", "F-3"}
    assert body["left_out"][0]["ref"] == "F-1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--workspace", "nowhere"], "--workspace: no workspace 'nowhere'"),
        (["score", "--workspace", "{slug}", "--model", "WSJF"],
         r"--model: no scoring model named 'WSJF' \(known: RICE\)"),
        (["simulate", "--workspace", "{slug}", "--scenario", "Ghost"],
         r"--scenario: no scenario named 'Ghost' \(known: none yet\)"),
        (["simulate", "--workspace", "{slug}", "--top-n", "9"],
         "top_n: must be at most 3, the number of scored features, got 9"),
        (["optimise", "--workspace", "{slug}"], "periods: at least one period is required"),
        (["optimise", "--workspace", "{slug}", "--period", "Q1 40"], r"periods\[0\]: cannot read"),
        (["optimise", "--workspace", "{slug}", "--period", "Q1:0"],
         r"periods\[0\]\.capacity: must be positive, got 0"),
        (["optimise", "--workspace", "{slug}", "--period", "Q1:9", "--mandatory", "F-99"],
         "mandatory: F-99 not found"),
    ],
)  # fmt: skip
def test_errors_name_the_option_and_store_nothing(
    team: Team, access: Access, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*(a.format(slug=team.workspace.slug) for a in args))
    assert not SimulationRun.objects.exists() and not PortfolioRun.objects.exists()


def test_a_workspace_without_models(team: Team) -> None:
    with pytest.raises(CommandError, match="--model: this workspace has no scoring model yet"):
        run("score", "--workspace", team.workspace.slug)
