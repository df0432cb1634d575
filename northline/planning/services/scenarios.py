"""Domain verbs of planning: scenarios."""

from __future__ import annotations

# Activity verbs of this module, as the feed phrases them ("feature.created" → "created").
PHRASES: dict[str, str] = {}
