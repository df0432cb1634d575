"""The one place that loads workspace data for someone and checks their role.

An outsider (or a token for another workspace) gets NotFound, so nobody learns that a workspace
exists; a member whose role is too low for the action gets Forbidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import models

from northline.core.errors import Forbidden, NotFound
from northline.core.roles import READ, WRITE, Role

if TYPE_CHECKING:
    from northline.accounts.models import ApiToken, Membership, User, Workspace

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user, or a user acting through an API token."""

    user: User
    token: ApiToken | None = None


@dataclass(frozen=True)
class Access:
    workspace: Workspace
    actor: Actor
    role: Role
    membership_id: int

    @property
    def user(self) -> User:
        return self.actor.user

    def can(self, needed: Role) -> bool:
        return self.role.allows(needed)

    def require(self, needed: Role) -> None:
        if not self.role.allows(needed):
            raise Forbidden(
                f"this needs the {needed.value} role or higher; your role is {self.role.value}"
            )

    def get(self, model: type[M], **lookup: Any) -> M:
        """The workspace's object matching `lookup`, or NotFound."""
        try:
            return model._default_manager.get(workspace=self.workspace, **lookup)
        except (model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
            raise NotFound(f"{model._meta.verbose_name} not found") from None


def load(actor: Actor, workspace_slug: str, needed: Role = READ) -> Access:
    """The workspace `workspace_slug` as `actor` may use it, if their role allows `needed`."""
    from northline.accounts.models import Membership

    membership = (
        Membership.objects.select_related("workspace")
        .filter(workspace__slug=workspace_slug, user=actor.user, user__is_active=True)
        .first()
    )
    return _granted(actor, membership, needed)


def intake_access(workspace: Workspace) -> Access:
    """The access through which a public channel (the portal) writes what customers post into
    the workspace: the workspace itself, with the editor's rights the intake services need and
    no team member behind it, so the activity feed shows no team actor for a customer's post.
    Only code that has already checked the visitor may use it; no page or endpoint of the team
    calls it."""
    return Access(workspace, Actor(user=cast("User", None)), WRITE, membership_id=0)


def load_among(
    actor: Actor, memberships: Sequence[Membership], workspace_slug: str, needed: Role = READ
) -> Access:
    """`load`, choosing from the signed-in user's memberships (`memberships_of`) that a page
    has read anyway for the workspace switcher: one query for both."""
    found = (
        m for m in memberships if m.workspace.slug == workspace_slug and m.user_id == actor.user.pk
    )
    return _granted(actor, next(found, None) if actor.user.is_active else None, needed)


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their workspaces, by workspace name."""
    from northline.accounts.models import Membership

    rows = Membership.objects.filter(user=user, user__is_active=True).select_related("workspace")
    return list(rows.order_by("workspace__name", "workspace_id"))


def _granted(actor: Actor, membership: Membership | None, needed: Role) -> Access:
    if membership is None or (actor.token and actor.token.workspace_id != membership.workspace_id):
        raise NotFound("workspace not found")
    role = Role(membership.role)
    if actor.token is not None and role.rank > Role(actor.token.role).rank:
        role = Role(actor.token.role)
    access = Access(membership.workspace, actor, role, membership.pk)
    access.require(needed)
    return access
