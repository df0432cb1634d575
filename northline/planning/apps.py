from __future__ import annotations

from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "northline.planning"
    label = "planning"
    verbose_name = "Planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import PHRASES

        from .services import analysis, decisions, estimation, features, kano, scenarios, scores

        for module in (features, scores, estimation, scenarios, analysis, decisions, kano):
            PHRASES.update(module.PHRASES)
