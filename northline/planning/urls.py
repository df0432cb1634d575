"""Pages of planning under /w/<slug>/planning/: one `urlpatterns` list per concept module."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "planning"

urlpatterns: list[URLPattern] = []
