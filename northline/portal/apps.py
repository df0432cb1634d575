from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "northline.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import PHRASES

        from .services import PHRASES as PORTAL

        PHRASES.update(PORTAL)
