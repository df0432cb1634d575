"""Quality surveys: answers through the API, the form and CSV (all or nothing, rows named),
comments in the insights inbox with the source survey, the survey's KPI, pages per persona."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from northline.insights.models import Feedback
from northline.metrics.models import Kpi, SurveyResponse
from northline.metrics.services import series, surveys
from tests.conftest import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps(team: Team) -> Any:
    return surveys.create_survey(
        team.access("editor"), "Quarterly NPS", "nps", "Would you recommend us?"
    )


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_responses_score_segments_inbox_and_kpi(team: Team, nps: Any) -> None:
    url = f"/api/v1/workspaces/acme/surveys/{nps.pk}"
    answers = [
        {"score": 10, "segment": "pro", "date": "2026-01-05", "comment": "Love the roadmap", "email": "ann@acme.com"},
        {"score": 9, "segment": "pro", "date": "2026-01-05"},
        {"score": 3, "segment": "free", "date": "2026-01-06", "comment": "Too slow", "external_id": "r-1"},
        {"score": 7, "segment": "free", "date": "2026-01-06"},
    ]  # fmt: skip
    added = post(team.client("editor"), url + "/responses", {"responses": answers}).json()
    assert added == {"responses": 4, "comments": 2, "dry_run": False}
    body = team.client("viewer").get(url).json()
    assert body["score"]["n"] == 4 and body["score"]["score"] == pytest.approx(25.0)
    assert [(s["segment"], s["score"]) for s in body["segments"]] == [
        ("free", -50.0),
        ("pro", 100.0),
    ]
    inbox = Feedback.objects.filter(source="survey").order_by("text")
    assert [(f.text, f.title) for f in inbox] == [
        ("Love the roadmap", "Quarterly NPS: 10"),
        ("Too slow", "Quarterly NPS: 3"),
    ]
    assert inbox[0].customer is not None and inbox[0].customer.email == "ann@acme.com"
    kpi = Kpi.objects.get(key="quarterly-nps")
    assert (kpi.unit, kpi.aggregation, kpi.tags) == ("NPS", "mean", ["survey", "nps"])
    assert [tuple(p) for p in series(kpi)] == [(date(2026, 1, 5), 100.0), (date(2026, 1, 6), -50.0)]
    post(
        team.client("editor"),
        url + "/responses",
        {
            "responses": [
                {"score": 9, "date": "2026-01-06", "external_id": "r-1", "comment": "Faster now"}
            ]
        },
    )
    assert (
        SurveyResponse.objects.count() == 4
        and Feedback.objects.filter(source="survey").count() == 2
    )
    assert series(kpi).values[-1] == pytest.approx(50.0)  # 9 and 7: one promoter of two


BAD = [
    ([{"score": 11}], ["responses[0].score: must be between 0 and 10, got 11"]),
    ([{"score": "x"}], ["responses[0].score: must be a whole number from 0 to 10, got 'x'"]),
    ([{}], ["responses[0].score: is required (a whole number from 0 to 10)"]),
    ([{"score": 5, "date": "2999-01-01"}], None),
    ([{"score": 5, "external_id": "a"}, {"score": 6, "external_id": "a"}], ["responses[1].external_id: 'a' is already in responses[0]"]),
    ([{"score": 5, "mood": "ok"}], ["responses[0]: unknown field mood"]),
]  # fmt: skip


@pytest.mark.parametrize(("items", "messages"), BAD)
def test_bad_responses_store_nothing(
    team: Team, nps: Any, items: list[Any], messages: list[str] | None
) -> None:
    response = post(
        team.client("editor"),
        f"/api/v1/workspaces/acme/surveys/{nps.pk}/responses",
        {"responses": [*items, {"score": 8}]},
    )
    assert response.status_code == 422
    if messages:
        assert response.json()["errors"] == messages
    else:
        assert "is in the future" in response.json()["error"]
    assert SurveyResponse.objects.count() == 0


def upload(client: Any, url: str, text: str) -> Any:
    return client.post(url, {"file": SimpleUploadedFile("a.csv", text.encode())})


def test_csv_import_names_rows_and_refuses_mixed_dates(team: Team, nps: Any) -> None:
    client, url = team.client("editor"), f"/api/v1/workspaces/acme/surveys/{nps.pk}/responses"
    bad = upload(client, url, "score,date\n9,2026-01-05\n12,2026-01-06\n")
    assert bad.json()["errors"] == ["row 3: score: must be between 0 and 10, got 12"]
    mixed = upload(client, url, "score,date\n9,2026-01-05\n8,06/01/2026\n")
    assert mixed.json()["errors"][0].startswith(
        "row 3: date '06/01/2026' is in another format than row 2"
    )
    dry = upload(client, url + "?dry_run=true", "score,comment,segment\n9,Great,pro\n2,,free\n")
    assert dry.json() == {"responses": 2, "comments": 1, "dry_run": True}
    assert SurveyResponse.objects.count() == 0
    assert (
        upload(client, url, "score,comment,segment\n9,Great,pro\n2,,free\n").json()["responses"]
        == 2
    )


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("editor", 200), ("viewer", 200), ("outsider", 404)]
)
def test_pages(team: Team, nps: Any, persona: str, status: int) -> None:
    surveys.add_responses(
        team.access("editor"),
        nps,
        [{"score": 10, "segment": "pro"}, {"score": 0, "segment": "free"}],
    )
    for page in ("/w/acme/metrics/surveys/", f"/w/acme/metrics/surveys/{nps.pk}/"):
        assert team.client(persona).get(page).status_code == status
    if persona == "viewer":
        html = team.client(persona).get(f"/w/acme/metrics/surveys/{nps.pk}/").content.decode()
        assert "By segment" in html and "bar-chart" in html and "Record an answer" not in html


def test_page_forms(team: Team, nps: Any) -> None:
    client, base = team.client("editor"), f"/w/acme/metrics/surveys/{nps.pk}/"
    assert client.post(base + "responses/", {"score": "9", "comment": "Nice"}).status_code == 302
    bad = client.post(base + "responses/", {"score": "42"})
    assert bad.status_code == 422 and "must be between 0 and 10, got 42" in bad.content.decode()
    assert team.client("viewer").post(base + "responses/", {"score": "9"}).status_code == 403
    made = client.post("/w/acme/metrics/surveys/", {"name": "Support CSAT", "kind": "csat"})
    assert (
        made.status_code == 302
        and Kpi.objects.filter(key="support-csat", unit="% satisfied").exists()
    )
    assert (
        client.post(
            base + "import/", {"file": SimpleUploadedFile("a.csv", b"score\n5\n")}
        ).status_code
        == 302
    )


def test_the_survey_kpi_cannot_be_deleted_alone(team: Team, nps: Any) -> None:
    response = team.client("editor").delete("/api/v1/workspaces/acme/kpis/quarterly-nps")
    assert response.json()["errors"] == [
        "kpi: 'quarterly-nps' holds the scores of the survey 'Quarterly NPS'"
    ]
    team.workspace.delete()  # the workspace goes with all of it
    assert Kpi.objects.count() == 0


def test_public_answer_link(team: Team, nps: Any, monkeypatch: Any) -> None:
    import re

    from django.test import Client

    from northline.core import ratelimit

    editor, base = team.client("editor"), f"/w/acme/metrics/surveys/{nps.pk}/"
    assert team.client("viewer").post(base + "link/").status_code == 403
    html = editor.post(base + "link/").content.decode()
    found = re.search(r'value="http://testserver/s/(nls_[^"]+)/"', html)
    assert found is not None
    secret = found[1]
    nps.refresh_from_db()
    assert nps.link_hash and secret not in nps.link_hash
    visitor = Client()
    assert "0 = not at all likely" in visitor.get(f"/s/{secret}/").content.decode()
    bad = visitor.post(f"/s/{secret}/", {"score": "11"})
    assert (
        bad.status_code == 422 and "score: must be between 0 and 10, got 11" in bad.content.decode()
    )
    done = visitor.post(f"/s/{secret}/", {"score": "3", "comment": "Search is slow"})
    assert "Thank you" in done.content.decode()
    assert SurveyResponse.objects.get().score == 3
    assert Feedback.objects.get(source="survey").text == "Search is slow"
    assert series(Kpi.objects.get(key="quarterly-nps")).values == [-100.0]
    visitor.post(f"/s/{secret}/", {"score": "10", "website": "http://spam"})  # the honeypot
    assert SurveyResponse.objects.count() == 1
    monkeypatch.setattr(surveys, "ANSWERS_PER_HOUR", 4)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_000.0)
    statuses = [visitor.post(f"/s/{secret}/", {"score": "9"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    editor.post(base + "link/close/")
    closed = visitor.get(f"/s/{secret}/")
    assert closed.status_code == 410 and "closed or not valid" in closed.content.decode()
