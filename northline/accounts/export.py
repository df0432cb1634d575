"""A full export of one workspace as JSON: its settings, members and every workspace-scoped row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.serializers import serialize
from django.db import models
from django.utils import timezone

from northline.core.models import WorkspaceScoped

from .models import Workspace


def scoped_models() -> list[tuple[type[models.Model], str]]:
    """Every concrete model whose rows belong to a workspace, with the lookup that finds them:
    `workspace` for workspace-scoped rows (and the activity log), `<parent>__workspace` for rows
    that hang off a workspace-scoped parent (votes of a round, risks of a decision)."""
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if issubclass(model, WorkspaceScoped) or model._meta.label_lower == "core.activity":
            found.append((model, "workspace"))
            continue
        parent = next(
            (
                f
                for f in model._meta.get_fields()
                if f.many_to_one
                and isinstance(f.related_model, type)
                and issubclass(f.related_model, WorkspaceScoped)
            ),
            None,
        )
        if parent is not None:
            found.append((model, f"{parent.name}__workspace"))
    return found


def sections(workspace: Workspace) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    members = workspace.memberships.select_related("user").order_by("created_at")
    yield "workspace", [{"name": workspace.name, "slug": workspace.slug}]
    yield (
        "members",
        [
            {
                "email": m.user.email,
                "name": m.user.name,
                "role": m.role,
                "since": m.created_at.isoformat(),
            }
            for m in members
        ],
    )
    for model, lookup in scoped_models():
        rows = model._default_manager.filter(**{lookup: workspace}).order_by("pk")
        yield model._meta.label_lower, json.loads(serialize("json", rows))


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(workspace: Workspace) -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return export_dir() / f"{workspace.slug}-{stamp}.json"
