"""Settings come from NORTHLINE_* variables only, and every one is documented."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from northline import settings as northline_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"`(NORTHLINE_[A-Z_]+)`", (ROOT / "docs/configuration.md").read_text())
    )
    assert set(northline_settings.ENVIRONMENT) <= documented, "add them to docs/configuration.md"


def test_only_settings_reads_northline_variables() -> None:
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "northline").rglob("*.py")
        if re.search(r"environ(\.get)?\(?\[?[\"']NORTHLINE_", path.read_text())
    ]
    assert readers == ["northline/settings.py"]


def test_every_variable_read_is_listed() -> None:
    source = (ROOT / "northline/settings.py").read_text()
    used = set(re.findall(r"[\"'](NORTHLINE_[A-Z_]+)[\"']", source))
    assert used == set(northline_settings.ENVIRONMENT)


@pytest.mark.parametrize(
    ("function", "name", "value", "message"),
    [
        (northline_settings.env_bool, "NORTHLINE_DEBUG", "maybe", "NORTHLINE_DEBUG: expected true or false, got 'maybe'"),
        (northline_settings.env_int, "NORTHLINE_MAX_BODY_BYTES", "10MB", "NORTHLINE_MAX_BODY_BYTES: expected a whole number, got '10MB'"),
        (northline_settings.env_processes, "NORTHLINE_PROCESSING_PROCESSES", "two", "NORTHLINE_PROCESSING_PROCESSES: expected a whole number, got 'two'"),
        (northline_settings.env_processes, "NORTHLINE_PROCESSING_PROCESSES", "0", "NORTHLINE_PROCESSING_PROCESSES: expected at least 1, got 0"),
        (northline_settings.parse_rate, "NORTHLINE_LOGIN_RATE", "ten", "NORTHLINE_LOGIN_RATE: expected ATTEMPTS/SECONDS such as 10/900, got 'ten'"),
    ],
)  # fmt: skip
def test_bad_values_name_the_variable_and_value(
    monkeypatch: pytest.MonkeyPatch, function: object, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        function(name)  # type: ignore[operator]
    assert str(raised.value) == message


def test_processing_uses_the_usable_cores_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NORTHLINE_PROCESSING_PROCESSES", raising=False)
    cores = northline_settings.env_processes("NORTHLINE_PROCESSING_PROCESSES")
    assert cores == len(os.sched_getaffinity(0))
    monkeypatch.setenv("NORTHLINE_PROCESSING_PROCESSES", "")  # empty: the same
    assert northline_settings.env_processes("NORTHLINE_PROCESSING_PROCESSES") == cores
    monkeypatch.setenv("NORTHLINE_PROCESSING_PROCESSES", "1")
    assert northline_settings.env_processes("NORTHLINE_PROCESSING_PROCESSES") == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "NORTHLINE_DATABASE_URL: only sqlite:// and postgres:// are supported, got 'mysql://u@h/db'"),
    ],
)  # fmt: skip
def test_bad_database_url(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        northline_settings.database_config(url)
    assert str(raised.value) == message


def test_sqlite_is_tuned_for_a_web_server() -> None:
    config = northline_settings.database_config("sqlite:////tmp/x.sqlite3")
    init = config["OPTIONS"]["init_command"]  # type: ignore[index]
    assert "journal_mode=WAL" in init and "foreign_keys=ON" in init and "busy_timeout" in init


def test_email_urls() -> None:
    smtp = northline_settings.email_config("smtp://me%40x.com:p%40ss@mail.example.com:587?tls=true")
    assert smtp["EMAIL_HOST_USER"] == "me@x.com" and smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_PORT"] == 587 and smtp["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured, match="NORTHLINE_EMAIL_URL: expected console:"):
        northline_settings.email_config("pigeon://coop")


def test_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NORTHLINE_SECRET_KEY", raising=False)
    first = northline_settings.secret_key(tmp_path)
    assert len(first) > 40 and northline_settings.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
