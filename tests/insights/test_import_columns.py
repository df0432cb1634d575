"""A file import checks its rows a column at a time (decision 0051): each column's values
through `feedback.clean_column`, CHUNK_ROWS rows together. These tests hold that to the check
of one value at a time (`feedback.CHECKS`, what the form and the API use) and to the
messages the import gave when it read one row at a time, whatever the chunk's size."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.utils import timezone as django_timezone

from northline.core.errors import Invalid
from northline.insights.models import Feedback
from northline.insights.services import feedback as service
from northline.insights.services import imports, mapping
from tests.conftest import Team

pytestmark = pytest.mark.django_db

SOON = (django_timezone.now() + timedelta(days=3)).isoformat()
ODD: dict[str, list[Any]] = {
    "text": [
        "plain",
        "  padded  ",
        "two\r\nlines",
        "",
        "   ",
        "x" * 50_000,
        "x" * 50_001,
        " " + "y" * 50_000 + " ",
        datetime(2024, 5, 1),
        "ünïcode ✓",
    ],
    "title": ["A title", "", "  ", "T" * 200, "T" * 201, " " + "t" * 200 + "\n", "a\r\nb"],
    "external_id": ["A-1", " A-2 ", "", "i" * 201, datetime(2024, 1, 1)],
    "received_at": [
        "2024-05-01T14:30",
        "2024-05-01",
        "2024-05-01 14:30:00+02:00",
        " 2024-05-01T14:30Z ",
        "2024-13-01",
        "yesterday",
        "2024-05-01T14:30:00,5",
        SOON,
        datetime(2024, 5, 1, 14),
        datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=-5))),
        "20240501T1430",
    ],
    "rating": ["1", "5", "0", "6", "x", " 3 ", "2.0"],
    "source": ["support", "email", "nope"],
    "status": ["new", "archived", "bogus"],
    "external_url": ["https://a.example/1", "ftp://a.example", "http://"],
}


def _one_at_a_time(name: str, value: Any) -> Any:
    try:
        return service.CHECKS[name](value)
    except Invalid as error:
        return ("invalid", error.errors or [error.message])


def _shown(outcome: Any) -> Any:
    if isinstance(outcome, Invalid):
        return ("invalid", outcome.errors or [outcome.message])
    if isinstance(outcome, datetime):  # the same moment in the same zone, to the microsecond
        return (outcome, outcome.utcoffset(), outcome.isoformat())
    return (type(outcome), outcome)


@pytest.mark.parametrize("name", sorted(ODD))
def test_a_column_is_checked_as_each_of_its_values_alone(name: str) -> None:
    values = ODD[name]
    alone = [_one_at_a_time(name, value) for value in values]
    by_column = service.clean_column(name, values)
    assert [_shown(o) for o in by_column] == [
        _shown(Invalid(*o[1])) if isinstance(o, tuple) and o[0] == "invalid" else _shown(o)
        for o in alone
    ]
    assert any(isinstance(o, Invalid) for o in by_column)  # the column has bad values
    assert any(not isinstance(o, Invalid) for o in by_column)  # and good ones


def test_the_column_check_gives_each_texts_and_times_clean_value() -> None:
    assert service.clean_column("text", ["  padded  ", "two\r\nlines"]) == ["padded", "two\nlines"]
    [moment] = service.clean_column("received_at", ["2024-05-01 14:30:00+02:00"])
    assert moment == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(hours=2)
    [naive] = service.clean_column("received_at", ["2024-05-01T14:30"])
    assert naive == datetime(2024, 5, 1, 14, 30, tzinfo=UTC)  # the server's zone (UTC)
    [future] = service.clean_column("received_at", [SOON])
    assert isinstance(future, Invalid)
    assert (
        future.message
        == f"received_at: {datetime.fromisoformat(SOON).isoformat()} is in the future"
    )


# A file with every kind of bad row, clean rows between them, and a broken quote at its end.
BAD = (
    "Title,Body,Id,Stars,When,Email,Status\n"
    "A,one,A-1,2,2024-01-01,ann@acme.com,new\n"  # row 2: clean
    f"{'T' * 201},,A-2,9,2024-01-02,bo@x,new\n"  # row 3: title, text, rating, e-mail
    "C,three,A-3,3,01/02/2024,cy@acme.com,new\n"  # row 4: the date is not ISO
    "D,four,A-1,4,,,new\n"  # row 5: repeats A-1
    "E,five,A-5,5,,,linked\n"  # row 6: linked without a link
    "F,   ,A-6,x,,bo@x,new\n"  # row 7: empty text, rating, e-mail
    "G,seven,A-7,1,2024-01-07,,bogus\n"  # row 8: status
    'H,"eight,A-8,1,,,new\n'  # row 9: broken quoting to the end
)
BAD_MAPPING = {
    "title": "Title",
    "text": "Body",
    "external_id": "Id",
    "rating": "Stars",
    "received_at": "When",
    "customer_email": "Email",
    "status": "Status",
}
BAD_ERRORS = [
    "row 3: title: must be at most 200 characters, got 201 (column 'Title')",
    "row 3: text: must not be empty (column 'Body')",
    "row 3: rating: must be between 1 and 5, got 9 (column 'Stars')",
    "row 3: customer.email: 'bo@x' is not a valid e-mail address (column 'Email')",
    "row 4: received_at: '01/02/2024' is not a date and time like 2024-05-01T14:30 (column 'When')",
    "row 5: external_id: 'A-1' repeats row 2 (column 'Id')",
    "row 6: status: 'linked' needs a link to a feature; link one first (column 'Status')",
    "row 7: text: must not be empty (column 'Body')",
    "row 7: rating: must be a whole number from 1 to 5, got 'x' (column 'Stars')",
    "row 7: customer.email: 'bo@x' is not a valid e-mail address (column 'Email')",
    "row 8: status: 'bogus' is not one of new, triaged, linked, archived (column 'Status')",
    "row 9: broken CSV quoting (unexpected end of data); is a closing quote missing?",
]


def _dry_run(team: Team, data: str, **options: Any) -> Any:
    access = team.access("editor")
    job = imports.create_import(access, "bad.csv", io.BytesIO(data.encode()))
    imports.configure(access, job, **options)
    return imports.execute(access, job, write=False)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5000])
def test_every_message_of_a_file_whatever_the_chunk(
    team: Team, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(mapping, "CHUNK_ROWS", chunk)
    job = _dry_run(team, BAD, mapping=BAD_MAPPING)
    assert job.errors == BAD_ERRORS
    assert job.rows_total == 7  # the broken row is not a row
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("chunk", [1, 2, 4, 5000])
def test_the_error_limit_stops_at_the_same_row_whatever_the_chunk(
    team: Team, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(mapping, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(mapping, "MAX_ERRORS", 5)
    job = _dry_run(team, BAD, mapping=BAD_MAPPING)
    assert job.errors == [*BAD_ERRORS[:5], "file: stopped after 5 errors at row 4"]
    assert job.rows_total == 3  # rows 2 to 4 read; the quoting error after them never reached


@pytest.mark.parametrize("chunk", [1, 3, 5000])
def test_a_date_not_in_the_format_is_the_rows_only_message(
    team: Team, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(mapping, "CHUNK_ROWS", chunk)
    data = "Body,Stars,When\nOne,9,2023-12-31\nTwo,3,30/12/2023\n,4,\nFour,2,31/12/2023\n"
    options = {"mapping": {"text": "Body", "rating": "Stars", "received_at": "When"}}
    job = _dry_run(team, data, date_format="%d/%m/%Y", skip_empty=True, **options)
    assert job.errors == [  # the bad rating of row 2 is not read at all, as one row at a time
        "row 2: received_at: '2023-12-31' does not match the date format %d/%m/%Y (column 'When')"
    ]
    assert job.skipped_count == 1  # row 4: no text


def test_the_same_rows_are_stored_whatever_the_chunk(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "Title,Body,Email,Company,When,Tags\n" + "".join(
        f"T{n % 3},Text {n}  ,u{n % 4}@acme.com,Acme {n % 2},2024-01-{n + 1:02d}T10:00,"
        f'"a, B ,{"c" if n % 2 else ""}"\n'
        for n in range(9)
    )
    options = {"text": "Body", "title": "Title", "customer_email": "Email",
               "company_name": "Company", "received_at": "When", "tags": "Tags"}  # fmt: skip
    stored = []
    for chunk in (2, 5000):
        monkeypatch.setattr(mapping, "CHUNK_ROWS", chunk)
        access = team.access("editor")
        job = imports.create_import(access, f"rows{chunk}.csv", io.BytesIO(data.encode()))
        imports.configure(access, job, mapping=options)
        job = imports.execute(access, job, write=True)
        assert job.created_count == 9
        items = Feedback.objects.order_by("id")
        stored.append([
            (f.title, f.text, f.customer.email, f.company.name, f.received_at, f.content_hash,
             sorted(t.name for t in f.tags.all()))
            for f in items.select_related("customer", "company")
        ])  # fmt: skip
        Feedback.objects.all().delete()  # the second run creates them again
    first = stored[0]
    assert first[0] == ("T0", "Text 0", "u0@acme.com", "Acme 0",
                        datetime(2024, 1, 1, 10, tzinfo=UTC), first[0][5], ["a", "b"])  # fmt: skip
    assert first[1][6] == ["a", "b", "c"]
    assert stored[1] == first
