from __future__ import annotations

from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "northline.experiments"
    label = "experiments"
    default_auto_field = "django.db.models.BigAutoField"
