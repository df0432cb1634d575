"""HTTP benchmark of a production-style Northline server (not part of the test suite).

It builds a throw-away data directory (SQLite), loads the demo workspace plus ~200 activity
rows, starts `northline serve --no-demo --no-worker` (gunicorn sync workers) on 127.0.0.1 and
measures, against that one server and with the same number of connections:

  healthz   GET /healthz                                   the baseline (server + Django + SELECT 1)
  api       GET /api/v1/workspaces/acme/activity?limit=50  bearer token, JSON list of 50 rows
  page      GET /w/acme/                                   session cookie, the workspace overview

For each: requests/second, p50 and p99 latency, non-200 responses and errors, and the ratio of
`api` and `page` to `healthz` (the ratio is the figure: absolute numbers depend on the machine).

The load comes from wrk (apt-get install -y wrk) or, with --client python, from a
pure-Python thread pool; both run on the same machine as the server and compete for its cores.

    python bench/http_bench.py [--duration 10] [--warmup 2] [--concurrency 16] [--workers 3]
                               [--client wrk|python] [--json results.json] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HOST = "127.0.0.1"  # the only address this script ever binds or connects to
DEMO_EMAIL = "demo@northline.local"
DEMO_PASSWORD = "northline-demo"  # noqa: S105 — the documented demo login
SLUG = "acme"
EXTRA_ACTIVITY = 200
API_LIMIT = 50
INSTALL_WRK = (
    "wrk was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y wrk`, "
    "macOS: `brew install wrk`) or run with `--client python` (a slower, pure-Python load "
    "generator: its numbers are not comparable with wrk's)."
)

# Runs inside `northline shell -c`: a token for the demo owner and ~200 activity rows, made
# through the services (each rename records a workspace.renamed row with its changes).
SETUP_SNIPPET = f"""
from northline.accounts import services
from northline.accounts.models import User
from northline.core.access import Actor, load
from northline.core.models import Activity
from northline.core.roles import Role

owner = User.objects.get(email={DEMO_EMAIL!r})
access = load(Actor(owner), {SLUG!r}, Role.VIEWER)
for i in range({EXTRA_ACTIVITY - 1}):
    services.rename_workspace(access, f"Acme Analytics {{i + 1}}")
services.rename_workspace(access, "Acme Analytics")
token, secret = services.create_token(access, "HTTP benchmark", Role.VIEWER.value)
print("BENCH_TOKEN=" + secret)
print("BENCH_ACTIVITY=" + str(Activity.objects.filter(workspace=access.workspace).count()))
"""

# wrk: count statuses per thread, then print one JSON line with the figures in microseconds.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0; last_bad = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1; last_bad = status end
end
function done(summary, latency, requests)
  local ok_total, bad_total, last = 0, 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok"); bad_total = bad_total + t:get("bad")
    if t:get("last_bad") ~= 0 then last = t:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"ok":%d,"non_200":%d,"last_non_200":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\\n',
    summary.requests, summary.duration, ok_total, bad_total, last,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    what: str


@dataclass
class Result:
    name: str
    path: str
    what: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    non_200: int
    errors: int
    error_detail: dict[str, int] = field(default_factory=dict)
    client_cpu_cores: float = 0.0
    server_cpu_cores: float = 0.0
    other_cpu_cores: float = 0.0
    rps_ratio: float = 1.0
    p50_ratio: float = 1.0


# --- the machine and the server -------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions(client: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for package in ("northline", "Django", "django-ninja", "gunicorn"):
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    if client == "wrk":
        run = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        found["wrk"] = (
            (run.stdout or run.stderr).splitlines()[0] if run.stdout or run.stderr else ""
        )
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent,
        ).stdout.strip()  # fmt: skip
    return found


def northline_command() -> list[str]:
    """The `northline` command installed beside this interpreter (the one users run), else the
    same entry point through `python -m northline.cli`."""
    script = Path(sys.executable).with_name("northline")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "northline.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def prepare(env: dict[str, str]) -> tuple[str, int]:
    """Migrate, load the demo, add activity and a token: (the token's secret, activity rows)."""
    cli = northline_command()
    for step in (["migrate", "--verbosity", "0"], ["demo"]):
        subprocess.run([*cli, *step], env=env, check=True, stdout=subprocess.DEVNULL)
    shell = subprocess.run(
        [*cli, "shell", "-c", SETUP_SNIPPET], env=env, check=True, capture_output=True, text=True
    )
    found = dict(re.findall(r"^(BENCH_\w+)=(\S+)$", shell.stdout, re.MULTILINE))
    if "BENCH_TOKEN" not in found:
        raise RuntimeError(f"the setup snippet printed no token:\n{shell.stdout}{shell.stderr}")
    return found["BENCH_TOKEN"], int(found["BENCH_ACTIVITY"])


class Server:
    """`northline serve` in its own process group, stopped on exit, Ctrl+C or error."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.port = port
        self.log = log
        self._log = log.open("wb")
        arguments = [
            "serve", "--no-demo", "--no-worker",
            "--host", HOST, "--port", str(port), "--workers", str(workers),
        ]  # fmt: skip
        self.command = ["northline", *arguments]
        self.process = subprocess.Popen(
            [*northline_command(), *arguments],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's process tree so far (Linux; 0 elsewhere)."""
        total, tick = 0.0, os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        pending = [self.process.pid]
        while pending:
            pid = pending.pop()
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            pending.extend(int(child) for child in children)
        return total

    def stop(self) -> None:
        """SIGTERM to `northline serve` (it stops gunicorn gracefully); SIGKILL to the group
        it leads if it is still there after 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, 0)  # anything left of our group (gunicorn workers)?
            time.sleep(1)
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


# --- one request, the login ------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def cookies_of(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port: int) -> str:
    """Log in once through the form (attempts are rate-limited): the Cookie header to reuse."""
    status, headers, body = request(port, "GET", "/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    cookies = cookies_of(headers)
    if status != 200 or not match or "csrftoken" not in cookies:
        raise RuntimeError(f"GET /login/ answered {status} without a CSRF token")
    form = {
        "csrfmiddlewaretoken": match.group(1).decode(),
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "next": f"/w/{SLUG}/",
    }
    status, headers, _ = request(
        port, "POST", "/login/", body=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Origin": f"http://{HOST}:{port}",
        },
    )  # fmt: skip
    cookies.update(cookies_of(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"POST /login/ answered {status} (expected 302 with a session)")
    return "; ".join(f"{name}={cookies[name]}" for name in ("csrftoken", "sessionid"))


def check(port: int, target: Target) -> None:
    """One request before the load: the right answer, not just a 200."""
    status, _, body = request(port, "GET", target.path, target.headers)
    if status != 200:
        raise RuntimeError(f"{target.path} answered {status}: {body[:300]!r}")
    if target.name == "api" and len(json.loads(body)) != API_LIMIT:
        raise RuntimeError(f"{target.path} did not list {API_LIMIT} rows")
    if target.name == "page" and b"Recent activity" not in body:
        raise RuntimeError(f"{target.path} is not the workspace overview")


# --- load generators -------------------------------------------------------------------------


def run_wrk(
    port: int, target: Target, seconds: float, connections: int, threads: int, script: Path
) -> Result:
    command = [
        "wrk", "--threads", str(min(threads, connections)), "--connections", str(connections),
        "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s", "--script", str(script),
    ]  # fmt: skip
    for name, value in target.headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{target.path}")
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in run.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    detail = {k: data[k] for k in ("connect", "read", "write", "timeout") if data[k]}
    if data["non_200"]:
        detail[f"last status {data['last_non_200']}"] = data["non_200"]
    elapsed = data["duration_us"] / 1e6
    return Result(
        name=target.name, path=target.path, what=target.what,
        requests=data["requests"], seconds=round(elapsed, 3),
        rps=data["requests"] / elapsed,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000, non_200=data["non_200"],
        errors=sum(data[k] for k in ("connect", "read", "write", "timeout")),
        error_detail=detail,
    )  # fmt: skip


def run_python(port: int, target: Target, seconds: float, connections: int) -> Result:
    """`connections` threads, each sending the request again as soon as the answer is read
    (gunicorn's sync workers close every connection, so each request is a new one)."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    start_barrier = threading.Barrier(connections + 1)
    deadline = 0.0

    def worker(mine: list[float]) -> None:
        start_barrier.wait()
        while (began := time.perf_counter()) < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            try:
                conn.request("GET", target.path, headers=target.headers)
                response = conn.getresponse()
                response.read()
                outcome = None if response.status == 200 else f"status {response.status}"
            except (OSError, http.client.HTTPException) as error:
                outcome = type(error).__name__
            finally:
                conn.close()
            mine.append(time.perf_counter() - began)
            if outcome:
                with lock:
                    statuses[outcome] = statuses.get(outcome, 0) + 1

    pool = [threading.Thread(target=worker, args=(mine,), daemon=True) for mine in latencies]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start_barrier.wait()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for mine in latencies for x in mine)
    if not every:
        raise RuntimeError(f"no request to {target.path} finished")

    def pct(p: float) -> float:
        return every[min(len(every) - 1, max(0, round(p / 100 * len(every)) - 1))] * 1000

    non_200 = sum(n for k, n in statuses.items() if k.startswith("status"))
    return Result(
        name=target.name, path=target.path, what=target.what,
        requests=len(every), seconds=round(elapsed, 3), rps=len(every) / elapsed,
        p50_ms=pct(50), p90_ms=pct(90), p99_ms=pct(99),
        mean_ms=sum(every) / len(every) * 1000, max_ms=every[-1] * 1000,
        non_200=non_200, errors=sum(statuses.values()) - non_200, error_detail=statuses,
    )  # fmt: skip


def busy_cpu() -> float:
    """CPU seconds the whole machine has been busy (not idle or waiting on I/O) since boot."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def client_cpu() -> float:
    """CPU seconds of this process and its finished children (wrk) so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# --- output ----------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    head = (
        "| endpoint | requests | req/s | p50 ms | p99 ms | non-200 | errors "
        "| req/s ÷ healthz | p50 ÷ healthz p50 | CPU server | CPU client | CPU other |"
    )
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        rows.append(
            f"| {r.name} `{r.path}` | {r.requests} | {r.rps:.0f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.non_200} | {r.errors} | {r.rps_ratio:.2f} | "
            f"{r.p50_ratio:.2f} | {r.server_cpu_cores:.2f} | {r.client_cpu_cores:.2f} | "
            f"{r.other_cpu_cores:.2f} |"
        )
    return "\n".join(rows)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds measured per endpoint (default 10)"
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unmeasured load first (default 2)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk",
                        help="load generator (default wrk; python needs no install)")  # fmt: skip
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--duration, --concurrency and --workers must be positive")
    if args.client == "wrk" and shutil.which("wrk") is None:
        print(INSTALL_WRK, file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, interrupt)  # `kill`, a CI timeout: stop the server too
    data_dir = Path(tempfile.mkdtemp(prefix="northline-bench-"))
    env = {
        **os.environ,
        "NORTHLINE_DATA_DIR": str(data_dir),
        "NORTHLINE_DEBUG": "false",
        "NORTHLINE_ALLOWED_HOSTS": f"{HOST},localhost",
        "DJANGO_SETTINGS_MODULE": "northline.settings",
    }
    for name in ("NORTHLINE_DATABASE_URL", "NORTHLINE_SECRET_KEY", "NORTHLINE_TASKS"):
        env.pop(name, None)  # SQLite in the fresh directory, whatever the shell says
    server: Server | None = None
    before = busy_cpu()
    time.sleep(1)
    background = busy_cpu() - before
    if background > 0.25:
        print(
            f"WARNING: {background:.2f} cores were already busy before the benchmark: other work "
            "on this machine will disturb the figures (see the 'CPU other' column).",
            file=sys.stderr,
        )
    try:
        print(f"data directory {data_dir}: migrate, demo, {EXTRA_ACTIVITY} activity rows, token")
        token, activity_rows = prepare(env)
        port = free_port()
        server = Server(env, port, args.workers, data_dir / "server.log")
        print(f"starting: {' '.join(server.command)}")
        server.wait_healthy()
        cookie = log_in(port)
        targets = [
            Target("healthz", "/healthz", {}, "server + Django + SELECT 1"),
            Target(
                "api", f"/api/v1/workspaces/{SLUG}/activity?limit={API_LIMIT}",
                {"Authorization": f"Bearer {token}"}, f"bearer token, JSON list of {API_LIMIT}",
            ),
            Target("page", f"/w/{SLUG}/", {"Cookie": cookie}, "session cookie, HTML overview"),
        ]  # fmt: skip
        for target in targets:
            check(port, target)
        script = data_dir / "count.lua"
        script.write_text(WRK_SCRIPT)

        def load(target: Target, seconds: float) -> Result:
            if args.client == "wrk":
                return run_wrk(port, target, seconds, args.concurrency, args.wrk_threads, script)
            return run_python(port, target, seconds, args.concurrency)

        results: list[Result] = []
        for target in targets:
            if args.warmup > 0:
                load(target, args.warmup)
            print(f"  {target.name:8} {target.path} for {args.duration:g} s ...", flush=True)
            cpu_client, cpu_server, cpu_all = client_cpu(), server.cpu_seconds(), busy_cpu()
            result = load(target, args.duration)
            result.client_cpu_cores = (client_cpu() - cpu_client) / result.seconds
            result.server_cpu_cores = (server.cpu_seconds() - cpu_server) / result.seconds
            everything = (busy_cpu() - cpu_all) / result.seconds
            result.other_cpu_cores = max(
                0.0, everything - result.client_cpu_cores - result.server_cpu_cores
            )
            results.append(result)
        base = results[0]
        for r in results:
            r.rps_ratio = r.rps / base.rps
            r.p50_ratio = r.p50_ms / base.p50_ms if base.p50_ms else 0.0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        if server is not None:
            print(f"server log (last lines):\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    settings = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "client": args.client,
        "wrk_threads": args.wrk_threads if args.client == "wrk" else None,
        "activity_rows": activity_rows,
        "background_cpu_cores_before": round(background, 2),
    }
    info = machine()
    print()
    print(
        f"{info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB; client {args.client}, "
        f"{args.concurrency} connections, {args.workers} sync workers, "
        f"{args.duration:g} s each after {args.warmup:g} s warm-up"
    )
    print(table(results))
    print(
        "ratio = req/s of the endpoint ÷ req/s of /healthz (the figure). CPU = cores busy on "
        "average: server = northline serve + gunicorn, client = the load generator, other = "
        "the rest of the machine (anything but ~0 there means the figures are disturbed)."
    )
    failures = sum(r.non_200 + r.errors for r in results)
    if failures:
        print(f"WARNING: {failures} requests were not answered 200", file=sys.stderr)
    if args.json:
        payload = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": " ".join(["python", sys.argv[0], *(sys.argv[1:] if argv is None else argv)]),
            "machine": info,
            "versions": versions(args.client),
            "settings": settings,
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
