"""JSON API of planning: kano."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning: kano"])
