"""Test helper: the public data sets, which live beside the repo in ``../shared/data``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "feedback"


def read_csv(name: str, **kwargs: str) -> list[dict[str, str]]:
    """Rows of a data file, or skip the test when the shared data is not beside the repo."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared data not found at {path.resolve()} (clone shared/ beside the repo)")
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, **kwargs))
