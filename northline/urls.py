"""URL map: pages of each app, the JSON API under /api/, health at /healthz."""

from __future__ import annotations

from django.urls import include, path

from northline.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("northline.accounts.urls")),
    path("", include("northline.planning.urls")),
    path("", include("northline.insights.urls")),
    path("", include("northline.portal.urls")),
    path("", include("northline.strategy.urls")),
    path("", include("northline.metrics.urls")),
    path("", include("northline.core.urls")),
]

handler404 = "northline.core.views.not_found"
handler500 = "northline.core.views.server_error"
