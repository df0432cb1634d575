"""Read-only share links to a product's vision: the secret is shown once and only its hash
kept; a link can expire and be revoked. Opening one is rate-limited per client address."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from northline.accounts.services import digest
from northline.core import activity, ratelimit
from northline.core.access import Access
from northline.core.errors import Conflict, Gone, Invalid, NotFound
from northline.core.roles import WRITE

from ..models import Product, ShareLink

VIEWS_PER_MINUTE = 60  # per client address, across all links


def links(product: Product) -> QuerySet[ShareLink]:
    return product.share_links.select_related("created_by")


def create_link(
    access: Access, product: Product, *, label: str = "", expires_at: datetime | None = None
) -> tuple[ShareLink, str]:
    """A new link and its secret, which is returned only here."""
    access.require(WRITE)
    label = (label or "").strip()
    if len(label) > 120:
        raise Invalid(f"label: must be at most 120 characters, got {len(label)}")
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)  # a time without a zone is the server's
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid(f"expires_at: must be in the future, got {expires_at.isoformat()}")
    secret = secrets.token_urlsafe(24)
    with transaction.atomic():
        link = ShareLink.objects.create(
            workspace=access.workspace, product=product, label=label, expires_at=expires_at,
            secret_hash=digest(secret), created_by=access.user,
        )  # fmt: skip
        activity.record(access.workspace, access.user, "share_link.created", product)
    return link, secret


def revoke(access: Access, link: ShareLink) -> ShareLink:
    access.require(WRITE)
    if link.revoked_at is not None:
        raise Conflict(f"link: {link} was already revoked")
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
        activity.record(access.workspace, access.user, "share_link.revoked", link.product)
    return link


def is_active(link: ShareLink) -> bool:
    expired = link.expires_at is not None and link.expires_at <= timezone.now()
    return link.revoked_at is None and not expired


def open_link(secret: str, *, client: str) -> ShareLink:
    """The link behind `secret`, counted as one view: 404 unknown, 410 revoked or expired,
    429 past VIEWS_PER_MINUTE for `client`."""
    ratelimit.hit(f"vision-share:{client}", VIEWS_PER_MINUTE, 60)
    link = (
        ShareLink.objects.select_related("product", "workspace")
        .filter(secret_hash=digest(secret))
        .first()
    )
    if link is None:
        raise NotFound("link not found; check the address you were sent")
    if link.revoked_at is not None:
        raise Gone("this link was revoked; ask for a new one")
    if not is_active(link):
        raise Gone("this link has expired; ask for a new one")
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=timezone.now())
    return link
