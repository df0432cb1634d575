"""JSON API of planning: scenarios."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: scenarios"])
