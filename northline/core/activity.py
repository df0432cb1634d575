"""The activity log: services call `record` inside their transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from northline.core.models import Activity

if TYPE_CHECKING:
    from northline.accounts.models import User, Workspace


def record(
    workspace: Workspace,
    actor: User | None,
    verb: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> Activity:
    return Activity.objects.create(
        workspace=workspace,
        actor=actor,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for each field whose value changed."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
