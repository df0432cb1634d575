"""Customers sign in to a portal by e-mail: a magic link (single use, expiring, only its hash
kept) opens a portal session, which has its own cookie and is apart from team logins.

Asking for a link answers the same whether or not a link was sent, so the form does not tell
strangers which addresses may enter a private portal.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from northline.accounts.services import clean_email, digest
from northline.core import ratelimit
from northline.core.access import intake_access
from northline.core.errors import Gone, NotFound
from northline.insights.models import Customer
from northline.insights.services.customers import customer_for

from ..models import Portal, PortalSession, SignInLink
from ..tasks import purge_expired_sign_ins
from . import antispam
from .portal import may_enter

LINK_MINUTES = 30
SESSION_DAYS = 30
PURGE_EVERY = 3600  # seconds: sign-in requests queue the purge at most this often


def request_link(
    portal: Portal, email: str, client: str, honeypot: str = ""
) -> tuple[SignInLink, str] | None:
    """A new sign-in link for `email` and its secret (to mail), or None when this address may
    not enter the portal. Rate-limited per client address and per address asked for."""
    antispam.check_honeypot(honeypot)
    email = clean_email(email)
    antispam.limit("sign_in", portal.workspace_id, client, email)
    if not may_enter(portal, email):
        return None
    secret = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        workspace=portal.workspace, email=email, token_hash=digest(secret),
        expires_at=timezone.now() + timedelta(minutes=LINK_MINUTES),
    )  # fmt: skip
    if purge_due():
        transaction.on_commit(purge_expired_sign_ins.enqueue)
    return link, secret


def find_link(portal: Portal, secret: str) -> SignInLink:
    """The unused, unexpired link of this portal with this secret; NotFound or Gone."""
    link = SignInLink.objects.filter(workspace=portal.workspace, token_hash=digest(secret)).first()
    if link is None:
        raise NotFound("sign-in link not found; ask for a new one")
    if link.used_at is not None:
        raise Gone("this sign-in link was already used; ask for a new one")
    if link.expires_at <= timezone.now():
        raise Gone("this sign-in link expired; ask for a new one")
    return link


def use_link(portal: Portal, secret: str) -> tuple[PortalSession, str]:
    """Spend the link: the customer with its e-mail (created if new) gets a session; returns
    it with the secret for the session cookie."""
    with transaction.atomic():
        link = find_link(portal, secret)
        if not SignInLink.objects.filter(pk=link.pk, used_at=None).update(used_at=timezone.now()):
            raise Gone("this sign-in link was already used; ask for a new one")
        customer = customer_for(intake_access(portal.workspace), {"email": link.email})
        assert customer is not None
        session_secret = secrets.token_urlsafe(32)
        session = PortalSession.objects.create(
            workspace=portal.workspace, customer=customer, token_hash=digest(session_secret),
            expires_at=timezone.now() + timedelta(days=SESSION_DAYS),
        )  # fmt: skip
    return session, session_secret


def session_customer(slug: str, secret: str) -> Customer | None:
    """The customer signed in to workspace `slug`'s portal with this session secret."""
    if not secret:
        return None
    session = (
        PortalSession.objects.select_related("customer__company")
        .filter(token_hash=digest(secret), workspace__slug=slug, expires_at__gt=timezone.now())
        .first()
    )
    return session.customer if session else None


def sign_out(secret: str) -> None:
    PortalSession.objects.filter(token_hash=digest(secret)).delete()


def purge_expired() -> tuple[int, int]:
    """Delete every workspace's expired portal sessions and sign-in links (used or not: an
    expired one can never be spent, and only its hash was kept); returns how many of each.
    Two indexed DELETEs on `expires_at`, safe to run on any machine at any time."""
    now = timezone.now()
    sessions, _ = PortalSession.objects.filter(expires_at__lte=now).delete()
    links, _ = SignInLink.objects.filter(expires_at__lte=now).delete()
    return sessions, links


def purge_due() -> bool:
    """Whether this sign-in request should queue the purge: true for the first request in each
    PURGE_EVERY window across all app servers (one shared database counter), so expired rows
    go away on an installation that schedules nothing itself."""
    return ratelimit.first_in_window("portal:purge-expired", PURGE_EVERY)
