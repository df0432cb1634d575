"""Work beside the caller in the helper process (`text/parallel.py`, decision 0052): the answer
comes back from another process, kept arguments travel once, and a helper that fails in any
way leaves the caller the same answer, computed in the caller. The functions sent are this
module's: the helper imports them by name, as it imports the text engine's."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from northline.insights.text import parallel
from northline.insights.text.parallel import Kept, beside


def where(value: object) -> tuple[int, object]:
    return os.getpid(), value


def identity_of(kept: object) -> int:
    """The helper's object for a kept argument, by identity (the same object across calls)."""
    return id(kept)


def fails_elsewhere(caller: int) -> str:
    if os.getpid() != caller:
        raise ValueError("no model here")
    return "computed by the caller"


def hangs_elsewhere(caller: int) -> int:
    if os.getpid() != caller:
        time.sleep(60)
    return os.getpid()


def dies_elsewhere(caller: int) -> int:
    if os.getpid() != caller:
        os._exit(3)
    return 42


def a_function() -> Callable[[], str]:
    return lambda: "a function"


def long_answer(size: int) -> tuple[int, str]:
    return os.getpid(), "x" * size


def sleeps(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def handshake(signal_file: str) -> Generator[object, None, str]:
    """A stream whose second part depends on what the caller did after the first arrived."""
    yield os.getpid()
    deadline = time.monotonic() + 20
    while not Path(signal_file).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    yield "the caller had the first part" if Path(signal_file).exists() else "no sign of it"
    return "end"


def large_parts(done_file: str) -> Generator[bytes, None, str]:
    yield b"a" * 4_000_000
    yield b"b" * 4_000_000  # more than a pipe holds
    Path(done_file).touch()  # reached only once the part before is out of the way
    return "end"


def fails_midway(caller: int) -> Generator[int, None, str]:
    yield 1
    yield 2
    if os.getpid() != caller:
        raise ValueError("no model here")
    yield 3
    return "end"


def dies_midway(caller: int) -> Generator[int, None, str]:
    yield 1
    if os.getpid() != caller:
        os._exit(3)
    yield 2
    return "end"


def test_the_answer_comes_from_the_helper_process() -> None:
    with beside(where, [("bug", 0.75)] * 3) as pending:
        assert pending.helped
        pid, labels = pending.result()
    assert pid != os.getpid() and labels == [("bug", 0.75)] * 3
    with beside(where, "again") as pending:
        assert pending.result() == (pid, "again")  # the same helper: started once


def test_without_the_helper_the_work_runs_here_when_its_answer_is_asked_for() -> None:
    ran: list[int] = []
    with beside(lambda: ran.append(os.getpid()) or "done", helped=False) as pending:
        assert ran == [] and not pending.helped
        assert pending.result() == "done" and ran == [os.getpid()]
        assert pending.result() == "done" and ran == [os.getpid()]  # once


def test_a_kept_argument_travels_once_and_a_new_object_again() -> None:
    model, other = {"weights": [1, 2, 3]}, {"weights": [1, 2, 3]}
    ids = []
    for arg in (model, model, other, model):
        with beside(identity_of, Kept(arg)) as pending:
            ids.append(pending.result())
    assert ids[0] == ids[1] == ids[3] != ids[2]  # kept: the helper's same object
    with beside(identity_of, model) as pending:
        assert pending.result() != ids[0]  # not kept: a fresh copy each call


def test_kept_arguments_are_the_callers_values_here_too() -> None:
    with beside(where, Kept("model"), helped=False) as pending:
        assert pending.result() == (os.getpid(), "model")


# A stream that fails midway gives the rest of its parts from here, the helper's once each.
@pytest.mark.parametrize(
    ("work", "parts", "answer"),
    [(fails_elsewhere, [], "computed by the caller"), (fails_midway, [1, 2, 3], "end")],
)
def test_work_that_raises_in_the_helper_is_computed_again_here(
    caplog: pytest.LogCaptureFixture, work: Any, parts: list[int], answer: str
) -> None:
    with caplog.at_level(logging.WARNING), beside(work, os.getpid()) as pending:
        assert list(pending.parts()) == parts and pending.result() == answer
    assert "the helper failed (ValueError: no model here); computing here" in caplog.text
    with beside(where, 1) as pending:
        assert pending.result()[0] != os.getpid()  # the helper lives on


@pytest.mark.parametrize(
    ("work", "parts", "answer"), [(dies_elsewhere, [], 42), (dies_midway, [1, 2], "end")]
)
def test_a_helper_that_dies_is_computed_here_and_started_again(
    caplog: pytest.LogCaptureFixture, work: Any, parts: list[int], answer: object
) -> None:
    with beside(where, 0) as pending:
        first = pending.result()[0]
    with caplog.at_level(logging.WARNING), beside(work, os.getpid()) as pending:
        assert list(pending.parts()) == parts and pending.result() == answer
    assert "the helper ended without an answer" in caplog.text
    with beside(where, 0) as pending:
        second = pending.result()[0]
    assert second not in (first, os.getpid())


def test_a_silent_helper_is_stopped_and_the_work_computed_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with beside(where, 0) as pending:
        helper = pending.result()[0]
    monkeypatch.setattr(parallel, "ANSWER_SECONDS", 0.5)  # less than a new helper's start
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), beside(hangs_elsewhere, os.getpid()) as pending:
        assert pending.result() == os.getpid()
    assert time.monotonic() - started < 30
    assert "the helper was silent for 0.5 s and was stopped; computing here" in caplog.text
    with pytest.raises(ChildProcessError):
        os.waitpid(helper, os.WNOHANG)  # reaped
    monkeypatch.undo()
    with beside(where, 0) as pending:
        assert pending.result()[0] not in (helper, os.getpid())


def test_an_answer_that_cannot_travel_is_computed_here(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), beside(a_function) as pending:
        assert pending.result()() == "a function"
    assert "computing here" in caplog.text


def test_work_that_cannot_be_sent_is_computed_here(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), beside(lambda: "local") as pending:
        assert not pending.helped and pending.result() == "local"
    assert "the helper cannot take the work" in caplog.text
    with beside(where, 0) as pending:
        helper = pending.result()[0]
    with beside(where, 0) as pending:
        assert pending.result()[0] == helper != os.getpid()  # nothing broke the helper


def test_a_block_left_early_stops_the_helper() -> None:
    with pytest.raises(RuntimeError), beside(sleeps, 30) as pending:
        helper = parallel._helper.pid
        raise RuntimeError("the join failed")
    assert helper is not None and parallel._helper.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(helper, os.WNOHANG)  # already reaped: no zombie left
    with beside(where, 0) as pending:
        assert pending.result()[0] not in (helper, os.getpid())


def test_a_second_thread_computes_here_while_the_helper_is_busy() -> None:
    seen: list[tuple[bool, int]] = []

    def other() -> None:
        with beside(where, 0) as pending:
            seen.append((pending.helped, pending.result()[0]))

    with beside(sleeps, 0.5) as pending:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        helper = pending.result()
    assert seen == [(False, os.getpid())] and helper != os.getpid()


def test_a_new_helper_is_sent_the_kept_objects_again() -> None:
    model = ["weights"]
    with beside(where, Kept(model)) as pending:
        first = pending.result()[0]
    os.kill(first, 9)
    os.waitpid(first, 0)
    with beside(where, Kept(model)) as pending:  # the new helper holds nothing yet
        pid, value = pending.result()
    assert value == model and pid not in (first, os.getpid())


def test_an_idle_helper_is_stopped_and_started_again_when_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "IDLE_SECONDS", 0.2)
    with beside(where, 0) as pending:
        helper = pending.result()[0]
    deadline = time.monotonic() + 10
    while parallel._helper.pid is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert parallel._helper.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(helper, os.WNOHANG)  # reaped
    with beside(where, 0) as pending:
        assert pending.result()[0] not in (helper, os.getpid())


def test_a_long_answer_arrives_whole_when_the_helper_is_stopped_while_writing_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With PYTHONUNBUFFERED set (as in many containers) the helper's stdout is a raw file. A
    stop signal, or a profiler's ptrace, while it writes an answer longer than the pipe holds
    cuts that write short; the answer must still arrive whole, not leave the caller waiting."""
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    parallel._helper.stop()  # the next helper starts with the variable
    answers: list[tuple[int, str]] = []
    try:
        with beside(long_answer, 0) as pending:  # started, its modules loaded
            pid = pending.result()[0]
        with caplog.at_level(logging.WARNING), beside(long_answer, 8_000_000) as pending:
            time.sleep(0.5)  # the helper now waits to write into the full pipe
            for _ in range(50):
                os.kill(pid, signal.SIGSTOP)
                time.sleep(0.002)
                os.kill(pid, signal.SIGCONT)
            reader = threading.Thread(target=lambda: answers.append(pending.result()))
            reader.start()
            reader.join(60)
            assert not reader.is_alive(), "the caller still waits for the rest of the answer"
    finally:
        parallel._helper.stop()  # ends a caller left waiting, and the unbuffered helper
    assert answers == [(pid, "x" * 8_000_000)]
    assert "parallel" not in caplog.text


def test_a_streams_parts_arrive_while_the_helper_computes_the_rest(tmp_path: Path) -> None:
    signal_file = tmp_path / "go"
    with beside(handshake, str(signal_file)) as stream:
        assert stream.helped
        parts = stream.parts()
        assert next(parts) not in (None, os.getpid())  # the helper's pid
        signal_file.touch()  # the helper is still in the generator, waiting for this
        assert next(parts) == "the caller had the first part"
        assert list(parts) == []
        assert stream.result() == "end"


def test_without_the_helper_a_streams_parts_are_computed_when_asked_for() -> None:
    ran: list[int] = []

    def counting() -> Generator[int, None, str]:
        for number in range(3):
            ran.append(number)
            yield number
        return "end"

    with beside(counting, helped=False) as stream:
        parts = stream.parts()
        assert ran == [] and not stream.helped
        assert next(parts) == 0 and ran == [0]
        assert stream.result() == "end" and ran == [0, 1, 2]  # the parts not taken, too
        assert list(parts) == [] and stream.result() == "end"  # the first iterator, drained


def test_a_stream_left_early_stops_the_helper(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), beside(handshake, str(tmp_path / "never")) as stream:
        next(stream.parts())
        helper = parallel._helper.pid
        raise RuntimeError("the join failed")
    assert helper is not None and parallel._helper.pid is None
    with beside(where, 0) as pending:
        assert pending.result()[0] not in (helper, os.getpid())


def test_the_helper_goes_on_computing_while_its_parts_wait_to_be_read(tmp_path: Path) -> None:
    # a part larger than the pipe holds waits in the helper's writer thread, not in its
    # computation: the helper finishes its work while the caller still holds the first part
    done_file = tmp_path / "done"
    with beside(large_parts, str(done_file)) as pending:
        parts = pending.parts()
        assert next(parts) == b"a" * 4_000_000
        deadline = time.monotonic() + 20
        while not done_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done_file.exists(), "the helper waited for its part to be read"
        assert next(parts) == b"b" * 4_000_000 and pending.result() == "end"
