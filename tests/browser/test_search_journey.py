"""A search whose matches pass the count's cap, in real Chromium over real HTTP (decision
0033): the tabs read "N+", the list is the full newest-first list and its pages go on past
the cap. The cap is set low for the test instead of building 10,000 items.

Screenshot: test-artifacts/screenshots/insights-search-capped.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from northline.insights import views
from northline.insights.services import feedback as service
from northline.insights.services import search
from tests.browser.conftest import logged_in, shot
from tests.conftest import PASSWORD, access_for, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_capped_search_in_the_inbox(
    browser: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    monkeypatch.setattr(views, "PER_PAGE", 4)
    owner = make_user("pm@example.com", "Pat PM")
    workspace = make_workspace(owner, "Orbit")
    texts = [f"Export of report {n} to CSV fails" for n in range(9)] + ["Dark mode please"]
    service.import_feedback(access_for(owner, workspace), [{"text": t} for t in texts])

    page = logged_in(browser, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/w/{workspace.slug}/insights/")
    page.fill("input[name=q]", "expor")
    page.click("button:has-text('Apply')")
    tabs = page.locator("nav.status-tabs")
    assert "Open 5+" in tabs.inner_text() and "Archived 0" in tabs.inner_text()
    assert "5+ items: more than the search counts" in page.locator("main").inner_text()
    assert page.locator("table.inbox tbody tr").count() == 4
    assert "Page 1 of 2+" in page.locator("nav.pager").inner_text()
    shot(page, "insights-search-capped")
    page.click("a:has-text('Next')")
    page.click("a:has-text('Next')")
    assert page.locator("table.inbox tbody tr").count() == 1  # the 9th match, past the cap
    assert "Page 3 of 3" in page.locator("nav.pager").inner_text()
    assert page.locator("a:has-text('Next')").count() == 0
    page.close()
