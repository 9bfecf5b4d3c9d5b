"""The Verify v2 operations, recorded in the same history as v1 (composition over ``VerifyDesk``).

:class:`VerifyDeskV2` follows the bookkeeping of :class:`~desktop_app.usecases.desk.VerifyDesk`
(validate, write the rows before the call, call once, record the outcome, re-raise) for
``POST /v2/verify`` and its check, cancel and next_workflow. It shares the v1 desk's session
history (so a history file that fails degrades both at once) and its profile and operator.

History rows of v2 requests: ``api_version`` ``"v2"``, ``kind`` ``"start"``, ``number`` the first
channel's ``to``, ``workflow_id`` ``None``, ``channels`` the channel list (``"sms,voice"``),
``code_length`` as sent and ``next_event_wait`` holding the ``channel_timeout`` (the seconds
before the next channel, v2's counterpart of v1's next-event wait).

Verify v2 has no status lookup (field guide §2.1): a v2 request's status is what this app learnt
from its own calls: a right code -> SUCCESS; a third wrong code (HTTP 410) -> FAILED; cancel ->
CANCELLED. :meth:`VerifyDeskV2.search` answers from the history for v2 ids, so the window's
"search" of a v2 row costs no API call. Callbacks (webhooks) go to the Vonage application's
status URL, which a desktop app cannot usually receive: they are not read here.

Codes and secrets are never written to the history or the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.api_family import ApiFamily, family_of
from desktop_app.domain.errors import FieldError, ValidationFailed, VerifyDeskError
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.models import (
    ControlResult,
    HistoryEntry,
    StartResult,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.domain.v2 import V2CheckResult, V2StartParams, is_v2_request_id
from desktop_app.domain.v2_validation import V2Form, validate_v2
from desktop_app.domain.validation import validate_code
from desktop_app.usecases.desk import Started, VerifyDesk
from desktop_app.usecases.fallback import SessionHistory
from desktop_app.usecases.recording import (
    CallRecorder,
    CheckOutcomeText,
    record_check_refusal,
    record_start_failure,
)

__all__ = [
    "StartedV2",
    "VerifyDeskV2",
    "channel_list",
    "is_v2_entry",
    "open_desk_v2",
    "record_from_entry",
    "validate_v2_request_id",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartedV2(Started):
    """A v2 start the API accepted (a :class:`Started`, so front ends treat both alike).

    Attributes:
        channels: The workflow's channels in order (``("sms", "voice")``).
        check_url: Only when the first channel is silent auth: the URL the handset opens.
        api_version: Always ``"v2"``.
    """

    channels: tuple[str, ...] = ()
    check_url: str | None = None
    api_version: str = "v2"


@dataclass(frozen=True)
class _Accepted(StartResult):
    """A v2 start answer as a v1 ``StartResult`` (so the call row gets the request id)."""

    check_url: str | None = None


def channel_list(params: V2StartParams) -> tuple[str, ...]:
    """The channel names of a workflow, in order."""
    return tuple(channel.channel for channel in params.workflow)


def is_v2_entry(entry: HistoryEntry) -> bool:
    """True for a history row of a Verify v2 request."""
    return family_of(entry.request_id or "", entry.api_version) is ApiFamily.V2


def validate_v2_request_id(request_id: str) -> str:
    """A Verify v2 request id (a UUID), stripped.

    Raises:
        ValidationFailed: On field ``"request_id"``.
    """
    text = request_id.strip()
    if not text:
        raise ValidationFailed([FieldError("request_id", "required, a Verify v2 request id")])
    if not is_v2_request_id(text):
        message = (
            "must be a Verify v2 request id, a UUID such as "
            f"c1b8f1a2-1d5e-4c5b-9f3a-0a1b2c3d4e5f (got {text[:40]!r})"
        )
        raise ValidationFailed([FieldError("request_id", message)])
    return text.lower()


def record_from_entry(entry: HistoryEntry) -> VerificationRecord:
    """What this app knows of a v2 request, shaped like a v1 search result (no API call)."""
    return VerificationRecord(
        request_id=entry.request_id or "",
        status=str(entry.status),
        number=entry.number,
        date_submitted=entry.created_at,
        date_finalized=entry.finalized_at,
        price=entry.price,
        currency=entry.currency,
    )


class VerifyDeskV2:
    """Every Verify v2 operation for one profile, each recorded in the history.

    Safe to call from worker threads (no state of its own beyond its collaborators).

    Args:
        client: The Verify v2 client for the profile's API host and credentials.
        history: The session history shared with the profile's v1 desk.
        profile: The profile name written on every history row.
        operator: Who is at the keyboard, written on every history row.
        host: The computer's name, written on every history row and action (audit trail).
        default_region: ISO country used to read national-format numbers.
    """

    def __init__(
        self,
        *,
        client: VerifyV2Client,
        history: SessionHistory,
        profile: str,
        operator: str,
        host: str = "",
        default_region: str | None = None,
    ) -> None:
        self._client = client
        self._history = history
        self._profile = profile
        self._operator = operator
        self._default_region = default_region
        self._host = host
        self._calls = CallRecorder(history, profile=profile, operator=operator, host=host)

    @property
    def profile(self) -> str:
        """The profile name this desk records its work under."""
        return self._profile

    # -- starting ---------------------------------------------------------------------------

    def validate(
        self, form: V2Form, *, allow_unknown_number: bool = False, region: str | None = None
    ) -> V2StartParams:
        """Validate a v2 form exactly as :meth:`start` does (nothing is sent or recorded).

        Raises:
            ValidationFailed: With every problem, each on its field (``workflow[1].from``).
        """
        return validate_v2(
            form,
            default_region=region or self._default_region,
            allow_unknown_number=allow_unknown_number,
        )

    def start(
        self, form: V2Form, *, allow_unknown_number: bool = False, region: str | None = None
    ) -> StartedV2:
        """Validate the form and start a v2 verification (``POST /v2/verify``).

        Args:
            form: The raw fields.
            allow_unknown_number: Send a possible number outside the known ranges.
            region: Read national-format numbers in this region (default: the desk's).

        Returns:
            The new request's id, its history row and its channels.

        Raises:
            ValidationFailed: Bad input; nothing was sent or recorded.
            ApiError: The API refused; the row is REFUSED. ``ConcurrentVerificationError``
                (409) carries the live request's id; ``InvalidParameterError`` (422) its
                ``invalid_parameters``.
            TransportError: The row is OUTCOME UNKNOWN, or NOT SENT when nothing left.
        """
        params = self.validate(form, allow_unknown_number=allow_unknown_number, region=region)
        channels = channel_list(params)
        number = params.workflow[0].to
        row = self._history.add_request(
            NewRequest(
                profile=self._profile,
                operator=self._operator,
                host=self._host,
                kind="start",
                number=number,
                brand=params.brand,
                workflow_id=None,
                code_length=params.code_length,
                next_event_wait=params.channel_timeout,
                api_version="v2",
                channels=",".join(channels),
            )
        )

        def send() -> _Accepted:
            result = self._client.start(params)
            return _Accepted(request_id=result.request_id, check_url=result.check_url)

        def accepted(result: _Accepted) -> None:
            self._history.update_request(
                row,
                RequestChanges(request_id=result.request_id, status=VerificationStatus.IN_PROGRESS),
            )

        def failed(exc: VerifyDeskError) -> None:
            record_start_failure(self._history, row, exc)

        result = self._calls.run(
            "start", send, history_id=row, on_ok=accepted, on_error=failed
        )
        logger.info("v2 start accepted: request %s (history #%d)", result.request_id, row)
        return StartedV2(
            request_id=result.request_id,
            history_id=row,
            number=number,
            channels=channels,
            check_url=result.check_url,
        )

    # -- after the start --------------------------------------------------------------------

    def check(self, request_id: str, code: str) -> V2CheckResult:
        """Check a code (``POST /v2/verify/{id}``); the code is never recorded or logged.

        Raises:
            ValidationFailed: Bad id or code; nothing was sent or recorded.
            WrongCodeError: HTTP 400, recorded as an INVALID check.
            TooManyAttemptsError: HTTP 410, recorded as TOO MANY; the request is FAILED.
            RequestNotFoundError: HTTP 404, recorded as NOT FOUND.
            CodeNotSupportedError: HTTP 409 (silent auth step); the call row keeps it.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive.
        """
        rid = validate_v2_request_id(request_id)
        checked = validate_code(code)

        def valid(_: V2CheckResult) -> None:
            self._history.record_check(
                rid, CheckOutcomeText.VALID, RequestChanges(status=VerificationStatus.SUCCESS)
            )

        def refused(exc: VerifyDeskError) -> None:
            record_check_refusal(self._history, rid, exc)

        return self._calls.run(
            "check",
            lambda: self._client.check(rid, checked),
            request_id=rid,
            on_ok=valid,
            on_error=refused,
        )

    def cancel(self, request_id: str) -> ControlResult:
        """Cancel a request (``DELETE /v2/verify/{id}``); the history row is CANCELLED.

        Raises:
            ValidationFailed: Bad id; nothing was sent.
            RequestNotFoundError: Unknown, finished or already cancelled.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive.
        """
        rid = validate_v2_request_id(request_id)

        def send() -> ControlResult:
            self._client.cancel(rid)
            return ControlResult("cancel")

        def cancelled(_: ControlResult) -> None:
            self._history.update_by_request_id(
                rid, RequestChanges(status=VerificationStatus.CANCELLED)
            )

        return self._calls.run("cancel", send, request_id=rid, on_ok=cancelled)

    def next_workflow(self, request_id: str) -> ControlResult:
        """Move to the next channel now (``POST /v2/verify/{id}/next_workflow``).

        Raises:
            ValidationFailed: Bad id; nothing was sent.
            NoMoreWorkflowsError: No channel left.
            RequestNotFoundError: Unknown or finished.
            ApiError: Any other refusal.
            TransportError: The answer did not arrive.
        """
        rid = validate_v2_request_id(request_id)

        def send() -> ControlResult:
            self._client.next_workflow(rid)
            return ControlResult("next_workflow")

        return self._calls.run("next", send, request_id=rid)

    def search(self, request_ids: Sequence[str]) -> tuple[VerificationRecord, ...]:
        """What the history knows of these v2 requests (v2 has no lookup; nothing is sent).

        Ids the history does not know are left out.

        Raises:
            ValidationFailed: An id is not a v2 request id.
        """
        ids = dict.fromkeys(validate_v2_request_id(rid) for rid in request_ids)
        found = (self._history.find(rid) for rid in ids)
        return tuple(record_from_entry(entry) for entry in found if entry is not None)


def open_desk_v2(desk: VerifyDesk, client: VerifyV2Client) -> VerifyDeskV2:
    """A v2 desk sharing ``desk``'s history, profile, operator and default region."""
    return VerifyDeskV2(
        client=client,
        history=desk.session_history,
        profile=desk.profile,
        operator=desk.operator,
        host=desk.host,
        default_region=desk.default_region,
    )
