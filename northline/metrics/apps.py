from __future__ import annotations

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "northline.metrics"
    label = "metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import AUTOMATIC, PHRASES

        from .services import AUTOMATIC as FOUND
        from .services import PHRASES as METRICS

        PHRASES.update(METRICS)
        AUTOMATIC.update(FOUND)
