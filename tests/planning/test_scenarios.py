"""Scenarios: copies of the baseline, their edits, comparison; the services, API and pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from northline.core.access import Access
from northline.core.errors import Conflict, Forbidden, Invalid
from northline.core.models import Activity
from northline.planning.models import (
    Feature,
    FeatureScore,
    Scenario,
    ScoreChange,
    ScoreInput,
    ScoringModel,
)
from northline.planning.services import analysis, features, scenarios, scores
from tests.conftest import Team, access_for
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, expected

RICE = ("reach", "impact", "confidence", "effort")


@pytest.fixture
def access(team: Team) -> Access:
    return access_for(team.editor, team.workspace)


@pytest.fixture
def rice(access: Access) -> ScoringModel:
    return scores.create_model(access, "RICE", "rice")


def feature(access: Access, model: ScoringModel, title: str, *values: float) -> Feature:
    f = features.create_feature(access, title)
    for driver, value in zip(RICE, values, strict=False):
        scores.set_input(access, f, model, driver, low=value)
    return f


def weighted(access: Access) -> ScoringModel:
    drivers = [
        {"name": "revenue", "weight": 2, "minimum": 0, "maximum": 10},
        {"name": "cost", "weight": 1, "minimum": 0, "maximum": 10, "direction": "lower"},
    ]
    return scores.create_model(access, "Custom", "weighted", drivers=drivers)


def baseline(model: ScoringModel) -> list[tuple[Any, ...]]:
    rows = ScoreInput.objects.filter(model=model, scenario__isnull=True).order_by("id")
    return list(rows.values_list("feature_id", "driver", "low", "likely", "high", "distribution"))


# --- services --------------------------------------------------------------------------------


def test_a_new_scenario_copies_every_input_and_score(access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    feature(access, rice, "B", 100, 1, 1)  # partly estimated: its inputs and null score copy too
    scores.set_input(access, Feature.objects.get(number=1), rice, "reach", low=100, likely=400,
                     high=900)  # fmt: skip
    s = scenarios.create_scenario(
        access, "Hire two", description="more people", periods=[{"name": "Q1", "capacity": 40}]
    )
    copied = ScoreInput.objects.filter(scenario=s).order_by("feature_id", "driver")
    original = ScoreInput.objects.filter(scenario__isnull=True).order_by("feature_id", "driver")
    fields = ("feature_id", "model_id", "driver", "low", "likely", "high", "distribution", "source")
    assert list(copied.values_list(*fields)) == list(original.values_list(*fields))
    assert copied.count() == 7
    copied_scores = FeatureScore.objects.filter(scenario=s).values_list("feature__number", "score")
    assert sorted(copied_scores, key=lambda row: row[0]) == [
        (1, 100.0),
        (2, None),
    ]
    assert s.periods == [{"name": "Q1", "capacity": 40.0, "team_capacity": {}}]
    again = scenarios.create_scenario(access, "Copy of copy", copy_from=s)
    assert again.periods == s.periods and ScoreInput.objects.filter(scenario=again).count() == 7
    assert Activity.objects.filter(verb="scenario.created").count() == 2


def test_editing_a_scenario_leaves_the_baseline_alone(access: Access, rice: ScoringModel) -> None:
    a = feature(access, rice, "A", 400, 2, 0.5, 4)
    feature(access, rice, "B", 300, 1, 1, 2)
    before = baseline(rice)
    s = scenarios.create_scenario(access, "Cheap A")
    scores.set_input(access, a, rice, "effort", low=1, scenario=s)
    assert baseline(rice) == before
    assert FeatureScore.objects.get(feature=a, scenario__isnull=True).score == 100
    assert FeatureScore.objects.get(feature=a, scenario=s).score == 400
    assert scores.ranked(access, rice).rows[0].feature.title == "B"
    assert scores.ranked(access, rice, s).rows[0].feature.title == "A"


def test_compare_reports_rank_moves_and_differing_inputs(
    access: Access, rice: ScoringModel
) -> None:
    a = feature(access, rice, "A", 400, 2, 0.5, 4)  # 100
    feature(access, rice, "B", 300, 1, 1, 2)  # 150
    feature(access, rice, "C", 10, 1, 1, 1)  # 10
    s = scenarios.create_scenario(access, "Cheap A")
    scores.set_input(access, a, rice, "effort", low=1, likely=1, high=3, scenario=s)  # 400
    result = scenarios.compare(access, rice, None, s)
    assert [(r.feature.ref, r.rank_a, r.rank_b, r.move) for r in result.rows] == [
        ("F-1", 2, 1, 1),
        ("F-2", 1, 2, -1),
        ("F-3", 3, 3, 0),
    ]
    assert [r.feature.ref for r in result.moved] == ["F-1", "F-2"]
    [difference] = result.inputs
    assert (difference.feature.ref, difference.driver) == ("F-1", "effort")
    assert difference.a is not None and difference.a.likely == 4
    assert difference.b is not None and (difference.b.likely, difference.b.high) == (1, 3)
    assert result.weights == [] and result.plans.a is None and result.plans.b is None
    reverse = scenarios.compare(access, rice, s, None)
    assert reverse.rows[0].feature.ref == "F-2" and reverse.rows[0].move == 1


def test_compare_shows_which_features_enter_and_leave_the_plan(
    access: Access, rice: ScoringModel
) -> None:
    a = feature(access, rice, "A", 400, 1, 1, 4)
    feature(access, rice, "B", 300, 1, 1, 4)
    s = scenarios.create_scenario(access, "A costs more", periods=[{"name": "Q1", "capacity": 4}])
    scores.set_input(access, a, rice, "reach", low=100, scenario=s)
    analysis.run_portfolio(access, rice, periods=[{"name": "Q1", "capacity": 4}])
    analysis.run_portfolio(access, rice, s)
    plans = scenarios.compare(access, rice, None, s).plans
    assert plans.a is not None and plans.b is not None and plans.a.scenario is None
    assert [f.ref for f in plans.entering] == ["F-2"]
    assert [f.ref for f in plans.leaving] == ["F-1"]


def test_scenario_weights_rescore_only_the_scenario(access: Access) -> None:
    model = weighted(access)
    f = features.create_feature(access, "X")
    scores.set_input(access, f, model, "revenue", low=5)
    scores.set_input(access, f, model, "cost", low=2)
    s = scenarios.create_scenario(access, "Revenue first")
    scenarios.update_scenario(access, s, weights={str(model.pk): {"revenue": 4}})
    assert s.weights == {str(model.pk): {"revenue": 4.0}}
    assert FeatureScore.objects.get(feature=f, scenario=s).score == pytest.approx(4 * 0.5 + 0.8)
    assert FeatureScore.objects.get(feature=f, scenario=None).score == pytest.approx(2 * 0.5 + 0.8)
    assert ScoreChange.objects.filter(scenario=s, driver="").count() == 1
    result = scenarios.compare(access, model, None, s)
    assert [(w.driver, w.a, w.b) for w in result.weights] == [("revenue", 2, 4)]
    scenarios.update_scenario(access, s, weights={str(model.pk): {}})  # back to the model's own
    assert s.weights == {}
    assert FeatureScore.objects.get(feature=f, scenario=s).score == pytest.approx(2 * 0.5 + 0.8)


def test_rename_describe_and_set_periods(access: Access, rice: ScoringModel) -> None:
    s = scenarios.create_scenario(access, "Draft")
    scenarios.update_scenario(
        access, s, name="Final", description=" why ", periods=[{"name": "H1", "capacity": "30"}]
    )
    s.refresh_from_db()
    assert (s.name, s.description, s.periods[0]["capacity"]) == ("Final", "why", 30.0)
    change = Activity.objects.filter(verb="scenario.updated").get()
    assert change.changes["name"] == ["Draft", "Final"]
    scenarios.update_scenario(access, s, periods=[])
    assert s.periods == []


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"name": " "}, Invalid, "name: must not be empty"),
        ({"name": "other"}, Conflict, "name: a scenario named 'other' already exists"),
        ({"name": "Baseline"}, Conflict, "name: a scenario named 'Baseline' already exists"),
        ({"periods": [{"name": "Q1", "capacity": -4}]}, Invalid,
         "periods[0].capacity: must be positive, got -4"),
        ({"weights": {"RICE": {"reach": 1}}}, Invalid,
         "weights.RICE: not a scoring model of this workspace"),
        ({"weights": {"rice": {"reach": 1}}}, Invalid,
         "weights.RICE: RICE is RICE; only weighted models have weights"),
        ({"weights": {"custom": {"speed": 1}}}, Invalid,
         "weights.Custom.speed: not a driver of Custom (drivers: revenue, cost)"),
        ({"weights": {"custom": {"revenue": -1}}}, Invalid,
         "weights.Custom.revenue: must not be negative, got -1"),
    ],
)  # fmt: skip
def test_bad_scenario_edits_change_nothing(
    access: Access, rice: ScoringModel, change: dict[str, Any], error: type, message: str
) -> None:
    custom = weighted(access)
    if "weights" in change:  # name the models by id, as the API does
        ids = {"rice": rice.pk, "custom": custom.pk}
        change = {"weights": {str(ids.get(k, k)): v for k, v in change["weights"].items()}}
    scenarios.create_scenario(access, "Other")
    s = scenarios.create_scenario(access, "Mine", periods=[{"name": "Q1", "capacity": 10}])
    before = (Activity.objects.count(), ScoreChange.objects.count())
    with pytest.raises(error) as raised:
        scenarios.update_scenario(access, s, **change)
    assert raised.value.errors == [message]
    s.refresh_from_db()
    assert (s.name, s.weights, s.periods[0]["capacity"]) == ("Mine", {}, 10)
    assert (Activity.objects.count(), ScoreChange.objects.count()) == before


def test_bad_new_scenarios_write_nothing(access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    scenarios.create_scenario(access, "Taken")
    count = ScoreInput.objects.count()
    with pytest.raises(Conflict, match="name: a scenario named 'taken' already exists"):
        scenarios.create_scenario(access, "taken")
    with pytest.raises(Invalid, match=r"periods\[0\]\.name: must not be empty"):
        scenarios.create_scenario(access, "New", periods=[{"name": "", "capacity": 3}])
    assert Scenario.objects.count() == 1 and ScoreInput.objects.count() == count


def test_delete_and_roles(team: Team, access: Access, rice: ScoringModel) -> None:
    feature(access, rice, "A", 400, 2, 0.5, 4)
    s = scenarios.create_scenario(access, "Gone soon")
    viewer = access_for(team.viewer, team.workspace)
    with pytest.raises(Forbidden):
        scenarios.create_scenario(viewer, "Nope")
    with pytest.raises(Forbidden):
        scenarios.update_scenario(viewer, s, name="Nope")
    with pytest.raises(Forbidden):
        scenarios.delete_scenario(viewer, s)
    scenarios.delete_scenario(access, s)
    assert not Scenario.objects.exists() and not ScoreInput.objects.filter(scenario__isnull=False)
    assert ScoreInput.objects.count() == 4


def test_scenario_by_name(access: Access) -> None:
    s = scenarios.create_scenario(access, "Hire two")
    assert scenarios.scenario_by_name(access, " hire TWO ") == s
    with pytest.raises(Invalid, match=r"scenario: no scenario named 'x' \(known: Hire two\)"):
        scenarios.scenario_by_name(access, "x")


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def setup(access: Access, rice: ScoringModel) -> dict[str, Any]:
    a = feature(access, rice, "A", 400, 2, 0.5, 4)
    feature(access, rice, "B", 300, 1, 1, 2)
    s = scenarios.create_scenario(access, "Cheap A", periods=[{"name": "Q1", "capacity": 10}])
    scores.set_input(access, a, rice, "effort", low=1, scenario=s)
    return {"model": rice, "scenario": s, "a": a}


def api_endpoints(team: Team, s: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    sid, m = s["scenario"].pk, s["model"].pk
    return [
        ("get", f"{w}/scenarios", None, EVERYONE, 200),
        ("post", f"{w}/scenarios", {"name": "New"}, EDITORS, 201),
        ("get", f"{w}/scenarios/{sid}", None, EVERYONE, 200),
        ("patch", f"{w}/scenarios/{sid}", {"description": "why"}, EDITORS, 200),
        ("get", f"{w}/scenarios/compare?model={m}&b={sid}", None, EVERYONE, 200),
        ("delete", f"{w}/scenarios/{sid}", None, EDITORS, 204),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(6))
def test_api_for_each_persona(team: Team, setup: dict[str, Any], persona: str, index: int) -> None:
    method, url, body, allowed, ok = api_endpoints(team, setup)[index]
    before = list(Scenario.objects.values_list("name", "description"))
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    unchanged = list(Scenario.objects.values_list("name", "description")) == before
    assert unchanged == (method == "get" or response.status_code != ok)


def test_api_creates_edits_and_compares(team: Team, setup: dict[str, Any]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client("editor")
    made = call(client, "post", f"{w}/scenarios", {
        "name": "Copy", "copy_from": setup["scenario"].pk, "description": "from Cheap A",
    }).json()  # fmt: skip
    assert made["periods"] == [{"name": "Q1", "capacity": 10, "team_capacity": {}}]
    assert made["created_by"] == "editor@example.com"
    patched = call(client, "patch", f"{w}/scenarios/{made['id']}", {
        "name": "Copy 2", "periods": [{"name": "H1", "capacity": 20, "team_capacity": {"Web": 5}}],
    }).json()  # fmt: skip
    assert patched["name"] == "Copy 2" and patched["periods"][0]["team_capacity"] == {"Web": 5}
    body = client.get(f"{w}/scenarios/compare?b={made['id']}").json()
    assert (body["model"], body["a"], body["b"]) == ("RICE", "Baseline", "Copy 2")
    assert [(r["ref"], r["rank_a"], r["rank_b"], r["move"]) for r in body["rows"]] == [
        ("F-1", 2, 1, 1),
        ("F-2", 1, 2, -1),
    ]
    [difference] = body["inputs"]
    assert (difference["ref"], difference["driver"]) == ("F-1", "effort")
    assert (difference["a"]["likely"], difference["b"]["likely"]) == (4, 1)
    assert body["plans"] == {"a": None, "b": None, "entering": [], "leaving": []}


def test_api_scenario_inputs_go_through_the_features_endpoint(
    team: Team, setup: dict[str, Any]
) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    sid = setup["scenario"].pk
    response = call(
        team.client("editor"), "put", f"{w}/features/F-2/inputs/reach?scenario={sid}", {"low": 1}
    )
    assert response.status_code == 200
    assert ScoreInput.objects.get(feature__number=2, driver="reach", scenario=None).likely == 300


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("post", "/scenarios", {"name": "cheap a"}, 409, "name: a scenario named 'cheap a' already exists"),
        ("post", "/scenarios", {"name": "X", "periods": [{"name": "Q1", "capacity": -1}]}, 422,
         "periods[0].capacity: must be positive, got -1"),
        ("post", "/scenarios", {"name": "X", "copy_from": 999}, 404, "scenario not found"),
        ("patch", "/scenarios/{sid}", {"weights": {"{m}": {"reach": 2}}}, 422,
         "weights.RICE: RICE is RICE; only weighted models have weights"),
        ("patch", "/scenarios/{sid}", {"name": ""}, 422, "name: must not be empty"),
        ("get", "/scenarios/compare?a=999", None, 404, "scenario not found"),
    ],
)  # fmt: skip
def test_api_bad_input_gives_the_error_shape_and_writes_nothing(
    team: Team, setup: dict[str, Any], method: str, path: str, body: Any, status: int,
    message: str,
) -> None:  # fmt: skip
    ids = {"sid": setup["scenario"].pk, "m": setup["model"].pk}
    url = f"/api/v1/workspaces/{team.workspace.slug}{path.format(**ids)}"
    if body is not None:
        body = json.loads(json.dumps(body).replace("{m}", str(ids["m"])))
    before = (list(Scenario.objects.values()), ScoreInput.objects.count())
    response = call(team.client("editor"), method, url, body)
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": message, "errors": [message], "status": status}
    assert (list(Scenario.objects.values()), ScoreInput.objects.count()) == before


# --- pages -----------------------------------------------------------------------------------

MEMBER = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITES = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["", "{sid}/", "compare/", "compare/?a={sid}&changed=1"])
def test_read_pages(team: Team, setup: dict[str, Any], persona: str, page: str) -> None:
    url = f"/w/{team.workspace.slug}/planning/scenarios/" + page.format(sid=setup["scenario"].pk)
    response = team.client(persona).get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == MEMBER[persona]


def test_new_page_is_for_editors(team: Team, setup: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/scenarios/new/"
    assert team.client("editor").get(url).status_code == 200
    assert team.client("viewer").get(url).status_code == 403
    assert team.client("outsider").get(url).status_code == 404


def scenario_posts(setup: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    s, m = setup["scenario"], setup["model"]
    estimate = {"model": m.pk, "feature": "F-2", "driver": "effort", "likely": 6}
    return [
        ("new/", {"name": "Made", "copy_from": "", "periods": "Q3: 12"}),
        (f"{s.pk}/edit/", {"name": "Renamed", "description": "d", "model": m.pk}),
        (f"{s.pk}/capacity/", {"periods": "Q1: 50 team=Web:10", "model": m.pk}),
        (f"{s.pk}/inputs/", {**estimate, "distribution": "pert"}),
        (f"{s.pk}/delete/", {}),
    ]


def state() -> list[Any]:
    return [
        list(Scenario.objects.values_list("name", "description", "periods")),
        list(ScoreInput.objects.values_list("scenario_id", "driver", "likely").order_by("id")),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(5))
def test_write_pages(team: Team, setup: dict[str, Any], persona: str, index: int) -> None:
    path, data = scenario_posts(setup)[index]
    before = state()
    response = team.client(persona).post(
        f"/w/{team.workspace.slug}/planning/scenarios/{path}", data
    )
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == WRITES[persona], response.content[:300]
    assert (state() == before) == (persona not in EDITORS)


def test_write_pages_do_what_they_say(team: Team, setup: dict[str, Any]) -> None:
    client, s = team.client("editor"), setup["scenario"]
    base = f"/w/{team.workspace.slug}/planning/scenarios"
    for path, data in scenario_posts(setup)[:4]:
        client.post(f"{base}/{path}", data)
    made = Scenario.objects.get(name="Made")
    assert made.periods == [{"name": "Q3", "capacity": 12, "team_capacity": {}}]
    assert ScoreInput.objects.filter(scenario=made).count() == 8
    s.refresh_from_db()
    assert (s.name, s.description) == ("Renamed", "d")
    assert s.periods == [{"name": "Q1", "capacity": 50, "team_capacity": {"Web": 10}}]
    assert ScoreInput.objects.get(scenario=s, feature__number=2, driver="effort").likely == 6
    assert ScoreInput.objects.get(scenario=None, feature__number=2, driver="effort").likely == 2
    html = client.get(f"{base}/{s.pk}/").content.decode()
    assert "Estimates that differ from the baseline" in html and 'value="F-2"' in html


def test_weights_page_rescores_the_scenario(team: Team, access: Access) -> None:
    model = weighted(access)
    f = features.create_feature(access, "X")
    scores.set_input(access, f, model, "revenue", low=5)
    scores.set_input(access, f, model, "cost", low=2)
    s = scenarios.create_scenario(access, "Revenue first")
    url = f"/w/{team.workspace.slug}/planning/scenarios/{s.pk}/weights/"
    data = {"weights_model": model.pk, f"m{model.pk}-revenue": 4, f"m{model.pk}-cost": 1}
    assert team.client("viewer").post(url, data).status_code == 403
    assert team.client("editor").post(url, data).status_code == 302
    assert FeatureScore.objects.get(feature=f, scenario=s).score == pytest.approx(2.8)
    data[f"m{model.pk}-cost"] = -1
    response = team.client("editor").post(url, data)
    assert response.status_code == 422
    assert "weights.Custom.cost: must not be negative, got -1" in response.content.decode()
    s.refresh_from_db()
    assert s.weights == {str(model.pk): {"revenue": 4.0, "cost": 1.0}}


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("new/", {"name": "Cheap A"}, "a scenario named &#x27;Cheap A&#x27; already exists"),
        ("new/", {"name": "X", "periods": "Q1: nothing"},
         "periods[0].capacity: must be a number, got &#x27;nothing&#x27;"),
        ("{sid}/capacity/", {"periods": "Q1: -3"}, "periods[0].capacity: must be positive, got -3"),
        ("{sid}/edit/", {"name": "cheap a ", "description": ""}, None),  # its own name is fine
        ("{sid}/inputs/", {"model": "{m}", "feature": "F-9", "driver": "reach", "likely": 1,
                           "distribution": "pert"}, "F-9 not found"),
        ("{sid}/inputs/", {"model": "{m}", "feature": "F-1", "driver": "effort", "likely": -1,
                           "distribution": "pert"}, "F-1.effort: must be positive, got -1"),
    ],
)  # fmt: skip
def test_bad_page_input_shows_the_message_and_writes_nothing(
    team: Team, setup: dict[str, Any], path: str, data: dict[str, Any], message: str | None
) -> None:
    ids = {"sid": setup["scenario"].pk, "m": setup["model"].pk}
    data = {k: str(v).format(**ids) for k, v in data.items()}
    before = state()
    url = f"/w/{team.workspace.slug}/planning/scenarios/{path.format(**ids)}"
    response = team.client("editor").post(url, data)
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert message in response.content.decode()
    assert state() == before


def test_compare_page_shows_moves_inputs_and_plans(
    team: Team, access: Access, setup: dict[str, Any]
) -> None:
    s, model = setup["scenario"], setup["model"]
    analysis.run_portfolio(access, model, periods=[{"name": "Q1", "capacity": 2}])
    analysis.run_portfolio(access, model, s, periods=[{"name": "Q1", "capacity": 2}])
    url = f"/w/{team.workspace.slug}/planning/scenarios/compare/?model={model.pk}&b={s.pk}"
    html = team.client("viewer").get(url).content.decode()
    assert "Ranks: Baseline → Cheap A" in html
    assert "▲ 1" in html and "▼ 1" in html
    assert "Estimates that differ" in html and "effort" in html
    assert "Entering in Cheap A" in html and "Leaving in Cheap A" in html
    entering = html.split("Entering in Cheap A")[1].split("Leaving in Cheap A")[0]
    assert "F-1" in entering


def test_scenario_pages_escape_and_need_csrf(
    team: Team, access: Access, setup: dict[str, Any]
) -> None:
    evil = scenarios.create_scenario(access, "<script>alert(1)</script>")
    features.update_feature(access, setup["a"], title="<b>bold</b>")
    client = team.client("viewer")
    base = f"/w/{team.workspace.slug}/planning/scenarios"
    for url in (f"{base}/", f"{base}/{evil.pk}/", f"{base}/compare/?b={setup['scenario'].pk}"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"{base}/").content.decode()
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(team.editor)
    assert csrf.post(f"{base}/new/", {"name": "Sneaky"}).status_code == 403
    assert csrf.post(f"{base}/{evil.pk}/delete/").status_code == 403
    assert Scenario.objects.count() == 2
