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
    """Carries a job's outcome to the GUI thread; created on (and owned by) the GUI thread.

    Signals:
        returned(object): The value the job's function returned.
        raised(object): The exception the job's function raised.
    """

    returned = Signal(object)
    raised = Signal(object)


class Job(QRunnable):
    """The runnable: runs the claimed function and reports through the relay."""

    def __init__(self, state: JobState, relay: Relay) -> None:
        super().__init__()
        self._state = state
        self._relay = relay

    @override
    def run(self) -> None:
        fn = self._state.claim()
        if fn is None:
            return  # cancelled before it started; the runner already settled its task
        try:
            result = fn()
        except BaseException as exc:
            self._relay.raised.emit(exc)
        else:
            self._relay.returned.emit(result)
        finally:
            del fn
