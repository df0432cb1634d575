"""Planning pages of features and scores: role matrix, forms, CSRF, escaping."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from northline.planning.models import (
    EstimationRound,
    Feature,
    ProductArea,
    ScoreInput,
    ScoringModel,
)
from northline.planning.services import estimation, features, scores
from tests.conftest import Team
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.fixture
def backlog(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    model = scores.create_model(access, "RICE", "rice")
    area = features.create_area(access, "Growth")
    f = features.create_feature(access, "Bulk export", area=area)
    g = features.create_feature(access, "SSO")
    for driver, value in {"reach": 400, "impact": 2, "confidence": 0.5, "effort": 4}.items():
        scores.set_input(access, f, model, driver, low=value)
    return {"model": model, "f": f, "g": g, "area": area}


def pages(team: Team, b: dict[str, Any]) -> list[str]:
    s = team.workspace.slug
    return [
        f"/w/{s}/planning/", f"/w/{s}/planning/?model={b['model'].pk}&status=idea&q=bulk&page=9",
        f"/w/{s}/planning/features/1/", f"/w/{s}/planning/features/2/",
        f"/w/{s}/planning/models/", f"/w/{s}/planning/areas/", f"/w/{s}/planning/chart/",
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_read_pages(team: Team, backlog: dict[str, Any], persona: str) -> None:
    for page in pages(team, backlog):
        response = team.client(persona).get(page)
        if persona == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == READ[persona], page


def test_ranked_page_explains_each_score(team: Team, backlog: dict[str, Any]) -> None:
    html = team.client("viewer").get(f"/w/{team.workspace.slug}/planning/").content.decode()
    assert "F-1" in html and "Bulk export" in html and "<strong>100</strong>" in html
    assert "reach \u00d7 400" in html and "effort ÷ 4" in html
    assert "needs reach, impact, confidence, effort" in html  # F-2 is unscored
    assert "New feature" not in html  # a viewer gets no write buttons


def test_new_feature_page(team: Team, backlog: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/features/new/"
    response = team.client("editor").post(
        url, {"title": "Dark mode", "kind": "feature", "status": "idea", "area": "Growth",
              "parent": "", "owner": "viewer@example.com", "team": "Web"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/features/3/")
    made = Feature.objects.get(number=3)
    assert made.area == backlog["area"] and made.owner == team.viewer and made.team == "Web"
    assert team.client("viewer").post(url, {"title": "x"}).status_code == 403
    assert Feature.objects.count() == 3


def test_new_feature_errors_show_beside_fields(team: Team, backlog: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/features/new/"
    response = team.client("editor").post(
        url, {"title": "Child", "kind": "initiative", "status": "idea", "parent": "F-1"}
    )
    assert response.status_code == 200
    assert "an initiative cannot sit under F-1, a feature" in response.content.decode()
    assert Feature.objects.count() == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_saving_estimates(team: Team, backlog: dict[str, Any], persona: str) -> None:
    url = f"/w/{team.workspace.slug}/planning/features/2/inputs/"
    data = {
        "model": backlog["model"].pk, "reach__likely": "100", "impact__likely": "1",
        "confidence__likely": "0.8", "effort__low": "1", "effort__likely": "2", "effort__high": "6",
        **{f"{d}__distribution": "pert" for d in ("reach", "impact", "confidence", "effort")},
    }  # fmt: skip
    response = team.client(persona).post(url, data)
    saved = ScoreInput.objects.filter(feature=backlog["g"]).count()
    if persona == "anonymous":
        assert response.status_code == 302 and saved == 0
    else:
        assert response.status_code == WRITE[persona]
        assert saved == (4 if WRITE[persona] == 302 else 0)


def test_estimates_are_all_or_nothing(team: Team, backlog: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/features/2/inputs/"
    data = {
        "model": backlog["model"].pk, "reach__likely": "100", "effort__low": "9",
        "effort__likely": "2", "effort__high": "1",
        **{f"{d}__distribution": "pert" for d in ("reach", "impact", "confidence", "effort")},
    }  # fmt: skip
    client = team.client("editor")
    response = client.post(url, data)
    assert response.status_code == 422
    assert "F-2.effort: low (9) is greater than high (1)" in response.content.decode()
    assert 'value="100"' in response.content.decode()  # the typed values are shown again
    assert not ScoreInput.objects.filter(feature=backlog["g"]).exists()


def test_forms_need_csrf(team: Team, backlog: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    url = f"/w/{team.workspace.slug}/planning/features/new/"
    assert client.post(url, {"title": "x", "kind": "feature", "status": "idea"}).status_code == 403
    assert Feature.objects.count() == 2


def test_titles_are_escaped(team: Team, backlog: dict[str, Any]) -> None:
    features.update_feature(team.access("editor"), backlog["g"], title="<script>alert(1)</script>")
    for url in ("/planning/", "/planning/features/2/"):
        html = team.client("viewer").get(f"/w/{team.workspace.slug}{url}").content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_dependencies_from_the_page(team: Team, backlog: dict[str, Any]) -> None:
    base = f"/w/{team.workspace.slug}/planning/features"
    client = team.client("editor")
    assert client.post(f"{base}/2/requires/", {"requires": "F-1"}).status_code == 302
    assert list(backlog["g"].requires.all()) == [backlog["f"]]
    response = client.post(f"{base}/1/requires/", {"requires": "F-2"}, follow=True)
    assert "requires: F-1 → F-2 → F-1 would make a dependency cycle" in response.content.decode()
    assert not backlog["f"].requires.exists()
    assert client.post(f"{base}/2/requires/1/remove/").status_code == 302
    assert not backlog["g"].requires.exists()


def test_team_estimate_from_the_page(team: Team, backlog: dict[str, Any]) -> None:
    base = f"/w/{team.workspace.slug}/planning/features/2"
    editor, admin = team.client("editor"), team.client("admin")
    editor.post(f"{base}/rounds/", {"model": backlog["model"].pk, "driver": "effort"})
    r = EstimationRound.objects.get()
    editor.post(f"{base}/rounds/{r.pk}/vote/", {"low": 1, "likely": 2, "high": 4})
    admin.post(f"{base}/rounds/{r.pk}/vote/", {"low": 2, "likely": 6, "high": 9})
    hidden = admin.get(f"{base}/").content.decode()
    assert "2 votes" in hidden and "Median" not in hidden  # private until revealed
    admin.post(f"{base}/rounds/{r.pk}/reveal/")
    shown = editor.get(f"{base}/").content.decode()
    assert "Median" in shown and "agreement is <strong>wide</strong>" in shown
    editor.post(f"{base}/rounds/{r.pk}/settle/", {"low": 1.5, "likely": 4, "high": 6.5,
                                                  "distribution": "pert"})  # fmt: skip
    settled = ScoreInput.objects.get(feature=backlog["g"], driver="effort")
    assert (settled.low, settled.likely, settled.high, settled.source) == (1.5, 4, 6.5, "team")
    assert team.client("viewer").post(f"{base}/rounds/{r.pk}/bogus/").status_code == 404


def test_models_page_creates_a_weighted_model(team: Team, backlog: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/models/"
    drivers = "Revenue impact, 3, 0, 10, higher\nRisk, 1, 0, 5, lower"
    response = team.client("editor").post(
        url, {"name": "Board", "kind": "weighted", "drivers": drivers}
    )
    assert response.status_code == 302
    model = ScoringModel.objects.get(name="Board")
    assert [d["name"] for d in model.drivers] == ["revenue_impact", "risk"]
    bad = team.client("editor").post(
        url, {"name": "Bad", "kind": "weighted", "drivers": "x, 1, 5, 1"}
    )
    assert "x.scale: minimum (5) must be less than maximum (1)" in bad.content.decode()
    assert not ScoringModel.objects.filter(name="Bad").exists()
    assert team.client("viewer").post(url, {"name": "V", "kind": "rice"}).status_code == 403


def test_areas_page(team: Team, backlog: dict[str, Any]) -> None:
    url = f"/w/{team.workspace.slug}/planning/areas/"
    assert team.client("editor").post(url, {"name": "Retention"}).status_code == 302
    dup = team.client("editor").post(url, {"name": "growth"})
    assert "a product area named &#x27;growth&#x27; already exists" in dup.content.decode()
    assert ProductArea.objects.count() == 2


def test_planning_area_link_goes_to_the_ranked_list(team: Team) -> None:
    response = team.client("viewer").get(f"/w/{team.workspace.slug}/planning/")
    assert response.status_code == 200
    assert b"Pick how you score ideas" in response.content  # no model yet: the empty state
    overview = team.client("viewer").get(f"/w/{team.workspace.slug}/").content.decode()
    assert f'href="/w/{team.workspace.slug}/planning/"' in overview


def test_estimation_spread_helper_is_consistent(team: Team, backlog: dict[str, Any]) -> None:
    r = estimation.open_round(team.access("editor"), backlog["g"], backlog["model"], "reach")
    assert estimation.spread(r) is None


def test_value_effort_chart_and_history_charts(team: Team, backlog: dict[str, Any]) -> None:
    scores.set_input(
        team.access("editor"), backlog["f"], backlog["model"], "effort", low=2, likely=4, high=9
    )
    html = team.client("viewer").get(f"/w/{team.workspace.slug}/planning/chart/").content.decode()
    assert "<svg" in html and "F-1 Bulk export" in html and "1 item" in html
    page = (
        team.client("viewer").get(f"/w/{team.workspace.slug}/planning/features/1/").content.decode()
    )
    assert page.count("<svg") == 2 and "Rank (1 is the top)" in page
    ice = scores.create_model(team.access("editor"), "ICE", "ice")
    no_effort = team.client("viewer").get(
        f"/w/{team.workspace.slug}/planning/chart/?model={ice.pk}"
    )
    assert "ICE has no effort driver" in no_effort.content.decode()
