"""Template tags other apps' pages use to show strategy: `{% feature_objectives feature %}`
on planning's feature page lists the objectives the feature serves."""

from __future__ import annotations

from typing import Any

from django import template

from northline.planning.models import Feature

from ..services.alignment import objectives_for

register = template.Library()


@register.inclusion_tag("strategy/_feature_objectives.html")
def feature_objectives(feature: Feature) -> dict[str, Any]:
    return {"feature": feature, "objectives": objectives_for(feature)}
