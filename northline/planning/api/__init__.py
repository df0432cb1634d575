"""JSON API of planning: one router per concept, mounted under /api/v1/workspaces/{slug}/."""

from __future__ import annotations

from ninja import Router

router = Router()
