from __future__ import annotations

from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "northline.collaboration"
    label = "collaboration"
    default_auto_field = "django.db.models.BigAutoField"
