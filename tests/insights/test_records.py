"""Insights services: companies, customers, feedback intake (single and bulk), highlights,
links to features, triage. Bad input is refused with field-naming messages and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from northline.core.errors import Conflict, Forbidden, Invalid, NotFound
from northline.core.models import Activity
from northline.insights.models import Company, Customer, Feedback, FeedbackLink, Highlight, Tag
from northline.insights.services import customers as people
from northline.insights.services import feedback as service
from northline.insights.services import links
from northline.planning.services import features
from tests.conftest import Team

pytestmark = pytest.mark.django_db

SOURCES = "app, email, api, import, portal, support, sales, review, survey, other"


def nothing_written() -> bool:
    return not (
        Feedback.objects.exists()
        or Customer.objects.exists()
        or Company.objects.exists()
        or Tag.objects.exists()
    )


def add(team: Team, **fields: Any) -> Feedback:
    feedback, created = service.add_feedback(
        team.access("editor"), {"text": "Export is slow", **fields}
    )
    assert created
    return feedback


# --- companies -------------------------------------------------------------------------------


def test_company_is_created_with_clean_values(team: Team) -> None:
    company = people.create_company(
        team.access("editor"), " Acme ", domain="https://www.Acme.com/pricing", segment="ent",
        plan="pro", revenue="12,000.50", attributes={"tier": 1, "region": "EU"}, external_id="c-1",
    )  # fmt: skip
    company.refresh_from_db()
    assert (company.name, company.domain, company.revenue) == (
        "Acme",
        "acme.com",
        Decimal("12000.50"),
    )
    assert company.attributes == {"tier": 1, "region": "EU"}
    assert Activity.objects.filter(verb="company.created").count() == 1


BAD_COMPANIES = [
    ({"name": ""}, ["name: must not be empty"]),
    ({"name": "A", "domain": "acme"}, ["domain: 'acme' is not a domain like acme.com"]),
    ({"name": "A", "revenue": -5}, ["revenue: must be 0 or more, got -5"]),
    ({"name": "A", "revenue": "lots"}, ["revenue: 'lots' is not a number"]),
    ({"name": "A", "revenue": True}, ["revenue: must be a number, got True"]),
    ({"name": "A", "attributes": ["x"]}, ["attributes: must be an object of names to values, got ['x']"]),
    ({"name": "A", "attributes": {"tier": [1]}}, ["attributes.tier: must be text, a number, true/false or null, got [1]"]),
    ({"name": "A", "segment": "s" * 81}, ["segment: must be at most 80 characters, got 81"]),
    ({"name": "A", "size": 5}, ["size: not a company field"]),
    ({"name": "", "domain": "x", "revenue": -1}, [
        "name: must not be empty", "domain: 'x' is not a domain like acme.com",
        "revenue: must be 0 or more, got -1",
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "errors"), BAD_COMPANIES)
def test_bad_company_writes_nothing(team: Team, fields: dict[str, Any], errors: list[str]) -> None:
    fields = dict(fields)
    with pytest.raises(Invalid) as caught:
        people.create_company(team.access("editor"), fields.pop("name"), **fields)
    assert caught.value.errors == errors
    assert nothing_written()


def test_company_domain_and_external_id_are_unique(team: Team) -> None:
    access = team.access("editor")
    people.create_company(access, "Acme", domain="acme.com", external_id="c-1")
    with pytest.raises(Conflict) as caught:
        people.create_company(access, "Acme 2", domain="www.acme.com")
    assert caught.value.message.startswith("domain: 'acme.com' is already the domain of Acme")
    with pytest.raises(Conflict) as caught:
        people.create_company(access, "Other", external_id="c-1")
    assert caught.value.message.startswith("external_id: 'c-1' is already the external id of Acme")
    assert Company.objects.count() == 1


def test_viewer_cannot_write(team: Team) -> None:
    with pytest.raises(Forbidden):
        people.create_company(team.access("viewer"), "Acme")
    with pytest.raises(Forbidden):
        service.add_feedback(team.access("viewer"), {"text": "hello"})
    assert nothing_written()


def test_import_companies_is_idempotent(team: Team) -> None:
    access = team.access("editor")
    items = [
        {"name": "Acme", "domain": "acme.com", "revenue": 1000},
        {"name": "Globex", "external_id": "g-1", "plan": "pro"},
    ]
    first = people.import_companies(access, items)
    assert (first.created, first.updated) == (2, 0)
    items[0]["revenue"] = 2500
    second = people.import_companies(access, items)
    assert (second.created, second.updated, second.ids) == (0, 2, first.ids)
    assert Company.objects.get(domain="acme.com").revenue == 2500


@pytest.mark.parametrize(
    ("items", "errors"),
    [
        ([{"name": "Acme"}, {"name": "B", "revenue": -1}], ["items[1].revenue: must be 0 or more, got -1"]),
        ([{"name": "A", "domain": "acme.com"}, {"name": "B", "domain": "ACME.com"}],
         ["items[1].domain: 'acme.com' repeats items[0]"]),
        ([{"name": "A"}, "B"], ["items[1]: must be an object, got 'B'"]),
        ([], ["items: must not be empty"]),
        ([{"name": "A"}] * 1001, ["items: at most 1000 per request, got 1001"]),
    ],
)  # fmt: skip
def test_bad_company_import_writes_nothing(team: Team, items: list[Any], errors: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        people.import_companies(team.access("editor"), items)
    assert caught.value.errors == errors
    assert nothing_written()
    assert not Activity.objects.filter(verb="company.imported").exists()


def test_deleting_a_company_keeps_its_customers_and_feedback(team: Team) -> None:
    access = team.access("editor")
    feature = features.create_feature(access, "Bulk export")
    feedback = add(team, customer={"email": "ann@acme.com"}, company={"domain": "acme.com"})
    links.link_feature(access, feedback, feature.ref)
    people.delete_company(access, Company.objects.get())
    feedback.refresh_from_db()
    assert feedback.company is None and feedback.customer is not None
    assert feedback.customer.company is None
    assert FeedbackLink.objects.get().company is None


# --- customers -------------------------------------------------------------------------------


BAD_CUSTOMERS = [
    ({}, ["name: a customer needs a name, an e-mail address or an external id"]),
    ({"email": "bob@"}, ["email: 'bob@' is not a valid e-mail address"]),
    ({"name": 5}, ["name: must be text, got 5"]),
    ({"name": "Bob", "phone": "1"}, ["phone: not a customer field"]),
    ({"name": "Bob", "company": {"domain": "nope"}}, ["company.domain: 'nope' is not a domain like acme.com"]),
    ({"name": "Bob", "company": {"id": 999}}, ["company.id: 999 not found"]),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "errors"), BAD_CUSTOMERS)
def test_bad_customer_writes_nothing(team: Team, fields: dict[str, Any], errors: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        people.create_customer(team.access("editor"), **fields)
    assert caught.value.errors == errors
    assert nothing_written()


def test_customer_joins_the_company_of_their_email_domain(team: Team) -> None:
    access = team.access("editor")
    acme = people.create_company(access, "Acme", domain="acme.com")
    ann = people.create_customer(access, name="Ann", email="Ann@Acme.com")
    assert (ann.email, ann.company) == ("ann@acme.com", acme)
    with pytest.raises(Conflict) as caught:
        people.create_customer(access, email="ann@acme.com")
    assert caught.value.message.startswith(
        "email: 'ann@acme.com' is already the e-mail address of Ann"
    )


def test_find_company_by_domain_or_name(team: Team) -> None:
    access = team.access("editor")
    acme = people.create_company(access, "Acme Inc", domain="acme.com")
    assert people.find_company(access, "ACME.com") == acme
    assert people.find_company(access, "acme inc") == acme
    assert people.find_company(access, " ") is None
    with pytest.raises(Invalid) as caught:
        people.find_company(access, "Initech")
    assert caught.value.message.startswith("company: no company has the domain or name 'Initech'")


def test_import_customers_creates_their_companies_once(team: Team) -> None:
    access = team.access("editor")
    items = [
        {"email": "ann@acme.com", "name": "Ann", "company": {"domain": "acme.com", "name": "Acme"}},
        {"email": "bob@acme.com", "company": {"domain": "acme.com"}},
        {"external_id": "u-3", "name": "Cy"},
    ]
    assert people.import_customers(access, items).created == 3
    again = people.import_customers(access, items)
    assert (again.created, again.updated) == (0, 3)
    assert Company.objects.get().name == "Acme"
    assert set(Customer.objects.filter(company__domain="acme.com").values_list("email", flat=True)) == {
        "ann@acme.com", "bob@acme.com",
    }  # fmt: skip


def test_deleting_a_customer_keeps_their_feedback(team: Team) -> None:
    feedback = add(team, customer={"email": "ann@acme.com"})
    people.delete_customer(team.access("editor"), feedback.customer)  # type: ignore[arg-type]
    feedback.refresh_from_db()
    assert feedback.customer is None


# --- feedback intake -------------------------------------------------------------------------


FUTURE = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
BAD_FEEDBACK = [
    ({"text": " "}, ["text: must not be empty"]),
    ({"text": "x" * 50_001}, ["text: must be at most 50000 characters, got 50001"]),
    ({"rating": 9}, ["rating: must be between 1 and 5, got 9"]),
    ({"rating": "great"}, ["rating: must be a whole number from 1 to 5, got 'great'"]),
    ({"rating": 2.5}, ["rating: must be a whole number from 1 to 5, got 2.5"]),
    ({"source": "fax"}, [f"source: 'fax' is not one of {SOURCES}"]),
    ({"external_url": "javascript:alert(1)"}, ["external_url: 'javascript:alert(1)' is not an http(s) URL"]),
    ({"received_at": "yesterday"}, ["received_at: 'yesterday' is not a date and time like 2024-05-01T14:30"]),
    ({"received_at": FUTURE.isoformat()}, [f"received_at: {FUTURE.isoformat()} is in the future"]),
    ({"tags": ["ok", 5]}, ["tags[1]: must be text, got 5"]),
    ({"tags": "x" * 51}, ["tags[0]: must be at most 50 characters, got 51"]),
    ({"tags": [f"t{i}" for i in range(21)]}, ["tags: at most 20 tags, got 21"]),
    ({"customer": {"email": "bob@"}}, ["customer.email: 'bob@' is not a valid e-mail address"]),
    ({"customer": "bob"}, ["customer: must be an object like {\"email\": \"ann@acme.com\"}, got 'bob'"]),
    ({"customer": {"email": "ann@acme.com"}, "company": {"domain": "nope"}},
     ["company.domain: 'nope' is not a domain like acme.com"]),
    ({"status": "linked"}, ["status: 'linked' needs a link to a feature; link one first"]),
    ({"status": "done"}, ["status: 'done' is not one of new, triaged, linked, archived"]),
    ({"assignee": "stranger@example.com"}, ["assignee: 'stranger@example.com' is not a member of this workspace"]),
    ({"customer": {"email": "ann@acme.com"}, "assignee": "nobody@example.com"},
     ["assignee: 'nobody@example.com' is not a member of this workspace"]),
    ({"priority": "high"}, ["priority: not a feedback field"]),
    ({"text": "", "rating": 0}, ["text: must not be empty", "rating: must be between 1 and 5, got 0"]),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "errors"), BAD_FEEDBACK)
def test_bad_feedback_writes_nothing(team: Team, fields: dict[str, Any], errors: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        service.add_feedback(team.access("editor"), {"text": "Export is slow", **fields})
    assert caught.value.errors == errors
    assert nothing_written()
    assert not Activity.objects.filter(verb__startswith="feedback.").exists()


def test_intake_finds_or_creates_customer_and_company(team: Team) -> None:
    first = add(
        team, title="Slow", source="email", rating=2, tags=" Export, PERFORMANCE ,export",
        customer={"email": "Ann@acme.com"}, company={"domain": "acme.com", "name": "Acme"},
        received_at="2024-05-01T14:30", external_url="https://mail.example.com/1",
    )  # fmt: skip
    assert first.customer and first.company and first.customer.company == first.company
    assert sorted(t.name for t in first.tags.all()) == ["export", "performance"]
    assert first.received_at.isoformat() == "2024-05-01T14:30:00+00:00"
    second = add(team, customer={"email": "ann@acme.com", "name": "Ann"})
    assert second.customer == first.customer and second.company == first.company
    assert Customer.objects.get().name == "Ann"  # a blank name is filled in, nothing else changes
    assert (Customer.objects.count(), Company.objects.count(), Tag.objects.count()) == (1, 1, 2)
    assert first.created_by == team.editor and first.status == Feedback.Status.NEW


def test_single_intake_is_idempotent_by_source_and_external_id(team: Team) -> None:
    access = team.access("editor")
    item = {"text": "Need SSO", "source": "support", "external_id": "T-1", "rating": 3}
    first, created = service.add_feedback(access, item)
    again, created_again = service.add_feedback(access, {**item, "rating": 4})
    assert (created, created_again, again.pk, again.rating) == (True, False, first.pk, 4)
    other, created_other = service.add_feedback(access, {**item, "source": "sales"})
    assert created_other and other.pk != first.pk
    assert Feedback.objects.count() == 2
    assert Activity.objects.filter(verb="feedback.updated").get().changes == {"rating": [3, 4]}


def test_bulk_intake_creates_once_then_updates(team: Team) -> None:
    access = team.access("editor")
    items = [
        {"text": "Need SSO", "external_id": "1", "customer": {"email": "ann@acme.com"}},
        {"text": "Dark mode", "external_id": "2", "tags": ["ui"]},
        {"text": "No id: always new"},
    ]
    first = service.import_feedback(access, items)
    assert (first.created, first.updated) == (3, 0)
    second = service.import_feedback(access, items[:2])
    assert (second.created, second.updated, second.ids) == (0, 2, first.ids[:2])
    assert Feedback.objects.count() == 3
    assert Feedback.objects.filter(source="import").count() == 3
    assert Activity.objects.filter(verb="feedback.imported").count() == 2


BAD_BULK = [
    ([{"text": "ok", "external_id": "1"}, {"text": "bad", "rating": 9}],
     ["items[1].rating: must be between 1 and 5, got 9"]),
    ([{"text": "a", "external_id": "1"}, {"text": "b", "external_id": "1"}],
     ["items[1].external_id: '1' repeats items[0]"]),
    ([{"text": ""}, {"text": "b", "customer": {"email": "x"}}],
     ["items[0].text: must not be empty", "items[1].customer.email: 'x' is not a valid e-mail address"]),
    ([{"text": "a"}, 7], ["items[1]: must be an object, got 7"]),
    ({"text": "a"}, ["items: must be a list, got {'text': 'a'}"]),
]  # fmt: skip


@pytest.mark.parametrize(("items", "errors"), BAD_BULK)
def test_bad_bulk_writes_nothing(team: Team, items: Any, errors: list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        service.import_feedback(team.access("editor"), items)
    assert caught.value.errors == errors
    assert nothing_written()
    assert not Activity.objects.filter(verb__startswith="feedback").exists()


def test_a_conflict_after_creating_a_customer_undoes_it(team: Team) -> None:
    access = team.access("editor")
    service.add_feedback(access, {"text": "a", "source": "support", "external_id": "T-1"})
    other = add(team, source="support")
    with pytest.raises(Conflict) as caught:
        service.update_feedback(
            access, other, external_id="T-1", customer={"email": "new@example.com"}
        )
    assert caught.value.message.startswith("external_id: 'T-1' from support is already feedback")
    assert not Customer.objects.exists()
    other.refresh_from_db()
    assert other.external_id == ""


# --- triage ----------------------------------------------------------------------------------


def test_status_and_assignee_record_their_own_verbs(team: Team) -> None:
    access = team.access("editor")
    feedback = add(team)
    service.set_status(access, feedback, "triaged")
    service.assign(access, feedback, "Viewer@example.com")
    service.archive_feedback(access, feedback)
    verbs = list(
        Activity.objects.filter(verb__startswith="feedback.")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "feedback.created",
        "feedback.status_changed",
        "feedback.assigned",
        "feedback.archived",
    ]
    feedback.refresh_from_db()
    assert (feedback.status, feedback.assignee) == ("archived", team.viewer)


def test_inbox_filters_and_counts(team: Team) -> None:
    access = team.access("viewer")
    feature = features.create_feature(team.access("editor"), "SSO")
    a = add(team, tags=["sso"], customer={"email": "ann@acme.com"})
    add(team, text="Dark mode please", source="email")
    c = add(team, text="Archived one")
    service.archive_feedback(team.access("editor"), c)
    links.link_feature(team.access("editor"), a, feature)
    counts = service.status_counts(access, service.Filters())
    assert counts == {"new": 1, "triaged": 0, "linked": 1, "archived": 1, "open": 2, "all": 3}
    by_tag = service.filters(access, tag="SSO")
    assert list(service.feedback_list(access, by_tag)) == [a]
    assert list(service.feedback_list(access, service.filters(access, feature="F-1"))) == [a]
    assert service.feedback_list(access, service.filters(access, q="dark")).count() == 1
    assert service.feedback_list(access, service.Filters(), "archived").get() == c
    assert service.feedback_list(access, service.filters(access, tag="nope")).count() == 0


def test_bad_inbox_filters_name_the_parameter(team: Team) -> None:
    with pytest.raises(Invalid) as caught:
        service.filters(team.access("viewer"), source="fax", customer="x", feature="F-9")
    assert caught.value.errors == [
        f"source: 'fax' is not one of {SOURCES}",
        "customer: 'x' not found",
        "feature: F-9 not found",
    ]


# --- highlights and links --------------------------------------------------------------------


def test_highlight_by_quote_or_offsets(team: Team) -> None:
    access = team.access("editor")
    feedback = add(team, text="Exports time out. We need CSV.")
    by_quote = links.add_highlight(access, feedback, quote="need CSV")
    assert (by_quote.start, by_quote.end) == (21, 29)
    by_offsets = links.add_highlight(access, feedback, start=0, end=16, quote="Exports time out")
    assert by_offsets.quote == "Exports time out"


BAD_HIGHLIGHTS = [
    ({"start": 5, "end": 3}, "end: must be greater than start (5), got 3"),
    ({"start": 0, "end": 99}, "end: must be between 0 and 13, got 99"),
    ({"start": -1, "end": 2}, "start: must be between 0 and 13, got -1"),
    ({"start": 0}, "end: give both start and end"),
    ({"start": 0, "end": 4, "quote": "Nope"}, "quote: 'Nope' does not match the text at 0..4: 'Slow'"),
    ({"quote": "fast"}, "quote: 'fast' is not in the text"),
    ({"quote": " "}, "quote: must not be empty"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "message"), BAD_HIGHLIGHTS)
def test_bad_highlight_writes_nothing(team: Team, fields: dict[str, Any], message: str) -> None:
    feedback = add(team, text="Slow exports.")
    with pytest.raises(Invalid) as caught:
        links.add_highlight(team.access("editor"), feedback, **fields)
    assert caught.value.errors == [message]
    assert not Highlight.objects.exists()


def test_same_highlight_twice_is_a_conflict(team: Team) -> None:
    feedback = add(team, text="Slow exports.")
    links.add_highlight(team.access("editor"), feedback, quote="Slow")
    with pytest.raises(Conflict) as caught:
        links.add_highlight(team.access("editor"), feedback, start=0, end=4)
    assert caught.value.message.startswith("quote: 'Slow' is already highlighted there")


def test_editing_the_text_keeps_highlights_on_their_quotes(team: Team) -> None:
    access = team.access("editor")
    feedback = add(team, text="Slow exports. Need CSV.")
    highlight = links.add_highlight(access, feedback, quote="Need CSV")
    service.update_feedback(access, feedback, text="Really slow exports! Need CSV.")
    highlight.refresh_from_db()
    assert feedback.text[highlight.start : highlight.end] == "Need CSV"
    with pytest.raises(Invalid) as caught:
        service.update_feedback(access, feedback, text="Everything is fine.")
    assert caught.value.message.startswith(
        "text: the highlighted quote 'Need CSV' is no longer in the text"
    )
    feedback.refresh_from_db()
    assert feedback.text == "Really slow exports! Need CSV."


def test_quotes_that_swap_places_follow_the_text(team: Team) -> None:
    access = team.access("editor")
    feedback = add(team, text="cat dog")
    cat = links.add_highlight(access, feedback, quote="cat")
    dog = links.add_highlight(access, feedback, quote="dog")
    service.update_feedback(access, feedback, text="dog cat")
    cat.refresh_from_db()
    dog.refresh_from_db()
    assert ((cat.start, cat.end), (dog.start, dog.end)) == ((4, 7), (0, 3))


def test_linking_sets_status_and_unlinking_the_last_link_resets_it(team: Team) -> None:
    access = team.access("editor")
    sso = features.create_feature(access, "SSO")
    feedback = add(team, text="We need SSO and SCIM.", customer={"email": "ann@acme.com"})
    quote = links.add_highlight(access, feedback, quote="SSO")
    link, created = links.link_feature(
        access, feedback, "F-1", importance="critical", highlight=quote.pk
    )
    feedback.refresh_from_db()
    assert created and feedback.status == "linked" and link.highlight == quote
    assert (link.customer, link.source, link.archived) == (feedback.customer, "app", False)
    again, created_again = links.link_feature(access, feedback, sso, importance="nice_to_have")
    assert not created_again and again.pk == link.pk and again.importance == "nice_to_have"
    links.unlink_feature(access, feedback, "f1")
    feedback.refresh_from_db()
    assert feedback.status == "triaged" and not FeedbackLink.objects.exists()
    with pytest.raises(NotFound) as caught:
        links.unlink_feature(access, feedback, 1)
    assert caught.value.message.startswith("feature: F-1 is not linked to this feedback")


BAD_LINKS = [
    ({"feature": "F-99"}, "feature: F-99 not found"),
    ({"feature": "nonsense"}, "feature: 'nonsense' is not a feature reference like F-12"),
    ({"feature": "F-1", "importance": "meh"}, "importance: 'meh' is not one of nice_to_have, important, critical"),
    ({"feature": "F-1", "highlight": 999}, "highlight: 999 is not a highlight of this feedback"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "message"), BAD_LINKS)
def test_bad_link_writes_nothing(team: Team, fields: dict[str, Any], message: str) -> None:
    access = team.access("editor")
    features.create_feature(access, "SSO")
    feedback = add(team)
    fields = dict(fields)
    with pytest.raises(Invalid) as caught:
        links.link_feature(access, feedback, fields.pop("feature"), **fields)
    assert caught.value.errors == [message]
    assert not FeedbackLink.objects.exists()
    feedback.refresh_from_db()
    assert feedback.status == "new"


def test_links_follow_their_feedback(team: Team) -> None:
    """The copies a link keeps for demand change with the feedback."""
    access = team.access("editor")
    features.create_feature(access, "SSO")
    feedback = add(team, customer={"email": "ann@acme.com"})
    links.link_feature(access, feedback, "F-1")
    service.update_feedback(
        access, feedback, customer={"email": "bob@globex.com"}, company={"domain": "globex.com"},
        source="sales", received_at="2024-01-02T03:04",
    )  # fmt: skip
    link = FeedbackLink.objects.get()
    assert (link.customer.email, link.company.domain, link.source) == (  # type: ignore[union-attr]
        "bob@globex.com", "globex.com", "sales",
    )  # fmt: skip
    assert link.received_at.isoformat() == "2024-01-02T03:04:00+00:00"
    service.archive_feedback(access, feedback)
    assert FeedbackLink.objects.get().archived
    service.set_status(access, feedback, "linked")
    assert not FeedbackLink.objects.get().archived


def test_evidence_lists_a_features_feedback_newest_first(team: Team) -> None:
    access = team.access("editor")
    sso = features.create_feature(access, "SSO")
    old = add(team, text="Old ask", received_at="2024-01-01T00:00")
    new = add(team, text="New ask")
    gone = add(team, text="Archived ask")
    for item in (old, new, gone):
        links.link_feature(access, item, sso)
    service.archive_feedback(access, gone)
    assert [link.feedback for link in links.evidence(team.access("viewer"), sso)] == [new, old]


def test_text_from_a_browser_keeps_plain_line_breaks(team: Team) -> None:
    feedback = add(team, text="First line\r\nSecond line")
    assert feedback.text == "First line\nSecond line"


def test_every_verb_recorded_has_a_phrase(team: Team) -> None:
    from northline.insights.services import PHRASES

    access = team.access("editor")
    features.create_feature(access, "SSO")
    company = people.create_company(access, "Acme")
    people.update_company(access, company, plan="pro")
    people.import_companies(access, [{"name": "Globex"}])
    customer = people.create_customer(access, email="ann@acme.com")
    people.update_customer(access, customer, name="Ann")
    people.import_customers(access, [{"email": "bob@globex.com"}])
    feedback = add(team, text="SSO please")
    service.update_feedback(access, feedback, title="SSO")
    service.import_feedback(access, [{"text": "More"}])
    service.set_status(access, feedback, "triaged")
    service.assign(access, feedback, "editor@example.com")
    quote = links.add_highlight(access, feedback, quote="SSO")
    links.link_feature(access, feedback, "F-1")
    links.link_feature(access, feedback, "F-1", importance="critical")
    links.unlink_feature(access, feedback, "F-1")
    links.remove_highlight(access, quote)
    service.archive_feedback(access, feedback)
    people.delete_customer(access, customer)
    people.delete_company(access, company)
    recorded = set(
        Activity.objects.exclude(verb__startswith="workspace.").values_list("verb", flat=True)
    )
    recorded -= {"feature.created"}
    assert recorded == set(PHRASES)
