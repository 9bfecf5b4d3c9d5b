"""The window's entry to the Verify operations: every call runs on the network runner's pool.

Each method captures the active profile's :class:`~desktop_app.usecases.operations.VerifyOperations`
on the GUI thread and runs one call on the pool; the facade picks the API family of the request
(this layer never looks at a request id's shape) and writes the history rows, so the service
announces ``history_changed`` once the job is over (whatever its outcome).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.api_family import CheckOutcome
from desktop_app.domain.models import Balance, ControlResult, VerificationRecord
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.services.desk_calls import DeskCalls
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.usecases.desk import Started
from desktop_app.usecases.desk_v2 import StartedV2
from desktop_app.usecases.operations import VerifyOperations

log = logging.getLogger(__name__)

__all__ = ["VerificationService"]

R = TypeVar("R")


class VerificationService(QObject):
    """Runs the Verify use cases off the GUI thread; each method returns a typed ``Task``.

    Args:
        runner: The network runner (shared with the refresher and, in tests, others).
        desk: The active profile's operations; ``None`` until a profile is active.
        parent: The Qt parent.

    Signals:
        busy_changed(bool): True when this service's first foreground task starts, False when
            its last one finishes. Background searches (the refresher's) do not count.
        history_changed(): After any operation that wrote to the history.
        started(object): A ``Started`` (or ``StartedV2``) after a send succeeded.
        desk_changed(): After ``set_desk`` replaced the operations (a profile switch).
    """

    busy_changed = Signal(bool)
    history_changed = Signal()
    started = Signal(object)
    desk_changed = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        desk: VerifyOperations | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._desk = desk
        self._calls: DeskCalls[VerifyOperations] = DeskCalls(
            runner, lambda: self._desk, busy=self.busy_changed.emit, wrote=self.history_changed.emit
        )
        self._last_search_end = float("-inf")
        self._searches_in_flight = 0

    # -- desk -------------------------------------------------------------------------------

    @property
    def desk(self) -> VerifyOperations | None:
        """The active profile's operations, or None."""
        return self._desk

    @property
    def profile_name(self) -> str | None:
        """The active profile's name, or None when no profile is active."""
        return self._desk.profile if self._desk is not None else None

    def set_desk(self, desk: VerifyOperations | None) -> None:
        """Use another profile's operations from now on; tasks in flight keep the old ones."""
        self._desk = desk
        self.desk_changed.emit()

    # -- operations -------------------------------------------------------------------------

    def send(self, form: StartForm, *, allow_unknown_number: bool = False) -> Task[Started]:
        """Start a Verify v1 verification; ``started`` is emitted too on success."""
        task = self._submit(
            "send", lambda ops: ops.start(form, allow_unknown_number=allow_unknown_number)
        )
        return task.on_success(self.started.emit)

    def send_psd2(self, form: Psd2Form, *, allow_unknown_number: bool = False) -> Task[Started]:
        """Start a PSD2 verification; ``started`` is emitted too on success."""
        task = self._submit(
            "send_psd2",
            lambda ops: ops.start_psd2(form, allow_unknown_number=allow_unknown_number),
        )
        return task.on_success(self.started.emit)

    def send_v2(self, form: V2Form, *, allow_unknown_number: bool = False) -> Task[StartedV2]:
        """Start a Verify v2 verification; ``started`` is emitted too on success."""
        task = self._submit(
            "send_v2", lambda ops: ops.start_v2(form, allow_unknown_number=allow_unknown_number)
        )
        return task.on_success(self.started.emit)

    def check(self, request_id: str, code: str) -> Task[CheckOutcome]:
        """Check a code, in the request's API family (v1 ``CheckResult``, v2 ``V2CheckResult``)."""
        return self._submit("check", lambda ops: ops.check(request_id, code))

    def search(
        self, request_ids: Sequence[str], *, background: bool = False
    ) -> Task[tuple[VerificationRecord, ...]]:
        """Look requests up, each in its family (v2 ones are answered from the history).

        Args:
            request_ids: 1 to 10 request ids.
            background: A refresh nobody waits for: it does not flip ``busy_changed``.
        """
        ids = tuple(request_ids)
        self._searches_in_flight += 1
        task = self._submit("search", lambda ops: ops.search(ids), background=background)
        return task.on_finished(self._on_search_finished)

    def mark_unknown_to_server(self, request_ids: Sequence[str]) -> Task[list[str]]:
        """Mark requests the server does not know (their rows: ``UNKNOWN TO SERVER``).

        A background write: it does not flip ``busy_changed``; ``history_changed`` follows.
        """
        ids = tuple(request_ids)
        return self._submit(
            "mark_unknown", lambda ops: ops.mark_unknown_to_server(ids), background=True
        )

    def cancel(self, request_id: str) -> Task[ControlResult]:
        """Cancel a request, in its API family."""
        return self._submit("cancel", lambda ops: ops.cancel(request_id))

    def next_event(self, request_id: str) -> Task[ControlResult]:
        """Move a request to its next delivery (v1 ``trigger_next_event``, v2 next workflow)."""
        return self._submit("next_event", lambda ops: ops.next_event(request_id))

    def balance(self) -> Task[Balance]:
        """Read the account balance."""
        return self._submit("balance", lambda ops: ops.balance())

    # -- search pacing (used by StatusRefresher) --------------------------------------------

    def searches_in_flight(self) -> int:
        """How many searches this service has submitted that have not finished."""
        return self._searches_in_flight

    def seconds_since_last_search(self) -> float:
        """Seconds since the last search finished (infinite when none ever ran)."""
        return time.monotonic() - self._last_search_end

    # -- plumbing ---------------------------------------------------------------------------

    def _submit(
        self, name: str, call: Callable[[VerifyOperations], R], *, background: bool = False
    ) -> Task[R]:
        return self._calls.submit(name, call, background=background)

    def _on_search_finished(self) -> None:
        self._searches_in_flight -= 1
        self._last_search_end = time.monotonic()
