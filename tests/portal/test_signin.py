"""Customers sign in to a portal by e-mail: a single-use, expiring magic link (only its hash
stored) opens a portal session of its own, apart from team logins; private portals send links
only to allowed addresses; sign-in requests are rate-limited per client and per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from northline.accounts.services import digest
from northline.insights.models import Customer
from northline.portal.models import PortalSession, SignInLink
from northline.portal.services import antispam
from northline.portal.views.public import COOKIE
from tests.conftest import Team
from tests.portal.helpers import link_in_outbox, make_portal, sign_in

pytestmark = pytest.mark.django_db


def test_magic_link_signs_in_once_and_creates_the_customer(team: Team) -> None:
    make_portal(team)
    client = Client()
    base = f"/p/{team.workspace.slug}"
    response = client.post(f"{base}/sign-in/", {"email": "  Ann@Acme.com "})
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox[-1].subject == "Sign in to Acme ideas"
    link = link_in_outbox("ann@acme.com")
    secret = link.rstrip("/").rsplit("/", 1)[1]
    stored = SignInLink.objects.get()
    assert stored.token_hash == digest(secret) and secret not in stored.token_hash
    assert client.get(link).status_code == 200  # shows a button; a mail scanner spends nothing
    assert SignInLink.objects.get().used_at is None
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"{base}/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["path"] == f"{base}/"
    customer = Customer.objects.get(workspace=team.workspace, email="ann@acme.com")
    assert PortalSession.objects.get().customer == customer
    assert "ann@acme.com" in client.get(f"{base}/").content.decode()
    again = Client().post(link)
    assert again.status_code == 410
    assert "already used" in again.content.decode()


def test_an_expired_or_unknown_link_is_refused(team: Team) -> None:
    make_portal(team)
    base = f"/p/{team.workspace.slug}"
    Client().post(f"{base}/sign-in/", {"email": "ann@acme.com"})
    link = link_in_outbox("ann@acme.com")
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert Client().get(f"{base}/sign-in/not-a-real-secret/").status_code == 404
    assert not PortalSession.objects.exists()


def test_sign_out_ends_the_session(team: Team) -> None:
    make_portal(team)
    client = sign_in(team.workspace, "ann@acme.com")
    base = f"/p/{team.workspace.slug}"
    assert client.post(f"{base}/sign-out/").status_code == 302
    assert not PortalSession.objects.exists()
    assert "ann@acme.com" not in client.get(f"{base}/").content.decode()


def test_portal_session_and_team_login_are_separate(team: Team) -> None:
    make_portal(team)
    customer = sign_in(team.workspace, "owner@example.com")  # the same address as a team member
    assert customer.get(f"/w/{team.workspace.slug}/portal/").status_code == 302  # to log-in
    member = team.client("owner")
    page = member.get(f"/p/{team.workspace.slug}/").content.decode()
    assert "Sign out" not in page and "Sign in" in page


def test_private_portal_mails_only_allowed_addresses_and_says_the_same(team: Team) -> None:
    make_portal(team, visibility="private", allowed_domains=["acme.com"],
                invited_emails=["bo@partner.io"])  # fmt: skip
    base = f"/p/{team.workspace.slug}"
    stranger = Client().post(f"{base}/sign-in/", {"email": "eve@evil.io"})
    allowed = Client().post(f"{base}/sign-in/", {"email": "ann@acme.com"})
    invited = Client().post(f"{base}/sign-in/", {"email": "bo@partner.io"})
    assert stranger.status_code == allowed.status_code == invited.status_code == 200
    assert "Check your e-mail" in stranger.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@acme.com", "bo@partner.io"]


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "email: must not be empty"), ("ann@", "email: 'ann@' is not a valid e-mail address")],
)
def test_bad_addresses_are_named(team: Team, email: str, message: str) -> None:
    make_portal(team)
    response = Client().post(f"/p/{team.workspace.slug}/sign-in/", {"email": email})
    assert response.status_code == 422
    assert message.split(": ", 1)[1].replace("'", "&#x27;") in response.content.decode()
    assert not mail.outbox


def test_honeypot_sends_nothing(team: Team) -> None:
    make_portal(team)
    response = Client().post(
        f"/p/{team.workspace.slug}/sign-in/", {"email": "bot@spam.io", "website": "http://x"}
    )
    assert response.status_code == 422
    assert "leave this field empty" in response.content.decode()
    assert not mail.outbox and not SignInLink.objects.exists()


def test_sign_in_requests_are_limited_per_address(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(antispam.LIMITS, "sign_in", ((100, 3600), (2, 3600)))
    make_portal(team)
    url = f"/p/{team.workspace.slug}/sign-in/"
    codes = [Client().post(url, {"email": "ann@acme.com"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Client().post(url, {"email": "bo@acme.com"}).status_code == 200
    assert len(mail.outbox) == 3


def test_sign_in_requests_are_limited_per_client(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(antispam.LIMITS, "sign_in", ((2, 3600), (100, 3600)))
    make_portal(team)
    url = f"/p/{team.workspace.slug}/sign-in/"
    codes = [Client().post(url, {"email": f"p{n}@acme.com"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    other = Client(REMOTE_ADDR="10.9.9.9").post(url, {"email": "p9@acme.com"})
    assert other.status_code == 200
