"""Metrics services. Other apps use the readings: `series`, `value_at` and `latest`.

`PHRASES` says how the activity feed reads the verbs Northline records here by itself
(`AUTOMATIC`: an anomaly found, a SQL source that failed to refresh)."""

from __future__ import annotations

from .readings import Point, Series, latest, series, value_at

PHRASES: dict[str, str] = {
    "kpi.anomaly": "found an anomaly in",
    "sql_source.failed": "could not refresh the SQL source of",
}
AUTOMATIC = tuple(PHRASES)

__all__ = ["AUTOMATIC", "PHRASES", "Point", "Series", "latest", "series", "value_at"]
