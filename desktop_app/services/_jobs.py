"""The thread side of a task: the function to claim, the runnable, and the relay back.

Private to :mod:`desktop_app.services.tasks`; see its docstring for the whole model.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeAlias

from PySide6.QtCore import QObject, QRunnable, Signal
from typing_extensions import override

#: ``(task key, succeeded, value or exception)``.
Outcome: TypeAlias = tuple[int, bool, object]


class JobState:
    """The function a ``Task`` and its ``_Job`` race to claim (run it, or cancel it unstarted)."""

    def __init__(self, fn: Callable[[], object] | None) -> None:
        self._lock = threading.Lock()
        self._fn = fn
        self._claimed = fn is None
        self.cancelled = threading.Event()

    def claim(self) -> Callable[[], object] | None:
        """Take the function (at most once); returns None when someone else already took it."""
        with self._lock:
            if self._claimed:
                return None
            self._claimed = True
            # Drop our reference at once: a closure may hold a secret (see SessionService).
            fn, self._fn = self._fn, None
            return fn


class Mailbox:
    """Jobs' outcomes on their way to the GUI thread, with all the job held.

    A pool thread puts ``((key, succeeded, value), fn)`` here and keeps **no** reference to any
    of it; the GUI thread takes them out and is the one that lets them go. So the last reference
    to whatever the job's function held (a closure over a service, a desk, a widget's model) is
    dropped on the GUI thread: a Python object owning a ``QObject`` freed on a pool thread runs
    ``~QObject`` there, which holds Qt's connection lock while it waits for the GIL, and the GUI
    thread, holding the GIL while it connects a signal, waits for that lock (a deadlock in a
    soak run).
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Outcome, object]] = queue.SimpleQueue()

    def put(self, outcome: Outcome, held: object = None) -> None:
        """Hand over an outcome and what the job held (any thread)."""
        self._queue.put((outcome, held))

    def take_all(self) -> list[tuple[Outcome, object]]:
        """Everything handed over so far (the GUI thread)."""
        items: list[tuple[Outcome, object]] = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items


class Relay(QObject):
    """Says that outcomes wait in the mailbox: one per runner, created on the GUI thread.

    One per runner, not one per task: a pool thread is still inside ``emit`` (Qt walks the
    sender's connections after posting the queued call) when the GUI thread may already have
    delivered the outcome and freed the task. A relay owned by the task was deleted under that
    ``emit`` (a segfault in the soak runs); the runner's relay lives as long as its pool.

    Signals:
        ready(): Outcomes were put in the runner's mailbox (queued to the GUI thread).
    """

    ready = Signal()


class Job(QRunnable):
    """The runnable: runs the claimed function and reports through the runner's mailbox."""

    def __init__(self, state: JobState, relay: Relay, mailbox: Mailbox, key: int) -> None:
        super().__init__()
        self._state = state
        self._relay = relay
        self._mailbox = mailbox
        self._key = key

    @override
    def run(self) -> None:
        fn = self._state.claim()
        if fn is None:
            return  # cancelled before it started; the runner already settled its task
        outcome: Outcome
        try:
            outcome = (self._key, True, fn())
        except BaseException as exc:
            outcome = (self._key, False, exc)
        # The GUI thread lets go of the function and the outcome (see Mailbox): this thread
        # drops its references before it says so.
        self._mailbox.put(outcome, fn)
        del fn, outcome
        self._relay.ready.emit()
