"""JSON API of strategy: one router per concept, mounted under /api/v1/workspaces/{slug}/."""

from __future__ import annotations

from ninja import Router

from . import alignment, objectives, vision

router = Router()
for module in (vision, objectives, alignment):
    router.add_router("", module.router)
