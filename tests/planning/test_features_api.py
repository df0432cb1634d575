"""The planning API for features, areas, scoring models, inputs, ranking and team estimates."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from northline.planning.models import (
    EstimationRound,
    Feature,
    ScoreInput,
    ScoringModel,
)
from northline.planning.services import estimation, features, scores
from tests.conftest import Team
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    model = scores.create_model(access, "RICE", "rice")
    area = features.create_area(access, "Growth")
    f = features.create_feature(access, "Bulk export", area=area)
    g = features.create_feature(access, "SSO")
    for driver, value in {"reach": 400, "impact": 2, "confidence": 0.5, "effort": 4}.items():
        scores.set_input(access, f, model, driver, low=value)
    r = estimation.open_round(access, g, model, "effort")
    return {"model": model, "area": area, "f": f, "g": g, "round": r}


def endpoints(team: Team, s: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    m, r = s["model"].pk, s["round"].pk
    return [
        ("get", f"{w}/areas", None, EVERYONE, 200),
        ("post", f"{w}/areas", {"name": "Retention"}, EDITORS, 201),
        ("patch", f"{w}/areas/{s['area'].pk}", {"description": "new users"}, EDITORS, 200),
        ("get", f"{w}/features?status=idea&q=bulk", None, EVERYONE, 200),
        ("post", f"{w}/features", {"title": "Dark mode"}, EDITORS, 201),
        ("get", f"{w}/features/F-1", None, EVERYONE, 200),
        ("patch", f"{w}/features/1", {"status": "planned"}, EDITORS, 200),
        ("post", f"{w}/features/2/dependencies", {"requires": "F-1"}, EDITORS, 201),
        ("get", f"{w}/scoring-models", None, EVERYONE, 200),
        ("post", f"{w}/scoring-models", {"name": "ICE", "kind": "ice"}, EDITORS, 201),
        ("get", f"{w}/scoring-models/{m}", None, EVERYONE, 200),
        ("patch", f"{w}/scoring-models/{m}", {"name": "RICE 2"}, EDITORS, 200),
        ("get", f"{w}/ranking", None, EVERYONE, 200),
        ("get", f"{w}/features/F-1/score", None, EVERYONE, 200),
        ("put", f"{w}/features/F-2/inputs/reach", {"low": 10, "likely": 20, "high": 40}, EDITORS, 200),
        ("get", f"{w}/rounds/{r}", None, EVERYONE, 200),
        ("post", f"{w}/rounds/{r}/votes", {"low": 1, "likely": 2, "high": 3}, EDITORS, 200),
        ("post", f"{w}/features/F-2/rounds", {"driver": "reach"}, EDITORS, 201),
        ("delete", f"{w}/features/F-1/inputs/reach", None, EDITORS, 204),
        ("delete", f"{w}/features/2", None, EDITORS, 204),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(20))
def test_endpoint_for_each_persona(
    team: Team, setup: dict[str, Any], persona: str, index: int
) -> None:
    method, url, body, allowed, ok = endpoints(team, setup)[index]
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content


def test_ranking_explains_scores(team: Team, setup: dict[str, Any]) -> None:
    body = team.client("viewer").get(f"/api/v1/workspaces/{team.workspace.slug}/ranking").json()
    assert body["model"] == "RICE" and body["total"] == 2
    first, second = body["rows"]
    assert (first["ref"], first["rank"], first["score"]) == ("F-1", 1, 100.0)
    assert first["breakdown"]["mode"] == "log"
    assert first["breakdown"]["inputs"] == {
        "reach": 400,
        "impact": 2,
        "confidence": 0.5,
        "effort": 4,
    }
    assert second["score"] is None and second["missing"] == [
        "reach",
        "impact",
        "confidence",
        "effort",
    ]


def test_feature_score_has_history(team: Team, setup: dict[str, Any]) -> None:
    client = team.client("editor")
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    call(client, "put", f"{w}/features/F-1/inputs/reach", {"low": 100, "likely": 800, "high": 900})
    body = client.get(f"{w}/features/F-1/score").json()
    assert body["breakdown"]["score"] == 200.0 and body["rank"] == 1
    assert [h["driver"] for h in body["history"]] == [
        "reach",
        "impact",
        "confidence",
        "effort",
        "reach",
    ]
    assert body["history"][-1]["before"]["likely"] == 400 and body["history"][-1]["score"] == 200.0


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("put", "/features/F-1/inputs/effort", {"low": -2}, 422, "F-1.effort: must be positive, got -2"),
        ("put", "/features/F-1/inputs/reach", {"low": 9, "likely": 5, "high": 1}, 422,
         "F-1.reach: low (9) is greater than high (1)"),
        ("put", "/features/F-9/inputs/reach", {"low": 1}, 404, "feature: F-9 not found"),
        ("post", "/features", {"title": " "}, 422, "title: must not be empty"),
        ("post", "/features", {"title": "x", "status": "done"}, 422,
         "status: 'done' is not one of idea, discovery, planned, in_progress, shipped, dropped"),
        ("post", "/features", {"title": "x", "parent": "F-77"}, 422, "parent: F-77 not found"),
        ("post", "/features/1/dependencies", {"requires": "F-1"}, 422, "requires: F-1 cannot require itself"),
        ("post", "/scoring-models", {"name": "W", "kind": "weighted", "drivers": []}, 422,
         "drivers: drivers: at least one driver is required"),
        ("post", "/scoring-models", {"name": "rice", "kind": "ice"}, 409,
         "name: a scoring model named 'rice' already exists"),
    ],
)  # fmt: skip
def test_bad_input_gives_the_error_shape_and_writes_nothing(
    team: Team, setup: dict[str, Any], method: str, path: str, body: Any, status: int, message: str
) -> None:
    before = (Feature.objects.count(), ScoreInput.objects.count(), ScoringModel.objects.count())
    response = call(
        team.client("editor"), method, f"/api/v1/workspaces/{team.workspace.slug}{path}", body
    )
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": message, "errors": [message], "status": status}
    after = (Feature.objects.count(), ScoreInput.objects.count(), ScoringModel.objects.count())
    assert after == before


def test_dependency_cycle_is_refused(team: Team, setup: dict[str, Any]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client("editor")
    assert (
        call(client, "post", f"{w}/features/2/dependencies", {"requires": "F-1"}).status_code == 201
    )
    response = call(client, "post", f"{w}/features/1/dependencies", {"requires": "F-2"})
    assert response.json()["error"] == "requires: F-1 → F-2 → F-1 would make a dependency cycle"
    assert not setup["f"].requires.exists()


def test_votes_stay_private_until_revealed(team: Team, setup: dict[str, Any]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    r = setup["round"].pk
    call(team.client("editor"), "post", f"{w}/rounds/{r}/votes", {"low": 1, "likely": 2, "high": 3})
    call(team.client("admin"), "post", f"{w}/rounds/{r}/votes", {"low": 2, "likely": 4, "high": 8})
    seen = team.client("admin").get(f"{w}/rounds/{r}").json()
    assert seen["votes"] == 2 and seen["revealed"] == [] and seen["my_vote"]["likely"] == 4
    call(team.client("admin"), "post", f"{w}/rounds/{r}/reveal")
    shown = team.client("viewer").get(f"{w}/rounds/{r}").json()
    assert len(shown["revealed"]) == 2 and shown["median"]["likely"] == 3
    settled = call(team.client("editor"), "post", f"{w}/rounds/{r}/settle",
                   {"low": 1.5, "likely": 3, "high": 5.5})  # fmt: skip
    assert settled.json()["source"] == "team"
    assert EstimationRound.objects.get().status == "settled"


def test_token_of_another_workspace_sees_nothing(team: Team, setup: dict[str, Any]) -> None:
    from northline.accounts import services
    from tests.conftest import access_for

    other = services.create_workspace(team.owner, "Other")
    _token, secret = services.create_token(access_for(team.owner, other), "t", "viewer")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"/api/v1/workspaces/{team.workspace.slug}/ranking").status_code == 404
    assert client.get(f"/api/v1/workspaces/{other.slug}/ranking").status_code == 422  # no model
