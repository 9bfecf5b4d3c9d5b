"""The window's entry to the Verify operations: every call runs on the network runner's pool.

Each method captures the current :class:`~desktop_app.usecases.desk.VerifyDesk` on the GUI
thread and runs one use-case call on the pool; the use case writes the history rows, so the
service announces ``history_changed`` once the job is over (whatever its outcome).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.domain.models import VerificationRecord
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.usecases.desk import Started, VerifyDesk
from desktop_app.usecases.desk_v2 import require_v2

log = logging.getLogger(__name__)

__all__ = ["NoActiveDesk", "VerificationService"]


def _bound(task: Task, slot: Callable[[Task], None]) -> Callable[[], None]:
    """A ``finished`` slot that knows its task without keeping it alive (no reference cycle)."""
    ref = weakref.ref(task)

    def call() -> None:
        alive = ref()
        if alive is not None:
            slot(alive)

    return call


def _search(desk: VerifyDesk, ids: tuple[str, ...]) -> tuple[VerificationRecord, ...]:
    """v1 ids go to v1 search; v2 ids (no lookup in v2) are answered from the history."""
    v2_ids = [rid for rid in ids if is_v2_request_id(rid)]
    v1_ids = [rid for rid in ids if not is_v2_request_id(rid)]
    v2_records = require_v2(desk).search(v2_ids) if v2_ids else ()
    return (desk.search(v1_ids) if v1_ids else ()) + v2_records


class NoActiveDesk(CredentialsUnavailable):
    """No profile is active yet (or its credentials could not be resolved)."""

    meaning = "No profile is active, so nothing can be sent yet."
    next_step = "Choose a profile (Settings), or enter its API secret for this session."


class VerificationService(QObject):
    """Runs the Verify use cases off the GUI thread and reports through signals.

    Args:
        runner: The network runner (shared with the refresher and, in tests, others).
        desk: The active profile's desk; ``None`` until a profile is active.
        parent: The Qt parent.

    Signals:
        busy_changed(bool): True when this service's first foreground task starts, False when
            its last one finishes. Background searches (the refresher's) do not count.
        history_changed(): After any operation that wrote to the history.
        started(object): A ``Started`` (request_id, history_id, number) after a send succeeded.
        desk_changed(): After ``set_desk`` replaced the desk (a profile switch).
    """

    busy_changed = Signal(bool)
    history_changed = Signal()
    started = Signal(object)
    desk_changed = Signal()

    def __init__(
        self, runner: TaskRunner, desk: VerifyDesk | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._desk = desk
        self._foreground: set[int] = set()
        self._last_search_end = float("-inf")
        self._searches_in_flight = 0

    # -- desk -------------------------------------------------------------------------------

    @property
    def desk(self) -> VerifyDesk | None:
        """The active desk, or None."""
        return self._desk

    @property
    def profile_name(self) -> str | None:
        """The active desk's profile name, or None when no desk is set."""
        return self._desk.profile if self._desk is not None else None

    def set_desk(self, desk: VerifyDesk | None) -> None:
        """Use another desk from now on (a profile switch); tasks in flight keep the old one."""
        self._desk = desk
        self.desk_changed.emit()

    # -- operations -------------------------------------------------------------------------

    def send(self, form: StartForm, *, allow_unknown_number: bool = False) -> Task:
        """Start a verification; ``succeeded(Started)`` and ``started(Started)``."""
        task = self._submit(
            "send", lambda desk: desk.start(form, allow_unknown_number=allow_unknown_number)
        )
        task.succeeded.connect(self._on_send_succeeded)
        return task

    def send_psd2(self, form: Psd2Form, *, allow_unknown_number: bool = False) -> Task:
        """Start a PSD2 verification; ``succeeded(Started)`` and ``started(Started)``."""
        task = self._submit(
            "send_psd2",
            lambda desk: desk.start_psd2(form, allow_unknown_number=allow_unknown_number),
        )
        task.succeeded.connect(self._on_send_succeeded)
        return task

    def send_v2(self, form: V2Form, *, allow_unknown_number: bool = False) -> Task:
        """Start a Verify v2 verification; ``succeeded(StartedV2)`` and ``started(StartedV2)``."""
        task = self._submit(
            "send_v2",
            lambda desk: require_v2(desk).start(form, allow_unknown_number=allow_unknown_number),
        )
        task.succeeded.connect(self._on_send_succeeded)
        return task

    def check(self, request_id: str, code: str) -> Task:
        """Check a code; ``succeeded(CheckResult)`` (v1) or ``succeeded(V2CheckResult)`` (v2).

        A UUID request id goes to Verify v2.
        """
        if is_v2_request_id(request_id):
            return self._submit("check", lambda desk: require_v2(desk).check(request_id, code))
        return self._submit("check", lambda desk: desk.check(request_id, code))

    def search(self, request_ids: Sequence[str], *, background: bool = False) -> Task:
        """Look requests up; ``succeeded(tuple[VerificationRecord, ...])``.

        Args:
            request_ids: 1 to 10 request ids.
            background: A refresh nobody waits for: it does not flip ``busy_changed``.
        """
        ids = tuple(request_ids)
        self._searches_in_flight += 1
        task = self._submit("search", lambda desk: _search(desk, ids), background=background)
        task.finished.connect(self._on_search_finished)
        return task

    def cancel(self, request_id: str) -> Task:
        """Cancel a request (a UUID id: Verify v2); ``succeeded(ControlResult)``."""
        if is_v2_request_id(request_id):
            return self._submit("cancel", lambda desk: require_v2(desk).cancel(request_id))
        return self._submit("cancel", lambda desk: desk.cancel(request_id))

    def next_event(self, request_id: str) -> Task:
        """Trigger the next delivery (v2: ``next_workflow``); ``succeeded(ControlResult)``."""
        if is_v2_request_id(request_id):
            return self._submit(
                "next_event", lambda desk: require_v2(desk).next_workflow(request_id)
            )
        return self._submit("next_event", lambda desk: desk.trigger_next_event(request_id))

    def balance(self) -> Task:
        """Read the account balance; ``succeeded(Balance)``."""
        return self._submit("balance", lambda desk: desk.balance())

    # -- search pacing (used by StatusRefresher) --------------------------------------------

    def searches_in_flight(self) -> int:
        """How many searches this service has submitted that have not finished."""
        return self._searches_in_flight

    def seconds_since_last_search(self) -> float:
        """Seconds since the last search finished (infinite when none ever ran)."""
        return time.monotonic() - self._last_search_end

    # -- plumbing ---------------------------------------------------------------------------

    def _submit(
        self, name: str, call: Callable[[VerifyDesk], Any], *, background: bool = False
    ) -> Task:
        desk = self._desk
        if desk is None:
            task = self._runner.rejected(NoActiveDesk(), name=name)
        else:
            task = self._runner.submit(lambda: call(desk), name=name)
            task.finished.connect(_bound(task, self._on_task_finished))
        if not background:
            was_idle = not self._foreground
            self._foreground.add(id(task))
            task.finished.connect(_bound(task, self._on_foreground_finished))
            if was_idle:
                self.busy_changed.emit(True)
        return task

    def _on_task_finished(self, task: Task) -> None:
        # A task cancelled before it started wrote nothing; any other may have.
        if task.has_run:
            self.history_changed.emit()

    def _on_foreground_finished(self, task: Task) -> None:
        self._foreground.discard(id(task))
        if not self._foreground:
            self.busy_changed.emit(False)

    def _on_search_finished(self) -> None:
        self._searches_in_flight -= 1
        self._last_search_end = time.monotonic()

    def _on_send_succeeded(self, started: object) -> None:
        if isinstance(started, Started):
            self.started.emit(started)
