"""JSON API of planning: decisions."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: decisions"])
