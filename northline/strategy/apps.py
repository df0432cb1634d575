from __future__ import annotations

from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "northline.strategy"
    label = "strategy"
    default_auto_field = "django.db.models.BigAutoField"
