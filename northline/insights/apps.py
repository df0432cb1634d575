from __future__ import annotations

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "northline.insights"
    label = "insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import AUTOMATIC, PHRASES

        from .services import PHRASES as INSIGHTS
        from .services import processing

        PHRASES.update(INSIGHTS)
        PHRASES.update(processing.PHRASES)
        AUTOMATIC.update(processing.AUTOMATIC)
