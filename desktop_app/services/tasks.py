"""Background jobs: one ``Task[T]`` per job, one ``TaskRunner`` (and thread pool) per purpose.

This module is the only place in the app that deals with Qt threads. The model:

* ``TaskRunner.submit(fn)`` is called on the GUI thread. It creates a ``Task``, wraps ``fn`` in
  a ``Job`` (a ``QRunnable`` holding the task's key and the runner's ``Relay``: composition,
  not multiple inheritance; both in :mod:`._jobs`) and starts it on the runner's own
  ``QThreadPool``.
* ``Job.run()`` calls ``fn`` on a pool thread and catches *every* exception. The outcome crosses
  to the GUI thread only through the runner's ``Mailbox`` (tagged with the task's key, together
  with ``fn`` itself), announced by the relay's queued ``ready`` signal; there the runner finds
  the ``Task``, which calls its ``on_success`` or ``on_failure`` handlers, then its
  ``on_finished`` ones, and the last references to ``fn`` and the outcome go on the GUI thread.
  The relay belongs to the runner, never to a task: a task may be freed while the thread that
  reported its outcome is still inside ``emit``.
* **A failure nobody handles is not lost.** When a task fails and no ``on_failure`` handler was
  attached, its runner logs the traceback and emits ``unhandled_failure(exc)``; the composition
  root connects that to the window, which shows the plain-language message. This layer never
  knows about widgets.
* Call context travels in closures (``task.on_success(lambda r: self._show(request_id, r))``),
  never in properties set on the task or in ``sender()``. A handler whose ``QObject`` (its
  ``self``, or one its closure holds) was deleted while the job ran is skipped: a view closed
  mid-job does not get, and cannot crash on, an outcome meant for it.
* The runner keeps a strong reference to every task until its job has really ended.
* Cancellation is cooperative: ``Task.cancel()`` finishes the task at once; a job not started
  never runs, a running one's late result is dropped. A cancelled task is not a failure.
  :class:`~desktop_app.services.latest.Latest` keeps only the newest task of one kind.
* ``TaskRunner.shutdown()`` cancels everything, clears the queue and waits a bounded time; the
  caller then closes the httpx client, which makes calls still stuck fail fast.

``submit``, ``cancel`` and the ``on_*`` methods must be called on the GUI thread (the thread that
owns the runner). Handlers attached before control returns to the event loop are never late: an
outcome is delivered on a later turn of the loop at the earliest.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, Generic, Never, TypeVar, overload

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from desktop_app.services._jobs import Job, JobState, Mailbox, Relay

log = logging.getLogger(__name__)

__all__ = ["Task", "TaskRunner"]

T = TypeVar("T")
R = TypeVar("R")
#: Covariant: a ``Task[bool]`` is a ``Task[object]``, and ``rejected`` is a ``Task[Never]``.
T_co = TypeVar("T_co", covariant=True)


def _owner_gone(handler: Callable[..., object]) -> bool:
    """True when ``handler`` belongs to a Qt object that no longer exists (a closed widget).

    Handlers carry their context in closures (``lambda r: self._show(r)``) or are bound
    methods; when the ``QObject`` they hold was deleted while the job ran (a dialog or a view
    closed), running them could only fail on the dead object, so its outcome is dropped.
    """
    held = [getattr(handler, "__self__", None)]
    for cell in getattr(handler, "__closure__", None) or ():
        try:
            held.append(cell.cell_contents)
        except ValueError:  # an empty cell: a name not bound yet
            continue
    return any(isinstance(o, QObject) and not shiboken6.isValid(o) for o in held)


def _call(handler: Callable[..., object], *args: object) -> None:
    """Run one handler; an exception it raises goes to ``sys.excepthook`` (as from a slot).

    The other handlers and the task's bookkeeping (busy counts, ``on_finished``) still run. A
    handler whose Qt object was deleted meanwhile is skipped (see :func:`_owner_gone`).
    """
    if _owner_gone(handler):
        log.debug("outcome dropped: %r belongs to a deleted Qt object", handler)
        return
    try:
        handler(*args)
    except Exception as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)


class Task(Generic[T_co]):
    """One background job yielding a ``T``, as the caller sees it; handlers run on the GUI thread.

    Attach handlers with the chainable ``on_success``, ``on_failure`` and ``on_finished``; each
    kind runs in the order attached. Without an ``on_failure`` handler a failure is reported by
    the runner (logged with its traceback, then ``TaskRunner.unhandled_failure``).

    The outcome reaches callers through these handlers only: typed, and with the call's context
    in their closures. A plain object, not a ``QObject``: its runner receives the outcome.
    """

    def __init__(
        self,
        runner: TaskRunner,
        name: str,
        state: JobState,
        then: Callable[[Any], object] | None,
    ) -> None:
        self.name = name
        self._runner = runner
        self._state = state
        self._then = then
        self._done = False
        #: True while the outcome's handlers run: a cancel from one of them comes too late.
        self._delivering = False
        self._ran = True
        self._job: Job | None = None
        self._success: list[Callable[[Any], object]] = []
        self._failure: list[Callable[[BaseException], object]] = []
        self._finished: list[Callable[[], object]] = []

    @property
    def is_cancelled(self) -> bool:
        """True once ``cancel()`` was called before the task finished."""
        return self._state.cancelled.is_set()

    @property
    def is_done(self) -> bool:
        """True once the task finished (succeeded, failed or was cancelled)."""
        return self._done

    @property
    def has_run(self) -> bool:
        """False when the task was cancelled before its function ever started."""
        return self._ran

    def on_success(self, handler: Callable[[T_co], object]) -> Task[T_co]:
        """Call ``handler(result)`` when the job succeeds (not after a cancel); returns the task."""
        if not self._done:
            self._success.append(handler)
        return self

    def on_failure(self, handler: Callable[[BaseException], object]) -> Task[T_co]:
        """Call ``handler(exc)`` when the job fails; the runner's default report is then skipped."""
        if not self._done:
            self._failure.append(handler)
        return self

    def on_finished(self, handler: Callable[[], object]) -> Task[T_co]:
        """Call ``handler()`` after the outcome's handlers, or on cancel; at once when done."""
        if self._done:
            _call(handler)
        else:
            self._finished.append(handler)
        return self

    def cancel(self) -> None:
        """Stop caring about the result: a late result is dropped, the task finishes now.

        Does nothing once the task is done, or while its outcome is being delivered.
        """
        if self._done or self._delivering:
            return
        self._state.cancelled.set()
        if self._state.claim() is not None:
            # The pool never started it and now never will: nothing else will settle it.
            self._ran = False
            self._job = None
            self._settle()
            self._runner._on_task_ended(self)
        else:
            self._settle()

    def _settle(self) -> None:
        self._done = True
        self._then = None
        self._success.clear()
        self._failure.clear()
        finished, self._finished = self._finished, []
        for handler in finished:
            _call(handler)
        self._runner._on_task_settled(self)

    def _deliver(self, value: object, exc: BaseException | None) -> None:
        self._job = None
        if self._done:
            log.debug("dropped the late outcome of cancelled task %r", self.name)
            self._runner._on_task_ended(self)
            return
        then, self._then = self._then, None
        if exc is None and then is not None:
            try:
                value = then(value)
            except Exception as hook_error:
                exc = hook_error
        self._delivering = True
        success, self._success = self._success, []
        failure, self._failure = self._failure, []
        unhandled = False
        if exc is None:
            for handler in success:
                _call(handler, value)
        else:
            unhandled = not failure
            for failure_handler in failure:
                _call(failure_handler, exc)
        self._settle()
        self._delivering = False
        self._runner._on_task_ended(self)
        if unhandled and exc is not None:
            self._runner._report_unhandled(self, exc)


class TaskRunner(QObject):
    """Runs functions on its own ``QThreadPool`` and hands results back as ``Task`` outcomes.

    Each service (or group of services) gets its own runner, so a purpose's pool can never be
    starved by another's: the composition root writes the thread count and why beside each.

    Signals:
        busy_changed(bool): True when the first unfinished task appears, False when the last
            one finishes (a cancelled task counts as finished).
        unhandled_failure(object): The exception of a task that failed with no ``on_failure``
            handler, after its traceback was logged. The window shows it to the person.
    """

    busy_changed = Signal(bool)
    unhandled_failure = Signal(object)

    def __init__(
        self, max_threads: int = 8, parent: QObject | None = None, *, name: str = "tasks"
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        # Never QThreadPool.globalInstance(): a runner's threads belong to its purpose only.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        # Created after the pool: children are deleted in order, so a runner being destroyed
        # waits for its pool's jobs (~QThreadPool) before the relay they emit on goes.
        self._relay = Relay(self)
        self._mailbox = Mailbox()
        self._relay.ready.connect(self._on_ready, Qt.ConnectionType.QueuedConnection)
        self._unfinished: dict[int, Task[Any]] = {}
        # Strong references until the job has really ended (a cancelled job may still run).
        self._in_flight: dict[int, Task[Any]] = {}
        self._closed = False

    @overload
    def submit(self, fn: Callable[[], R], *, name: str = ...) -> Task[R]: ...

    @overload
    def submit(
        self, fn: Callable[[], R], *, name: str = ..., then: Callable[[R], T]
    ) -> Task[T]: ...

    def submit(
        self, fn: Callable[[], Any], *, name: str = "", then: Callable[[Any], Any] | None = None
    ) -> Task[Any]:
        """Run ``fn()`` on the pool.

        Args:
            fn: The work. It must not touch widgets, models or any GUI-thread object.
            name: A label for logs.
            then: Optional hook run on the GUI thread with the job's value before the success
                handlers; they get what it returns, and an exception it raises makes the task
                fail. It is not run for a cancelled task.

        Returns:
            The task. After ``shutdown()`` it comes back already cancelled.
        """
        task = self._new_task(name or getattr(fn, "__name__", "task"), fn, then)
        if self._closed:
            log.info("runner %s is shut down; task %r is not started", self.objectName(), name)
            task.cancel()
            return task
        job = Job(task._state, self._relay, self._mailbox, id(task))
        task._job = job  # keep the Python wrapper alive while the pool holds the runnable
        self._pool.start(job)
        return task

    def resolved(self, value: T, *, name: str = "resolved") -> Task[T]:
        """A task that succeeds with ``value`` on the next event-loop turn (no thread used)."""
        task: Task[T] = self._new_task(name, None, None)
        self._mailbox.put((id(task), True, value))
        self._relay.ready.emit()  # queued: after the caller has attached
        return task

    def rejected(self, exc: BaseException, *, name: str = "rejected") -> Task[Never]:
        """A task that fails with ``exc`` on the next event-loop turn (no thread used)."""
        task: Task[Never] = self._new_task(name, None, None)
        self._mailbox.put((id(task), False, exc))
        self._relay.ready.emit()
        return task

    def active_count(self) -> int:
        """Tasks submitted and not finished yet (cancelled ones are finished)."""
        return len(self._unfinished)

    def running_count(self) -> int:
        """Jobs whose outcome has not reached the GUI thread yet, cancelled ones included."""
        return len(self._in_flight)

    def in_flight(self) -> list[Task[Any]]:
        """The tasks whose job has not reported back yet (a drain waits for them)."""
        return list(self._in_flight.values())

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
    ) -> Task[Any]:
        # Keyed by id(task): the task stays in _in_flight until its outcome arrives (or it is
        # cancelled before its job starts, which then never emits), so the id is not reused.
        task: Task[Any] = Task(self, name, JobState(fn), then)
        was_idle = not self._unfinished
        self._unfinished[id(task)] = task
        self._in_flight[id(task)] = task
        if was_idle:
            self.busy_changed.emit(True)
        return task

    @Slot()
    def _on_ready(self) -> None:
        # Everything waiting, in order; the jobs' functions and outcomes are let go of here.
        for (key, succeeded, value), _held in self._mailbox.take_all():
            task = self._in_flight.get(key)
            if task is None:
                continue
            if succeeded:
                task._deliver(value, None)
            else:
                task._deliver(None, value if isinstance(value, BaseException)
                              else RuntimeError(value))  # fmt: skip

    def _on_task_settled(self, task: Task[Any]) -> None:
        if self._unfinished.pop(id(task), None) is not None and not self._unfinished:
            self.busy_changed.emit(False)

    def _on_task_ended(self, task: Task[Any]) -> None:
        self._in_flight.pop(id(task), None)

    def _report_unhandled(self, task: Task[Any], exc: BaseException) -> None:
        log.error(
            "task %r on runner %s failed and nothing handled it",
            task.name,
            self.objectName(),
            exc_info=exc,
        )
        self.unhandled_failure.emit(exc)
