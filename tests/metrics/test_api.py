"""The metrics API: every endpoint for each persona, pushes (single, batch, idempotent, all or
nothing) with the exact messages for bad input, CSV upload, ratios with zero denominators."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from northline.accounts import services as accounts
from northline.metrics.models import Alert, DataPoint, DimensionValue, Kpi, Target
from northline.metrics.services import kpis
from tests.conftest import Team
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, error, expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    signups = kpis.create_kpi(access, name="Sign-ups", unit="users", tags=["growth"])
    visits = kpis.create_kpi(access, name="Visits")
    rate = kpis.create_kpi(
        access, name="Conversion", aggregation="ratio", numerator="sign-ups", denominator="visits"
    )
    target = kpis.add_target(access, signups, start="2026-01-01", end="2026-03-31", value=100)
    note = kpis.add_annotation(access, signups, day="2026-01-10", text="Launch")
    alert = Alert.objects.create(
        workspace=team.workspace, kpi=signups, date=date(2026, 1, 5), observed=9, expected=3,
        low=1, high=5,
    )  # fmt: skip
    return {
        "w": f"/api/v1/workspaces/{team.workspace.slug}", "signups": signups, "visits": visits,
        "rate": rate, "target": target, "note": note, "alert": alert,
    }  # fmt: skip


YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()


def endpoints(s: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    w, k = s["w"], f"{s['w']}/kpis/sign-ups"
    return [
        ("get", f"{w}/kpis?tag=growth", None, EVERYONE, 200),
        ("get", k, None, EVERYONE, 200),
        ("get", f"{k}/series?granularity=week", None, EVERYONE, 200),
        ("get", f"{k}/targets", None, EVERYONE, 200),
        ("get", f"{k}/annotations", None, EVERYONE, 200),
        ("get", f"{w}/alerts", None, EVERYONE, 200),
        ("post", f"{w}/kpis", {"name": "Churn", "direction": "lower"}, EDITORS, 201),
        ("patch", k, {"definition": "New accounts per day"}, EDITORS, 200),
        ("delete", f"{w}/kpis/conversion", None, EDITORS, 204),
        ("post", f"{k}/points", {"date": YESTERDAY, "value": 4}, EDITORS, 200),
        ("post", f"{w}/points", {"points": [{"kpi": "visits", "date": YESTERDAY, "value": 40}]}, EDITORS, 200),
        ("post", f"{k}/targets", {"start": "2026-04-01", "end": "2026-06-30", "value": 150}, EDITORS, 201),
        ("delete", f"{k}/targets/{s['target'].pk}", None, EDITORS, 204),
        ("post", f"{k}/annotations", {"date": "2026-02-01", "text": "Pricing change"}, EDITORS, 201),
        ("delete", f"{k}/annotations/{s['note'].pk}", None, EDITORS, 204),
        ("post", f"{w}/alerts/{s['alert'].pk}/acknowledge", None, EDITORS, 200),
    ]  # fmt: skip


ENDPOINTS = 16


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(ENDPOINTS))
def test_endpoint_for_each_persona(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    table = endpoints(s)
    assert len(table) == ENDPOINTS
    method, url, body, allowed, ok = table[index]
    before = (Kpi.objects.count(), DataPoint.objects.count(), Target.objects.count())
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if response.status_code == 404:
        assert response.json() == error(404, "workspace not found")
    if response.status_code == 403:
        assert response.json() == error(
            403, "this needs the editor role or higher; your role is viewer"
        )
    if response.status_code >= 400:
        assert (Kpi.objects.count(), DataPoint.objects.count(), Target.objects.count()) == before


def test_kpi_out(team: Team, s: dict[str, Any]) -> None:
    body = team.client("viewer").get(f"{s['w']}/kpis/conversion").json()
    assert body["aggregation"] == "ratio"
    assert (body["numerator"], body["denominator"]) == ("sign-ups", "visits")
    assert body["latest"] is None and body["url"].endswith("/w/acme/metrics/kpis/conversion/")


def test_push_single_and_batch_is_idempotent(team: Team, s: dict[str, Any]) -> None:
    client, url = team.client("editor"), f"{s['w']}/kpis/sign-ups/points"
    batch = {"points": [
        {"date": "2026-01-05", "value": 3, "dimension": {"platform": "ios"}},
        {"date": "2026-01-05", "value": 5, "dimension": {"platform": "web"}},
        {"date": "2026-01-06", "value": 7},
    ]}  # fmt: skip
    first = call(client, "post", url, batch)
    assert first.json() == {
        "stored": 3, "kpis": ["sign-ups"], "dry_run": False, "first_date": "2026-01-05",
        "last_date": "2026-01-06",
    }  # fmt: skip
    again = call(client, "post", url, batch)
    assert again.status_code == 200 and DataPoint.objects.count() == 3
    call(client, "post", url, {"date": "2026-01-06", "value": 8})
    assert DataPoint.objects.get(date=date(2026, 1, 6)).value == 8.0
    assert sorted(DimensionValue.objects.values_list("value", flat=True)) == ["ios", "web"]
    series = client.get(f"{url.removesuffix('/points')}/series?dimension=platform:web").json()
    assert series["points"] == [{"time": "2026-01-05", "value": 5.0}]


def test_token_push_across_kpis_and_dry_run(team: Team, s: dict[str, Any]) -> None:
    _, secret = accounts.create_token(team.access("editor"), "pipeline", "editor")
    client, auth = Client(), {"Authorization": f"Bearer {secret}"}
    body = {"points": [
        {"kpi": "sign-ups", "date": "2026-01-05", "value": 1},
        {"kpi": "visits", "date": "2026-01-05", "value": 10},
    ]}  # fmt: skip
    dry = call(client, "post", f"{s['w']}/points?dry_run=true", body, **auth)
    assert dry.json()["dry_run"] is True and dry.json()["kpis"] == ["sign-ups", "visits"]
    assert DataPoint.objects.count() == 0
    assert call(client, "post", f"{s['w']}/points", body, **auth).json()["stored"] == 2
    rate = client.get(f"{s['w']}/kpis/conversion", headers=auth).json()
    assert rate["latest"] == {"time": "2026-01-05", "value": 0.1}


FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()
TODAY = timezone.localdate().isoformat()
BAD_BATCHES = [
    ([{"date": FUTURE, "value": 1}],
     [f"points[0].date: {FUTURE} is in the future (today is {TODAY})"]),
    ([{"date": "2026-01-05", "value": 1}, {"date": "2026-01-05", "value": 2}],
     ["points[1].date: 2026-01-05 is already in points[0] for the same KPI; send each date once"]),
    ([{"date": "2026-01-05", "value": "12abc"}, {"date": "2026-01-06", "value": True}],
     ["points[0].value: must be a number, got '12abc'", "points[1].value: must be a number, got True"]),
    ([{"date": "05/01/2026", "value": 1}],
     ["points[0].date: must be a date like 2026-01-31, got '05/01/2026'"]),
    ([{"date": "2026-01-05"}], ["points[0].value: is required"]),
    ([{"date": "2026-01-05", "value": "nan"}], ["points[0].value: must be a finite number, got 'nan'"]),
    ([{"date": "2026-01-05", "value": 1, "dimension": {"a": "x", "b": "y"}}],
     ["points[0].dimension: must be one name and value like {\"platform\": \"ios\"}, got {'a': 'x', 'b': 'y'}"]),
    ([{"date": "2026-01-05", "value": 1, "colour": "red"}], ["points[0]: unknown field colour"]),
    ([], ["points: send at least one point"]),
]  # fmt: skip


@pytest.mark.parametrize(("items", "messages"), BAD_BATCHES)
def test_bad_batches_store_nothing(
    team: Team, s: dict[str, Any], items: list[Any], messages: list[str]
) -> None:
    good = {"date": "2026-01-01", "value": 1}
    response = call(
        team.client("editor"),
        "post",
        f"{s['w']}/kpis/sign-ups/points",
        {"points": [*items, good] if items else []},
    )
    assert response.status_code == 422
    summary = (
        messages[0]
        if len(messages) == 1
        else f"{len(messages)} problems in the points; nothing was stored"
    )
    assert response.json() == error(422, summary, messages)
    assert DataPoint.objects.count() == 0


def test_push_to_ratio_and_unknown_kpi(team: Team, s: dict[str, Any]) -> None:
    client = team.client("editor")
    ratio = call(
        client, "post", f"{s['w']}/kpis/conversion/points", {"date": "2026-01-05", "value": 1}
    )
    assert ratio.json() == error(
        422, "kpi: 'conversion' is a ratio (sign-ups / visits); send points to its parts"
    )
    unknown = call(
        client,
        "post",
        f"{s['w']}/points",
        {"points": [{"kpi": "nope", "date": "2026-01-05", "value": 1}]},
    )
    assert unknown.json() == error(422, "points[0].kpi: no KPI with the key 'nope'")
    malformed = client.post(f"{s['w']}/points", data="{", content_type="application/json")
    assert malformed.status_code == 422
    assert malformed.json()["error"].startswith("body: malformed JSON")


def test_ratio_with_zero_denominator_is_named(team: Team, s: dict[str, Any]) -> None:
    client = team.client("editor")
    call(client, "post", f"{s['w']}/points", {"points": [
        {"kpi": "sign-ups", "date": "2026-01-05", "value": 1},
        {"kpi": "visits", "date": "2026-01-05", "value": 0},
        {"kpi": "sign-ups", "date": "2026-01-06", "value": 2},
        {"kpi": "visits", "date": "2026-01-06", "value": 20},
    ]})  # fmt: skip
    body = client.get(f"{s['w']}/kpis/conversion/series").json()
    assert body["points"] == [
        {"time": "2026-01-05", "value": None},
        {"time": "2026-01-06", "value": 0.1},
    ]
    assert body["zero_denominators"] == ["2026-01-05"]


def upload(client: Client, url: str, text: str) -> Any:
    return client.post(url, {"file": SimpleUploadedFile("points.csv", text.encode(), "text/csv")})


BAD_FILES = [
    ("date,value\n2026-01-05,1\n05/01/2026,2\n",
     "row 3: date '05/01/2026' is in another format than row 2 ('2026-01-05', YYYY-MM-DD); use one date format in a file"),
    ("date,value\n03/04/2026,1\n",
     "date_format: the dates fit both DD/MM/YYYY and MM/DD/YYYY; choose the date format"),
    ("date,value\n2026-01-05,1\n2026-01-05,2\n",
     "row 3: date 2026-01-05 is already in row 2; each date once"),
    ("date,value\n2026-01-05,abc\n", "row 2: value: must be a number, got 'abc'"),
    ("day,amount\n2026-01-05,1\n",
     "file: the first row must be the header date,value (optionally a dimension column)"),
    (f"date,value\n{FUTURE},1\n", f"row 2: date {FUTURE} is in the future (today is {TODAY})"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_csv_files_store_nothing(
    team: Team, s: dict[str, Any], text: str, message: str
) -> None:
    response = upload(team.client("editor"), f"{s['w']}/kpis/sign-ups/points/csv", text)
    assert response.json() == error(422, message)
    assert DataPoint.objects.count() == 0


def test_csv_dry_run_then_upload_with_dimension(team: Team, s: dict[str, Any]) -> None:
    client, url = team.client("editor"), f"{s['w']}/kpis/sign-ups/points/csv"
    text = "date,value,Platform\n31/12/2025,1,ios\n31/12/2025,2,web\n13/01/2026,4,ios\n"
    dry = upload(client, url + "?dry_run=true", text).json()
    assert dry["dry_run"] is True and dry["stored"] == 3 and DataPoint.objects.count() == 0
    assert upload(client, url, text).json()["stored"] == 3
    assert set(DimensionValue.objects.values_list("dimension__name", "value")) == {
        ("platform", "ios"), ("platform", "web"),
    }  # fmt: skip
    chosen = upload(client, url + "?date_format=MM/DD/YYYY", "date,value\n01/02/2026,5\n").json()
    assert chosen["first_date"] == "2026-01-02"


BAD_KPIS = [
    ({"name": ""}, "name: must not be empty"),
    ({"name": "X", "aggregation": "median"}, "aggregation: 'median' is not one of sum, mean, last, ratio"),
    ({"name": "X", "aggregation": "ratio", "numerator": "visits"},
     "denominator: a ratio KPI needs a denominator KPI"),
    ({"name": "X", "aggregation": "ratio", "numerator": "visits", "denominator": "conversion"},
     "denominator: 'conversion' is itself a ratio; use KPIs that hold points"),
    ({"name": "X", "key": "Sign Ups"}, "key: use lower-case letters, digits and dashes, like 'sign-ups' ('Sign Ups')"),
    ({"name": "X", "key": "visits"}, "key: 'visits' is already used by another KPI"),
    ({"name": "X", "owner": "nobody@example.com"}, "owner: 'nobody@example.com' is not a member of this workspace"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BAD_KPIS)
def test_bad_kpis(team: Team, s: dict[str, Any], body: dict[str, Any], message: str) -> None:
    response = call(team.client("editor"), "post", f"{s['w']}/kpis", body)
    assert response.json()["errors"] == [message]
    assert Kpi.objects.count() == 3


def test_bad_target_and_kpi_in_use(team: Team, s: dict[str, Any]) -> None:
    client = team.client("editor")
    bad = call(
        client,
        "post",
        f"{s['w']}/kpis/visits/targets",
        {"start": "2026-03-01", "end": "2026-01-01", "value": 5},
    )
    assert bad.json() == error(422, "end: must not be before start (2026-01-01 < 2026-03-01)")
    used = call(client, "delete", f"{s['w']}/kpis/visits")
    assert used.json() == error(
        409, "kpi: 'visits' is part of the ratio 'conversion'; delete that first"
    )
