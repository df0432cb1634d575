from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "northline.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from northline.core.models import PHRASES
        from northline.insights.services.demand import register_supporters

        from .services import PHRASES as PORTAL
        from .services.evidence import vote_supporters

        PHRASES.update(PORTAL)
        register_supporters(vote_supporters)
