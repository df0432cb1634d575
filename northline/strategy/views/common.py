"""What the strategy pages share: the page context and the KPI choices for pickers."""

from __future__ import annotations

from typing import Any

from northline.core.access import Access
from northline.core.roles import WRITE


def page_context(access: Access, tab: str, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "vision", "tab": tab, "can_write": access.can(WRITE)} | extra


def kpi_choices(access: Access) -> list[tuple[str, str]]:
    from northline.metrics.models import Kpi

    rows = Kpi.objects.filter(workspace=access.workspace).order_by("name", "id")
    return [(str(k.pk), k.name + (f" ({k.unit})" if k.unit else "")) for k in rows]
