from __future__ import annotations

from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "northline.roadmap"
    label = "roadmap"
    default_auto_field = "django.db.models.BigAutoField"
