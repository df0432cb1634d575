"""A product manager's insights journey in real Chromium over real HTTP: add feedback, see
the type, sentiment and near-duplicates that processing found (tasks run at once here, after
the real commit), correct the type into a new category, and browse the themes.

Screenshots are kept in test-artifacts/screenshots/ (insights-*.png).
"""

from __future__ import annotations

from typing import Any

import pytest

from northline.insights.models import Feedback, Theme
from northline.insights.services import feedback as service
from northline.insights.services import learning, similarity
from tests.browser.conftest import logged_in, shot, submit, worker
from tests.conftest import PASSWORD, access_for, make_user, make_workspace
from tests.insights.conftest import DATABASE, IMMEDIATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EARLIER = [
    "Please add a dark mode to the mobile app",
    "A dark theme would be easier on the eyes at night",
    "Night mode with a dark background in the app",
    "My eyes hurt, I need a dark mode",
    "Export of reports to CSV fails",
    "The CSV export of the reports is broken",
    "I cannot export my reports to CSV or Excel",
    "CSV export drops the last column of the report",
]


def test_feedback_is_sorted_corrected_and_grouped(
    browser: Any, live_server: Any, settings: Any
) -> None:
    settings.TASKS = IMMEDIATE
    similarity._copies.clear()
    learning._workspace_models.clear()
    owner = make_user("pm@example.com", "Pat PM")
    workspace = make_workspace(owner, "Orbit")
    service.import_feedback(access_for(owner, workspace), [{"text": t} for t in EARLIER])
    assert Theme.objects.filter(workspace=workspace).count() >= 2

    page = logged_in(browser, live_server.url, owner.email, PASSWORD)

    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/feedback/new/")
    page.fill("#id_text", "Dark mode for the mobile app please, the white screen hurts my eyes")
    page.fill("#id_customer_email", "kim@example.com")
    page.click("button:has-text('Add feedback')")
    assert "Feedback added" in page.locator(".flash").inner_text()
    card = page.locator("#processing")
    assert "Feature request" in card.inner_text() and "confidence" in card.inner_text()
    similar = page.locator("#processing table tbody tr")
    assert similar.count() >= 1
    assert "Please add a dark mode to the mobile app" in similar.first.inner_text()
    shot(page, "insights-01-processed")

    page.select_option("#correct-type", "__new__")
    page.fill("#new-type", "Accessibility")
    page.click("button:has-text('Save type')")
    assert "Type corrected" in page.locator(".flash").inner_text()
    assert "Accessibility" in card.inner_text() and "set by the team" in card.inner_text()
    fb = Feedback.objects.get(customer__email="kim@example.com")
    assert (fb.kind, fb.kind_by_team) == ("accessibility", True)
    shot(page, "insights-02-corrected")

    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/?type=accessibility")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and "Accessibility" in rows.first.inner_text()
    shot(page, "insights-03-inbox-filtered")

    page.click("nav.tabs >> text=Themes")
    page.wait_for_url("**/insights/themes/")
    assert page.locator("figure.chart svg").count() == 1
    shot(page, "insights-04-themes")
    assert fb.theme is not None  # the new item joined a theme as it arrived
    page.click(f"table a[href$='/insights/themes/{fb.theme.pk}/']")
    page.wait_for_url(f"**/insights/themes/{fb.theme.pk}/")
    assert page.locator("figure.chart svg").count() == 1
    page.fill("#theme-label", "Dark mode")
    page.click("button:has-text('Rename')")
    assert "Theme renamed" in page.locator(".flash").inner_text()
    assert page.locator("h1").inner_text() == "Dark mode"
    shot(page, "insights-05-theme")


def test_the_processing_section_updates_by_itself_once_processed(
    browser: Any, live_server: Any, settings: Any
) -> None:
    settings.TASKS = DATABASE  # queued for a worker, as in production
    similarity._copies.clear()
    learning._workspace_models.clear()
    owner = make_user("pm@example.com", "Pat PM")
    workspace = make_workspace(owner, "Orbit")
    page = logged_in(browser, live_server.url, owner.email, PASSWORD)

    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/feedback/new/")
    page.fill("#id_text", "The export to CSV fails with an error every time")
    submit(page, "button:has-text('Add feedback')")
    card = page.locator("#processing")
    assert "Not processed yet" in card.inner_text()
    assert card.get_attribute("data-pending") == ""
    page.fill("#id_quote", "export to CSV")  # typed meanwhile
    shot(page, "insights-06-waiting-for-processing")

    worker()
    page.wait_for_selector("section#processing:not([data-pending])", timeout=20_000)
    assert "confidence" in card.inner_text() and "Not processed yet" not in card.inner_text()
    # only the section was swapped: what the user typed elsewhere on the page is still there
    assert page.input_value("#id_quote") == "export to CSV"
    shot(page, "insights-07-processed-in-place")
