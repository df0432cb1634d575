"""Write docs/cli.md from the `--help` of each `northline` command (tests/test_docs.py checks it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    "serve",
    "worker",
    "createuser",
    "demo",
    "backup",
    "restore",
    "check",
    "eval",
    "plan",
    "import",
    "recount_feedback",
    "metrics",
    "portal",
]
HEADER = """# Command line

`northline` is installed with the package. Its own commands are below; Django's management
commands (`migrate`, `shell`, `dbshell`, ...) are there too. Generated from `--help` by
`python scripts/cli_docs.py`; a test fails when this page is out of date.
"""


def help_text(command: str) -> str:
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "northline.cli", command, "--help"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return done.stdout.rstrip()


def render() -> str:
    sections = [f"\n## northline {c}\n\n```text\n{help_text(c)}\n```\n" for c in COMMANDS]
    return HEADER + "".join(sections)


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(render())
    print("wrote docs/cli.md")
