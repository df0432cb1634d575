"""JSON API of planning: scores."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: scores"])
