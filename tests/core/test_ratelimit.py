"""The sliding-window rate limit: a burst over the limit is refused wherever the window
boundary falls, and the wait it announces is when one more attempt would pass."""

from __future__ import annotations

from typing import Any

import pytest

from northline.core import ratelimit
from northline.core.errors import RateLimited

pytestmark = pytest.mark.django_db

START = 1_800_000_000  # a multiple of 60 and of 3600


@pytest.fixture
def clock(monkeypatch: Any) -> list[float]:
    now = [float(START)]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


def attempts(n: int, limit: int = 10, window: int = 60) -> list[str]:
    said = []
    for _ in range(n):
        try:
            ratelimit.hit("test:key", limit, window)
            said.append("ok")
        except RateLimited as error:
            said.append(str(error))
    return said


def test_the_attempt_over_the_limit_is_refused(clock: list[float]) -> None:
    clock[0] = START + 15.0
    said = attempts(11)
    assert said[:10] == ["ok"] * 10
    # refused attempts count too: the 11 must fade to 9 in the next window for one more to pass
    assert said[10] == "Too many attempts; try again in 56 seconds"


def test_a_burst_across_a_window_boundary_is_refused(clock: list[float]) -> None:
    clock[0] = START + 59.5
    assert attempts(6) == ["ok"] * 6
    clock[0] = START + 60.5  # a fixed window would start counting at zero again here
    said = attempts(5)
    assert said[:4] == ["ok"] * 4
    assert said[4].startswith("Too many attempts; try again in ")


def test_the_previous_window_fades(clock: list[float]) -> None:
    clock[0] = START
    assert attempts(10) == ["ok"] * 10
    clock[0] = START + 60 + 30  # half of the previous window's 10 still count
    assert attempts(6) == ["ok"] * 5 + ["Too many attempts; try again in 12 seconds"]


def refused_at(clock: list[float], at: float, then: int) -> int:
    """The announced wait of the attempt refused at START + `at` after `then` attempts."""
    clock[0] = START + at
    said = attempts(then)[-1]
    return int(said.split("try again in ")[1].split()[0])


@pytest.mark.parametrize(
    ("at", "then"),
    [(90, 6), (15, 11)],  # fading within this window; and over the limit, into the next one
)
@pytest.mark.parametrize(("early", "passes"), [(1, False), (0, True)])
def test_the_announced_wait_is_just_enough(
    clock: list[float], at: float, then: int, early: int, passes: bool
) -> None:
    if at > 60:
        clock[0] = START
        attempts(10)
    wait = refused_at(clock, at, then)
    clock[0] = START + at + wait - early
    assert (attempts(1) == ["ok"]) is passes


def test_first_in_window(clock: list[float]) -> None:
    clock[0] = START + 10
    assert ratelimit.first_in_window("test:once", 3600) is True
    assert ratelimit.first_in_window("test:once", 3600) is False
    clock[0] = START + 3600
    assert ratelimit.first_in_window("test:once", 3600) is True
