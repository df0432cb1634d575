"""Metrics pages for owner / admin / editor / viewer / outsider / anonymous: the catalogue, a
KPI's page (chart, breakdown, notes, alerts), the KPI form, data entry, CSV upload, targets and
notes; exact messages beside fields, CSRF and escaping."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from northline.metrics.models import Alert, Annotation, DataPoint, Kpi, Target
from northline.metrics.services import kpis, points
from tests.conftest import Team
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    signups = kpis.create_kpi(access, name="Sign-ups <b>", unit="users", north_star=True)
    kpis.create_kpi(access, name="Visits")
    kpis.create_kpi(
        access, name="Conversion", aggregation="ratio", numerator=signups.key, denominator="visits"
    )
    start = date(2026, 1, 5)
    points.push(access, [
        {"date": (start + timedelta(days=i)).isoformat(), "value": 10 + i % 7,
         "dimension": {"platform": "ios" if i % 2 else "web"}}
        for i in range(60)
    ], signups)  # fmt: skip
    target = kpis.add_target(
        access, signups, start="2026-01-01", end="2026-03-31", value=12, tolerance=2
    )
    note = kpis.add_annotation(access, signups, day="2026-02-01", text="Pricing <script>")
    alert = Alert.objects.create(
        workspace=team.workspace, kpi=signups, date=date(2026, 2, 20), observed=99, expected=12,
        low=8, high=16,
    )  # fmt: skip
    return {
        "m": f"/w/{team.workspace.slug}/metrics",
        "k": signups,
        "target": target,
        "note": note,
        "alert": alert,
    }


def read_pages(s: dict[str, Any]) -> list[str]:
    m, k = s["m"], s["k"].key
    return [
        f"{m}/", f"{m}/?q=sign&tag=none", f"{m}/kpis/{k}/", f"{m}/kpis/{k}/?window=all&granularity=month",
        f"{m}/kpis/conversion/?window=90d&granularity=quarter",
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(5))
def test_read_pages(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    page = read_pages(s)[index]
    response = team.client(persona).get(page)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == READ[persona], page


def test_kpi_page_shows_chart_target_notes_breakdown_and_alert(
    team: Team, s: dict[str, Any]
) -> None:
    html = (
        team.client("viewer")
        .get(f"{s['m']}/kpis/{s['k'].key}/?window=all&granularity=week")
        .content.decode()
    )
    assert "<svg" in html and "line-chart" in html
    assert "Target shaded" in html
    assert "Pricing &lt;script&gt;" in html and "<script>" not in html.split("</header>")[-1]
    assert "Sign-ups &lt;b&gt;" in html
    assert "By platform" in html
    assert "observed <strong>99</strong>, expected 8 – 16" in html
    assert "Enter a value" not in html  # a viewer cannot write


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["kpis/new/", "kpis/{k}/edit/"])
def test_editor_only_forms(team: Team, s: dict[str, Any], persona: str, page: str) -> None:
    response = team.client(persona).get(f"{s['m']}/" + page.format(k=s["k"].key))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == {**READ, "viewer": 403}[persona]


def csv_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.csv", b"date,value\n2025-12-01,5\n", "text/csv")


def writes(s: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    m, k = s["m"], s["k"].key
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    return [
        (f"{m}/kpis/new/", {"name": "Churn", "direction": "lower", "aggregation": "mean", "granularity": "month"},
         lambda: Kpi.objects.filter(key="churn", aggregation="mean").exists()),
        (f"{m}/kpis/{k}/edit/", {"name": "Sign-ups", "key": k, "direction": "higher", "aggregation": "sum", "granularity": "week"},
         lambda: Kpi.objects.get(key=k).granularity == "week"),
        (f"{m}/kpis/conversion/delete/", {}, lambda: not Kpi.objects.filter(key="conversion").exists()),
        (f"{m}/kpis/{k}/points/", {"date": yesterday, "value": "7.5", "dimension": ""},
         lambda: DataPoint.objects.filter(value=7.5, dimension_key=0).exists()),
        (f"{m}/kpis/{k}/csv/", {"file": csv_file()}, lambda: DataPoint.objects.filter(date=date(2025, 12, 1)).exists()),
        (f"{m}/kpis/{k}/targets/", {"start": "2026-04-01", "end": "2026-06-30", "value": "20"},
         lambda: Target.objects.filter(value=20).exists()),
        (f"{m}/kpis/{k}/targets/{s['target'].pk}/remove/", {}, lambda: not Target.objects.filter(value=12).exists()),
        (f"{m}/kpis/{k}/annotations/", {"date": "2026-02-10", "text": "Ads on"},
         lambda: Annotation.objects.filter(text="Ads on").exists()),
        (f"{m}/kpis/{k}/annotations/{s['note'].pk}/remove/", {}, lambda: Annotation.objects.count() == 0),
        (f"{m}/alerts/{s['alert'].pk}/acknowledge/", {}, lambda: Alert.objects.get().status == "acknowledged"),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(10))
def test_writes(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    url, form, happened = writes(s)[index]
    response = team.client(persona).post(url, form)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert not happened()
        return
    assert response.status_code == WRITE[persona], response.content[:500]
    assert happened() == (WRITE[persona] == 302)


FORM_ERRORS = [
    ("points/", {"date": "2026-13-01", "value": "1"}, "must be a date like 2026-01-31, got &#x27;2026-13-01&#x27;"),
    ("points/", {"date": "2026-01-05", "value": "ten"}, "must be a number, got &#x27;ten&#x27;"),
    ("targets/", {"start": "2026-03-01", "end": "2026-01-01", "value": "1"}, "must not be before start (2026-01-01 &lt; 2026-03-01)"),
    ("annotations/", {"date": "2026-02-01", "text": ""}, "must not be empty"),
    ("csv/", {"file": SimpleUploadedFile("x.csv", b"date,value\n2026-01-05,1\n1/2/2026,2\n")},
     "row 3: date &#x27;1/2/2026&#x27; is in another format than row 2"),
]  # fmt: skip


@pytest.mark.parametrize(("page", "form", "message"), FORM_ERRORS)
def test_form_errors_sit_beside_fields(
    team: Team, s: dict[str, Any], page: str, form: dict[str, Any], message: str
) -> None:
    before = (DataPoint.objects.count(), Target.objects.count(), Annotation.objects.count())
    response = team.client("editor").post(f"{s['m']}/kpis/{s['k'].key}/{page}", form)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert (DataPoint.objects.count(), Target.objects.count(), Annotation.objects.count()) == before


def test_csv_dry_run_page(team: Team, s: dict[str, Any]) -> None:
    response = team.client("editor").post(
        f"{s['m']}/kpis/{s['k'].key}/csv/", {"file": csv_file(), "dry_run": "on"}
    )
    assert (
        "Dry run: 1 value from 2025-12-01 to 2025-12-01 would be stored"
        in response.content.decode()
    )
    assert not DataPoint.objects.filter(date=date(2025, 12, 1)).exists()


def test_kpi_form_error_for_ratio_without_parts(team: Team, s: dict[str, Any]) -> None:
    response = team.client("editor").post(
        f"{s['m']}/kpis/new/",
        {"name": "Rate", "direction": "higher", "aggregation": "ratio", "granularity": "day"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "a ratio KPI needs a numerator KPI" in html
        and "a ratio KPI needs a denominator KPI" in html
    )


def test_forms_post_only_with_the_csrf_token(team: Team, s: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    url = f"{s['m']}/kpis/new/"
    body = {"name": "Honest", "direction": "higher", "aggregation": "sum", "granularity": "day"}
    assert client.post(url, body).status_code == 403
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content)
    assert token is not None
    assert client.post(url, {**body, "csrfmiddlewaretoken": token[1].decode()}).status_code == 302
    assert Kpi.objects.filter(key="honest").exists()


def test_sidebar_links_the_metrics_area(team: Team, s: dict[str, Any]) -> None:
    html = team.client("viewer").get(f"/w/{team.workspace.slug}/").content.decode()
    assert f'href="{s["m"]}/"' in html
