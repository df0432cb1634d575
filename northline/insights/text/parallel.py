"""Pure computation beside the caller, in a forked child process: the second core's share of a
processing batch (decision 0043).

`beside(work)` forks; the child runs `work()` and sends its answer back through a pipe, while
the parent goes on with its own share (the index, the database) and takes the answer with
`result()` when it needs it. The child inherits everything the parent holds (the classifiers,
the texts) copy-on-write, so nothing is pickled on the way in and no model is loaded twice;
only the answer is pickled on the way out.

The child computes and nothing else: it must not touch a database connection, a file the
parent writes, or a lock another thread may hold. It never returns into the caller's code: it
ends with `os._exit`, so no `atexit` handler, buffered output or connection finaliser of the
parent runs twice. A child that fails in any way (an exception, a signal, no answer) is
reported in the log and its work is done again in the parent, so the caller gets the same
answer either way, only later.

Fork is used on Linux only. Elsewhere (Windows has no fork; on macOS a forked child of a
process that loaded system frameworks may crash) `beside` runs `work()` in the caller at once.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")


class Pending(Generic[T]):
    """The answer of work running in a child process (or already computed, when not forked)."""

    def __init__(self, work: Callable[[], T], pid: int | None, reader: int | None) -> None:
        self._work = work
        self._pid, self._reader = pid, reader
        self._value: T | None = None
        self._done = False
        if pid is None:
            self._value, self._done = work(), True

    @property
    def forked(self) -> bool:
        return self._pid is not None

    def result(self) -> T:
        """The work's answer; waits for the child. Computed here when the child failed."""
        if not self._done:
            self._value, self._done = self._collect(), True
        return self._value  # type: ignore[return-value]

    def _collect(self) -> T:
        assert self._pid is not None and self._reader is not None
        with os.fdopen(self._reader, "rb") as pipe:
            data = pipe.read()
        self._reader = None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.waitstatus_to_exitcode(status) == 0 and data:
            answer: tuple[bool, object] = pickle.loads(data)  # noqa: S301 - our own child's answer
            if answer[0]:
                return answer[1]  # type: ignore[return-value]
            logger.warning("parallel: the child failed (%s); computing here", answer[1])
        else:
            logger.warning(
                "parallel: the child ended without an answer (status %s); computing here", status
            )
        return self._work()

    def abandon(self) -> None:
        """Stop and reap a child whose answer is not wanted any more (the caller failed)."""
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        if self._pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


@contextmanager
def beside(work: Callable[[], T], *, fork: bool = True) -> Iterator[Pending[T]]:
    """Run `work()` in a forked child while the block runs; `result()` inside the block gives
    its answer. With `fork` false, or where fork is not used, `work()` runs here first. A
    block left early (an error) kills and reaps the child."""
    pending = _start(work) if fork and CAN_FORK else Pending(work, None, None)
    try:
        yield pending
    finally:
        pending.abandon()


def _start(work: Callable[[], T]) -> Pending[T]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, answer, and end without returning into the caller
        os.close(reader)
        _child(work, writer)
    os.close(writer)
    return Pending(work, pid, reader)


def _child(work: Callable[[], object], writer: int) -> None:
    code = 1
    try:
        # Collections must not walk the parent's objects (a reference-count write on each
        # would copy their pages); a signal meant for the parent's loop is not the child's.
        gc.freeze()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            answer: tuple[bool, object] = (True, work())
        except BaseException as error:  # any failure goes back to the parent
            answer = (False, f"{type(error).__name__}: {error}")
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)
