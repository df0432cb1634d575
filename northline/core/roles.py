"""Workspace roles, ordered: each role can do everything the roles below it can."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        return {"viewer": 0, "editor": 1, "admin": 2, "owner": 3}[self.value]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


READ = Role.VIEWER
WRITE = Role.EDITOR
MANAGE = Role.ADMIN


def parse_role(value: str, field: str = "role") -> Role:
    from northline.core.errors import Invalid

    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(Role.values)
        raise Invalid(f"{field}: {value!r} is not one of {choices}") from None
