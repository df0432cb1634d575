"""What the strategy pages share: the page context and the KPI choices for pickers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE

from .. import periods


def page_context(access: Access, tab: str, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "vision", "tab": tab, "can_write": access.can(WRITE)} | extra


def kpi_choices(access: Access) -> list[tuple[str, str]]:
    from northline.metrics.models import Kpi

    rows = Kpi.objects.filter(workspace=access.workspace).order_by("name", "id")
    return [(str(k.pk), k.name + (f" ({k.unit})" if k.unit else "")) for k in rows]


def chosen_period(value: str | None) -> tuple[periods.Period, Invalid | None]:
    """The period a page asked for (the current quarter by default) and the error, if any,
    of a bad one (the page then shows the current quarter with the message)."""
    current = periods.quarter_of(timezone.localdate())
    try:
        return (periods.parse(value) if value else current), None
    except Invalid as error:
        return current, error
