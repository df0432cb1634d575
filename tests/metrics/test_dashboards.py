"""Dashboards: composing tiles through pages and the API for each persona, and read-only share
links: secret shown once, only its hash stored, anonymous viewing, revoking, expiry, rate limit."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from northline.accounts.services import digest
from northline.core import ratelimit, share_links
from northline.metrics.models import Dashboard, DashboardShare, Tile
from northline.metrics.services import dashboards, kpis, points
from tests.conftest import Team
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    kpi = kpis.create_kpi(access, name="Sign-ups", unit="users")
    points.push(
        access, [{"date": "2026-01-05", "value": 10}, {"date": "2026-01-06", "value": 15}], kpi
    )
    board = dashboards.create_dashboard(access, "Growth <b>")
    tile = dashboards.add_tile(access, board, "sign-ups", "number", "all")
    dashboards.add_tile(access, board, "sign-ups", "chart", "all")
    return {"d": f"/w/acme/metrics/dashboards/{board.pk}/", "board": board, "tile": tile}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["/w/acme/metrics/dashboards/", "{d}"])
def test_read_pages(team: Team, s: dict[str, Any], persona: str, page: str) -> None:
    response = team.client(persona).get(page.format(d=s["d"]))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == READ[persona]


def test_dashboard_shows_tiles(team: Team, s: dict[str, Any]) -> None:
    html = team.client("viewer").get(s["d"]).content.decode()
    assert "Growth &lt;b&gt;" in html
    assert "<strong>15</strong> users" in html and "+50 %" in html
    assert html.count("line-chart") >= 1
    assert "Add a tile" not in html and "Share read-only" not in html


def writes(s: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    d, board, tile = s["d"], s["board"], s["tile"]
    return [
        ("/w/acme/metrics/dashboards/", {"name": "Retention"}, lambda: Dashboard.objects.filter(name="Retention").exists()),
        (d + "tiles/", {"kpi": "sign-ups", "kind": "number", "window": "90d", "granularity": "week"},
         lambda: Tile.objects.filter(window="90d", granularity="week").exists()),
        (d + f"tiles/{tile.pk}/down/", {}, lambda: Tile.objects.get(pk=tile.pk).position == 2),
        (d + f"tiles/{tile.pk}/remove/", {}, lambda: not Tile.objects.filter(pk=tile.pk).exists()),
        (d + "rename/", {"name": "Growth"}, lambda: Dashboard.objects.get(pk=board.pk).name == "Growth"),
        (d + "delete/", {}, lambda: not Dashboard.objects.filter(pk=board.pk).exists()),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(6))
def test_writes(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    url, form, happened = writes(s)[index]
    response = team.client(persona).post(url, form)
    if persona == "anonymous":
        assert response.status_code == 302 and not happened()
        return
    assert response.status_code == WRITE[persona]
    assert happened() == (WRITE[persona] == 302)


def test_share_link_is_shown_once_and_opens_anonymously(team: Team, s: dict[str, Any]) -> None:
    response = team.client("editor").post(s["d"] + "shares/", {"label": "Board", "days": "7"})
    link = re.search(r'value="(http://testserver/d/(nld_[^"]+)/)"', response.content.decode())
    assert link is not None
    secret = link[2]
    share = DashboardShare.objects.get()
    assert share.secret_hash == digest(secret) and secret not in json.dumps(
        list(DashboardShare.objects.values()), default=str
    )
    assert secret not in team.client("editor").get(s["d"]).content.decode()
    public = Client().get(f"/d/{secret}/")
    html = public.content.decode()
    assert public.status_code == 200 and public["X-Robots-Tag"] == "noindex"
    assert (
        "<strong>15</strong> users" in html
        and "Add a tile" not in html
        and 'class="sidebar"' not in html
    )
    assert DashboardShare.objects.get().views == 1
    team.client("editor").post(s["d"] + f"shares/{share.pk}/revoke/")
    gone = Client().get(f"/d/{secret}/")
    assert (
        gone.status_code == 410
        and "this link was revoked; ask for a new one" in gone.content.decode()
    )
    assert Client().get("/d/nld_wrong/").status_code == 404


def test_expired_link_and_rate_limit(team: Team, s: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(share_links, "VIEWS_PER_MINUTE", 5)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_000.0)  # inside one window
    _, secret = dashboards.create_share(team.access("editor"), s["board"], days=1)
    DashboardShare.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().get(f"/d/{secret}/")
    assert (
        expired.status_code == 410
        and "this link has expired; ask for a new one" in expired.content.decode()
    )
    _, fresh = dashboards.create_share(team.access("editor"), s["board"])
    ratelimit.reset("dashboard-share:client:127.0.0.1")
    client = Client()
    statuses = {client.get(f"/d/{fresh}/").status_code for _ in range(share_links.VIEWS_PER_MINUTE)}
    assert statuses == {200}
    limited = client.get(f"/d/{fresh}/")
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()


def test_bad_tiles_and_shares(team: Team, s: dict[str, Any]) -> None:
    client = team.client("editor")
    response = client.post(s["d"] + "tiles/", {"kpi": "", "kind": "chart", "window": "1y"})
    assert response.status_code == 422 and "no KPI with the key" in response.content.decode()
    bad = client.post(s["d"] + "shares/", {"days": "1000"})
    assert bad.status_code == 422 and "must be between 1 and 366, got 1000" in bad.content.decode()


def test_api(team: Team, s: dict[str, Any]) -> None:
    base = f"/api/v1/workspaces/acme/dashboards/{s['board'].pk}"
    editor, viewer = team.client("editor"), team.client("viewer")
    assert viewer.get(base).json()["tiles"][0]["kind"] == "number"
    assert viewer.post(base + "/shares", "{}", content_type="application/json").status_code == 403
    made = editor.post(
        base + "/shares", json.dumps({"days": 30}), content_type="application/json"
    ).json()
    assert made["secret"].startswith("nld_") and made["url"].endswith(f"/d/{made['secret']}/")
    assert "secret" not in editor.get(base).json()["shares"][0]
    assert Client().get(made["url"].removeprefix("http://testserver")).status_code == 200
    revoked = editor.delete(f"{base}/shares/{made['id']}").json()
    assert revoked["revoked_at"] is not None
    again = editor.delete(f"{base}/shares/{made['id']}")
    assert again.status_code == 409
    assert again.json()["errors"] == ["link: Share of Growth <b> was already revoked"]
    tile = editor.post(
        base + "/tiles", json.dumps({"kpi": "nope"}), content_type="application/json"
    )
    assert tile.json()["errors"] == ["kpi: no KPI with the key 'nope'"]
    assert team.client("outsider").get(base).status_code == 404
