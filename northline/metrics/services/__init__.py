"""Metrics services. Other apps use the readings: `series`, `value_at` and `latest`."""

from __future__ import annotations

from .readings import Point, Series, latest, series, value_at

__all__ = ["Point", "Series", "latest", "series", "value_at"]
