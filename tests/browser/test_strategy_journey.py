"""A head of product's strategy journey in real Chromium over real HTTP, on the demo
workspace: edit the vision, read the history and a diff, share it and open the link without an
account, read objectives whose progress comes from KPI data, check in, and walk the alignment
map.

Screenshots are kept in test-artifacts/screenshots/ (strategy-*.png).
"""

from __future__ import annotations

from typing import Any

import pytest

from northline.demo import DEMO_PASSWORD, load_demo
from northline.strategy.models import CheckIn, Product, ShareLink
from tests.browser.conftest import logged_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_vision_history_share_objectives_alignment(browser: Any, live_server: Any) -> None:
    login = load_demo()
    w = f"{live_server.url}/w/{login.workspace.slug}"
    page = logged_in(browser, live_server.url, login.email, DEMO_PASSWORD)

    page.click("nav.sidebar >> text=Vision")
    assert "Acme Analytics vision" in page.locator("h1").inner_text()
    assert page.locator(".persona").count() == 3
    assert "Weekly active accounts" in page.locator(".north-star").inner_text()
    shot(page, "strategy-01-board")

    page.click("text=Edit")
    page.fill(
        "#id_value_proposition", "Self-serve analytics set up in an afternoon, trusted by analysts."
    )
    page.fill("#id_persona-3-name", "Sam, customer success lead")
    page.fill("#id_persona-3-pains", "Finds out about churn too late")
    page.fill("#id_note", "Added customer success")
    page.click("button:has-text('Save new version')")
    assert "Saved as version 3." in page.locator(".flash").inner_text()
    assert page.locator(".persona").count() == 4

    page.click("a.button:has-text('History')")
    assert page.locator("table.history tbody tr").count() == 3
    shot(page, "strategy-02-history")
    page.click("button:has-text('Compare')")
    assert "Version 2 → version 3" in page.locator("h1").inner_text()
    added = page.locator("table.diff td.ins").all_inner_texts()
    assert (
        "### Sam, customer success lead" in added
        and "Pains: Finds out about churn too late" in added
    )
    shot(page, "strategy-03-diff")

    page.goto(f"{w}/vision/{Product.objects.get().pk}/share/")
    page.fill("#id_label", "Investors")
    page.click("button:has-text('Create link')")
    url = page.input_value("#new-link")
    assert ShareLink.objects.filter(label="Investors").exists()
    anonymous = browser.new_context().new_page()
    anonymous.goto(url)
    assert "Acme Analytics — vision" in anonymous.locator("h1").inner_text()
    assert (
        "customer success" in anonymous.content() and anonymous.locator("nav.sidebar").count() == 0
    )
    shot(anonymous, "strategy-04-shared")
    anonymous.emulate_media(media="print")
    shot(anonymous, "strategy-05-shared-print")
    anonymous.close()

    page.click("nav.sidebar >> text=Vision")
    page.click("nav.tabs >> text=Objectives")
    rule = page.locator(".rule").inner_text()
    assert "Progress = (current − start) ÷ (target − start)" in rule
    statuses = page.locator(".krs .okr-status").all_inner_texts()
    assert {"On track", "At risk", "Off track", "No data"} <= set(statuses)
    shot(page, "strategy-06-objectives")

    page.click("h2 >> text=Win self-serve adoption")
    assert page.locator(".key-result svg").count() == 2
    form = page.locator(".key-result").first.locator("form.check-in")
    form.locator("select").select_option("9")
    form.locator("textarea").fill("Launch week went well")
    form.locator("button:has-text('Check in')").click()
    assert "Checked in on" in page.locator(".flash").inner_text()
    assert CheckIn.objects.filter(comment="Launch week went well", confidence=9).exists()
    shot(page, "strategy-07-objective")

    page.click("nav.tabs >> text=Alignment")
    tree = page.locator("#alignment-map").inner_text()
    assert (
        tree.index("Win self-serve adoption")
        < tree.index("Self-serve analytics")
        < tree.index("Funnel reports")
    )
    gaps = page.locator("#gaps").inner_text()
    assert "Slack alerts" in gaps and "Become the team's weekly habit" in gaps
    page.locator("#alignment-map summary:has-text('Self-serve analytics')").first.click()
    assert not page.locator("#alignment-map >> text=Funnel reports").first.is_visible()
    shot(page, "strategy-08-alignment")
    page.close()
