"""JSON API of planning: analysis."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: analysis"])
