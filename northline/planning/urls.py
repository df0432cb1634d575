"""Pages of planning under /w/<slug>/planning/: one `urlpatterns` list per concept module."""

from __future__ import annotations

from .views import analysis, decisions, features, kano, scenarios, scores

app_name = "planning"

urlpatterns = [
    *features.urlpatterns,
    *scores.urlpatterns,
    *scenarios.urlpatterns,
    *analysis.urlpatterns,
    *decisions.urlpatterns,
    *kano.urlpatterns,
]
