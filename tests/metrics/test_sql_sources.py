"""SQL sources against real SQLite and DuckDB files made here: rows stored, read-only both in
the statement check and the connection, timeouts, failures, wrong columns; every refresh logged
and a failing one retried with exponential backoff and reported in the feed."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from northline.core.errors import Forbidden, Invalid
from northline.core.models import Activity
from northline.metrics import sql_runner
from northline.metrics.models import DataPoint, SqlRefresh
from northline.metrics.services import kpis, series, sql_sources
from tests.conftest import Team


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE signups (day TEXT, platform TEXT, n INTEGER)")
        db.executemany(
            "INSERT INTO signups VALUES (?, ?, ?)",
            [("2026-01-05", "ios", 3), ("2026-01-05", "web", 4), ("2026-01-06", "ios", 5)],
        )
    return f"sqlite:///{path}"


@pytest.fixture
def duckdb_file(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.duckdb"
    db = duckdb.connect(str(path))
    db.execute("CREATE TABLE orders (placed TIMESTAMP, amount DECIMAL(10, 2))")
    db.execute(
        "INSERT INTO orders VALUES ('2026-01-05 10:00', 10.5), ('2026-01-05 18:00', 4.5), ('2026-01-07 09:00', 2)"
    )
    db.close()
    return f"duckdb:///{path}"


WRITES = [
    ("DELETE FROM signups", "query: must be a SELECT (read-only); it starts with DELETE"),
    ("SELECT 1; DROP TABLE signups", "query: only one statement is allowed (found ';' inside)"),
    (
        "WITH x AS (DELETE FROM signups RETURNING *) SELECT * FROM x",
        "query: read-only; DELETE is not allowed",
    ),
    ("SELECT day, n INTO backup FROM signups", "query: read-only; INTO is not allowed"),
    ("", "query: must not be empty"),
]


@pytest.mark.parametrize(("sql", "message"), WRITES)
def test_statements_that_could_write_are_refused(sql: str, message: str) -> None:
    with pytest.raises(sql_runner.SourceError) as caught:
        sql_runner.check_statement(sql)
    assert str(caught.value) == message


def test_words_inside_strings_and_comments_are_fine() -> None:
    sql = "SELECT day, n -- drop?\nFROM signups WHERE platform <> 'delete; insert' ;"
    assert sql_runner.check_statement(sql) == sql.strip().rstrip(";").strip()


def test_the_sqlite_connection_itself_is_read_only(sqlite_file: str) -> None:
    with (
        sql_runner._sqlalchemy(sqlite_file, 5) as (execute, _),
        pytest.raises(Exception, match="readonly"),
    ):
        execute("INSERT INTO signups VALUES ('2026-01-07', 'ios', 1)", 10)
    with sqlite3.connect(sqlite_file.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM signups").fetchone() == (3,)


def test_the_duckdb_connection_itself_is_read_only(duckdb_file: str) -> None:
    with (
        sql_runner._duckdb(sql_runner.duckdb_path(duckdb_file) or "") as (execute, _),
        pytest.raises(duckdb.Error, match="read-only"),
    ):
        execute("INSERT INTO orders VALUES ('2026-01-08', 1)", 10)


RUN_ERRORS = [
    ("SELECT day, n FROM missing", "query failed: no such table: missing"),
    ("SELECT day, platform, n, 1 FROM signups",
     "columns: expected (time, value) or (time, value, dimension), got 4: day, platform, n, 1"),
    ("SELECT day, platform FROM signups", "row 1: platform 'ios' is not a number"),
    ("SELECT 'soon', 1", "row 1: 'soon' 'soon' is not a date or time"),
    ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT '2026-01-01', max(x) FROM c",
     "timeout: the query ran over 0.3 s and was stopped"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "message"), RUN_ERRORS)
def test_run_errors(sqlite_file: str, sql: str, message: str) -> None:
    with pytest.raises(sql_runner.SourceError) as caught:
        sql_runner.run(sqlite_file, sql, timeout=0.3)
    assert str(caught.value) == message


def test_bad_urls() -> None:
    with pytest.raises(sql_runner.SourceError, match="url: no driver installed for 'oracle'"):
        sql_runner.run("oracle://scott@db/orcl", "SELECT 1, 2", timeout=1)
    with pytest.raises(sql_runner.SourceError, match="url: cannot open the DuckDB file"):
        sql_runner.run("duckdb:////nowhere/x.duckdb", "SELECT 1, 2", timeout=1)


@pytest.mark.django_db
def test_refresh_stores_rows_with_dimension_and_logs_it(team: Team, sqlite_file: str) -> None:
    access = team.access("admin")
    kpi = kpis.create_kpi(access, name="Sign-ups")
    source = sql_sources.save_source(
        access,
        kpi,
        url=sqlite_file,
        query="SELECT day, n, platform FROM signups",
        timeout_seconds=5,
    )
    run = sql_sources.refresh(source)
    assert (run.status, run.rows_read, run.points_stored, run.error) == ("succeeded", 3, 3, "")
    assert series(kpi).values == [7.0, 5.0]
    assert source.next_run_at == run.started_at + timedelta(minutes=60)
    again = sql_sources.refresh(source)
    assert again.points_stored == 3 and DataPoint.objects.count() == 3  # idempotent


@pytest.mark.django_db
def test_duckdb_source(team: Team, duckdb_file: str) -> None:
    access = team.access("owner")
    kpi = kpis.create_kpi(access, name="Revenue", unit="€")
    query = "SELECT CAST(placed AS DATE) AS day, sum(amount) FROM orders GROUP BY 1 ORDER BY 1"
    source = sql_sources.save_source(access, kpi, url=duckdb_file, query=query)
    assert sql_sources.refresh(source).rows_read == 2
    assert [tuple(p) for p in series(kpi)] == [(date(2026, 1, 5), 15.0), (date(2026, 1, 7), 2.0)]


@pytest.mark.django_db
def test_failing_refresh_backs_off_and_is_reported(team: Team, sqlite_file: str) -> None:
    access = team.access("admin")
    kpi = kpis.create_kpi(access, name="Sign-ups")
    source = sql_sources.save_source(access, kpi, url=sqlite_file, query="SELECT day, n FROM gone")
    now = timezone.now()
    waits = []
    for attempt in range(1, 5):
        run = sql_sources.refresh(source, now)
        assert (run.status, run.attempt, run.error) == (
            "failed",
            attempt,
            "query failed: no such table: gone",
        )
        waits.append((run.next_run_at - now).total_seconds() / 60)
    assert waits == [1, 2, 4, 8]
    assert Activity.objects.filter(verb="sql_source.failed").count() == 4
    assert sql_sources.backoff(20) == sql_sources.MAX_BACKOFF
    assert list(sql_sources.due(now)) == []
    assert list(sql_sources.due(now + timedelta(minutes=9))) == [source]
    assert DataPoint.objects.count() == 0


@pytest.mark.django_db
def test_future_and_duplicate_rows_store_nothing(team: Team, tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (day TEXT, n REAL)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?)", [("2026-01-05", 1), ("2026-01-05", 2), (future, 3)]
        )
    access = team.access("admin")
    kpi = kpis.create_kpi(access, name="X")
    source = sql_sources.save_source(
        access, kpi, url=f"sqlite:///{path}", query="SELECT day, n FROM t"
    )
    run = sql_sources.refresh(source)
    assert (
        run.error
        == "row 2: 2026-01-05 is already in row 1; return each date once (GROUP BY the date)"
    )
    assert DataPoint.objects.count() == 0


@pytest.mark.django_db
def test_only_admins_manage_sources_and_bad_fields(team: Team, sqlite_file: str) -> None:
    kpi = kpis.create_kpi(team.access("editor"), name="X")
    with pytest.raises(Forbidden):
        sql_sources.save_source(team.access("editor"), kpi, url=sqlite_file, query="SELECT 1, 2")
    with pytest.raises(Invalid) as caught:
        sql_sources.save_source(
            team.access("admin"), kpi, url="nonsense", query="UPDATE t SET n = 1", timeout_seconds=0
        )
    assert caught.value.errors == [
        "url: not a database URL like duckdb:///data.duckdb ('nonsense')",
        "query: must be a SELECT (read-only); it starts with UPDATE",
        "timeout_seconds: must be between 0.1 and 300, got 0",
    ]
    assert sql_sources.masked("postgresql://ann:s3cret@db/prod") == "postgresql://ann:***@db/prod"


@pytest.mark.django_db
def test_refresh_command(team: Team, sqlite_file: str, capsys: Any) -> None:
    access = team.access("admin")
    good = sql_sources.save_source(
        access,
        kpis.create_kpi(access, name="A"),
        url=sqlite_file,
        query="SELECT day, n FROM signups WHERE platform = 'ios'",
    )
    call_command("metrics", "refresh", "--source", str(good.pk))
    assert "acme/a: succeeded, 2 rows, 2 points" in capsys.readouterr().out
    sql_sources.save_source(
        access, kpis.create_kpi(access, name="B"), url=sqlite_file, query="SELECT day, n FROM nope"
    )
    with pytest.raises(CommandError, match="some refreshes failed; they will be retried"):
        call_command("metrics", "refresh")
    out = capsys.readouterr().out
    assert "acme/b: failed, 0 rows, 0 points" in out and "no such table: nope" in out
    assert SqlRefresh.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("admin", 200), ("editor", 403), ("viewer", 403), ("outsider", 404)],
)
def test_api_for_each_persona(team: Team, sqlite_file: str, persona: str, status: int) -> None:
    import json

    kpis.create_kpi(team.access("editor"), name="Sign-ups")
    url = "/api/v1/workspaces/acme/kpis/sign-ups/sql-source"
    body = {
        "url": sqlite_file,
        "query": "SELECT day, sum(n) FROM signups GROUP BY day",
        "interval_minutes": 15,
    }
    response = team.client(persona).put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == status
    if status == 200:
        assert response.json()["interval_minutes"] == 15
        refreshed = team.client(persona).post(url + "/refresh").json()
        assert (refreshed["status"], refreshed["rows_read"]) == ("succeeded", 2)
        assert team.client(persona).get(url).json()["refreshes"][0]["points_stored"] == 2
    if status == 403:
        assert (
            response.json()["error"]
            == "this needs the admin role or higher; your role is " + persona
        )


@pytest.mark.django_db
def test_api_masks_the_password(team: Team) -> None:
    import json

    kpis.create_kpi(team.access("editor"), name="Sign-ups")
    body = {"url": "postgresql://ann:s3cret@db.internal/prod", "query": "SELECT day, n FROM t"}
    out = (
        team.client("admin")
        .put(
            "/api/v1/workspaces/acme/kpis/sign-ups/sql-source",
            json.dumps(body),
            content_type="application/json",
        )
        .json()
    )
    assert out["url"] == "postgresql://ann:***@db.internal/prod"


@pytest.mark.django_db
def test_pages_save_and_refresh(team: Team, sqlite_file: str) -> None:
    kpis.create_kpi(team.access("editor"), name="Sign-ups")
    client, base = team.client("admin"), "/w/acme/metrics/kpis/sign-ups/"
    form = {
        "url": sqlite_file,
        "query": "SELECT day, sum(n) FROM signups GROUP BY day",
        "interval_minutes": "30",
        "timeout_seconds": "5",
        "enabled": "on",
    }
    assert client.post(base + "sql-source/", form).status_code == 302
    assert client.post(base + "sql-source/refresh/").status_code == 302
    html = client.get(base).content.decode()
    assert "Runs every 30 minutes" in html and "Succeeded" in html
    bad = client.post(base + "sql-source/", {**form, "query": "DROP TABLE signups"})
    assert (
        bad.status_code == 422
        and "must be a SELECT (read-only); it starts with DROP" in bad.content.decode()
    )
    assert team.client("editor").post(base + "sql-source/refresh/").status_code == 403
    assert "SQL source" not in team.client("editor").get(base).content.decode()
