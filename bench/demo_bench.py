"""How long loading the demo workspace takes (not part of the test suite): the whole
`load_demo()` on a fresh SQLite data directory, and the insights part of it (companies,
people, ~300 items through the intake, links, processing and themes), each as wall and CPU
time, with the load average, since the demo must start in seconds on a small machine.

    python bench/demo_bench.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django_bench


def timed(report: dict[str, Any], name: str, run: Any) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    report[name] = {
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    django_bench.start()
    from django.core.management import call_command

    from northline import demo
    from northline.insights import demo as insights_demo
    from northline.insights.models import Feedback

    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "load_average_before": os.getloadavg(),
    }
    original = insights_demo.load

    def load_insights(*args: Any) -> Any:
        return timed(report, "insights_part", lambda: original(*args))

    insights_demo.load = load_insights  # to time the part alone
    login = timed(report, "load_demo", demo.load_demo)
    report["items"] = Feedback.objects.filter(workspace=login.workspace).count()
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
