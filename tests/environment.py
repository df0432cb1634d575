"""Loaded with `-p` before pytest-django reads the settings: give every run its own data dir."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("NORTHLINE_DATA_DIR", tempfile.mkdtemp(prefix="northline-test-"))
