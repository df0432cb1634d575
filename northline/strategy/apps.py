from __future__ import annotations

from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "northline.strategy"
    label = "strategy"
    verbose_name = "Strategy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import PHRASES

        from .services import PHRASES as STRATEGY

        PHRASES.update(STRATEGY)
