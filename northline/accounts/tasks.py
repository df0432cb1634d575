"""Background tasks of accounts."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from django_tasks import task

from northline.core.tasks import tracking

from . import export
from .models import Workspace


@task()
def export_workspace(progress_id: int, workspace_id: int) -> dict[str, Any]:
    with tracking(progress_id) as (report, result):
        workspace = Workspace.objects.get(pk=workspace_id)
        names = ["workspace", "members"] + [m._meta.label_lower for m, _ in export.scoped_models()]
        document: dict[str, Any] = {"format": "northline-export/1"}
        for done, (name, rows) in enumerate(export.sections(workspace), start=1):
            document[name] = rows
            report(int(90 * done / len(names)), f"Exported {name} ({len(rows)} rows)")
        path = export.export_path(workspace)
        path.write_text(json.dumps(document, indent=1, default=str))
        url = reverse("accounts:export_download", args=[workspace.slug, path.name])
        result.update(file=path.name, bytes=path.stat().st_size, url=url)
    return result
