"""Read-only links by secret to one record, for people without an account: a product's
vision (`strategy`) and a dashboard (`metrics`). One implementation for both: the secret is
returned once and only its hash kept; a link can expire and be revoked; opening one is
rate-limited per client address and counted."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from northline.accounts.services import digest
from northline.core import activity, ratelimit
from northline.core.access import Access
from northline.core.errors import Conflict, Gone, Invalid, NotFound
from northline.core.models import ShareLinkBase
from northline.core.roles import WRITE

VIEWS_PER_MINUTE = 60  # per client address and kind of link, across all its links
LABEL_MAX = 120

Link = TypeVar("Link", bound=ShareLinkBase)


def issue(
    access: Access,
    model: type[Link],
    subject: models.Model,
    *,
    verb: str,
    label: Any = "",
    expires_at: datetime | None = None,
    prefix: str = "",
    **target: Any,
) -> tuple[Link, str]:
    """A new link to `subject` (given again in `target` as the model's foreign key) and its
    secret, which is returned only here. A naive `expires_at` is the server's time zone."""  # fmt: skip
    access.require(WRITE)
    label = str(label or "").strip()
    if len(label) > LABEL_MAX:
        raise Invalid(f"label: must be at most {LABEL_MAX} characters, got {len(label)}")
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid(f"expires_at: must be in the future, got {expires_at.isoformat()}")
    secret = prefix + secrets.token_urlsafe(32)
    with transaction.atomic():
        link = model._default_manager.create(
            workspace=access.workspace, label=label, expires_at=expires_at,
            secret_hash=digest(secret), created_by=access.user, **target,
        )  # fmt: skip
        changes = {"expires_at": expires_at.isoformat() if expires_at else None}
        activity.record(access.workspace, access.user, verb, subject, changes)
    return link, secret


def revoke(access: Access, link: Link, subject: models.Model, *, verb: str) -> Link:
    access.require(WRITE)
    if link.revoked_at is not None:
        raise Conflict(f"link: {link} was already revoked")
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
        activity.record(access.workspace, access.user, verb, subject)
    return link


def open_link(model: type[Link], secret: str, *, client: str, scope: str, subject: str) -> Link:
    """The link behind `secret`, counted as one view, with its `subject` relation loaded:
    404 unknown, 410 revoked or expired, 429 past VIEWS_PER_MINUTE for `client` in `scope`."""
    ratelimit.hit(f"{scope}:{client}", VIEWS_PER_MINUTE, 60)
    link = (
        model._default_manager.select_related(subject, "workspace")
        .filter(secret_hash=digest(secret))
        .first()
    )
    if link is None:
        raise NotFound("link not found; check the address you were sent")
    if link.revoked_at is not None:
        raise Gone("this link was revoked; ask for a new one")
    if not link.active:
        raise Gone("this link has expired; ask for a new one")
    model._default_manager.filter(pk=link.pk).update(
        views=F("views") + 1, last_viewed_at=timezone.now()
    )
    return link
