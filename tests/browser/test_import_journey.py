"""Importing a CSV in real Chromium over real HTTP: upload, see the first rows and the guessed
mapping, dry run with an error by row, fix the mapping, import with the progress bar, and find
the rows in the inbox. The background tasks run through `northline worker --batch`.

Screenshots are kept in test-artifacts/screenshots/ (import-*.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from northline.insights.models import Feedback
from tests.browser.conftest import logged_in, shot, submit, worker
from tests.conftest import PASSWORD, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Title,Body,Id,Stars,Tags\n"
    "Export to PDF,Please let us export the roadmap to PDF,R-1,4,export\n"
    "Dark mode,,R-2,5,ui\n"
    'Slow search,Search takes ten seconds on big workspaces,R-3,2,"search,performance"\n'
)


def test_upload_map_dry_run_fix_import(browser: Any, live_server: Any, tmp_path: Path) -> None:
    user = make_user("pia@example.com", "Pia Product")
    workspace = make_workspace(user, "Orbit")
    path = tmp_path / "reviews.csv"
    path.write_text(CSV)
    page = logged_in(browser, live_server.url, user.email, PASSWORD)

    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/")
    page.click("nav.tabs >> text=Imports")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Upload')")
    assert "Import reviews.csv" in page.locator("h1").inner_text()
    assert "Please let us export the roadmap to PDF" in page.locator("table.preview").inner_text()
    assert page.input_value("#id_map_text") == "Body"  # guessed from the column names
    assert page.input_value("#id_map_rating") == "Stars"
    shot(page, "import-01-preview-and-mapping")

    submit(page, "button:has-text('Dry run')")
    worker()
    page.reload()
    errors = page.locator("ul.import-errors").inner_text()
    assert errors == "row 3: text: must not be empty (column 'Body')"
    assert Feedback.objects.count() == 0
    shot(page, "import-02-dry-run-error")

    page.check("input[name=skip_empty]")
    page.select_option("#id_source", "review")
    submit(page, "button:has-text('Save mapping')")
    submit(page, "button:has-text('Dry run')")
    worker()
    page.reload()
    assert "Importing would create 2" in page.locator("#status").inner_text()
    shot(page, "import-03-dry-run-ok")

    submit(page, "button:has-text('Import')")
    assert page.locator("progress").count() == 1  # queued: the page refreshes itself
    shot(page, "import-04-queued")
    worker()
    page.reload()
    status = page.locator("#status").inner_text()
    assert "Imported 3 rows: created 2" in status and "skipped 1" in status
    assert page.locator("progress").get_attribute("value") == "100"
    shot(page, "import-05-done")

    page.click("text=See the feedback")
    inbox = page.locator("table.inbox").inner_text()
    assert "Export to PDF" in inbox and "Slow search" in inbox and "Dark mode" not in inbox
    shot(page, "import-06-inbox")
    assert set(Feedback.objects.values_list("source", flat=True)) == {"review"}
