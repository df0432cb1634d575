"""The real headless Chromium (Debian's package) that the browser journeys drive."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def logged_in(browser: Any, base_url: str, email: str, password: str) -> Any:
    """A new page, logged in through the log-in form as `email`."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base_url}/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("button:has-text('Log in')")
    return page


def submit(page: Any, button: str) -> None:
    """Click a form's button and wait for the page it answers with: a task it queues must
    exist before the worker runs (a slow server would otherwise answer after the worker ran)."""
    with page.expect_navigation():
        page.click(button)


def worker() -> None:
    """Run the real task worker over what is queued, then return."""
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
