"""File imports: the formats and encodings real exports come in, the presets, the bad-input
messages (exact, by row), idempotent re-runs and an interrupted import resumed."""

from __future__ import annotations

import codecs
import io
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from northline.core.errors import Invalid
from northline.insights.models import Customer, Feedback, FeedbackImport
from northline.insights.services import feedback as service
from northline.insights.services import imports, processing
from northline.insights.services.mail import html_text, own_words
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def upload(team: Team, name: str, data: bytes, preset: str = "", **options: Any) -> FeedbackImport:
    access = team.access("editor")
    job = imports.create_import(access, name, io.BytesIO(data), preset_name=preset)
    if options:
        imports.configure(access, job, **options)
    return job


def run(
    team: Team, name: str, data: bytes, preset: str = "", *, write: bool = True, **options: Any
) -> FeedbackImport:
    job = upload(team, name, data, preset, **options)
    return imports.execute(team.access("editor"), job, write=write)


def texts() -> list[str]:
    return sorted(Feedback.objects.values_list("text", flat=True))


SIMPLE = "Title,Body,Id,Stars\nSlow,The app is slow,A-1,2\nLove,Love the new look,A-2,5\n"
MAPPING = {"title": "Title", "text": "Body", "external_id": "Id", "rating": "Stars"}


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        (SIMPLE.replace("slow", "slöw").encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + SIMPLE.replace("slow", "slöw").encode("utf-8"), "UTF-8"),
        (SIMPLE.replace("slow", "slöw").encode("utf-16"), "UTF-16"),
        (SIMPLE.replace("slow", "slöw").encode("cp1252"), "Windows-1252"),
    ],
)
def test_every_encoding_of_csv_exports_reads_the_same(
    team: Team, encoded: bytes, label: str
) -> None:
    job = run(team, "reviews.csv", encoded, mapping=MAPPING)
    assert job.status == "done" and job.errors == []
    assert imports.preview(job)["encoding"] == label
    assert texts() == ["Love the new look", "The app is slöw"]
    assert Feedback.objects.get(external_id="A-1").rating == 2


def test_semicolon_and_tab_delimiters_are_detected(team: Team) -> None:
    run(team, "a.csv", SIMPLE.replace(",", ";").encode(), mapping=MAPPING)
    assert texts() == ["Love the new look", "The app is slow"]


def test_xlsx_with_real_dates_and_numbers(team: Team, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Feedback", "When", "Score", "Ref"])
    sheet.append(["Needs SSO", datetime(2024, 3, 1, 9, 30), 4, 1001])
    sheet.append(["Export is broken", datetime(2024, 3, 2), 1.0, 1002])
    path = tmp_path / "book.xlsx"
    book.save(path)
    mapping = {"text": "Feedback", "received_at": "When", "rating": "Score", "external_id": "Ref"}
    run(team, "book.xlsx", path.read_bytes(), mapping=mapping)
    item = Feedback.objects.get(external_id="1001")
    assert (item.text, item.rating) == ("Needs SSO", 4)
    assert item.received_at == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert Feedback.objects.get(external_id="1002").rating == 1


def test_a_file_that_is_not_a_workbook_is_refused(team: Team) -> None:
    before = set(imports.import_dir().iterdir())
    with pytest.raises(Invalid) as caught:
        upload(team, "book.xlsx", b"not a zip")
    assert caught.value.message.startswith("file: is not an Excel .xlsx workbook")
    assert set(imports.import_dir().iterdir()) == before  # the refused upload is not kept


# --- bad input: exact messages by row --------------------------------------------------------

LONG = "x" * 1_048_576
BAD_ROWS = [
    ("Title,Body,Id,Stars\nA,,A-1,2\n", ["row 2: text: must not be empty (column 'Body')"]),
    (
        f"Title,Body,Id,Stars\nA,{LONG},A-1,2\n",
        ["row 2: text: must be at most 50000 characters, got 1048576 (column 'Body')"],
    ),
    (
        "Title,Body,Id,Stars\nA,one,A-1,2\nB,two,A-1,3\n",
        ["row 3: external_id: 'A-1' repeats row 2 (column 'Id')"],
    ),
    (
        "Title,Body,Id,Stars\nA,one,A-1,7\nB,two,A-2,x\n",
        [
            "row 2: rating: must be between 1 and 5, got 7 (column 'Stars')",
            "row 3: rating: must be a whole number from 1 to 5, got 'x' (column 'Stars')",
        ],
    ),
    (  # every error of a row at once, in the order of the mapping, after clean rows
        f"Title,Body,Id,Stars\nA,one,A-1,2\n{'T' * 201},,A-2,9\n",
        [
            "row 3: title: must be at most 200 characters, got 201 (column 'Title')",
            "row 3: text: must not be empty (column 'Body')",
            "row 3: rating: must be between 1 and 5, got 9 (column 'Stars')",
        ],
    ),
    (
        'Title,Body,Id,Stars\nA,one,A-1,2\nB,"two,A-2,3\nC,three,A-3,4\n',
        ["row 3: broken CSV quoting (unexpected end of data); is a closing quote missing?"],
    ),
    (
        'Title,Body,Id,Stars\nA,"one" two,A-1,2\n',
        ["row 2: broken CSV quoting (',' expected after '\"'); is a closing quote missing?"],
    ),
    (
        "Title,Body,Id,Stars\nA,one,A-1,2,extra\n",
        [
            "row 2: has 5 cells but the header has 4 columns (a comma inside a value that "
            "is not quoted?)"
        ],
    ),
]


@pytest.mark.parametrize(("data", "messages"), BAD_ROWS)
def test_bad_rows_are_named_and_nothing_is_written(
    team: Team, data: str, messages: list[str]
) -> None:
    job = run(team, "bad.csv", data.encode(), mapping=MAPPING)
    assert job.errors == messages
    assert job.status == "checked" and Feedback.objects.count() == 0


def test_a_wrong_encoding_names_the_row(team: Team) -> None:
    data = "Title,Body\nA,fine\nB,caf\xe9 au lait\n".encode("cp1252")
    job = upload(team, "x.csv", data, mapping={"text": "Body"})
    assert job.encoding == "auto" and imports.preview(job)["encoding"] == "Windows-1252"
    with pytest.raises(Invalid) as caught:
        imports.configure(team.access("editor"), job, encoding="utf-8")
    assert caught.value.errors == [
        "row 3: byte 0xe9 is not UTF-8 text; choose another encoding (UTF-8, UTF-16 or "
        "Windows-1252)"
    ]
    assert Feedback.objects.count() == 0


def test_undecodable_even_as_windows_1252(team: Team) -> None:
    data = b"Title,Body\nA,fine\nB,bad \x81 byte \xe9\n"
    with pytest.raises(Invalid) as caught:
        upload(team, "x.csv", data)
    assert caught.value.errors == [
        "row 3: byte 0x81 is not Windows-1252 text; save it as UTF-8 (UTF-8, UTF-16 or "
        "Windows-1252)"
    ]


def test_unknown_columns_and_fields_in_the_mapping(team: Team) -> None:
    job = upload(team, "a.csv", SIMPLE.encode())
    with pytest.raises(Invalid) as caught:
        imports.configure(team.access("editor"), job, mapping={"text": "Bdy", "mood": "Stars"})
    assert caught.value.errors == [
        "mood: not a field to map to (one of text, title, source, customer_email, "
        "customer_name, customer_external_id, company_name, company_domain, received_at, "
        "rating, external_url, external_id, tags, status)",
        "text: the file has no column 'Bdy' (columns: Title, Body, Id, Stars)",
    ]


def test_an_empty_file_and_a_wrong_kind_are_refused(team: Team) -> None:
    with pytest.raises(Invalid, match=r"^file: 'x.csv' is empty$"):
        upload(team, "x.csv", b"")
    with pytest.raises(Invalid, match=r"^file: 'x.pdf' is not a .csv, .xlsx, .eml or .mbox file$"):
        upload(team, "x.pdf", b"%PDF")


def test_date_formats(team: Team) -> None:
    data = b"Body,When\nOne,31/12/2023\nTwo,2023-12-31\n"
    job = run(team, "d.csv", data, mapping={"text": "Body", "received_at": "When"},
              date_format="%d/%m/%Y")  # fmt: skip
    assert job.errors == [
        "row 3: received_at: '2023-12-31' does not match the date format %d/%m/%Y (column 'When')"
    ]
    job = run(team, "d.csv", data.replace(b"2023-12-31", b"30/12/2023"),
              mapping={"text": "Body", "received_at": "When"}, date_format="%d/%m/%Y")  # fmt: skip
    assert job.status == "done"
    assert Feedback.objects.get(text="One").received_at == datetime(2023, 12, 31, tzinfo=UTC)


# --- presets ---------------------------------------------------------------------------------


def test_jira_export_with_repeated_label_columns(team: Team) -> None:
    data = (
        b"Summary,Issue key,Issue Type,Description,Labels,Labels,Labels,Created,Reporter\n"
        b"SSO login,NL-1,Story,We need SAML,auth,enterprise,,15/Jan/24 10:20 AM,Ann Lee\n"
        b'Export,NL-2,Bug,,export,,,"16/Jan/24 2:05 PM",Bob\n'
    )
    job = run(team, "jira.csv", data, "jira")
    assert job.status == "done", job.errors
    sso = Feedback.objects.get(external_id="NL-1")
    assert (sso.title, sso.text, sso.source) == ("SSO login", "We need SAML", "import")
    assert sorted(sso.tags.values_list("name", flat=True)) == ["auth", "enterprise"]
    assert sso.received_at == datetime(2024, 1, 15, 10, 20, tzinfo=UTC)
    assert sso.customer is not None and sso.customer.name == "Ann Lee"
    assert Feedback.objects.get(external_id="NL-2").text == "Export"  # no description: summary
    assert job.notes == []


def test_zendesk_export_tags_by_space_and_requesters(team: Team) -> None:
    data = (
        b"Id,Subject,Description,Requester,Requester email,Organization,Created at,Tags,Status\n"
        b"101,Refund,Please refund my order,Cy Doe,cy@corp.io,Corp,2024-02-01 08:00:00,billing refund,open\n"
    )
    run(team, "zendesk.csv", data, "zendesk")
    item = Feedback.objects.get(external_id="101")
    assert item.source == "support"
    assert sorted(item.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert item.customer is not None and item.customer.email == "cy@corp.io"
    assert item.company is not None and item.company.name == "Corp"


PLAY_HEADER = (
    "Package Name,App Version Code,App Version Name,Reviewer Language,Device,"
    "Review Submit Date and Time,Review Submit Millis Since Epoch,Review Last Update Date and "
    "Time,Review Last Update Millis Since Epoch,Star Rating,Review Title,Review Text,"
    "Developer Reply Date and Time,Developer Reply Millis Since Epoch,Developer Reply Text,"
    "Review Link\n"
)


def test_google_play_utf16_export_skips_star_only_reviews(team: Team) -> None:
    rows = (
        "com.acme,41,4.1.0,en,pixel7,2024-05-01T10:00:00Z,1714557600000,2024-05-01T10:00:00Z,"
        "1714557600000,1,,Crashes on start,,,,https://play.google.com/r?id=1\n"
        "com.acme,41,4.1.0,en,pixel7,2024-05-02T10:00:00Z,1714644000000,2024-05-02T10:00:00Z,"
        "1714644000000,5,,,,,,\n"
    )
    job = run(team, "reviews_202405.csv", (PLAY_HEADER + rows).encode("utf-16"), "google-play")
    assert (job.status, job.created_count, job.skipped_count) == ("done", 1, 1)
    item = Feedback.objects.get()
    assert (item.text, item.rating, item.source) == ("Crashes on start", 1, "review")
    assert list(item.tags.values_list("name", flat=True)) == ["4.1.0"]
    again = run(team, "reviews_202405.csv", (PLAY_HEADER + rows).encode("utf-16"), "google-play")
    assert (again.created_count, again.unchanged_count) == (0, 1)  # by content hash


def test_app_store_export(team: Team) -> None:
    data = (
        b"Review ID,Date,Rating,Title,Review,Nickname,Version,Territory\n"
        b"9001,2024-06-01T12:00:00-07:00,2,Too many ads,Ads everywhere,kiwi,2.3,USA\n"
    )
    run(team, "appstore.csv", data, "app-store")
    item = Feedback.objects.get(external_id="9001")
    assert (item.title, item.text, item.rating) == ("Too many ads", "Ads everywhere", 2)
    assert item.received_at == datetime(2024, 6, 1, 19, 0, tzinfo=UTC)


def test_github_issue_data_as_in_nlbse24(team: Team) -> None:
    data = (
        b"repo,created_at,label,title,body\n"
        b'facebook/react,2023-08-26 06:33:37,bug,"[DevTools Bug] Cannot add node ""1""",'
        b'"### Repro steps\n\n1. Run application"\n'
        b"microsoft/vscode,2023-07-01 10:00:00,feature,Allow tabs in the terminal,\n"
    )
    job = run(team, "issues.csv", data, "github")
    assert job.created_count == 2
    bug = Feedback.objects.get(title='[DevTools Bug] Cannot add node "1"')
    assert bug.text == "### Repro steps\n\n1. Run application"
    assert sorted(bug.tags.values_list("name", flat=True)) == ["bug", "facebook/react"]
    assert Feedback.objects.get(title="Allow tabs in the terminal").text == (
        "Allow tabs in the terminal"
    )


def test_a_preset_column_missing_from_the_file_is_named(team: Team) -> None:
    job = upload(team, "j.csv", b"Summary,Key\nA,1\n", "jira")
    assert job.notes == [
        "tags: the file has no column 'Labels|Component/s'; left unmapped",
        "received_at: the file has no column 'Created'; left unmapped",
        "customer_name: the file has no column 'Reporter'; left unmapped",
    ]
    job = imports.execute(team.access("editor"), job, write=False)
    assert job.status == "failed"
    assert job.errors == ["external_id: the file has no column 'Issue key' (columns: Summary, Key)"]


# --- e-mail ----------------------------------------------------------------------------------


def mail(number: int, body: str, *, html: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Dana Kim <dana{number}@shop.example>"
    message["To"] = "feedback@acme.example"
    message["Subject"] = f"Idea {number}"
    message["Date"] = "Tue, 01 Oct 2024 09:15:00 +0200"
    message["Message-ID"] = f"<m{number}@shop.example>"
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def test_eml_sender_becomes_the_customer_and_quotes_are_dropped(team: Team) -> None:
    body = (
        "Please add a dark mode.\n\nThanks!\n-- \nDana Kim\nShop Inc.\n\n"
        "On Mon, 30 Sep 2024 at 10:00, Acme <hello@acme.example> wrote:\n> How can we help?\n"
    )
    job = run(team, "idea.eml", bytes(mail(1, body)))
    assert job.status == "done", job.errors
    item = Feedback.objects.get()
    assert (item.title, item.text, item.source) == (
        "Idea 1",
        "Please add a dark mode.\n\nThanks!",
        "email",
    )
    assert item.external_id == "m1@shop.example"
    assert item.received_at == datetime(2024, 10, 1, 7, 15, tzinfo=UTC)
    assert item.customer == Customer.objects.get(email="dana1@shop.example", name="Dana Kim")


def test_mbox_imports_each_message_once(team: Team) -> None:
    data = b"".join(
        b"From dana@shop.example Tue Oct  1 09:15:00 2024\n" + bytes(mail(n, f"Wish {n}")) + b"\n"
        for n in (1, 2, 3)
    )
    job = run(team, "inbox.mbox", data)
    assert (job.created_count, job.rows_total) == (3, 3)
    again = run(team, "inbox.mbox", data)
    assert (again.created_count, again.unchanged_count) == (0, 3)
    assert texts() == ["Wish 1", "Wish 2", "Wish 3"]


def test_a_malformed_mbox_names_the_message(team: Team) -> None:
    good = b"From a@b Tue Oct  1 09:15:00 2024\n" + bytes(mail(1, "Fine"))
    broken = b"\nFrom a@b Tue Oct  1 09:15:00 2024\nthis is no e-mail at all\n"
    job = run(team, "inbox.mbox", good + broken)
    assert job.errors == [
        "message 2: has no e-mail headers (From, Subject, Date); is a 'From ' line that "
        "separates messages broken?"
    ]
    job = run(team, "other.mbox", b"Subject: not an mbox\n\nhello\n")
    assert job.errors == [
        "file: is not an mbox file: it must begin with a 'From ' line (message 1)"
    ]
    assert Feedback.objects.count() == 0


def test_html_mail_and_outlook_replies() -> None:
    html = "<html><head><style>p{}</style></head><body><p>Add <b>SSO</b>&nbsp;please</p><blockquote>old</blockquote></body></html>"
    assert html_text(html) == "Add SSO please"
    assert own_words("Yes!\n\n-----Original Message-----\nFrom: x") == "Yes!"
    assert own_words("Sure\n> quoted\nmore\n--\nsig") == "Sure\nmore"


# --- idempotence, resuming, processing -------------------------------------------------------


def test_re_running_a_file_updates_changed_rows_only(team: Team) -> None:
    run(team, "a.csv", SIMPLE.encode(), mapping=MAPPING)
    changed = SIMPLE.replace("The app is slow", "The app is very slow")
    job = run(team, "a.csv", changed.encode(), mapping=MAPPING, write=False)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)  # dry run
    assert texts() == ["Love the new look", "The app is slow"]  # a dry run writes nothing
    job = run(team, "a.csv", changed.encode(), mapping=MAPPING)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    assert texts() == ["Love the new look", "The app is very slow"]


def test_rows_without_an_id_are_known_by_their_content(team: Team) -> None:
    data = b"Body\nSame words\nOther words\nSame words\n"
    job = run(team, "a.csv", data, mapping={"text": "Body"})
    assert (job.created_count, job.skipped_count) == (2, 1)
    assert job.notes == ["row 4: the same as row 2; imported once"]
    job = run(team, "a.csv", data, mapping={"text": "Body"})
    assert (job.created_count, job.unchanged_count) == (0, 2)
    assert Feedback.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_resumes_after_its_checkpoint(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH_ROWS", 2)
    queued: list[list[int]] = []

    def crash(workspace: Any, ids: list[int]) -> None:
        raise KeyboardInterrupt  # the worker is stopped right after the first batch commits

    monkeypatch.setattr(processing, "queue", crash)
    data = "Body,Id\n" + "".join(f"Item {n},I-{n}\n" for n in range(1, 6))
    job = upload(team, "a.csv", data.encode(), mapping={"text": "Body", "external_id": "Id"})
    with pytest.raises(KeyboardInterrupt):
        imports.execute(team.access("editor"), job, write=True)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("failed", 3, 2)
    assert imports.resumable(job)
    assert Feedback.objects.count() == 2  # the committed batch, and nothing half-written

    monkeypatch.setattr(processing, "queue", lambda workspace, ids: queued.append(list(ids)))
    job = imports.execute(team.access("editor"), job, write=True)
    assert (job.status, job.created_count, job.rows_done) == ("done", 5, 6)
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == [
        "I-1", "I-2", "I-3", "I-4", "I-5",
    ]  # fmt: skip
    ids = dict(Feedback.objects.values_list("external_id", "pk"))
    assert queued == [[ids["I-3"], ids["I-4"]], [ids["I-5"]]]  # once per committed batch


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_written_in_parts_each_its_own_checkpoint(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one spooled batch of 5 rows, written 2 rows a transaction: the worker's turn for SQLite's
    # write lock comes between parts (decision 0039); a stop keeps the parts committed before
    monkeypatch.setattr(imports, "WRITE_ROWS", 2)
    queued: list[list[int]] = []

    def stop_after_two_parts(workspace: Any, ids: list[int]) -> None:
        queued.append(list(ids))
        if len(queued) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(processing, "queue", stop_after_two_parts)
    data = "Body,Id\n" + "".join(f"Item {n},I-{n}\n" for n in range(1, 6))
    job = upload(team, "a.csv", data.encode(), mapping={"text": "Body", "external_id": "Id"})
    with pytest.raises(KeyboardInterrupt):
        imports.execute(team.access("editor"), job, write=True)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("failed", 5, 4)
    assert [len(ids) for ids in queued] == [2, 2]
    job = imports.execute(team.access("editor"), job, write=True)
    assert (job.status, job.created_count, job.rows_done) == ("done", 5, 6)
    assert [len(ids) for ids in queued] == [2, 2, 1]
    assert Feedback.objects.count() == 5


def test_feedback_added_while_a_part_is_sorted_is_sorted_again(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a part is sorted before the write lock; an item with one of its ids, added by someone
    # else before the lock is taken, must be found under the lock (not inserted twice)
    real = imports._sort
    calls: list[int] = []

    def sort_then_someone_adds(job: Any, batch: Any) -> Any:
        result = real(job, batch)
        if not calls:
            values = {"text": "Item 2", "external_id": "I-2", "source": job.source}
            service.add_feedback(team.access("editor"), values)
        calls.append(len(batch))
        return result

    monkeypatch.setattr(imports, "_sort", sort_then_someone_adds)
    data = "Body,Id\n" + "".join(f"Item {n},I-{n}\n" for n in range(1, 4))
    job = run(team, "a.csv", data.encode(), mapping={"text": "Body", "external_id": "Id"})
    assert (job.status, job.created_count, job.unchanged_count) == ("done", 2, 1)
    assert calls == [3, 3]  # sorted again under the lock
    assert sorted(Feedback.objects.values_list("external_id", flat=True)) == ["I-1", "I-2", "I-3"]


@pytest.mark.django_db(transaction=True)
def test_processing_is_queued_once_per_batch_with_new_and_changed_items(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(processing, "queue", lambda workspace, ids: queued.append(list(ids)))
    run(team, "a.csv", SIMPLE.encode(), mapping=MAPPING)
    assert len(queued) == 1 and len(queued[0]) == 2
    run(team, "a.csv", SIMPLE.encode(), mapping=MAPPING)
    assert len(queued) == 1  # nothing new, nothing queued


# --- customers and companies, found or created in bulk ---------------------------------------


def test_customers_and_companies_are_found_or_created_once(team: Team) -> None:
    from northline.insights.services import customers as people

    access = team.access("editor")
    known = people.create_customer(access, email="ann@acme.com")  # no name yet
    acme = people.create_company(access, "Acme", domain="acme.com")
    data = (
        b"Body,Email,Name,Company\n"
        b"One,ann@acme.com,Ann,\n"  # found: gets the name she lacked
        b"Two,bo@globex.com,Bo,Globex\n"  # new, in a new company
        b"Three,bo@globex.com,Bo,Globex\n"  # the same customer and company again
        b"Four,cy@acme.com,Cy,\n"  # new, joins the company of their e-mail domain
        b"Five,dee@x.example,Dee,\n"
    )
    mapping = {"text": "Body", "customer_email": "Email", "customer_name": "Name",
               "company_name": "Company"}  # fmt: skip
    job = run(team, "people.csv", data, mapping=mapping)
    assert job.created_count == 5, job.errors
    known.refresh_from_db()
    assert known.name == "Ann" and Customer.objects.count() == 4
    bo = Customer.objects.get(email="bo@globex.com")
    assert bo.company is not None and bo.company.name == "Globex"
    assert Customer.objects.get(email="cy@acme.com").company == acme
    assert Feedback.objects.get(text="Four").company == acme  # the customer's company
    assert Feedback.objects.get(text="Three").customer == bo
    assert Feedback.objects.get(text="Five").company is None


def test_a_bad_customer_reference_names_the_row_and_column(team: Team) -> None:
    data = b"Body,Email\nOne,ann@acme.com\nTwo,bo@x\nThree,bo@x\n"
    job = run(team, "p.csv", data, mapping={"text": "Body", "customer_email": "Email"})
    assert job.errors == [
        "row 3: customer.email: 'bo@x' is not a valid e-mail address (column 'Email')",
        "row 4: customer.email: 'bo@x' is not a valid e-mail address (column 'Email')",
    ]


def test_an_empty_cell_keeps_what_the_item_has(team: Team) -> None:
    mapping = {"text": "Body", "external_id": "Id", "received_at": "When", "title": "Title"}
    run(team, "a.csv", b"Body,Id,When,Title\nOne,X-1,2024-01-02 03:04,Hello\n", mapping=mapping)
    job = run(team, "a.csv", b"Body,Id,When,Title\nOne,X-1,,\n", mapping=mapping)
    assert (job.updated_count, job.unchanged_count) == (0, 1)
    item = Feedback.objects.get()
    assert (item.received_at, item.title) == (datetime(2024, 1, 2, 3, 4, tzinfo=UTC), "Hello")


def test_an_import_leaves_the_cycle_collector_as_it_found_it(team: Team) -> None:
    """The import pauses Python's cycle collector per batch (decision 0042), and gives it back
    after an import that fails as after one that succeeds."""
    import gc

    assert gc.isenabled()
    job = run(team, "ok.csv", b"Title,Body,Id,Stars\nA,one,A-1,2\n", mapping=MAPPING)
    assert job.status == "done" and gc.isenabled()
    job = run(team, "bad.csv", b"Title,Body,Id,Stars\nA,,A-2,2\n", mapping=MAPPING)
    assert job.errors and gc.isenabled()
    gc.disable()
    try:
        run(team, "again.csv", b"Title,Body,Id,Stars\nB,two,A-3,3\n", mapping=MAPPING)
        assert not gc.isenabled()
    finally:
        gc.enable()
