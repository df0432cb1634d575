"""Sign-up, log-in, log-out, the workspace form and invitation links as pages."""

from __future__ import annotations

import pytest
from django.test import Client

from northline.accounts import services
from northline.accounts.models import Membership, User, Workspace
from tests.conftest import PASSWORD, Team, make_user

pytestmark = pytest.mark.django_db


def test_sign_up_page_shows_service_messages_beside_fields() -> None:
    make_user("taken@example.com")
    response = Client().post("/signup/", {"email": "taken@example.com", "password": "short"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "&#x27;taken@example.com&#x27; is already registered; log in instead" in html
    assert User.objects.count() == 1


def test_sign_up_logs_in_and_asks_for_a_workspace() -> None:
    client = Client()
    response = client.post(
        "/signup/", {"email": "new@example.com", "password": PASSWORD, "name": "N"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/workspaces/new/"


def test_log_in_page_and_its_rate_limit() -> None:
    make_user("ann@example.com")
    client = Client()
    for _ in range(10):
        wrong = client.post("/login/", {"email": "ann@example.com", "password": "nope"})
        assert b"Incorrect e-mail or password" in wrong.content
    limited = client.post("/login/", {"email": "ann@example.com", "password": PASSWORD})
    assert b"Too many attempts; try again in" in limited.content
    assert "_auth_user_id" not in client.session


def test_log_in_redirects_only_to_local_paths(team: Team) -> None:
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example.com/",
        {"email": "owner@example.com", "password": PASSWORD},
    )
    assert response["Location"] == "/"
    response = Client().post(
        "/login/", {"email": "owner@example.com", "password": PASSWORD, "next": "/w/acme/members/"}
    )
    assert response["Location"] == "/w/acme/members/"


def test_log_out_needs_post(team: Team) -> None:
    client = team.client("owner")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/w/acme/")["Location"].startswith("/login/")


def test_home_goes_to_the_last_workspace_used(team: Team) -> None:
    client = team.client("owner")
    other = services.create_workspace(team.owner, "Zeta")
    client.get(f"/w/{other.slug}/")
    assert client.get("/")["Location"] == f"/w/{other.slug}/"


def test_workspace_form(team: Team) -> None:
    client = team.client("viewer")
    empty = client.post("/workspaces/new/", {"name": "  "})
    assert b'<p class="error">must not be empty</p>' in empty.content
    created = client.post("/workspaces/new/", {"name": "Viewer's own"})
    assert created["Location"] == "/w/viewers-own/"
    assert Workspace.objects.get(slug="viewers-own").memberships.get().role == "owner"


def test_invitation_link_for_an_anonymous_visitor_then_join(team: Team) -> None:
    _, secret = services.invite(team.access("admin"), "editor")
    client = Client()
    page = client.get(f"/invite/{secret}/")
    assert b"Join Acme" in page.content and b"Sign up to join" in page.content
    client.force_login(make_user("joiner@example.com"))
    joined = client.post(f"/invite/{secret}/")
    assert joined["Location"] == "/w/acme/"
    assert Membership.objects.get(user__email="joiner@example.com").role == "editor"
    again = Client().get(f"/invite/{secret}/")
    assert again.status_code == 410 and b"already used" in again.content


def test_switcher_lists_only_my_workspaces(team: Team) -> None:
    html = team.client("editor").get("/w/acme/").content.decode()
    assert "Acme" in html and "Elsewhere" not in html


def test_sign_up_is_rate_limited_per_client() -> None:
    client = Client()
    for n in range(20):
        client.post("/signup/", {"email": f"bot{n}@example.com", "password": "x"})
    limited = client.post("/signup/", {"email": "real@example.com", "password": PASSWORD})
    assert b"Too many attempts; try again in" in limited.content
    assert not User.objects.filter(email="real@example.com").exists()
