"""The thread side of a task: the function to claim, the runnable, and the relay back.

Private to :mod:`desktop_app.services.tasks`; see its docstring for the whole model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Signal
from typing_extensions import override


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


class Relay(QObject):
    """Carries jobs' outcomes to the GUI thread: one per runner, created on the GUI thread.

    One per runner, not one per task: a pool thread is still inside ``emit`` (Qt walks the
    sender's connections after posting the queued call) when the GUI thread may already have
    delivered the outcome and freed the task. A relay owned by the task was deleted under that
    ``emit`` (a segfault in the soak runs); the runner's relay lives as long as its pool.

    Signals:
        returned(object, object): The job's key and the value its function returned.
        raised(object, object): The job's key and the exception its function raised.
    """

    returned = Signal(object, object)
    raised = Signal(object, object)


class Job(QRunnable):
    """The runnable: runs the claimed function and reports through the runner's relay."""

    def __init__(self, state: JobState, relay: Relay, key: int) -> None:
        super().__init__()
        self._state = state
        self._relay = relay
        self._key = key

    @override
    def run(self) -> None:
        fn = self._state.claim()
        if fn is None:
            return  # cancelled before it started; the runner already settled its task
        try:
            result = fn()
        except BaseException as exc:
            self._relay.raised.emit(self._key, exc)
        else:
            self._relay.returned.emit(self._key, result)
        finally:
            del fn
