from __future__ import annotations

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "northline.insights"
    label = "insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import PHRASES

        from .services import PHRASES as INSIGHTS
        from .services.processing import PHRASES as PROCESSING

        PHRASES.update(INSIGHTS)
        PHRASES.update(PROCESSING)
