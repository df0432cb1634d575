"""Template context for the app shell: the areas and the user's workspaces for the switcher."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from northline.core.areas import AREAS


def shell(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    from northline.accounts.models import Membership

    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("workspace")
        .order_by("workspace__name")
    )
    return {
        "areas": AREAS,
        "my_workspaces": [m.workspace for m in memberships],
        "access": getattr(request, "access", None),
    }
