"""Work beside the caller in a forked child (`text/parallel.py`): the answer comes back from
another process, and a child that fails in any way leaves the caller the same answer,
computed in the caller."""

from __future__ import annotations

import logging
import os

import pytest

from northline.insights.text import parallel
from northline.insights.text.parallel import beside

pytestmark = pytest.mark.skipif(not parallel.CAN_FORK, reason="fork is used on Linux only")


def test_the_answer_comes_from_a_child_process() -> None:
    here = os.getpid()
    with beside(lambda: (os.getpid(), [("bug", 0.75)] * 3)) as pending:
        assert pending.forked
        pid, labels = pending.result()
    assert pid != here and labels == [("bug", 0.75)] * 3


def test_without_fork_the_work_runs_here_at_once() -> None:
    ran: list[int] = []
    with beside(lambda: ran.append(os.getpid()) or "done", fork=False) as pending:
        assert ran == [os.getpid()] and not pending.forked
        assert pending.result() == "done"


def _fails_in_a_child(parent: int) -> str:
    if os.getpid() != parent:
        raise ValueError("no model here")
    return "computed by the parent"


def test_a_child_that_raises_is_computed_again_here(caplog: pytest.LogCaptureFixture) -> None:
    parent = os.getpid()
    with caplog.at_level(logging.WARNING), beside(lambda: _fails_in_a_child(parent)) as pending:
        assert pending.result() == "computed by the parent"
    assert "the child failed (ValueError: no model here); computing here" in caplog.text


def test_a_child_that_dies_is_computed_again_here(caplog: pytest.LogCaptureFixture) -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(3)
        return 42

    with caplog.at_level(logging.WARNING), beside(work) as pending:
        assert pending.result() == 42
    assert "the child ended without an answer" in caplog.text


def test_an_answer_that_cannot_travel_is_computed_here(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), beside(lambda: lambda: "a function") as pending:
        assert pending.result()() == "a function"
    assert "computing here" in caplog.text


def test_a_block_left_early_stops_and_reaps_its_child() -> None:
    with pytest.raises(RuntimeError), beside(lambda: os.pause()) as pending:
        child = pending._pid
        raise RuntimeError("the join failed")
    assert child is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped: no zombie left
