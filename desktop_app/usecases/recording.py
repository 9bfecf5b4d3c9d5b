"""How each API call and each answer lands in the history.

:class:`CallRecorder` wraps one network call between a "pending" call row and its outcome; the
functions below translate an answer (or a refusal) into the request row's new status. Nothing
here ever receives a code or a secret: only statuses, ids, prices and the API's (scrubbed) text.

Call outcomes written: ``"ok"``, ``"api_error"`` (the API refused), ``"transport_error"``
(certainly not sent) and ``"outcome_unknown"`` (the server may have acted).

The audit trail: a call that is an action (``ACTION_OPERATIONS``: start, check, cancel, next, a
message, a code by message) records one action with its outcome word, who, where and the
profile, in the same transaction as the row change its answer makes (``SessionHistory.acting``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Final, Protocol, TypeVar

from desktop_app.domain.audit import (
    ACTION_OPERATIONS,
    ActionKind,
    NewAction,
    Outcome,
    outcome_of,
)
from desktop_app.domain.errors import (
    ApiError,
    ConcurrentVerificationError,
    RequestNotFoundError,
    TooManyAttemptsError,
    TransportError,
    VerifyDeskError,
    WrongCodeError,
)
from desktop_app.domain.history_writes import UNSET, CallEnd, NewCall, RequestChanges
from desktop_app.domain.models import (
    CheckResult,
    StartResult,
    VerificationRecord,
    VerificationStatus,
)

__all__ = [
    "LOST_START_ADVICE",
    "CallRecorder",
    "CheckOutcomeText",
    "HistoryWriter",
    "adopt_live_request",
    "record_check_refusal",
    "record_search",
    "record_start_failure",
    "record_valid_check",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Appended to an OUTCOME UNKNOWN start's ``last_error``: what to do before sending again.
LOST_START_ADVICE: Final = (
    "The start may have been accepted: look the number up (its live request) before sending "
    "again; a new start to it that is answered 'already running' (status 10) is linked here."
)


class HistoryWriter(Protocol):
    """The history writes the recorders need (``HistoryStore`` and ``SessionHistory``)."""

    def update_request(self, row_id: int, change: RequestChanges) -> None:
        """See :meth:`HistoryStore.update_request`."""

    def update_by_request_id(self, request_id: str, change: RequestChanges) -> bool:
        """See :meth:`HistoryStore.update_by_request_id`."""

    def record_check(
        self, request_id: str, outcome: str, change: RequestChanges | None = ...
    ) -> None:
        """See :meth:`HistoryStore.record_check`."""

    def begin_call(self, new: NewCall) -> int:
        """See :meth:`HistoryStore.begin_call`."""

    def end_call(self, call_id: int, end: CallEnd) -> None:
        """See :meth:`HistoryStore.end_call`."""

    def acting(self, action: NewAction) -> AbstractContextManager[None]:
        """See :meth:`SessionHistory.acting`."""

    def add_action(self, action: NewAction) -> None:
        """See :meth:`HistoryStore.add_action`."""


class CheckOutcomeText:
    """The ``last_check_outcome`` values written to the history."""

    VALID = "VALID"
    INVALID = "INVALID"
    TOO_MANY = "TOO MANY"
    NOT_FOUND = "NOT FOUND"


class CallRecorder:
    """Runs API calls between a "pending" call row and its recorded outcome.

    Args:
        history: Where the call rows go.
        profile: The profile name on every row.
        operator: The operator name on every row.
        host: The computer's name on every action.
    """

    def __init__(
        self, history: HistoryWriter, *, profile: str, operator: str, host: str = ""
    ) -> None:
        self._history = history
        self._profile = profile
        self._operator = operator
        self._host = host

    def action(
        self,
        kind: str,
        outcome: Outcome,
        *,
        request_id: str | None = None,
        history_id: int | None = None,
    ) -> NewAction:
        """An action of this recorder's profile, operator and host (``kind``: an ActionKind)."""
        return NewAction(
            kind=ACTION_OPERATIONS.get(kind) or ActionKind(kind), outcome=outcome,
            profile=self._profile, user=self._operator, host=self._host, request_id=request_id,
            history_id=history_id,
        )  # fmt: skip

    def record(self, action: NewAction) -> None:
        """Record an action that no row write carries (a local refusal)."""
        self._history.add_action(action)

    def _acting(
        self, operation: str, error: BaseException | None, request_id: str | None,
        history_id: int | None,
    ) -> AbstractContextManager[None]:  # fmt: skip
        if operation not in ACTION_OPERATIONS:
            return nullcontext()
        action = self.action(
            operation, outcome_of(error), request_id=request_id, history_id=history_id
        )
        return self._history.acting(action)

    def run(
        self,
        operation: str,
        send: Callable[[], _T],
        *,
        request_id: str | None = None,
        history_id: int | None = None,
        on_ok: Callable[[_T], None] | None = None,
        on_error: Callable[[VerifyDeskError], None] | None = None,
    ) -> _T:
        """Write the call row, make the call once, record what happened and return or re-raise.

        ``on_ok`` / ``on_error`` update the request rows before the call row is closed, so a
        crash in between leaves the call "pending" rather than a finished call with a stale row.

        Args:
            operation: ``"start"``, ``"psd2"``, ``"check"``, ``"search"``, ``"cancel"``,
                ``"next"`` or ``"balance"``.
            send: The network call.
            request_id: The request the call is about, when known beforehand.
            history_id: The history row it is about, when known (a start's).
            on_ok: Records a successful answer.
            on_error: Records a domain error (the error is re-raised afterwards).
        """
        call_id = self._history.begin_call(
            NewCall(
                profile=self._profile, operator=self._operator, operation=operation,
                request_id=request_id,
            )
        )  # fmt: skip
        try:
            result = send()
        except VerifyDeskError as exc:
            try:
                with self._acting(operation, exc, request_id, history_id):
                    if on_error is not None:
                        on_error(exc)
            finally:
                self._history.end_call(call_id, _failed(exc))
            logger.info("%s failed: %s", operation, type(exc).__name__)
            raise
        except BaseException as exc:
            # A bug below (or an interrupt): the call may or may not have reached the API.
            unknown = CallEnd(outcome="outcome_unknown", error_text=type(exc).__name__)
            self._history.end_call(call_id, unknown)
            if operation in ACTION_OPERATIONS:  # no row change goes with it: recorded alone
                kind, outcome = operation, outcome_of(exc)
                self.record(self.action(kind, outcome, request_id=request_id,
                                        history_id=history_id))  # fmt: skip
            raise
        done_id = result.request_id if isinstance(result, StartResult) else request_id
        with self._acting(operation, None, done_id, history_id):
            if on_ok is not None:
                on_ok(result)
        self._history.end_call(call_id, CallEnd(outcome="ok", request_id=done_id))
        return result


def _failed(exc: VerifyDeskError) -> CallEnd:
    """How a call that raised ``exc`` ended: refused, certainly not sent, or unknown."""
    if isinstance(exc, ApiError):
        return CallEnd(outcome="api_error", api_status=exc.status, error_text=str(exc))
    if isinstance(exc, TransportError) and not exc.outcome_unknown:
        return CallEnd(outcome="transport_error", error_text=str(exc))
    return CallEnd(outcome="outcome_unknown", error_text=str(exc))


def record_start_failure(history: HistoryWriter, row: int, exc: VerifyDeskError) -> None:
    """Set a start's row after an error: REFUSED, NOT SENT, or left OUTCOME UNKNOWN."""
    if isinstance(exc, ConcurrentVerificationError):
        # The live request keeps its own row (if this history has one); this attempt is refused.
        note = f"{exc} Live request: {exc.request_id or 'unknown'}."
        change = RequestChanges(status=VerificationStatus.REFUSED, last_error=note)
    elif isinstance(exc, ApiError):
        change = RequestChanges(status=VerificationStatus.REFUSED, last_error=str(exc))
    elif isinstance(exc, TransportError) and not exc.outcome_unknown:
        change = RequestChanges(status=VerificationStatus.NOT_SENT, last_error=str(exc))
    else:  # the start may or may not have been accepted: the row stays OUTCOME UNKNOWN
        change = RequestChanges(last_error=f"{exc} {LOST_START_ADVICE}")
    history.update_request(row, change)


def adopt_live_request(history: HistoryWriter, row: int, live_request_id: str) -> None:
    """An unresolved start takes the live request a status 10 named: IN PROGRESS, id set."""
    history.update_request(
        row,
        RequestChanges(
            request_id=live_request_id,
            status=VerificationStatus.IN_PROGRESS,
            last_error=(
                f"The answer to this start was lost; a later start was refused with status 10 "
                f"naming live request {live_request_id}, adopted here."
            ),
        ),
    )


def record_valid_check(history: HistoryWriter, request_id: str, result: CheckResult) -> None:
    """A right code: one more check, SUCCESS, the price (``finalized_at`` is stamped)."""
    price = UNSET if result.price is None else result.price
    history.record_check(
        request_id,
        CheckOutcomeText.VALID,
        RequestChanges(status=VerificationStatus.SUCCESS, price=price, currency=result.currency),
    )


def record_check_refusal(history: HistoryWriter, request_id: str, exc: VerifyDeskError) -> None:
    """A refused check: INVALID, TOO MANY (the request FAILED) or NOT FOUND; others skipped."""
    if isinstance(exc, WrongCodeError):
        history.record_check(request_id, CheckOutcomeText.INVALID)
    elif isinstance(exc, TooManyAttemptsError):
        history.record_check(
            request_id, CheckOutcomeText.TOO_MANY, RequestChanges(status=VerificationStatus.FAILED)
        )
    elif isinstance(exc, RequestNotFoundError):
        history.record_check(request_id, CheckOutcomeText.NOT_FOUND)


def _known_status(status: str) -> VerificationStatus | None:
    try:
        return VerificationStatus(status)
    except ValueError:  # a status this app does not know: keep ours
        return None


def record_search(history: HistoryWriter, records: tuple[VerificationRecord, ...]) -> None:
    """Copy what search says (status, price, finalisation time) onto the history rows.

    Rows are found by request id; ids this history does not know are skipped.
    """
    for record in records:
        known = _known_status(record.status)
        history.update_by_request_id(
            record.request_id,
            RequestChanges(
                status=UNSET if known is None else known,
                price=UNSET if record.price is None else record.price,
                currency=record.currency or UNSET,
                finalized_at=UNSET if record.date_finalized is None else record.date_finalized,
            ),
        )
