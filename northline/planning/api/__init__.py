"""JSON API of planning: one router per concept, mounted under /api/v1/workspaces/{slug}/."""

from __future__ import annotations

from ninja import Router

from . import analysis, decisions, features, kano, scenarios, scores

router = Router()
for module in (features, scores, scenarios, analysis, decisions, kano):
    router.add_router("", module.router)
