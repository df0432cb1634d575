"""Pages of strategy under /w/<slug>/vision/, /w/<slug>/objectives/ and /w/<slug>/alignment/."""

from __future__ import annotations

from .views import alignment, objectives, vision

app_name = "strategy"

urlpatterns = [
    *vision.urlpatterns,
    *objectives.urlpatterns,
    *alignment.urlpatterns,
]
