"""Template tags other apps' pages use to show strategy: `{% feature_objectives feature %}`
on planning's feature page lists the objectives the feature serves."""

from __future__ import annotations

from typing import Any

from django import template

from northline.planning.models import Feature

from ..services.alignment import objectives_for

register = template.Library()


@register.filter
def measure(value: Any) -> str:
    """A key result's number with three significant digits below 100 (a rate of 0.175 stays
    0.175 rather than 0.18), whole or with two decimals above."""
    if value is None or value == "":
        return ""
    number = float(value)
    if abs(number) >= 100:
        return f"{number:.2f}".rstrip("0").rstrip(".")
    return f"{number:.3g}"


@register.inclusion_tag("strategy/_feature_objectives.html")
def feature_objectives(feature: Feature) -> dict[str, Any]:
    return {"feature": feature, "objectives": objectives_for(feature)}
