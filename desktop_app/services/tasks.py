"""Background jobs: one ``Task`` per job, one ``TaskRunner`` (and thread pool) per purpose.

This module is the only place in the app that deals with Qt threads. The model:

* ``TaskRunner.submit(fn)`` is called on the GUI thread. It creates a ``Task`` and a private
  ``_Relay`` (both QObjects living on the GUI thread), wraps ``fn`` in a ``_Job`` (a
  ``QRunnable`` that holds only a reference to the relay: composition, not multiple
  inheritance) and starts it on the runner's own ``QThreadPool``.
* ``_Job.run()`` calls ``fn`` on a pool thread and catches *every* exception. The outcome crosses
  to the GUI thread only through the relay's queued signals; the ``Task`` then re-emits
  ``succeeded``/``failed`` and ``finished`` on the GUI thread.
* The runner keeps a strong reference to every task until its job has really ended.
* Cancellation is cooperative: ``Task.cancel()`` emits ``finished`` at once; a job not started
  never runs, a running one's late result is dropped. A cancelled task is not a failure.
* ``TaskRunner.shutdown()`` cancels everything, clears the queue and waits a bounded time; the
  caller then closes the httpx client, which makes calls still stuck fail fast.

``submit`` and ``cancel`` must be called on the GUI thread (the thread that owns the runner).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from typing_extensions import override

log = logging.getLogger(__name__)


class _JobState:
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


class _Relay(QObject):
    """Carries a job's outcome to the GUI thread; created on (and owned by) the GUI thread.

    Signals:
        returned(object): The value the job's function returned.
        raised(object): The exception the job's function raised.
    """

    returned = Signal(object)
    raised = Signal(object)


class _Job(QRunnable):
    """The runnable: runs the claimed function and reports through the relay."""

    def __init__(self, state: _JobState, relay: _Relay) -> None:
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


class Task(QObject):
    """One background job, as the caller sees it. Every signal is emitted on the GUI thread.

    Signals:
        succeeded(object): The job's return value (after the runner's ``then`` hook, if any).
        failed(object): The exception instance the job raised (always a ``BaseException``).
        finished(): After ``succeeded``/``failed``; also right after ``cancel()``.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        name: str,
        state: _JobState,
        relay: _Relay,
        then: Callable[[Any], object] | None,
        on_settled: Callable[[Task], None],
        on_ended: Callable[[Task], None],
    ) -> None:
        super().__init__()
        self.name = name
        self._state = state
        self._relay = relay
        self._then = then
        self._on_settled = on_settled
        self._on_ended = on_ended
        self._done = False
        self._ran = True
        self._job: _Job | None = None
        relay.returned.connect(self._on_relay_returned, Qt.ConnectionType.QueuedConnection)
        relay.raised.connect(self._on_relay_raised, Qt.ConnectionType.QueuedConnection)

    @property
    def is_cancelled(self) -> bool:
        """True once ``cancel()`` was called before the task finished."""
        return self._state.cancelled.is_set()

    @property
    def is_done(self) -> bool:
        """True once ``finished`` was emitted."""
        return self._done

    @property
    def has_run(self) -> bool:
        """False when the task was cancelled before its function ever started."""
        return self._ran

    def cancel(self) -> None:
        """Stop caring about the result: a late result is dropped, ``finished`` is emitted now."""
        if self._done:
            return
        self._state.cancelled.set()
        if self._state.claim() is not None:
            # The pool never started it and now never will: nothing else will settle it.
            self._ran = False
            self._job = None
            self._settle()
            self._on_ended(self)
        else:
            self._settle()

    def _settle(self) -> None:
        self._done = True
        self._then = None
        self.finished.emit()
        self._on_settled(self)

    @Slot(object)
    def _on_relay_returned(self, value: object) -> None:
        self._deliver(value, None)

    @Slot(object)
    def _on_relay_raised(self, exc: object) -> None:
        self._deliver(None, exc)

    def _deliver(self, value: object, exc: object) -> None:
        self._job = None
        if self._done:
            log.debug("dropped the late outcome of cancelled task %r", self.name)
        else:
            then, self._then = self._then, None
            if exc is None and then is not None:
                try:
                    value = then(value)
                except Exception as hook_error:
                    exc = hook_error
            if exc is None:
                self.succeeded.emit(value)
            else:
                self.failed.emit(exc)
            self._settle()
        self._on_ended(self)


class TaskRunner(QObject):
    """Runs functions on its own ``QThreadPool`` and hands results back as ``Task`` signals.

    Each service (or group of services) gets its own runner, so a purpose's pool can never be
    starved by another's: the composition root writes the thread count and why beside each.

    Signals:
        busy_changed(bool): True when the first unfinished task appears, False when the last
            one finishes (a cancelled task counts as finished).
    """

    busy_changed = Signal(bool)

    def __init__(
        self, max_threads: int = 8, parent: QObject | None = None, *, name: str = "tasks"
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        # Never QThreadPool.globalInstance(): a runner's threads belong to its purpose only.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        self._unfinished: dict[int, Task] = {}
        # Strong references until the job has really ended (a cancelled job may still run).
        self._in_flight: dict[int, Task] = {}
        self._closed = False

    def submit(
        self, fn: Callable[[], Any], *, name: str = "", then: Callable[[Any], object] | None = None
    ) -> Task:
        """Run ``fn()`` on the pool.

        Args:
            fn: The work. It must not touch widgets, models or any GUI-thread object.
            name: A label for logs.
            then: Optional hook run on the GUI thread with the job's value before ``succeeded``;
                its return value is what ``succeeded`` carries, and an exception it raises is
                emitted through ``failed``. It is not run for a cancelled task.

        Returns:
            The task. After ``shutdown()`` it comes back already cancelled.
        """
        task = self._new_task(name or getattr(fn, "__name__", "task"), fn, then)
        if self._closed:
            log.info("runner %s is shut down; task %r is not started", self.objectName(), name)
            task.cancel()
            return task
        job = _Job(task._state, task._relay)
        task._job = job  # keep the Python wrapper alive while the pool holds the runnable
        self._pool.start(job)
        return task

    def resolved(self, value: object, *, name: str = "resolved") -> Task:
        """A task that succeeds with ``value`` on the next event-loop turn (no thread used)."""
        task = self._new_task(name, None, None)
        task._relay.returned.emit(value)  # queued: delivered after the caller has connected
        return task

    def rejected(self, exc: BaseException, *, name: str = "rejected") -> Task:
        """A task that fails with ``exc`` on the next event-loop turn (no thread used)."""
        task = self._new_task(name, None, None)
        task._relay.raised.emit(exc)
        return task

    def active_count(self) -> int:
        """Tasks submitted and not finished yet (cancelled ones are finished)."""
        return len(self._unfinished)

    def running_count(self) -> int:
        """Jobs whose outcome has not reached the GUI thread yet, cancelled ones included."""
        return len(self._in_flight)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel every task, clear the queue and wait for the pool's threads.

        Args:
            timeout_ms: The most to wait for running jobs.

        Returns:
            True when every thread is idle; False when some job is still running after
            ``timeout_ms`` (close the HTTP client then, so the stuck call fails fast).
        """
        self._closed = True
        for task in list(self._unfinished.values()):
            task.cancel()
        self._pool.clear()
        done = self._pool.waitForDone(timeout_ms)
        if not done and timeout_ms > 0:
            log.warning(
                "runner %s: %d job(s) still running after %d ms",
                self.objectName(),
                self._pool.activeThreadCount(),
                timeout_ms,
            )
        return done

    def _new_task(
        self, name: str, fn: Callable[[], Any] | None, then: Callable[[Any], object] | None
    ) -> Task:
        relay = _Relay()
        task = Task(name, _JobState(fn), relay, then, self._on_task_settled, self._on_task_ended)
        relay.setParent(task)
        was_idle = not self._unfinished
        self._unfinished[id(task)] = task
        self._in_flight[id(task)] = task
        if was_idle:
            self.busy_changed.emit(True)
        return task

    def _on_task_settled(self, task: Task) -> None:
        if self._unfinished.pop(id(task), None) is not None and not self._unfinished:
            self.busy_changed.emit(False)

    def _on_task_ended(self, task: Task) -> None:
        self._in_flight.pop(id(task), None)
