"""Pure computation beside the caller, in a long-lived helper process: the second core's share
of a processing batch (decisions 0043, 0052).

`beside(work, *args)` sends a function of this package and its arguments to the helper and
returns at once; the caller goes on with its own share (the index, the database) and takes the
answer with `result()` when it needs it. The helper is a fresh interpreter started at first
use (`python -m northline.insights.text.parallel`), not a fork of the caller: it shares no
pages with a worker that grows to gigabytes, so neither process pays for the other's writes,
and it holds no database connection, lock or thread of the caller.

Arguments wrapped in `Kept` (the classifiers) are sent once: the helper keeps the last few
objects sent so, and the caller sends one again only when it passes a different object. So a
batch sends its texts, and a model only when the team retrained it.

Work that is a generator function is streamed: the helper sends each part
as soon as it is computed and the generator's return value last, so the caller can use the
first parts while the helper computes the rest (a batch's index counts, part by part, then its
labels).

A helper that fails in any way (the work raises, the answer cannot be pickled, the process
died or was never started) is reported in the log and the work is done again in the caller,
so the caller gets the same answer either way, only later (a stream's parts that already
arrived are not given again). So is a helper silent for `ANSWER_SECONDS`: it is stopped
first. A helper that died is started
again at the next call. Only one caller at a time uses the helper; a second thread that
calls meanwhile computes in its own thread at once.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from northline.insights.text.preprocess import cleaning_once

logger = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")

SLOTS = 4  # objects the helper keeps: type and sentiment models of two workspaces
# A helper unused this long is stopped (started again at the next call): a process that
# processed once, such as `northline serve` loading the demo, does not hold it for nothing.
IDLE_SECONDS = 120.0
# A helper silent this long while the caller waits for its next message is stuck: it is
# stopped and the work is done in the caller (a batch's labels take seconds; a part, less).
ANSWER_SECONDS = 300.0
# The helper computes on one core: a thread pool of its own would take the worker's core.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
ROOT = Path(__file__).resolve().parents[3]  # where `northline` can be imported from


class Kept:
    """An argument the helper keeps for later calls (sent only when it is a new object)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class _Slot:
    """In a call: the object the helper keeps in slot `n`."""

    __slots__ = ("n",)

    def __init__(self, n: int) -> None:
        self.n = n


class Pending(Generic[P, T]):
    """The answer of work running in the helper (or here): the parts a generator function
    yields, as they arrive, and its return value, or a plain function's answer (no parts).
    Without the helper the work runs here when its parts or answer are asked for."""

    def __init__(
        self, work: Callable[..., Generator[P, None, T]], args: tuple[Any, ...],
        helper: Helper | None,
    ) -> None:  # fmt: skip
        self._work, self._args = work, args
        self._helper = helper
        self._value: T | None = None
        self._done = False
        self._received = 0  # parts handed out
        self._here: Generator[P, None, T] | None = None  # a generator running here

    @property
    def helped(self) -> bool:
        return self._helper is not None

    def parts(self) -> Iterator[P]:
        """Each part in turn, as the helper sends it; from where the helper failed (or from
        the start, without one) computed here."""
        while self._helper is not None:
            kind, value = self._helper.receive()
            if kind == "part":
                self._received += 1
                yield value
                continue
            self._helper = None
            if kind == "done":
                self._value, self._done = value, True
                return
            logger.warning("parallel: the helper %s; computing here", value)
        if self._done:
            return
        if self._here is None:
            value = self._work(*(a.value if isinstance(a, Kept) else a for a in self._args))
            if not isinstance(value, Generator):
                self._value, self._done = value, True
                return
            self._here = value
            for _ in range(self._received):  # what the helper sent already: computed, dropped
                next(self._here)
        while True:
            try:
                part = next(self._here)
            except StopIteration as stop:
                # an earlier `parts()` left unfinished meets the end of a generator that a
                # later one ran out: the answer that one kept stands
                if not self._done:
                    self._value, self._done = stop.value, True
                return
            self._received += 1
            yield part

    def result(self) -> T:
        """The work's answer (a generator's return value, once the parts not taken are
        computed too); waits for the helper, computed here when it failed."""
        for _ in self.parts():
            pass
        return self._value  # type: ignore[return-value]

    def abandon(self) -> None:
        """The caller failed and does not want the answer: stop the helper (it is started
        again at the next call) rather than wait for work nobody reads."""
        if self._helper is not None:
            helper, self._helper = self._helper, None
            helper.stop()
            helper.release()


class Helper:
    """The helper process and what it keeps; one per process (`_helper`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._kept: list[object] = [None] * SLOTS  # what each slot of the helper holds
        self._next = 0
        self._idle: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def send(self, work: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """Send `work(*args)` to the helper; False (nothing to wait for) when another thread
        uses the helper, the helper cannot start, the work cannot be pickled (nothing went
        out) or the helper cannot be reached (it is stopped)."""
        if not self._lock.acquire(blocking=False):
            return False
        if self._idle is not None:
            self._idle.cancel()
        step = "cannot start"
        try:
            self._started()
            step = "cannot take the work"
            messages, kept = self._request(work, args)
            step = "failed"
            self._write(messages, kept)
        except Exception as error:  # any failure: compute here
            logger.warning("parallel: the helper %s (%s); computing here", step, _named(error))
            if step == "failed":
                self.stop()
            self.release()
            return False
        return True

    def receive(self) -> tuple[str, Any]:
        """The helper's next message about the call sent: ("part", a part of a stream),
        ("done", the answer) or ("failed", why, as the log says it); the helper is free
        again after the last two. A helper silent for `ANSWER_SECONDS` is stopped."""
        process = self._process
        silent = threading.Event()
        watchdog = threading.Timer(ANSWER_SECONDS, _kill, args=(process, silent))
        watchdog.daemon = True
        watchdog.start()
        try:
            assert process is not None and process.stdout is not None
            kind, value = pickle.load(process.stdout)  # noqa: S301 - our own helper's answer
        except Exception as error:
            self.stop()
            kind, value = "failed", f"ended without an answer ({_named(error)})"
            if silent.is_set():
                kind, value = "failed", f"was silent for {ANSWER_SECONDS:g} s and was stopped"
        finally:
            watchdog.cancel()
        if kind != "part":
            self.release()
        return kind, value

    def release(self) -> None:
        """The call is over: the helper is free, and stopped if nobody calls for a while."""
        if self._process is not None:
            self._idle = threading.Timer(IDLE_SECONDS, self._stop_idle)
            self._idle.daemon = True
            self._idle.start()
        if self._lock.locked():
            self._lock.release()

    def _stop_idle(self) -> None:
        if self._lock.acquire(blocking=False):  # not while a call is on its way
            try:
                self.stop()
            finally:
                self._lock.release()

    def stop(self) -> None:
        """End and reap the helper (it is started again at the next call)."""
        process = self._process
        self._kept = [None] * SLOTS
        if process is None:
            return
        with suppress(OSError):
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with suppress(OSError):
                    pipe.close()
        self._process = None

    def _request(
        self, work: Callable[..., Any], args: tuple[Any, ...]
    ) -> tuple[list[bytes], list[object]]:
        """The pickled messages of a call (a kept argument the helper does not hold first)
        and what the helper's slots hold after them."""
        kept, messages, sent = list(self._kept), [], []
        for arg in args:
            if not isinstance(arg, Kept):
                sent.append(arg)
                continue
            slot = next((n for n, held in enumerate(kept) if held is arg.value), None)
            if slot is None:
                slot, self._next = self._next, (self._next + 1) % SLOTS
                messages.append(_pickled(("keep", slot, arg.value)))
                kept[slot] = arg.value
            sent.append(_Slot(slot))
        messages.append(_pickled(("call", work, tuple(sent))))
        return messages, kept

    def _started(self) -> None:
        """A live helper (a new one holds nothing yet)."""
        if self._process is None or self._process.poll() is not None:
            self.stop()
            self._process = _start()

    def _write(self, messages: list[bytes], kept: list[object]) -> None:
        assert self._process is not None
        pipe = self._process.stdin
        assert pipe is not None
        for message in messages:
            pipe.write(message)
        pipe.flush()
        self._kept = kept


def _start() -> subprocess.Popen[bytes]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "northline.insights.text.parallel"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **ONE_THREAD, "PYTHONPATH": path},
    )


def _kill(process: subprocess.Popen[bytes] | None, silent: threading.Event) -> None:
    """Stop a helper that does not answer (its pipe then ends; the caller reaps it)."""
    silent.set()
    if process is not None:
        with suppress(OSError):
            process.kill()


def _pickled(message: object) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_helper = Helper()
atexit.register(_helper.stop)


@contextmanager
def beside(
    work: Callable[..., Generator[P, None, T]], *args: Any, helped: bool = True
) -> Iterator[Pending[P, T]]:
    """Run `work(*args)` in the helper while the block runs: inside the block `parts()` gives
    a generator function's parts as the helper sends them and `result()` its return value (a
    plain function works too: no parts, and its answer as the result). With
    `helped` false the work runs here, part by part, when asked for. A block left early (an
    error) stops the helper rather than wait for its answer."""
    pending: Pending[P, T] = Pending(
        work, args, _helper if helped and _helper.send(work, args) else None
    )
    try:
        yield pending
    finally:
        pending.abandon()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The helper's loop: keep objects, run calls, answer each call, until the caller closes
    its end of the pipe. Each call is one batch: its texts are cleaned once per variant
    (`cleaning_once`, decision 0039), as in the caller.

    Answers are written by a thread of their own: a stream's part is larger than the pipe
    holds, and the caller reads it only when it is done with the part before, so writing it
    here would hold up the next part's computation until then."""
    kept: dict[int, object] = {}
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    writer = threading.Thread(target=_write_all, args=(outbox, answers), daemon=True)
    writer.start()
    while True:
        try:
            message = pickle.load(requests)  # noqa: S301 - our own caller's requests
        except EOFError:
            break
        if message[0] == "keep":
            kept[message[1]] = message[2]
            continue
        _, work, args = message
        try:
            with cleaning_once():
                value = work(*(kept[a.n] if isinstance(a, _Slot) else a for a in args))
                if isinstance(value, Generator):
                    value = _stream(value, outbox)
            data = _pickled(("done", value))
        except Exception as error:
            data = pickle.dumps(("failed", f"failed ({_named(error)})"))
        outbox.put(data)
    outbox.put(None)
    writer.join()


def _stream(generator: Generator[Any, None, T], outbox: queue.SimpleQueue[bytes | None]) -> T:
    """Send each part of a stream as it is computed; the generator's return value."""
    while True:
        try:
            part = next(generator)
        except StopIteration as stop:
            return stop.value
        outbox.put(_pickled(("part", part)))


def _write_all(outbox: queue.SimpleQueue[bytes | None], answers: IO[bytes]) -> None:
    """Write the answers put in `outbox`, in order, until None."""
    while (data := outbox.get()) is not None:
        _send(answers, data)


def _send(answers: IO[bytes], data: bytes) -> None:
    """Write all of `data`: with PYTHONUNBUFFERED set the helper's stdout is a raw file,
    whose `write` may take only part of a long answer (when a signal or a debugger's ptrace
    interrupts it); the rest would be lost and the caller would wait for it for ever."""
    view = memoryview(data)
    while view:
        view = view[answers.write(view) :]
    answers.flush()


if __name__ == "__main__":
    # Imported again under its own name, so the markers the caller pickles are its classes.
    from northline.insights.text import parallel

    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may go into the answers' pipe
    # Ctrl-C in a terminal reaches the whole process group: the worker decides what stops;
    # the helper ends when the worker closes the pipe (or dies).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parallel.serve(requests, answers)
