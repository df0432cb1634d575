"""The strategy API: every endpoint for each persona, the one error shape, bad input with the
exact messages, versions and diffs, share links, progress read from KPI data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from northline.core.models import Activity
from northline.strategy.models import (
    CheckIn,
    KeyResult,
    Objective,
    ObjectiveLink,
    Product,
    ShareLink,
    VisionVersion,
)
from northline.strategy.services import sharing
from tests.conftest import Team
from tests.personas import ADMINS, EDITORS, EVERYONE, PERSONAS, call, error, expected
from tests.strategy.conftest import Strategy

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Product, VisionVersion, ShareLink, Objective, KeyResult, CheckIn, ObjectiveLink)
    )


def endpoints(team: Team, s: Strategy) -> list[tuple[str, str, Any, set[str], int]]:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    p, o, k = (
        f"{w}/products/{s.product.pk}",
        f"{w}/objectives/{s.objective.pk}",
        f"{w}/key-results/{s.kr.pk}",
    )
    link = ShareLink.objects.get()
    return [
        ("get", f"{w}/products", None, EVERYONE, 200),
        ("post", f"{w}/products", {"name": "Mobile"}, EDITORS, 201),
        ("get", p, None, EVERYONE, 200),
        ("patch", p, {"description": "Our main product"}, EDITORS, 200),
        ("delete", p, None, ADMINS, 204),
        ("get", f"{p}/vision", None, EVERYONE, 200),
        ("patch", f"{p}/vision", {"trends": ["AI everywhere"], "note": "trends"}, EDITORS, 200),
        ("get", f"{p}/versions", None, EVERYONE, 200),
        ("get", f"{p}/versions/1", None, EVERYONE, 200),
        ("post", f"{p}/versions/1/restore", None, EDITORS, 200),
        ("get", f"{p}/diff?old=1&new=2", None, EVERYONE, 200),
        ("get", f"{p}/share-links", None, EVERYONE, 200),
        ("post", f"{p}/share-links", {"label": "Board"}, EDITORS, 201),
        ("delete", f"{p}/share-links/{link.pk}", None, EDITORS, 204),
        ("get", f"{w}/objectives?period={s.objective.period}", None, EVERYONE, 200),
        ("post", f"{w}/objectives", {"product": s.product.pk, "title": "Retain", "period": "2026-H2"}, EDITORS, 201),
        ("get", o, None, EVERYONE, 200),
        ("patch", o, {"title": "Grow activation fast"}, EDITORS, 200),
        ("delete", o, None, EDITORS, 204),
        ("post", f"{o}/key-results", {"title": "Churn down", "start": 5, "target": 3}, EDITORS, 201),
        ("get", k, None, EVERYONE, 200),
        ("patch", k, {"target": 250}, EDITORS, 200),
        ("delete", k, None, EDITORS, 204),
        ("get", f"{k}/check-ins", None, EVERYONE, 200),
        ("post", f"{k}/check-ins", {"confidence": "high", "comment": "On it"}, EDITORS, 201),
        ("post", f"{o}/links", {"feature": s.feature.ref}, EDITORS, 201),
        ("delete", f"{o}/links/{s.initiative.ref}", None, EDITORS, 204),
        ("post", f"{o}/initiatives", {"title": "Onboarding revamp"}, EDITORS, 201),
        ("get", f"{w}/alignment", None, EVERYONE, 200),
        ("get", f"{w}/alignment/gaps", None, EVERYONE, 200),
    ]  # fmt: skip


ENDPOINTS = 30


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(ENDPOINTS))
def test_endpoint_for_each_persona(team: Team, s: Strategy, persona: str, index: int) -> None:
    sharing.create_link(team.access("editor"), s.product, label="Existing")
    table = endpoints(team, s)
    assert len(table) == ENDPOINTS
    method, url, body, allowed, ok = table[index]
    before = counts()
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if response.status_code == 404:
        assert response.json() == error(404, "workspace not found")
    if response.status_code == 403:
        # a viewer is stopped at the editor check that every write passes first
        needed, role = ("admin", "editor") if persona == "editor" else ("editor", "viewer")
        assert response.json() == error(
            403, f"this needs the {needed} role or higher; your role is {role}"
        )
    if response.status_code >= 400:
        assert counts() == before


def test_board_edit_makes_a_version_and_a_diff(team: Team, s: Strategy) -> None:
    client = team.client("editor")
    p = f"/api/v1/workspaces/{team.workspace.slug}/products/{s.product.pk}"
    body = {
        "audiences": [
            {"name": "Pat PM", "goals": ["Ship the right thing"], "pains": ["Guesswork"]}
        ],
        "competitors": [{"name": "Rival", "url": "https://rival.example", "notes": "Cheaper"}],
        "north_star": s.kpi.key,
        "note": "personas",
        "base_version": 2,
    }
    answer = call(client, "patch", f"{p}/vision", body).json()
    assert answer["version"] == 3
    assert answer["board"]["audiences"][0] == {
        "name": "Pat PM", "description": "", "goals": ["Ship the right thing"], "pains": ["Guesswork"], "jobs": [],
    }  # fmt: skip
    assert answer["board"]["north_star"] == {"kpi": s.kpi.pk, "name": "Active teams"}
    assert answer["board"]["purpose"] == "Answers, fast"  # untouched sections keep their content
    history = client.get(f"{p}/versions").json()
    assert [(v["number"], v["author"], v["note"]) for v in history] == [
        (3, "editor@example.com", "personas"), (2, "editor@example.com", ""), (1, "editor@example.com", ""),
    ]  # fmt: skip
    diff = client.get(f"{p}/diff?old=2&new=3").json()
    added = [row["new"] for row in diff["rows"] if row["tag"] != "equal" and row["new"]]
    assert (
        "### Pat PM" in added
        and "- Rival <https://rival.example>" in added
        and "Active teams" in added
    )
    assert diff["changed"] == len([r for r in diff["rows"] if r["tag"] != "equal"])
    again = call(client, "patch", f"{p}/vision", {"note": "nothing"}).json()
    assert again["version"] == 3  # no change, no new version
    edit = Activity.objects.filter(verb="vision.edited").first()
    assert edit is not None and edit.phrase == "edited the vision of"
    assert edit.changes == {"version": 3, "sections": ["audiences", "competitors", "north_star"]}


def test_lost_update_is_refused(team: Team, s: Strategy) -> None:
    p = f"/api/v1/workspaces/{team.workspace.slug}/products/{s.product.pk}"
    response = call(
        team.client("editor"), "patch", f"{p}/vision", {"vision": "Mine", "base_version": 1}
    )
    assert response.status_code == 409
    assert response.json() == error(
        409,
        "base_version: the board changed since version 1 (now version 2); reload and edit again",
    )
    assert Product.objects.get().content["vision"] == "Every team decides with data"


@pytest.mark.parametrize(
    ("path", "body", "status", "errors"),
    [
        ("/vision", {"competitors": [{"name": "R", "url": "ftp://x"}]}, 422, ["competitors[0].url: 'ftp://x' is not an http(s) URL"]),
        ("/vision", {"audiences": [{"name": " "}]}, 422, ["audiences[0].name: must not be empty"]),
        ("/vision", {"north_star": "nope"}, 422, ["north_star: KPI 'nope' not found"]),
        ("/vision", {"problems": "not a list"}, 422, ["problems: Input should be a valid list"]),
        ("/share-links", {"expires_at": "2000-01-01T00:00:00Z"}, 422, ["expires_at: must be in the future, got 2000-01-01T00:00:00+00:00"]),
        ("", {"name": "Acme Analytics"}, 409, ["name: a product named 'Acme Analytics' already exists"]),
    ],
)  # fmt: skip
def test_vision_bad_input(
    team: Team, s: Strategy, path: str, body: Any, status: int, errors: list[str]
) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    url = f"{w}/products/{s.product.pk}{path}" if path else f"{w}/products"
    method = "post" if path in ("/share-links", "") else "patch"
    before = counts()
    response = call(team.client("editor"), method, url, body)
    assert response.status_code == status
    assert response.json() == error(status, errors[0], errors)
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "Flat", "start": 10, "target": 10}, ["target: must differ from start (10)"]),
        ({"title": "Up", "start": 10, "target": 5, "direction": "increase"}, ["target: an increase needs a target above the start (10), got 5"]),
        ({"title": "Down", "start": 3, "target": 5, "direction": "decrease"}, ["target: a decrease needs a target below the start (3), got 5"]),
        ({"title": "Side", "start": 1, "target": 2, "direction": "sideways"}, ["direction: 'sideways' is not one of increase, decrease"]),
        ({"title": "X", "start": 1, "target": 2, "kpi": "missing"}, ["kpi: KPI 'missing' not found"]),
        ({"title": "X", "start": 1, "target": 2, "due_on": "1999-01-01"}, ["due_on: must not be before the period starts ({start}), got 1999-01-01"]),
        ({"title": " ", "start": 1, "target": 2}, ["title: must not be empty"]),
        ({"title": "X", "start": "ten", "target": 2}, ["start: Input should be a valid number, unable to parse string as a number"]),
        ({"title": "X", "target": 2}, ["start: Field required"]),
    ],
)  # fmt: skip
def test_key_result_bad_input(
    team: Team, s: Strategy, body: dict[str, Any], errors: list[str]
) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/objectives/{s.objective.pk}/key-results"
    errors = [e.replace("{start}", s.objective.starts_on.isoformat()) for e in errors]
    before = counts()
    response = call(team.client("editor"), "post", url, body)
    assert response.status_code == 422
    assert response.json() == error(422, errors[0], errors)
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "body", "status", "errors"),
    [
        ("/objectives", {"product": 0, "title": "X", "period": "2026-Q4"}, 404, ["product not found"]),
        ("/objectives", {"product": None, "title": "X", "period": "Q5"}, 422, ["period: 'Q5' is not a period like 2026-Q4, 2026-H2 or 2026"]),
        ("/objectives", {"product": None, "title": "X", "period": "2026", "owner": "nobody@example.com"}, 422, ["owner: 'nobody@example.com' is not a member of this workspace"]),
        ("/objectives", {"product": None, "title": "X", "period": "2026", "parent": 999}, 422, ["parent: objective 999 not found"]),
        ("/objectives/{o}", {"parent": "{o}"}, 422, ["parent: Grow activation is Grow activation or sits under it; that would make a loop"]),
        ("/key-results/{k}/check-ins", {"confidence": 11}, 422, ["confidence: must be 0 to 10 or low, medium, high, got 11"]),
        ("/key-results/{k}/check-ins", {"confidence": "sure"}, 422, ["confidence: must be 0 to 10 or low, medium, high, got 'sure'"]),
        ("/key-results/{k}", {"target": 100}, 422, ["target: must differ from start (100)"]),
        ("/objectives/{o}/links", {"feature": "F-99"}, 422, ["feature_ref: F-99 not found"]),
        ("/objectives/{o}/links", {"feature": "F-1"}, 409, ["feature_ref: F-1 is already linked to Grow activation"]),
        ("/objectives/{o}/links", {"feature": "twelve"}, 422, ["feature_ref: 'twelve' is not a feature reference like F-12"]),
    ],
)  # fmt: skip
def test_okr_bad_input(
    team: Team, s: Strategy, path: str, body: dict[str, Any], status: int, errors: list[str]
) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    url = w + path.replace("{o}", str(s.objective.pk)).replace("{k}", str(s.kr.pk))
    if body.get("product", 0) is None:
        body = {**body, "product": s.product.pk}
    if body.get("parent") == "{o}":
        body = {"parent": s.objective.pk}
    method = "patch" if path in ("/objectives/{o}", "/key-results/{k}") else "post"
    before = counts()
    response = call(team.client("editor"), method, url, body)
    assert response.status_code == status, response.content
    assert response.json() == error(status, errors[0], errors)
    assert counts() == before
    assert KeyResult.objects.get(pk=s.kr.pk).target == 200


def test_objective_out_reads_progress_from_the_kpi(team: Team, s: Strategy) -> None:
    body = (
        team.client("viewer")
        .get(f"/api/v1/workspaces/{team.workspace.slug}/objectives/{s.objective.pk}")
        .json()
    )
    [kr] = body["key_results"]
    assert kr["current"] == 160.0  # the latest day's value (a "last" KPI)
    assert kr["progress"] == pytest.approx(0.6)  # (160 − 100) / (200 − 100)
    assert kr["direction"] == "increase" and kr["due_on"] == s.objective.ends_on.isoformat()
    assert kr["confidence"]["confidence"] == 7 and kr["confidence"]["level"] == "high"
    assert kr["kpi"] == {
        "id": s.kpi.pk,
        "key": "active-teams",
        "name": "Active teams",
        "unit": "teams",
    }
    assert body["progress"] == pytest.approx(0.6) and body["linked_features"] == [s.initiative.ref]
    assert body["rule"].startswith("Progress = (current − start) ÷ (target − start)")
    assert body["status"] in {"on_track", "at_risk", "off_track"}


def test_alignment_map_and_gaps(team: Team, s: Strategy) -> None:
    client, w = team.client("viewer"), f"/api/v1/workspaces/{team.workspace.slug}"
    [product] = client.get(f"{w}/alignment?period={s.objective.period}").json()
    [objective] = product["objectives"]
    assert product["vision"] == "Every team decides with data"
    assert objective["work"][0]["ref"] == s.initiative.ref
    assert objective["work"][0]["children"][0]["ref"] == s.feature.ref
    gaps = client.get(f"{w}/alignment/gaps").json()
    assert gaps == {"unaligned": [], "without_work": [], "not_measurable": []}


def test_deleting_the_kpi_leaves_the_key_result_not_measurable(team: Team, s: Strategy) -> None:
    from northline.metrics.services import kpis
    from northline.strategy.services import alignment

    kpis.delete_kpi(team.access("admin"), s.kpi)
    assert KeyResult.objects.get(pk=s.kr.pk).kpi is None
    assert [o.title for o in alignment.gaps(team.access("viewer")).not_measurable] == [
        "Grow activation"
    ]


def test_session_writes_need_the_csrf_header(team: Team, s: Strategy) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    url = f"/api/v1/workspaces/{team.workspace.slug}/key-results/{s.kr.pk}/check-ins"
    response = call(client, "post", url, {"confidence": 5})
    assert response.status_code == 403
    assert response.json() == error(403, "CSRF check failed; send the X-CSRFToken header")
    assert CheckIn.objects.count() == 1


def test_bearer_token_reads_and_a_viewer_token_cannot_write(team: Team, s: Strategy) -> None:
    from northline.accounts import services as accounts

    _, secret = accounts.create_token(team.access("owner"), "script", "viewer")
    client, w = Client(), f"/api/v1/workspaces/{team.workspace.slug}"
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{w}/objectives", headers=headers).status_code == 200
    response = client.post(
        f"{w}/objectives/{s.objective.pk}/key-results", data=json.dumps({"title": "x", "start": 1, "target": 2}),
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert response.status_code == 403


def test_versions_that_do_not_exist_and_a_restore_that_changes_nothing(
    team: Team, s: Strategy
) -> None:
    client, p = (
        team.client("editor"),
        f"/api/v1/workspaces/{team.workspace.slug}/products/{s.product.pk}",
    )
    assert client.get(f"{p}/diff?old=9&new=2").json() == error(
        404, "old: Acme Analytics has no version 9"
    )
    assert client.get(f"{p}/versions/7").json() == error(
        404, "version: Acme Analytics has no version 7"
    )
    same = call(client, "post", f"{p}/versions/2/restore")
    assert same.json() == error(409, "version: 2 is the same as the current board")
    restored = call(client, "post", f"{p}/versions/1/restore").json()
    assert restored["version"] == 3 and restored["board"]["purpose"] == "Answers for every team"
    assert VisionVersion.objects.get(number=3).note == "Restored version 1"


def test_a_share_link_expiry_without_a_zone_is_the_servers(team: Team, s: Strategy) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/products/{s.product.pk}/share-links"
    response = call(team.client("editor"), "post", url, {"expires_at": "2999-01-01T12:00:00"})
    assert response.status_code == 201 and response.json()["active"] is True
    assert "/vision/" in response.json()["url"]
