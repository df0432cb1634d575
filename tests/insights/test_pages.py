"""Insights pages for owner / admin / editor / viewer / outsider / anonymous: reading, the
web form intake, triage, highlights, links, customers, companies, demand; CSRF and escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from northline.insights.models import Company, Customer, Feedback, FeedbackLink, Highlight
from northline.insights.services import customers as people
from northline.insights.services import feedback as service
from northline.insights.services import links
from northline.planning.services import features
from tests.conftest import Team
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

READ = {"owner": 200, "admin": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 302, "admin": 302, "editor": 302, "viewer": 403, "outsider": 404}


@pytest.fixture
def s(team: Team) -> dict[str, Any]:
    access = team.access("editor")
    features.create_feature(access, "SSO")
    features.create_feature(access, "Dark mode")
    fb, _ = service.add_feedback(
        access, {"text": "We need SSO badly", "customer": {"email": "ann@acme.com", "name": "Ann"},
                 "company": {"domain": "acme.com", "name": "Acme"}, "tags": ["auth"]},
    )  # fmt: skip
    highlight = links.add_highlight(access, fb, quote="SSO")
    links.link_feature(access, fb, "F-2")
    return {
        "i": f"/w/{team.workspace.slug}/insights", "fb": fb, "h": highlight,
        "company": Company.objects.get(), "customer": Customer.objects.get(),
    }  # fmt: skip


def read_pages(s: dict[str, Any]) -> list[str]:
    i, fb = s["i"], s["fb"].pk
    return [
        f"{i}/", f"{i}/?status=archived&source=app&tag=auth&feature=F-2&q=sso&assignee=me",
        f"{i}/feedback/{fb}/", f"{i}/customers/", f"{i}/customers/?q=ann&page=2",
        f"{i}/customers/{s['customer'].pk}/", f"{i}/companies/", f"{i}/companies/?segment=x",
        f"{i}/companies/{s['company'].pk}/", f"{i}/demand/",
        f"{i}/demand/?segment=&plan=&source=app&since=2020-01-01&until=2030-01-01&order=revenue",
        f"{i}/demand/export.csv",
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(12))
def test_read_pages(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    page = read_pages(s)[index]
    response = team.client(persona).get(page)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == READ[persona], page


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["feedback/new/", "feedback/{fb}/edit/"])
def test_editor_only_forms(team: Team, s: dict[str, Any], persona: str, page: str) -> None:
    response = team.client(persona).get(f"{s['i']}/" + page.format(fb=s["fb"].pk))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == {**READ, "viewer": 403}[persona]


def writes(s: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(url, form, a check that the write happened)."""
    i, fb, h = s["i"], s["fb"], s["h"]
    customer, company = s["customer"], s["company"]
    return [
        (f"{i}/feedback/new/", {"text": "Dark mode please", "source": "email", "rating": "4"},
         lambda: Feedback.objects.filter(text="Dark mode please", rating=4).exists()),
        (f"{i}/feedback/{fb.pk}/edit/", {"text": "We need SSO badly!", "source": "app"},
         lambda: Feedback.objects.filter(text="We need SSO badly!").exists()),
        (f"{i}/feedback/{fb.pk}/triage/", {"status": "archived", "assignee": "viewer@example.com"},
         lambda: Feedback.objects.filter(status="archived", assignee__email="viewer@example.com").exists()),
        (f"{i}/feedback/{fb.pk}/highlights/", {"quote": "We need"},
         lambda: Highlight.objects.filter(quote="We need").exists()),
        (f"{i}/feedback/{fb.pk}/highlights/{h.pk}/remove/", {}, lambda: not Highlight.objects.filter(pk=h.pk).exists()),
        (f"{i}/feedback/{fb.pk}/links/", {"feature": "F-1", "importance": "critical", "highlight": str(h.pk)},
         lambda: FeedbackLink.objects.filter(feature__number=1, importance="critical", highlight=h).exists()),
        (f"{i}/feedback/{fb.pk}/links/2/remove/", {}, lambda: not FeedbackLink.objects.exists()),
        (f"{i}/customers/", {"name": "Bob", "email": "bob@acme.com", "company": "acme.com"},
         lambda: Customer.objects.filter(email="bob@acme.com", company=company).exists()),
        (f"{i}/customers/{customer.pk}/", {"name": "Ann Lee", "email": "ann@acme.com", "company": ""},
         lambda: Customer.objects.filter(name="Ann Lee", company=None).exists()),
        (f"{i}/customers/{customer.pk}/delete/", {}, lambda: not Customer.objects.exists()),
        (f"{i}/companies/", {"name": "Globex", "domain": "globex.com", "revenue": "1,500", "attributes": "tier = 2"},
         lambda: Company.objects.filter(name="Globex", revenue=1500, attributes={"tier": 2}).exists()),
        (f"{i}/companies/{company.pk}/", {"name": "Acme Inc", "domain": "acme.com", "revenue": "10"},
         lambda: Company.objects.filter(name="Acme Inc", revenue=10).exists()),
        (f"{i}/companies/{company.pk}/delete/", {}, lambda: not Company.objects.exists()),
    ]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("index", range(13))
def test_write_pages(team: Team, s: dict[str, Any], persona: str, index: int) -> None:
    url, form, happened = writes(s)[index]
    response = team.client(persona).post(url, form)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
        assert not happened()
        return
    assert response.status_code == WRITE[persona], (url, response.content[:2000])
    assert happened() == (WRITE[persona] == 302)


def test_forms_post_only_with_the_csrf_token(team: Team, s: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    url = f"{s['i']}/feedback/new/"
    refused = client.post(url, {"text": "Sneaky"})
    assert refused.status_code == 403 and not Feedback.objects.filter(text="Sneaky").exists()
    form = client.get(url)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content)
    assert token is not None
    accepted = client.post(
        url, {"text": "Honest", "source": "app", "csrfmiddlewaretoken": token[1].decode()}
    )
    assert accepted.status_code == 302 and Feedback.objects.filter(text="Honest").exists()


def test_text_and_highlights_are_escaped(team: Team) -> None:
    access = team.access("editor")
    fb, _ = service.add_feedback(
        access, {"text": "Hi <script>alert(1)</script> & bye", "title": "<b>bold</b>",
                 "customer": {"name": "<img src=x onerror=alert(2)>"}},
    )  # fmt: skip
    links.add_highlight(access, fb, quote="<script>alert(1)</script>")
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/feedback/{fb.pk}/").content
    assert b"<script>alert(1)" not in page and b"<img src=x" not in page and b"<b>bold" not in page
    assert b"Hi <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> &amp; bye" in page
    assert b"&lt;b&gt;bold&lt;/b&gt;" in page
    inbox = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/").content
    assert b"&lt;b&gt;bold&lt;/b&gt;" in inbox and b"<b>bold" not in inbox


def test_overlapping_highlights_merge_into_one_mark(team: Team) -> None:
    access = team.access("editor")
    fb, _ = service.add_feedback(access, {"text": "abcdefgh"})
    links.add_highlight(access, fb, start=1, end=4)
    links.add_highlight(access, fb, start=3, end=6)
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/feedback/{fb.pk}/")
    assert b'<div class="feedback-text">a<mark>bcdef</mark>gh</div>' in page.content


def test_new_feedback_form_intake(team: Team, s: dict[str, Any]) -> None:
    response = team.client("editor").post(f"{s['i']}/feedback/new/", {
        "text": "Export to CSV", "source": "sales", "customer_email": "bob@globex.com",
        "customer_name": "Bob", "company": "globex.com", "received_at": "2024-05-01T10:30",
        "rating": "", "tags": "Export, csv", "external_url": "https://crm.example.com/1",
        "another": "1",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/insights/feedback/new/")
    created = Feedback.objects.get(text="Export to CSV")
    assert created.customer and created.customer.name == "Bob" and created.company
    assert created.company.domain == "globex.com" and created.customer.company == created.company
    assert created.received_at.isoformat() == "2024-05-01T10:30:00+00:00"
    assert sorted(t.name for t in created.tags.all()) == ["csv", "export"]


def test_form_shows_the_services_messages_beside_the_fields(team: Team, s: dict[str, Any]) -> None:
    before = Feedback.objects.count()
    response = team.client("editor").post(f"{s['i']}/feedback/new/", {
        "text": "", "source": "app", "customer_email": "bob@", "external_url": "javascript:alert(1)",
    })  # fmt: skip
    assert response.status_code == 200 and Feedback.objects.count() == before
    html = response.content.decode()
    for message in (
        "must not be empty",
        "&#x27;bob@&#x27; is not a valid e-mail address",
        "&#x27;javascript:alert(1)&#x27; is not an http(s) URL",
    ):
        assert f'<p class="error">{message}</p>' in html


@pytest.mark.parametrize(
    ("url", "form", "message"),
    [
        ("links/", {"feature": "F-99", "importance": "important"}, "F-99 not found"),
        ("highlights/", {"quote": "not there"}, "&#x27;not there&#x27; is not in the text"),
        ("triage/", {"status": "linked", "assignee": ""}, None),
    ],
)
def test_feedback_page_forms_show_errors(
    team: Team, s: dict[str, Any], url: str, form: dict[str, str], message: str | None
) -> None:
    response = team.client("editor").post(f"{s['i']}/feedback/{s['fb'].pk}/{url}", form)
    if message is None:  # linked with a link: fine
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert f'<p class="error">{message}</p>' in response.content.decode()


def test_inbox_tabs_count_in_sql_and_page(
    team: Team, s: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    access = team.access("editor")
    service.import_feedback(access, [{"text": f"Item {n}", "source": "email"} for n in range(55)])
    service.archive_feedback(access, Feedback.objects.get(text="Item 0"))
    client = team.client("viewer")
    with django_assert_max_num_queries(15):
        first = client.get(f"{s['i']}/").content.decode()
    assert re.search(r"Open <span class=\"count\">55</span>", first)
    assert re.search(r"Archived <span class=\"count\">1</span>", first)
    assert "Page 1 of 2" in first and first.count('<a href="/w/acme/insights/feedback/') == 50
    second = client.get(f"{s['i']}/", {"page": "2", "source": "email"}).content.decode()
    assert "Page 2 of 2" in second and second.count('<a href="/w/acme/insights/feedback/') == 4


def test_an_empty_inbox_says_whether_filters_hide_the_items(team: Team, s: dict[str, Any]) -> None:
    client = team.client("editor")
    none = client.get(f"{s['i']}/", {"q": "zebra"}).content.decode()
    assert "No feedback matches these filters." in none and "Add some" not in none
    Feedback.objects.filter(workspace=team.workspace).delete()
    empty = client.get(f"{s['i']}/").content.decode()
    assert "No feedback here." in empty and "Add some" in empty
    assert "No feedback matches" not in empty


def test_customer_and_company_pages_show_their_feedback(team: Team, s: dict[str, Any]) -> None:
    client = team.client("viewer")
    customer = client.get(f"{s['i']}/customers/{s['customer'].pk}/").content.decode()
    assert "We need SSO badly" in customer and "Acme" in customer
    company = client.get(f"{s['i']}/companies/{s['company'].pk}/").content.decode()
    assert "We need SSO badly" in company and "Ann" in company
    listed = client.get(f"{s['i']}/companies/").content.decode()
    assert re.search(r'<td class="num">1</td>', listed)


def test_demand_page_and_download(team: Team, s: dict[str, Any]) -> None:
    people.update_company(team.access("editor"), s["company"], revenue=1200)
    client = team.client("viewer")
    page = client.get(f"{s['i']}/demand/").content.decode()
    assert '<span class="ref">F-2</span> Dark mode' in page
    assert '<td class="num">1,200</td>' in page
    bad = client.get(f"{s['i']}/demand/", {"since": "2024-99-01"}).content.decode()
    assert "since: &#x27;2024-99-01&#x27; is not a date like 2024-05-01" in bad
    sheet = client.get(f"{s['i']}/demand/export.csv")
    assert sheet["Content-Type"] == "text/csv; charset=utf-8"
    assert sheet.content.decode().splitlines()[1].startswith("F-2,Dark mode,idea,1,1,1,1200.00,")
