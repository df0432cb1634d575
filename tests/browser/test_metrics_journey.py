"""A product leader's metrics journey in real Chromium over real HTTP, on the demo workspace:
create a KPI, push a batch of points through the API, see its chart and the anomaly it raises,
compose a dashboard and open its share link without an account.

Screenshots are kept in test-artifacts/screenshots/ (metrics-*.png).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from northline.accounts import services as accounts
from northline.core.access import Actor, load
from northline.demo import DEMO_PASSWORD, load_demo
from northline.metrics.models import Alert, DashboardShare, Kpi
from northline.metrics.tasks import detect_anomalies
from tests.browser.conftest import logged_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kpi_points_chart_anomaly_dashboard_and_share(browser: Any, live_server: Any) -> None:
    login = load_demo()
    slug = login.workspace.slug
    page = logged_in(browser, live_server.url, login.email, DEMO_PASSWORD)

    page.click("nav.sidebar >> text=Metrics")
    assert page.url.endswith(f"/w/{slug}/metrics/")
    assert "Weekly active accounts" in page.locator("table.catalogue").inner_text()
    assert "Open anomaly alerts" in page.content()  # the demo's sign-up outage
    shot(page, "metrics-01-catalogue")
    page.click("table.catalogue >> text=Sign-ups")
    assert "By platform" in page.content() and "Anomaly:" in page.content()
    shot(page, "metrics-01b-demo-signups")
    page.goto(f"{live_server.url}/w/{slug}/metrics/")

    page.click("text=New KPI")
    page.fill("#id_name", "Activated teams")
    page.fill("#id_unit", "teams")
    page.select_option("#id_aggregation", "sum")
    page.click("button:has-text('Add KPI')")
    assert "Activated teams" in page.locator("h1").inner_text()
    kpi = Kpi.objects.get(workspace=login.workspace, key="activated-teams")

    access = load(Actor(login.workspace.memberships.get(user__email=login.email).user), slug)
    _, secret = accounts.create_token(access, "pipeline", "editor")
    today = timezone.localdate()
    days = [today - timedelta(days=70 - i) for i in range(70)]
    points = [
        {"date": d.isoformat(), "value": 40 + 6 * (d.weekday() < 5) + (i % 3),
         "dimension": {"team size": "small" if i % 2 else "large"}}
        for i, d in enumerate(days)
    ]  # fmt: skip
    points[-1]["value"] = 400
    points[-1]["dimension"] = {"team size": "small"}
    url = f"{live_server.url}/api/v1/workspaces/{slug}/kpis/{kpi.key}/points"
    response = page.request.post(
        url, data={"points": points}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200 and response.json()["stored"] == 70
    bad = page.request.post(url, data={"points": [{"date": "2026-01-05", "value": "lots"}]},
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    assert (
        bad.status == 422 and bad.json()["error"] == "points[0].value: must be a number, got 'lots'"
    )
    detect_anomalies.call(kpi_ids=[kpi.pk])  # what `northline worker` runs after the push
    assert Alert.objects.filter(kpi=kpi, date=days[-1]).exists()

    page.goto(f"{live_server.url}/w/{slug}/metrics/kpis/{kpi.key}/?window=90d&granularity=day")
    assert page.locator("figure.chart svg").first.is_visible()
    assert "By team size" in page.content()
    assert "observed 400" in page.locator("#kpi-alerts + ul").inner_text()
    shot(page, "metrics-02-kpi-chart-and-anomaly")

    page.goto(f"{live_server.url}/w/{slug}/metrics/dashboards/")
    page.fill("#id_name", "Activation")
    page.click("button:has-text('Create dashboard')")
    page.select_option("#id_kpi", kpi.key)
    page.select_option("#id_kind", "number")
    page.click("button:has-text('Add tile')")
    page.select_option("#id_kpi", kpi.key)
    page.select_option("#id_kind", "chart")
    page.select_option("#id_window", "90d")
    page.click("button:has-text('Add tile')")
    assert page.locator(".tile").count() == 2
    page.fill("#id_label", "Board meeting")
    page.fill("#id_days", "7")
    page.click("button:has-text('Create link')")
    link = page.input_value("input[aria-label='Share link']")
    assert "/d/nld_" in link and DashboardShare.objects.filter(label="Board meeting").exists()
    shot(page, "metrics-03-dashboard")

    anonymous = browser.new_context(viewport={"width": 1366, "height": 900})
    public = anonymous.new_page()
    public.goto(link)
    assert public.locator("h1").inner_text() == "Activation"
    assert public.locator(".tile").count() == 2 and public.locator("nav.sidebar").count() == 0
    assert "Add a tile" not in public.content()
    shot(public, "metrics-04-shared-dashboard")
    anonymous.close()
    page.close()
