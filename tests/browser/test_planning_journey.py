"""A product manager's planning journey in real Chromium over real HTTP, on the demo workspace:
score a feature with ranges, run the Monte Carlo ranks, get the optimal plan for a capacity,
compare two scenarios and log the decision.

Screenshots are kept in test-artifacts/screenshots/ (planning-*.png).
"""

from __future__ import annotations

from typing import Any

import pytest

from northline.demo import DEMO_PASSWORD, load_demo
from northline.planning.models import Decision, PortfolioRun, ScoreInput, SimulationRun
from tests.browser.conftest import logged_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_score_simulate_plan_compare_and_decide(browser: Any, live_server: Any) -> None:
    login = load_demo()
    base = f"{live_server.url}/w/{login.workspace.slug}/planning"
    page = logged_in(browser, live_server.url, login.email, DEMO_PASSWORD)

    page.click("nav.sidebar >> text=Planning")
    assert page.url.endswith("/planning/")
    ranked = page.locator("table.ranked tbody tr")
    assert ranked.count() >= 12
    assert "reach ×" in ranked.first.inner_text()
    shot(page, "planning-01-ranked")

    page.click("table.ranked >> text=Audit log export")
    assert "Audit log export" in page.locator("h1").inner_text()
    page.fill("#id_reach__low", "60")
    page.fill("#id_reach__likely", "300")
    page.fill("#id_reach__high", "900")
    page.fill("#id_effort__low", "9")
    page.fill("#id_effort__likely", "2")
    page.fill("#id_effort__high", "1")
    page.click("button:has-text('Save estimates')")
    assert "F-10.effort: low (9) is greater than high (1)" in page.locator(".errors").inner_text()
    assert page.input_value("#id_reach__high") == "900"  # what was typed is kept
    page.fill("#id_effort__low", "1")
    page.fill("#id_effort__high", "4")
    page.click("button:has-text('Save estimates')")
    assert "Saved the estimates of F-10" in page.locator(".flash").inner_text()
    reach = ScoreInput.objects.get(feature__title="Audit log export", driver="reach", scenario=None)
    assert (reach.low, reach.likely, reach.high) == (60, 300, 900)
    assert page.locator("#history svg").count() == 2
    shot(page, "planning-02-feature-ranges")

    page.goto(f"{base}/chart/")
    assert page.locator("svg.quadrant-chart, svg").first.is_visible()
    shot(page, "planning-03-value-effort")

    page.goto(f"{base}/simulate/")
    page.fill("#id_top_n", "5")
    page.click("button:has-text('Run simulation')")
    assert SimulationRun.objects.count() == 2  # the demo's run and this one
    assert "P(top 5)" in page.content() or "top 5" in page.content()
    shot(page, "planning-04-monte-carlo")

    page.goto(f"{base}/plan/")
    page.fill("#id_periods", "Q1 2027: 20\nQ2 2027: 20")
    page.click("button:has-text('Optimise')")
    assert PortfolioRun.objects.count() == 3  # the demo's two plans and this one
    text = page.locator("main").inner_text()
    assert "optimal" in text.lower() and "Q1 2027" in text
    shot(page, "planning-05-plan")

    page.goto(f"{base}/scenarios/new/")
    page.fill("#id_name", "Half the team")
    page.fill("#id_periods", "Q1 2027: 12\nQ2 2027: 12")
    page.click("button:has-text('Create scenario')")
    assert "Half the team" in page.locator("h1").inner_text()
    page.goto(f"{base}/scenarios/compare/")
    page.select_option("select[name=b]", label="Two more engineers")
    page.click("button:has-text('Compare')")
    assert "Ranks: Baseline → Two more engineers" in page.locator("main").inner_text()
    shot(page, "planning-06-compare")

    page.goto(f"{base}/decisions/new/")
    page.fill("#id_title", "Ship the audit log export in Q1")
    page.fill("#id_options", "* Ship it in Q1 | small and certain\nWait for Q2")
    page.fill("#id_features", "F-10")
    page.click("button:has-text('Record decision')")
    decision = Decision.objects.get(title="Ship the audit log export in Q1")
    assert decision.status == "decided" and decision.decided_on is not None
    assert [f.title for f in decision.features.all()] == ["Audit log export"]
    assert "Ship it in Q1" in page.locator("main").inner_text()
    shot(page, "planning-07-decision")

    mobile = browser.new_page(viewport={"width": 390, "height": 844})
    mobile.context.add_cookies(page.context.cookies())
    mobile.goto(f"{base}/")
    assert mobile.locator("table.ranked").is_visible()
    shot(mobile, "planning-08-ranked-mobile")
    mobile.close()
    page.close()
