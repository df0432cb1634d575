"""The portal's settings (admins change them) and who may see it.

Visitors never learn more than they may: a disabled portal, or a private one seen by someone
whose e-mail is neither on an allowed domain nor invited, is "not found" like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from northline.accounts.models import Workspace
from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid, NotFound, Unauthorized
from northline.core.roles import MANAGE
from northline.insights.models import Customer
from northline.insights.services import fields as check
from northline.insights.services.fields import Errors

from ..models import Portal
from ..tasks import mail_invitations

Visibility = Portal.Visibility
SETTINGS = ("enabled", "visibility", "title", "intro", "moderation", "allowed_domains",
            "invited_emails")  # fmt: skip
MAX_LIST = 500


def portal_of(workspace: Workspace) -> Portal:
    """The workspace's portal; a new one is off, public, titled after the workspace."""
    portal = Portal.objects.filter(workspace=workspace).select_related("workspace").first()
    return portal or Portal(workspace=workspace, title=f"{workspace.name} ideas")


def _names(value: Any, field: str, clean: Any) -> list[str]:
    """A list of domains or e-mails from a list or from text (one per line or comma)."""
    items = value.replace(",", "\n").split() if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise Invalid(f"{field}: must be a list, got {value!r}")
    names: list[str] = []
    for index, item in enumerate(items):
        name = clean(item, f"{field}[{index}]")
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_LIST:
        raise Invalid(f"{field}: at most {MAX_LIST} entries, got {len(names)}")
    return names


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field}: must be true or false, got {value!r}")
    return value


CHECKS = {
    "enabled": lambda v: _flag(v, "enabled"),
    "moderation": lambda v: _flag(v, "moderation"),
    "visibility": lambda v: check.choice(v, "visibility", Visibility.values),
    "title": lambda v: check.text(v, "title", 200, required=True),
    "intro": lambda v: check.text(v, "intro", 5000),
    "allowed_domains": lambda v: _names(v, "allowed_domains", check.domain),
    "invited_emails": lambda v: _names(v, "invited_emails", check.email),
}


def _snapshot(portal: Portal) -> dict[str, Any]:
    return {name: getattr(portal, name) for name in SETTINGS}


def update_portal(access: Access, fields: Mapping[str, Any], *, sign_in_url: str = "") -> Portal:
    """Change the settings given; every error at once, nothing saved on any. Newly invited
    addresses of an enabled portal are e-mailed `sign_in_url` (when given) once it commits."""
    access.require(MANAGE)
    errors = Errors()
    errors.check(check.unknown, fields, SETTINGS, "portal")
    values = {name: errors.check(CHECKS[name], v) for name, v in fields.items() if name in CHECKS}
    errors.raise_any()
    portal = portal_of(access.workspace)
    created, before = portal.pk is None, _snapshot(portal)
    with transaction.atomic():
        for name, value in values.items():
            setattr(portal, name, value)
        portal.save()
        verb = "portal.created" if created else "portal.updated"
        changes = activity.diff(before, _snapshot(portal))
        if created or changes:
            activity.record(access.workspace, access.user, verb, portal, changes)
        invited = [e for e in portal.invited_emails if e not in before["invited_emails"]]
        if invited and sign_in_url and portal.enabled:
            transaction.on_commit(lambda: mail_invitations.enqueue(portal.pk, invited, sign_in_url))
    return portal


def may_enter(portal: Portal, email: str) -> bool:
    """Whether a customer with this e-mail may use the portal (always, when it is public)."""
    if portal.visibility == Visibility.PUBLIC:
        return True
    domain = email.rsplit("@", 1)[-1].lower()
    return email.lower() in portal.invited_emails or domain in portal.allowed_domains


@dataclass(frozen=True)
class Visit:
    """Someone on a portal: a signed-in customer, or nobody yet; `client` is their address,
    for the rate limits."""

    portal: Portal
    customer: Customer | None
    client: str

    @property
    def workspace(self) -> Workspace:
        return self.portal.workspace

    def signed_in(self) -> Customer:
        if self.customer is None:
            raise Unauthorized("Sign in with your e-mail address first")
        return self.customer


def open_portal(slug: str, customer: Customer | None, client: str) -> Visit:
    """The portal of workspace `slug` as this visitor may see it, or NotFound."""
    portal = Portal.objects.select_related("workspace").filter(workspace__slug=slug).first()
    if portal is None or not portal.enabled:
        raise NotFound("portal not found")
    if customer is not None and customer.workspace_id != portal.workspace_id:
        customer = None
    if portal.visibility == Visibility.PRIVATE and not (
        customer is not None and may_enter(portal, customer.email)
    ):
        raise NotFound("portal not found")
    return Visit(portal, customer, client)


def sign_in_portal(slug: str) -> Portal:
    """The portal whose sign-in page anyone may open (private ones too: that is how invited
    customers get in); NotFound when it is missing or off."""
    portal = Portal.objects.select_related("workspace").filter(workspace__slug=slug).first()
    if portal is None or not portal.enabled:
        raise NotFound("portal not found")
    return portal
