"""File imports through the pages, the API and the CLI: every persona on every endpoint,
CSRF on the forms, the upload → map → dry run → import journey with the worker."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from northline.insights.models import Feedback, FeedbackImport
from northline.insights.services import imports
from tests.conftest import Team
from tests.personas import EDITORS, PERSONAS

pytestmark = pytest.mark.django_db

CSV = b"Title,Body,Id\nSlow,The app is slow,A-1\nBroken,,A-2\n"


def job_of(team: Team) -> FeedbackImport:
    access = team.access("editor")
    job = imports.create_import(access, "a.csv", io.BytesIO(CSV))
    return imports.configure(access, job, mapping={"text": "Body|Title", "external_id": "Id"})


def expected(persona: str, allowed: set[str], ok: int, api: bool) -> int:
    if persona == "anonymous":
        return 401 if api else 302
    if persona == "outsider":
        return 404
    return ok if persona in allowed else 403


def worker() -> None:
    """Run the queued tasks as `northline worker` does. Tests that call it commit for real:
    the worker closes its database connection, which PostgreSQL would roll back."""
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_role_matrix(team: Team, persona: str) -> None:
    job = job_of(team)
    w = f"/api/v1/workspaces/{team.workspace.slug}/imports"
    client = team.client(persona)
    everyone = {"owner", "admin", "editor", "viewer"}
    calls = [
        ("get", w, None, everyone, 200),
        ("get", f"{w}/{job.pk}", None, everyone, 200),
        ("get", f"{w}/{job.pk}/preview", None, everyone, 200),
        ("patch", f"{w}/{job.pk}", '{"date_format": "%d/%m/%Y"}', EDITORS, 200),
        ("post", f"{w}/{job.pk}/dry-run", None, EDITORS, 202),
    ]
    for method, url, body, allowed, ok in calls:
        response = getattr(client, method)(url, data=body, content_type="application/json")
        assert response.status_code == expected(persona, allowed, ok, api=True), (method, url)
    upload = client.post(w, {"file": SimpleUploadedFile("b.csv", CSV)})
    assert upload.status_code == expected(persona, EDITORS, 201, api=True)
    started = client.post(f"{w}/{job_of(team).pk}/start")
    assert started.status_code == expected(persona, EDITORS, 202, api=True)


@pytest.mark.django_db(transaction=True)
def test_api_journey_upload_map_dry_run_import(team: Team) -> None:
    client = team.client("editor")
    w = f"/api/v1/workspaces/{team.workspace.slug}/imports"
    created = client.post(w, {"file": SimpleUploadedFile("jira.csv", CSV), "preset": ""}).json()
    assert created["mapping"] == {"title": "Title", "text": "Body", "external_id": "Id"}
    preview = client.get(f"{w}/{created['id']}/preview").json()
    assert preview["rows"][0] == [2, ["Slow", "The app is slow", "A-1"]]
    bad = client.patch(f"{w}/{created['id']}", '{"mapping": {"text": "Nope"}}', "application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        "text: the file has no column 'Nope' (columns: Title, Body, Id)"
    ]
    client.post(f"{w}/{created['id']}/dry-run")
    worker()
    checked = client.get(f"{w}/{created['id']}").json()
    assert checked["errors"] == ["row 3: text: must not be empty (column 'Body')"]
    fixed = client.patch(
        f"{w}/{created['id']}", '{"mapping": {"text": "Body|Title", "external_id": "Id"}}',
        "application/json",
    )  # fmt: skip
    assert fixed.status_code == 200
    task = client.post(f"{w}/{created['id']}/start").json()
    worker()
    done = client.get(f"{w}/{created['id']}").json()
    assert (done["status"], done["created"], done["percent"]) == ("done", 2, 100)
    assert (
        client.get(f"/api/v1/workspaces/{team.workspace.slug}/tasks/{task['id']}").json()["status"]
        == "succeeded"
    )
    assert sorted(Feedback.objects.values_list("text", flat=True)) == ["Broken", "The app is slow"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_role_matrix(team: Team, persona: str) -> None:
    job = job_of(team)
    base = f"/w/{team.workspace.slug}/insights/imports/"
    client = team.client(persona)
    everyone = {"owner", "admin", "editor", "viewer"}
    assert client.get(base).status_code == expected(persona, everyone, 200, api=False)
    assert client.get(f"{base}{job.pk}/").status_code == expected(persona, everyone, 200, False)
    posted = client.post(f"{base}{job.pk}/dry-run/")
    assert posted.status_code == expected(persona, EDITORS, 302, api=False)
    upload = client.post(base, {"file": SimpleUploadedFile("b.csv", CSV)})
    assert upload.status_code == expected(persona, EDITORS, 302, api=False)
    other = job_of(team)
    saved = client.post(f"{base}{other.pk}/", {"map_text": "Body", "map_external_id": "Id"})
    assert saved.status_code == expected(persona, EDITORS, 302, api=False)
    started = client.post(f"{base}{other.pk}/start/")
    assert started.status_code == expected(persona, EDITORS, 302, api=False)


@pytest.mark.django_db(transaction=True)
def test_pages_journey_and_progress(team: Team) -> None:
    client = team.client("editor")
    base = f"/w/{team.workspace.slug}/insights/imports/"
    response = client.post(base, {"file": SimpleUploadedFile("a.csv", CSV), "preset": ""})
    job = FeedbackImport.objects.get()
    assert response.url == f"{base}{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "The app is slow" in page and "First rows" in page
    saved = client.post(
        f"{base}{job.pk}/", {"map_text": "Body", "map_external_id": "Id", "date_format": "auto",
                             "source": "survey", "encoding": "auto", "tag_separator": ","},
    )  # fmt: skip
    assert saved.status_code == 302
    client.post(f"{base}{job.pk}/dry-run/")
    assert 'http-equiv="refresh"' in client.get(f"{base}{job.pk}/").content.decode()
    worker()
    page = client.get(f"{base}{job.pk}/").content.decode()
    assert "row 3: text: must not be empty (column &#x27;Body&#x27;)" in page
    assert 'http-equiv="refresh"' not in page
    client.post(f"{base}{job.pk}/", {"map_text": "Body|Title", "map_external_id": "Id",
                                     "source": "survey", "encoding": "auto", "date_format": "auto",
                                     "tag_separator": ","})  # fmt: skip
    client.post(f"{base}{job.pk}/start/")
    worker()
    page = client.get(f"{base}{job.pk}/").content.decode()
    assert "Imported 2 rows: created <strong>2</strong>" in page
    assert '<progress max="100" value="100"' in page
    assert set(Feedback.objects.values_list("source", flat=True)) == {"survey"}
    inbox = client.get(f"/w/{team.workspace.slug}/insights/").content.decode()
    assert "The app is slow" in inbox


def test_a_bad_upload_says_why(team: Team) -> None:
    client = team.client("editor")
    response = client.post(f"/w/{team.workspace.slug}/insights/imports/", {"preset": ""})
    assert response.status_code == 422
    assert "file: choose a file to import" in response.content.decode()


def test_forms_need_the_csrf_token(team: Team) -> None:
    job = job_of(team)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    base = f"/w/{team.workspace.slug}/insights/imports/"
    assert client.post(base, {"file": SimpleUploadedFile("b.csv", CSV)}).status_code == 403
    assert client.post(f"{base}{job.pk}/start/").status_code == 403
    assert client.post(f"{base}{job.pk}/", {"map_text": "Body"}).status_code == 403
    assert FeedbackImport.objects.count() == 1 and Feedback.objects.count() == 0


def test_cli_imports_feedback_and_people(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(CSV)
    with pytest.raises(CommandError) as caught:
        call_command("import", "feedback", str(path), "--workspace", team.workspace.slug,
                     "--map", "text=Body,external_id=Id", "--dry-run")  # fmt: skip
    assert str(caught.value) == "row 3: text: must not be empty (column 'Body')"
    call_command("import", "feedback", str(path), "--workspace", team.workspace.slug,
                 "--map", "text=Body|Title,external_id=Id", "--source", "sales")  # fmt: skip
    assert "2 rows: created 2, updated 0, unchanged 0, skipped 0" in capsys.readouterr().out
    assert Feedback.objects.filter(source="sales").count() == 2

    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,company,company_domain\nAnn,ann@acme.com,Acme,acme.com\nBo,bo@x,,\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("import", "customers", str(people), "--workspace", team.workspace.slug)
    assert str(caught.value) == "row 3: email: 'bo@x' is not a valid e-mail address"
    people.write_text("name,email,company,company_domain\nAnn,ann@acme.com,Acme,acme.com\n")
    call_command("import", "customers", str(people), "--workspace", team.workspace.slug)
    assert "1 rows: created 1, updated 0" in capsys.readouterr().out
    companies = tmp_path / "companies.csv"
    companies.write_text("name,domain,plan,revenue,colour\nAcme,acme.com,pro,1200,red\n")
    with pytest.raises(CommandError, match=r"^row 2: colour: not a company field$"):
        call_command("import", "companies", str(companies), "--workspace", team.workspace.slug)


@pytest.mark.django_db(transaction=True)
def test_an_import_queued_by_someone_who_loses_the_role_fails_and_says_why(team: Team) -> None:
    from northline.accounts.models import Membership
    from northline.core.roles import Role

    job = job_of(team)
    imports.start(team.access("editor"), job, write=True)
    Membership.objects.filter(user=team.editor).update(role=Role.VIEWER)
    worker()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == ["import: this needs the editor role or higher; your role is viewer"]
    assert Feedback.objects.count() == 0
