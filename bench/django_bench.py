"""Django for a bench script, on a data directory of its own (a new temporary one unless
given), so a run never touches a real installation; the scripts import this as a sibling
module (`python bench/<script>.py` puts bench/ first on the path)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(data_dir: str | Path | None = None, *, prefix: str = "northline-bench-") -> Path:
    """Settings, data directory and `django.setup()`; returns the data directory. The test
    client's hosts are allowed (unless NORTHLINE_ALLOWED_HOSTS is set); the repository root
    goes on the path for `bench.*` imports."""
    folder = Path(data_dir or tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(NORTHLINE_DATA_DIR=str(folder), DJANGO_SETTINGS_MODULE="northline.settings")
    os.environ.setdefault("NORTHLINE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return folder
