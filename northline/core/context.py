"""Template context for the app shell: the areas and the user's workspaces for the switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from northline.core.access import memberships_of
from northline.core.areas import AREAS


def shell(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    memberships = getattr(request, "memberships", None)  # read by `pages.workspace_for`
    if memberships is None:
        memberships = memberships_of(request.user)
    return {
        "areas": AREAS,
        "my_workspaces": [m.workspace for m in memberships],
        "access": getattr(request, "access", None),
    }
