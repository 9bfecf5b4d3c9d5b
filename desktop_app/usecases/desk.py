"""The Verify operations both front ends share, each one recorded in the history.

:class:`VerifyDesk` is the Qt-free use-case layer between a front end (the window's services,
the command line) and the collaborators below it: the Verify v1 client, the Account client and
the history store. Every operation follows the same bookkeeping:

1. validate the input (``ValidationFailed``: nothing is sent and nothing is recorded);
2. write the history rows *before* the network call (a start row in "OUTCOME UNKNOWN" and a call
   row in "pending"), so a crash mid-call leaves an honest trace;
3. make the call once (the client may retry reads; a start is never retried, as it may have
   been accepted the first time: verify-api.md §4);
4. update the rows with what happened (:mod:`.recording`) and re-raise the error unchanged.

A start whose answer was lost stays OUTCOME UNKNOWN with the advice to look the number up before
sending again. When a later start to the same number is refused with status 10, the live request
it names is *adopted* by that unresolved row (request id set, IN PROGRESS), because it is almost
certainly the request the lost answer would have named; the error still reaches the caller.

The history is a :class:`~desktop_app.usecases.fallback.SessionHistory`: when the file cannot
be written (disk full, read-only) the session carries on in memory and warns once.

Codes (checked or custom PINs) and secrets are never written to the history or the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from desktop_app.api.account import AccountClient
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.errors import ConcurrentVerificationError, StoreError, VerifyDeskError
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.models import (
    Balance,
    CheckResult,
    ControlResult,
    HistoryEntry,
    Psd2Params,
    StartParams,
    StartResult,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.domain.validation import (
    Psd2Form,
    StartForm,
    validate_code,
    validate_psd2,
    validate_request_id,
    validate_request_ids,
    validate_start,
)
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.fallback import DegradedCallback, SessionHistory
from desktop_app.usecases.recording import (
    CallRecorder,
    adopt_live_request,
    record_check_refusal,
    record_search,
    record_start_failure,
    record_valid_check,
)

__all__ = ["Started", "VerifyDesk"]

logger = logging.getLogger(__name__)

#: How far back an OUTCOME UNKNOWN start may be to adopt a status-10 live request: the longest
#: a v1 request can live (pin_expiry at most 3600 s), plus slack for clocks.
ADOPTION_WINDOW: Final = timedelta(hours=1, minutes=5)
#: What :meth:`VerifyDesk.history` lists unless told otherwise: the newest 50 rows.
_DESK_PAGE: Final = RecentQuery(limit=50)


@dataclass(frozen=True)
class Started:
    """A start the API accepted, and where the history keeps it.

    Attributes:
        request_id: The id the API gave the new verification request.
        history_id: The history row that records it.
        number: The E.164 number (digits, no ``+``) the request was sent to.
    """

    request_id: str
    history_id: int
    number: str


class VerifyDesk:
    """Every Verify operation for one profile, each recorded in the history.

    Safe to call from worker threads: it keeps no state of its own beyond its collaborators,
    and the history store serialises its writes.

    Args:
        client: The Verify v1 client for the profile's API host and credentials.
        account: The Account API client (balance).
        history: Where requests and calls are recorded.
        profile: The profile name written on every history row.
        operator: Who is at the keyboard, written on every history row.
        host: The computer's name, written on every history row and action (audit trail).
        default_region: ISO country used to read national-format numbers.
        on_history_degraded: Called once when the history file cannot be written and the
            session continues in memory (the front end warns the person).
    """

    def __init__(
        self,
        *,
        client: VerifyV1Client,
        account: AccountClient,
        history: HistoryStore,
        profile: str,
        operator: str,
        host: str = "",
        default_region: str | None = None,
        on_history_degraded: DegradedCallback | None = None,
    ) -> None:
        self._client = client
        self._account = account
        self._history = SessionHistory(history, on_degraded=on_history_degraded)
        self._profile = profile
        self._operator = operator
        self._host = host
        self._default_region = default_region
        self._calls = CallRecorder(self._history, profile=profile, operator=operator, host=host)

    @property
    def profile(self) -> str:
        """The profile name this desk records its work under."""
        return self._profile

    @property
    def operator(self) -> str:
        """The operator name this desk records its work under."""
        return self._operator

    @property
    def host(self) -> str:
        """The computer's name this desk records its work under."""
        return self._host

    @property
    def session_history(self) -> SessionHistory:
        """The session's history (file, or memory after a failure), shared with the v2 desk."""
        return self._history

    @property
    def default_region(self) -> str | None:
        """The ISO region national-format numbers are read in."""
        return self._default_region

    @property
    def history_problem(self) -> StoreError | None:
        """Why this session's history is in memory only, or None while the file works."""
        return self._history.problem

    # -- starting ---------------------------------------------------------------------------

    def start(self, form: StartForm, *, allow_unknown_number: bool = False) -> Started:
        """Validate the form and start a verification (``POST /verify/json``).

        Args:
            form: The raw field values.
            allow_unknown_number: Send a number that is possible but not in a known range.

        Returns:
            The new request's id and its history row.

        Raises:
            ValidationFailed: Bad input; nothing was sent or recorded.
            ApiError: The API refused; the history row is REFUSED. For
                ``ConcurrentVerificationError`` the error's ``request_id`` is the live request.
            TransportError: The row is OUTCOME UNKNOWN, or NOT SENT when nothing left.
        """
        region, unknown_ok = self._default_region, allow_unknown_number
        params = validate_start(form, default_region=region, allow_unknown_number=unknown_ok)
        row = self._add_request("start", params, params.brand)
        return self._send_start(row, params.number, "start", lambda: self._client.start(params))

    def start_psd2(self, form: Psd2Form, *, allow_unknown_number: bool = False) -> Started:
        """Validate the form and start a PSD2 verification (``POST /verify/psd2/json``).

        The payee is recorded in the history's brand column.

        Raises:
            ValidationFailed: Bad input; nothing was sent or recorded.
            ApiError: The API refused; the history row is REFUSED.
            TransportError: The row is OUTCOME UNKNOWN, or NOT SENT when nothing left.
        """
        region, unknown_ok = self._default_region, allow_unknown_number
        params = validate_psd2(form, default_region=region, allow_unknown_number=unknown_ok)
        row = self._add_request("psd2", params, params.payee)
        return self._send_start(row, params.number, "psd2", lambda: self._client.start_psd2(params))

    def _add_request(self, kind: str, params: StartParams | Psd2Params, brand: str) -> int:
        return self._history.add_request(
            NewRequest(
                profile=self._profile,
                operator=self._operator,
                host=self._host,
                kind=kind,
                number=params.number,
                brand=brand,
                workflow_id=params.workflow_id,
                code_length=params.code_length,
                pin_expiry=params.pin_expiry,
                next_event_wait=params.next_event_wait,
            )
        )

    def _send_start(
        self, row: int, number: str, operation: str, send: Callable[[], StartResult]
    ) -> Started:
        def accepted(result: StartResult) -> None:
            self._history.update_request(
                row,
                RequestChanges(request_id=result.request_id, status=VerificationStatus.IN_PROGRESS),
            )

        def failed(exc: VerifyDeskError) -> None:
            record_start_failure(self._history, row, exc)
            if isinstance(exc, ConcurrentVerificationError) and exc.request_id:
                self._adopt(number, exc.request_id)

        result = self._calls.run(
            operation, send, history_id=row, on_ok=accepted, on_error=failed
        )
        logger.info("%s accepted: request %s (history #%d)", operation, result.request_id, row)
        return Started(request_id=result.request_id, history_id=row, number=number)

    def _adopt(self, number: str, live_request_id: str) -> None:
        """Give a status-10 live request to this number's unresolved start, if there is one."""
        if self._history.find(live_request_id) is not None:
            return  # the live request already has its row
        since = datetime.now(UTC) - ADOPTION_WINDOW
        lost = self._history.unresolved_start(profile=self._profile, number=number, since=since)
        if lost is None:
            return
        adopt_live_request(self._history, lost.id, live_request_id)
        logger.info("history #%d adopted live request %s (status 10)", lost.id, live_request_id)

    # -- after the start --------------------------------------------------------------------

    def check(self, request_id: str, code: str) -> CheckResult:
        """Check a code against a request (``POST /verify/check/json``).

        The code itself is never recorded or logged; only the outcome is.

        Raises:
            ValidationFailed: Bad id or code; nothing was sent or recorded.
            WrongCodeError: Recorded as an INVALID check.
            TooManyAttemptsError: Recorded as TOO MANY; the request is FAILED.
            RequestNotFoundError: Recorded as NOT FOUND.
            ApiError: Any other refusal (the call row keeps it).
            TransportError: The answer did not arrive.
        """
        rid = validate_request_id(request_id)
        checked = validate_code(code)

        def valid(result: CheckResult) -> None:
            record_valid_check(self._history, rid, result)

        def refused(exc: VerifyDeskError) -> None:
            record_check_refusal(self._history, rid, exc)

        return self._calls.run(
            "check",
            lambda: self._client.check(rid, checked),
            request_id=rid,
            on_ok=valid,
            on_error=refused,
        )

    def search(self, request_ids: Sequence[str]) -> tuple[VerificationRecord, ...]:
        """Look up 1 to 10 requests (``GET /verify/search/json``) and refresh their history.

        Raises:
            ValidationFailed: No id, more than 10, or a malformed one; nothing was sent.
            ApiError: e.g. ``SearchNotFoundError`` (101).
            TransportError: The answer did not arrive.
        """
        ids = validate_request_ids(request_ids)

        def send() -> tuple[VerificationRecord, ...]:
            if len(ids) == 1:
                return (self._client.search(ids[0]),)
            return self._client.search_many(ids)

        return self._calls.run(
            "search",
            send,
            request_id=ids[0] if len(ids) == 1 else None,
            on_ok=lambda records: record_search(self._history, records),
        )

    def cancel(self, request_id: str) -> ControlResult:
        """Cancel a request (``cmd=cancel``); on success the history row is CANCELLED.

        Raises:
            ValidationFailed: Bad id; nothing was sent.
            ControlRefusedError: Too early (first 30 s) or too late (second delivery done).
            ApiError: Any other refusal.
            TransportError: The answer did not arrive.
        """
        rid = validate_request_id(request_id)

        def cancelled(_: ControlResult) -> None:
            self._history.update_by_request_id(
                rid, RequestChanges(status=VerificationStatus.CANCELLED)
            )

        return self._calls.run(
            "cancel", lambda: self._client.cancel(rid), request_id=rid, on_ok=cancelled
        )

    def trigger_next_event(self, request_id: str) -> ControlResult:
        """Skip the wait and fire the workflow's next delivery (``cmd=trigger_next_event``).

        Raises:
            ValidationFailed: Bad id; nothing was sent.
            ControlRefusedError: The workflow has no event left.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive.
        """
        rid = validate_request_id(request_id)
        return self._calls.run("next", lambda: self._client.trigger_next_event(rid), request_id=rid)

    def balance(self) -> Balance:
        """Read the account balance (the credentials check).

        Raises:
            ApiError: e.g. ``AuthError`` for a wrong key or secret.
            TransportError: The answer did not arrive.
        """
        return self._calls.run("balance", self._account.get_balance)

    def history(
        self, query: RecentQuery = _DESK_PAGE, *, all_profiles: bool = False
    ) -> list[HistoryEntry]:
        """Return this profile's newest history rows (every profile's with ``all_profiles``).

        Args:
            query: Which rows; its ``profile`` is this desk's (or none, with ``all_profiles``).
            all_profiles: Do not narrow to this desk's profile.
        """
        profile = None if all_profiles else self._profile
        return self._history.recent(replace(query, profile=profile))
