"""The main journey in a real headless Chromium over real HTTP: sign up, create a workspace,
invite a member who joins through the link, create an API token and use it.

Screenshots are kept in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from northline.accounts.models import ApiToken, Membership, Workspace
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(page: Any, base: str, name: str, email: str, next_url: str = "") -> None:
    page.goto(f"{base}/signup/{next_url}")
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_password", "a long enough password")
    page.click("button:has-text('Sign up')")


def test_sign_up_create_workspace_invite_and_token(browser: Any, live_server: Any) -> None:
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/")
    assert "/login/" in page.url
    shot(page, "01-login")

    sign_up(page, base, "Lena Lead", "lena@example.com")
    assert page.url.endswith("/workspaces/new/")
    page.click("button:has-text('Create workspace')")
    assert page.locator(".field.invalid .error").inner_text() == "must not be empty"
    shot(page, "02-workspace-empty-name")
    page.fill("#id_name", "Orbit Product")
    page.click("button:has-text('Create workspace')")
    assert page.url.endswith("/w/orbit-product/")
    assert page.locator("h1").inner_text() == "Orbit Product"
    shot(page, "03-workspace-home")

    page.click("nav.sidebar >> text=Members")
    page.select_option("#id_role", "editor")
    page.click("button:has-text('Create invitation link')")
    link = page.locator("#invite-link").input_value()
    assert "/invite/" in link
    shot(page, "04-invitation-link")

    page.click("nav.sidebar >> text=API tokens")
    page.fill("#id_name", "Reporting script")
    page.click("button:has-text('Create token')")
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("nl_")
    shot(page, "05-token-created")

    invitee = browser.new_page(viewport={"width": 390, "height": 844})
    invitee.goto(link)
    assert "Join Orbit Product" in invitee.locator("h1").inner_text()
    invitee.click("text=Sign up to join")
    invitee.fill("#id_name", "Ed Editor")
    invitee.fill("#id_email", "ed@example.com")
    invitee.fill("#id_password", "a long enough password")
    invitee.click("button:has-text('Sign up')")
    invitee.click("button:has-text('Join as ed@example.com')")
    assert invitee.url.endswith("/w/orbit-product/")
    shot(invitee, "06-invitee-joined-mobile")
    invitee.close()

    page.click("nav.sidebar >> text=Activity")
    feed = page.locator("ol.feed").inner_text()
    assert "joined: Ed Editor (editor)" in feed and "created the API token Reporting script" in feed
    shot(page, "07-activity")
    page.close()

    request = urllib.request.Request(  # noqa: S310 — the local live server
        f"{base}/api/v1/workspaces/orbit-product/members",
        headers={"Authorization": f"Bearer {secret}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        members = json.load(response)
    assert {m["email"]: m["role"] for m in members} == {
        "lena@example.com": "owner",
        "ed@example.com": "editor",
    }
    assert Workspace.objects.get(slug="orbit-product").name == "Orbit Product"
    assert Membership.objects.filter(workspace__slug="orbit-product").count() == 2
    assert ApiToken.objects.get().token_hash != secret
