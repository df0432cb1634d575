"""JSON API of planning: features."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: features"])
