"""The insights API: every endpoint for each persona, the one error shape, idempotent intake
(single and bulk), links by feature number, highlights, customers, companies and demand."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from northline.accounts import services as accounts
from northline.insights.models import Company, Customer, Feedback, FeedbackLink, Highlight
from northline.insights.services import feedback as service
from northline.insights.services import links
from northline.planning.services import features
from tests.conftest import Team
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, error, expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    features.create_feature(access, "SSO")
    features.create_feature(access, "Dark mode")
    fb, _ = service.add_feedback(
        access, {"text": "We need SSO badly", "customer": {"email": "ann@acme.com"},
                 "company": {"domain": "acme.com", "name": "Acme"}, "tags": ["auth"]},
    )  # fmt: skip
    highlight = links.add_highlight(access, fb, quote="SSO")
    links.link_feature(access, fb, "F-2")
    return {
        "w": f"/api/v1/workspaces/{team.workspace.slug}",
        "fb": fb, "h": highlight, "company": Company.objects.get(), "customer": Customer.objects.get(),
    }  # fmt: skip


def endpoints(s: dict[str, Any]) -> list[tuple[str, str, Any, set[str], int]]:
    w, fb, h = s["w"], s["fb"].pk, s["h"].pk
    company, customer = s["company"].pk, s["customer"].pk
    return [
        ("get", f"{w}/feedback?status=all&tag=auth&feature=F-2&q=sso", None, EVERYONE, 200),
        ("get", f"{w}/feedback/{fb}", None, EVERYONE, 200),
        ("get", f"{w}/feedback/{fb}/highlights", None, EVERYONE, 200),
        ("get", f"{w}/companies?q=acme", None, EVERYONE, 200),
        ("get", f"{w}/companies/{company}", None, EVERYONE, 200),
        ("get", f"{w}/customers?company={company}", None, EVERYONE, 200),
        ("get", f"{w}/customers/{customer}", None, EVERYONE, 200),
        ("get", f"{w}/demand?segment=&order=revenue", None, EVERYONE, 200),
        ("get", f"{w}/demand?format=csv", None, EVERYONE, 200),
        ("post", f"{w}/feedback", {"text": "Dark mode please"}, EDITORS, 201),
        ("post", f"{w}/feedback/bulk", {"items": [{"text": "One"}, {"text": "Two"}]}, EDITORS, 200),
        ("patch", f"{w}/feedback/{fb}", {"title": "SSO", "assignee": "viewer@example.com"}, EDITORS, 200),
        ("post", f"{w}/feedback/{fb}/links", {"feature": "F-1", "importance": "critical"}, EDITORS, 201),
        ("delete", f"{w}/feedback/{fb}/links/F-2", None, EDITORS, 204),
        ("post", f"{w}/feedback/{fb}/highlights", {"start": 0, "end": 7, "quote": "We need"}, EDITORS, 201),
        ("delete", f"{w}/feedback/{fb}/highlights/{h}", None, EDITORS, 204),
        ("delete", f"{w}/feedback/{fb}", None, EDITORS, 204),
        ("post", f"{w}/companies", {"name": "Globex", "revenue": 500}, EDITORS, 201),
        ("post", f"{w}/companies/bulk", {"items": [{"name": "Initech"}]}, EDITORS, 200),
        ("patch", f"{w}/companies/{company}", {"plan": "pro"}, EDITORS, 200),
        ("delete", f"{w}/companies/{company}", None, EDITORS, 204),
        ("post", f"{w}/customers", {"email": "bob@globex.com"}, EDITORS, 201),
        ("post", f"{w}/customers/bulk", {"items": [{"email": "cy@initech.com"}]}, EDITORS, 200),
        ("patch", f"{w}/customers/{customer}", {"name": "Ann"}, EDITORS, 200),
        ("delete", f"{w}/customers/{customer}", None, EDITORS, 204),
    ]  # fmt: skip


ENDPOINTS = 25


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(ENDPOINTS))
def test_endpoint_for_each_persona(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    table = endpoints(s)
    assert len(table) == ENDPOINTS
    method, url, body, allowed, ok = table[index]
    before = (Feedback.objects.count(), Company.objects.count(), Customer.objects.count())
    response = call(team.client(persona), method, url, body)
    assert response.status_code == expected(persona, allowed, ok), response.content
    if response.status_code == 404:
        assert response.json() == error(404, "workspace not found")
    if response.status_code == 403:
        assert response.json() == error(
            403, "this needs the editor role or higher; your role is viewer"
        )
    if response.status_code >= 400:
        assert (
            Feedback.objects.count(),
            Company.objects.count(),
            Customer.objects.count(),
        ) == before


def test_feedback_out_shows_everything(team: Team, s: dict[str, Any]) -> None:
    body = team.client("viewer").get(f"{s['w']}/feedback/{s['fb'].pk}").json()
    assert body["text"] == "We need SSO badly" and body["status"] == "linked"
    assert body["tags"] == ["auth"] and body["source"] == "app"
    assert body["customer"]["email"] == "ann@acme.com" and body["company"]["domain"] == "acme.com"
    assert body["highlights"] == [{"id": s["h"].pk, "start": 8, "end": 11, "quote": "SSO"}]
    assert body["links"] == [
        {"feature": "F-2", "title": "Dark mode", "importance": "important", "highlight": None}
    ]
    assert body["url"].endswith(f"/w/acme/insights/feedback/{s['fb'].pk}/")


def test_single_intake_is_idempotent(team: Team, s: dict[str, Any]) -> None:
    client, url = team.client("editor"), f"{s['w']}/feedback"
    item = {
        "text": "Export to Excel", "source": "support", "external_id": "ZD-1", "rating": 2,
        "received_at": "2024-05-01T10:00:00Z", "customer": {"email": "bob@globex.com", "name": "Bob"},
        "company": {"domain": "globex.com", "revenue": 500}, "tags": ["Export"],
    }  # fmt: skip
    first = call(client, "post", url, item)
    assert first.status_code == 201, first.content
    again = call(client, "post", url, {**item, "rating": 4})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["rating"] == 4
    assert again.json()["received_at"] == "2024-05-01T10:00:00Z"
    assert Feedback.objects.filter(external_id="ZD-1").count() == 1
    assert Company.objects.get(domain="globex.com").revenue == 500


def test_bulk_intake_is_idempotent(team: Team, s: dict[str, Any]) -> None:
    client, url = team.client("editor"), f"{s['w']}/feedback/bulk"
    items = [
        {"text": "A", "external_id": "1", "source": "survey", "rating": 5},
        {"text": "B", "external_id": "2", "customer": {"email": "bob@globex.com"}},
    ]
    first = call(client, "post", url, {"items": items}).json()
    assert (first["created"], first["updated"]) == (2, 0)
    second = call(client, "post", url, {"items": items}).json()
    assert (second["created"], second["updated"], second["ids"]) == (0, 2, first["ids"])
    assert Feedback.objects.filter(source="api").count() == 1  # no source given: "api"


def test_bulk_errors_name_the_item_and_write_nothing(team: Team, s: dict[str, Any]) -> None:
    before = Feedback.objects.count()
    items = [{"text": "fine", "external_id": "ok"}, {"text": "bad", "rating": 9}, {"rating": 1}]
    response = call(team.client("editor"), "post", f"{s['w']}/feedback/bulk", {"items": items})
    assert response.status_code == 422
    assert response.json() == error(422, "Invalid input", [
        "items[1].rating: must be between 1 and 5, got 9", "items[2].text: must not be empty",
    ])  # fmt: skip
    one = call(team.client("editor"), "post", f"{s['w']}/feedback/bulk", {"items": items[:2]})
    assert one.json() == error(422, "items[1].rating: must be between 1 and 5, got 9")
    assert Feedback.objects.count() == before


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({"text": "x", "rating": 9}, 422, ["rating: must be between 1 and 5, got 9"]),
        ({"text": "x", "rating": "great"}, 422, ["rating: Input should be a valid integer, unable to parse string as an integer"]),
        ({"title": "no text"}, 422, ["text: Field required"]),
        ({"text": "x", "source": "fax"}, 422, ["source: 'fax' is not one of app, email, api, import, portal, support, sales, review, survey, other"]),
        ({"text": "x", "customer": {"email": "bob@"}}, 422, ["customer.email: 'bob@' is not a valid e-mail address"]),
        ({"text": "x", "company": {"id": 999}}, 422, ["company.id: 999 not found"]),
        ({"text": "x", "external_url": "javascript:alert(1)"}, 422, ["external_url: 'javascript:alert(1)' is not an http(s) URL"]),
    ],
)  # fmt: skip
def test_intake_errors(
    team: Team, s: dict[str, Any], body: dict[str, Any], status: int, errors: list[str]
) -> None:
    before = (Feedback.objects.count(), Customer.objects.count())
    response = call(team.client("editor"), "post", f"{s['w']}/feedback", body)
    assert response.status_code == status
    assert response.json() == error(status, errors[0], errors)
    assert (Feedback.objects.count(), Customer.objects.count()) == before


def test_list_filters_and_pages(team: Team, s: dict[str, Any]) -> None:
    access = team.access("editor")
    for n in range(4):
        service.add_feedback(access, {"text": f"Item {n}", "source": "email"})
    client, url = team.client("viewer"), f"{s['w']}/feedback"
    page = client.get(url, {"source": "email", "limit": 3, "offset": 0}).json()
    assert (page["count"], page["limit"], len(page["items"])) == (4, 3, 3)
    assert client.get(url, {"source": "email", "offset": 3}).json()["items"][0]["text"] == "Item 0"
    assert client.get(url, {"feature": "F-2"}).json()["count"] == 1
    assert client.get(url, {"customer": s["customer"].pk}).json()["count"] == 1
    bad = client.get(url, {"feature": "F-99", "status": "done"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == ["feature: F-99 not found"]


def test_links_and_highlights_through_the_api(team: Team, s: dict[str, Any]) -> None:
    client, fb = team.client("editor"), f"{s['w']}/feedback/{s['fb'].pk}"
    made = call(
        client,
        "post",
        f"{fb}/links",
        {"feature": "1", "importance": "critical", "highlight": s["h"].pk},
    )
    assert made.status_code == 201 and made.json()["feature"] == "F-1"
    changed = call(client, "post", f"{fb}/links", {"feature": "F-1", "importance": "nice_to_have"})
    assert changed.status_code == 200 and changed.json()["importance"] == "nice_to_have"
    missing = call(client, "post", f"{fb}/links", {"feature": "F-99"})
    assert missing.json() == error(422, "feature: F-99 not found")
    assert call(client, "delete", f"{fb}/links/F-1").status_code == 204
    not_linked = call(client, "delete", f"{fb}/links/F-1")
    assert not_linked.json() == error(404, "feature: F-1 is not linked to this feedback")
    wrong = call(client, "post", f"{fb}/highlights", {"start": 0, "end": 7, "quote": "We want"})
    assert wrong.json() == error(422, "quote: 'We want' does not match the text at 0..7: 'We need'")
    assert FeedbackLink.objects.count() == 1 and Highlight.objects.count() == 1


def test_objects_of_another_workspace_are_not_found(team: Team, s: dict[str, Any]) -> None:
    other = accounts.create_workspace(team.editor, "Other")
    w = f"/api/v1/workspaces/{other.slug}"
    client = team.client("editor")
    assert call(client, "get", f"{w}/feedback/{s['fb'].pk}").json() == error(
        404, "feedback not found"
    )
    assert (
        call(client, "patch", f"{w}/companies/{s['company'].pk}", {"name": "X"}).status_code == 404
    )
    assert call(client, "delete", f"{w}/customers/{s['customer'].pk}").status_code == 404
    hl = call(client, "delete", f"{s['w']}/feedback/{s['fb'].pk}/highlights/999")
    assert hl.json() == error(404, "highlight not found")


def test_customers_and_companies(team: Team, s: dict[str, Any]) -> None:
    client, w = team.client("editor"), s["w"]
    made = call(client, "post", f"{w}/companies", {
        "name": "Globex", "domain": "globex.com", "segment": "smb", "revenue": "1200.50",
        "attributes": {"tier": 2},
    })  # fmt: skip
    assert made.status_code == 201
    assert made.json() | {"id": 0} == {
        "id": 0, "name": "Globex", "domain": "globex.com", "segment": "smb", "plan": "",
        "revenue": 1200.5, "attributes": {"tier": 2}, "external_id": "", "feedback": 0,
    }  # fmt: skip
    clash = call(client, "post", f"{w}/companies", {"name": "Acme 2", "domain": "acme.com"})
    assert clash.json() == error(409, "domain: 'acme.com' is already the domain of Acme")
    bob = call(client, "post", f"{w}/customers", {"email": "bob@globex.com", "name": "Bob"}).json()
    assert bob["company"]["name"] == "Globex"  # from the domain of the e-mail
    moved = call(
        client, "patch", f"{w}/customers/{bob['id']}", {"company": {"id": s["company"].pk}}
    )
    assert moved.json()["company"]["name"] == "Acme"
    cleared = call(client, "patch", f"{w}/customers/{bob['id']}", {"company": None})
    assert cleared.json()["company"] is None
    listed = client.get(f"{w}/companies", {"segment": "smb"}).json()
    assert [c["name"] for c in listed["items"]] == ["Globex"]
    acme = client.get(f"{w}/companies/{s['company'].pk}").json()
    assert acme["feedback"] == 1
    bulk = call(client, "post", f"{w}/customers/bulk", {"items": [{"email": "x"}, {"name": ""}]})
    assert bulk.json()["errors"] == [
        "items[0].email: 'x' is not a valid e-mail address",
        "items[1].name: a customer needs a name, an e-mail address or an external id",
    ]


def test_demand_through_the_api(team: Team, s: dict[str, Any]) -> None:
    client = team.client("viewer")
    body = client.get(f"{s['w']}/demand").json()
    assert (body["count"], body["offset"], len(body["months"])) == (1, 0, 12)
    row = body["rows"][0]
    assert (row["feature"], row["items"], row["customers"], row["companies"]) == ("F-2", 1, 1, 1)
    assert row["importance"] == {"nice_to_have": 0, "important": 1, "critical": 0}
    assert sum(row["trend"]) == 1
    sheet = client.get(f"{s['w']}/demand", {"format": "csv"})
    assert sheet["Content-Type"] == "text/csv; charset=utf-8"
    assert sheet["Content-Disposition"].startswith('attachment; filename="acme-demand-')
    assert sheet.content.decode().splitlines()[1].startswith("F-2,Dark mode,idea,1,1,1,0.00,")
    bad = client.get(f"{s['w']}/demand", {"format": "xml", "since": "May"})
    assert bad.json() == error(422, "format: 'xml' is not one of json, csv")


def test_bearer_token_with_viewer_role_reads_but_cannot_write(
    team: Team, s: dict[str, Any]
) -> None:
    _, secret = accounts.create_token(team.access("editor"), "script", "viewer")
    auth = {"Authorization": f"Bearer {secret}"}
    client = Client()
    assert call(client, "get", f"{s['w']}/feedback", **auth).status_code == 200
    refused = call(client, "post", f"{s['w']}/feedback", {"text": "x"}, **auth)
    assert refused.json() == error(403, "this needs the editor role or higher; your role is viewer")


def test_session_writes_need_the_csrf_header(team: Team, s: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    before = Feedback.objects.count()
    refused = call(client, "post", f"{s['w']}/feedback", {"text": "x"})
    assert refused.json() == error(403, "CSRF check failed; send the X-CSRFToken header")
    assert Feedback.objects.count() == before
    client.get(f"/w/{team.workspace.slug}/insights/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = call(client, "post", f"{s['w']}/feedback", {"text": "x"}, **{"X-CSRFToken": token})
    assert allowed.status_code == 201


def test_endpoints_are_documented_under_insights(team: Team) -> None:
    schema = Client().get("/api/openapi.json").json()
    ours = {path for path in schema["paths"] if "/feedback" in path or "/demand" in path}
    assert "/api/v1/workspaces/{slug}/feedback/bulk" in ours
    assert "/api/v1/workspaces/{slug}/demand" in ours
    tags = {op["tags"][0] for path in ours for op in schema["paths"][path].values()}
    assert tags == {"insights"}


def test_listing_runs_a_fixed_number_of_queries(
    team: Team, s: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    service.import_feedback(
        team.access("editor"), [{"text": f"Item {n}", "tags": ["x"]} for n in range(30)]
    )
    client = team.client("viewer")
    client.get(f"{s['w']}/feedback")  # the session and membership are loaded once
    with django_assert_max_num_queries(12):
        body = client.get(f"{s['w']}/feedback", {"limit": 40}).json()
    assert len(body["items"]) == 31
