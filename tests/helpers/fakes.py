"""Small stand-ins for the services the widgets use, with the same signals and methods.

Each call that would run on the pool returns a ``FakeTask`` and is recorded, so a test decides
when (and how) the job ends: ``task.succeed(value)`` or ``task.fail(exc)``. A service built with
canned results (``FakeHistoryService(rows=...)``) answers on its own at the next event-loop turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.domain.history_query import LATEST, RecentQuery

_NO_RESULT = object()


class FakeTask(QObject):
    """Like ``services.tasks.Task``: the test ends it with ``succeed`` or ``fail``.

    ``unhandled`` lists the failures no ``on_failure`` handler took: what the real runner would
    log and report.
    """

    def __init__(self, name: str = "", args: tuple[Any, ...] = (), kwargs: Any = None) -> None:
        super().__init__()
        self.name = name
        self.args = args
        self.kwargs = dict(kwargs or {})
        self._cancelled = False
        self._done = False
        self._success: list[Callable[[Any], object]] = []
        self._failure: list[Callable[[BaseException], object]] = []
        self._finished: list[Callable[[], object]] = []
        self.unhandled: list[BaseException] = []

    def on_success(self, handler: Callable[[Any], object]) -> FakeTask:
        if not self._done:
            self._success.append(handler)
        return self

    def on_failure(self, handler: Callable[[BaseException], object]) -> FakeTask:
        if not self._done:
            self._failure.append(handler)
        return self

    def on_finished(self, handler: Callable[[], object]) -> FakeTask:
        if self._done:
            handler()
        else:
            self._finished.append(handler)
        return self

    def _finish(self) -> None:
        self._success.clear()
        self._failure.clear()
        finished, self._finished = self._finished, []
        for handler in finished:
            handler()

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled

    @property
    def is_done(self) -> bool:
        return self._done

    def cancel(self) -> None:
        if not self._done:
            self._cancelled = True
            self._done = True
            self._finish()

    def succeed(self, value: Any = None) -> None:
        if self._done:
            return
        self._done = True
        for handler in self._success:
            handler(value)
        self._finish()

    def fail(self, exc: BaseException) -> None:
        if self._done:
            return
        self._done = True
        if not self._failure:
            self.unhandled.append(exc)
        for handler in self._failure:
            handler(exc)
        self._finish()

    def succeed_later(self, value: Any) -> None:
        """Succeed at the next event-loop turn (after the caller has connected)."""
        QTimer.singleShot(0, lambda: self.succeed(value))


class _Recorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[FakeTask] = []

    def _task(self, name: str, *args: Any, result: Any = _NO_RESULT, **kwargs: Any) -> FakeTask:
        task = FakeTask(name, args, kwargs)
        self.tasks.append(task)
        if result is not _NO_RESULT:
            task.succeed_later(result)
        return task

    def calls(self, name: str) -> list[FakeTask]:
        """The tasks started by method ``name``, oldest first."""
        return [t for t in self.tasks if t.name == name]


class FakeHistoryService(_Recorder):
    """``HistoryService``: ``recent`` answers with ``rows`` unless ``rows`` is None."""

    changed = Signal()  # another agent's rows (a shared history): emit to simulate one
    reachable = Signal(bool)

    def __init__(self, rows: list[Any] | None = None) -> None:
        super().__init__()
        self.rows = rows
        #: The audit trail ``actions`` answers with, by history row id.
        self.audit: dict[int, list[Any]] = {}
        #: A store is attached; not a team's shared history (no outbox rows).
        self.available = True
        self.shared = False

    def recent(self, query: RecentQuery = LATEST) -> FakeTask:
        result = list(self.rows) if self.rows is not None else _NO_RESULT
        return self._task("recent", query, result=result)

    def count(self, query: RecentQuery = LATEST) -> FakeTask:
        return self._task("count", query)

    def queries(self) -> list[RecentQuery]:
        """The queries ``recent`` was asked, oldest first."""
        return [task.args[0] for task in self.calls("recent")]

    def get(self, request_id: str) -> FakeTask:
        found = _NO_RESULT
        if self.rows is not None:
            found = next((e for e in self.rows if e.request_id == request_id), None)
        return self._task("get", request_id, result=found)

    def calls_for(self, request_id: str) -> FakeTask:
        return self._task("calls", request_id)

    def actions(self, history_id: int) -> FakeTask:
        return self._task("actions", history_id, result=list(self.audit.get(history_id, [])))


class FakeVerificationService(_Recorder):
    """``VerificationService``: ``search`` answers from ``records`` (by request id) if set."""

    busy_changed = Signal(bool)
    history_changed = Signal()
    started = Signal(object)

    def __init__(self, records: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.records = records

    def search(self, request_ids: Any) -> FakeTask:
        ids = tuple(request_ids)
        result: Any = _NO_RESULT
        if self.records is not None:
            result = tuple(self.records[i] for i in ids if i in self.records)
        return self._task("search", ids, result=result)

    def cancel(self, request_id: str) -> FakeTask:
        return self._task("cancel", request_id)

    def next_event(self, request_id: str) -> FakeTask:
        return self._task("next_event", request_id)

    def check(self, request_id: str, code: str) -> FakeTask:
        return self._task("check", request_id, code)

    def balance(self) -> FakeTask:
        return self._task("balance")


class FakeStatusRefresher(QObject):
    """``StatusRefresher``: records watched ids; tests emit ``refreshed`` themselves."""

    refreshed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.watched: list[str] = []
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def watch(self, request_ids: Any) -> None:
        self.watched.extend(request_ids)


class FakeHandsetService(_Recorder):
    """``HandsetService``: records start/stop, time scale and skips."""

    messages_changed = Signal(object)
    clock_changed = Signal(float)

    def __init__(self, available: bool = True) -> None:
        super().__init__()
        self.available = available
        self.running = False
        self.start_count = 0
        self.stop_count = 0

    def start(self) -> None:
        self.running = True
        self.start_count += 1

    def stop(self) -> None:
        self.running = False
        self.stop_count += 1

    def refresh(self) -> FakeTask:
        return self._task("refresh")

    def set_time_scale(self, scale: float) -> FakeTask:
        return self._task("set_time_scale", scale)

    def advance(self, seconds: float) -> FakeTask:
        return self._task("advance", seconds)


class FakeSessionService(_Recorder):
    """``SessionService`` over a list of profiles (any objects with a ``name``)."""

    profile_changed = Signal(object)
    profiles_changed = Signal()

    def __init__(self, profiles: list[Any], *, persistent: bool = True) -> None:
        super().__init__()
        self._profiles = list(profiles)
        self.persistent = persistent
        self.session_only = False

    def profiles(self) -> list[Any]:
        return list(self._profiles)

    def current(self) -> Any:
        return self._profiles[0]

    def switch(self, name: str) -> FakeTask:
        return self._task("switch", name)

    def save_profile(self, profile: Any, secret: str | None) -> FakeTask:
        return self._task("save_profile", profile, secret)

    def remove_profile(self, name: str) -> FakeTask:
        return self._task("remove_profile", name)

    def test_connection(self, profile: Any, secret: str | None) -> FakeTask:
        return self._task("test_connection", profile, secret)

    def use_session_only_credentials(self) -> None:
        self.session_only = True

    @property
    def credentials_persistent(self) -> bool:
        return self.persistent and not self.session_only

    def add_saved(self, profile: Any) -> None:
        """What the real service does after a save: store it and announce the change."""
        self._profiles = [p for p in self._profiles if p.name != profile.name] + [profile]
        self.profiles_changed.emit()
