"""The one place that loads workspace data for someone and checks their role.

An outsider (or a token for another workspace) gets NotFound, so nobody learns that a workspace
exists; a member whose role is too low for the action gets Forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from northline.core.errors import Forbidden, NotFound
from northline.core.roles import READ, Role

if TYPE_CHECKING:
    from northline.accounts.models import ApiToken, User, Workspace

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
    if membership is None or (actor.token and actor.token.workspace_id != membership.workspace_id):
        raise NotFound("workspace not found")
    role = Role(membership.role)
    if actor.token is not None and role.rank > Role(actor.token.role).rank:
        role = Role(actor.token.role)
    access = Access(membership.workspace, actor, role, membership.pk)
    access.require(needed)
    return access
