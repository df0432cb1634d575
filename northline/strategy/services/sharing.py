"""Read-only share links to a product's vision (`northline.core.share_links`: the secret is
shown once and only its hash kept; a link can expire and be revoked; opening one is
rate-limited per client address)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from northline.core import share_links
from northline.core.access import Access

from ..models import Product, ShareLink

SCOPE = "vision-share"  # the rate limit's key, per client address


def links(product: Product) -> QuerySet[ShareLink]:
    return product.share_links.select_related("created_by")


def create_link(
    access: Access, product: Product, *, label: str = "", expires_at: datetime | None = None
) -> tuple[ShareLink, str]:
    """A new link and its secret, which is returned only here."""
    return share_links.issue(
        access, ShareLink, product, verb="share_link.created", label=label,
        expires_at=expires_at, product=product,
    )  # fmt: skip


def revoke(access: Access, link: ShareLink) -> ShareLink:
    return share_links.revoke(access, link, link.product, verb="share_link.revoked")


def open_link(secret: str, *, client: str) -> ShareLink:
    return share_links.open_link(ShareLink, secret, client=client, scope=SCOPE, subject="product")
