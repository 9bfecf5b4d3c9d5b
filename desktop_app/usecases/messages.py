"""The Messages API operations, recorded in the same history as Verify (send, track, codes).

:class:`MessageDesk` follows the bookkeeping of :class:`~desktop_app.usecases.desk.VerifyDesk`:
validate (``ValidationFailed``: nothing sent, nothing recorded), write the rows *before* the call
(a request row in OUTCOME UNKNOWN, a call row in "pending"), call once, record the outcome,
re-raise. A send is never repeated: a lost answer leaves the row OUTCOME UNKNOWN.

History rows of messages: ``api_version`` ``"messages"``; ``kind`` ``"message"`` (or ``"code"``
for a code by message); ``number`` the recipient; ``brand`` the sender (a code's brand when it
has one); ``request_id`` the ``message_uuid``; ``channels`` the legs' channels in order
(``"whatsapp,sms"`` with an SMS failover); ``message_type`` and ``client_ref`` as sent;
``delivery_tracked`` when a status webhook receiver was listening for it. Status webhooks then
move the row (:mod:`desktop_app.domain.message_delivery`). Texts are never stored: they may
hold a code.

Codes by message (:meth:`MessageDesk.send_code`, :meth:`check_code`, :meth:`cancel_code`) are
in :mod:`desktop_app.usecases.messages_codes`; this desk delegates to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from desktop_app.api.messages import MessagesClient
from desktop_app.domain.audit import outcome_of
from desktop_app.domain.errors import (
    ControlRefusedError,
    StoreError,
    VerifyDeskError,
)
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.message_codes import make_code
from desktop_app.domain.message_delivery import (
    CODE_KIND,
    MESSAGE_KIND,
    MESSAGES_API,
    MessageEventEntry,
)
from desktop_app.domain.messages import MessageRequest
from desktop_app.domain.messages_validation import validate_message
from desktop_app.domain.models import (
    CheckResult,
    ControlResult,
    StartResult,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.store.history import utc_now
from desktop_app.usecases.desk_v2 import record_from_entry
from desktop_app.usecases.fallback import SessionHistory
from desktop_app.usecases.messages_recording import (
    LOST_MESSAGE_ADVICE,
    record_send_failure,
    validate_message_id,
)
from desktop_app.usecases.recording import CallRecorder

__all__ = [
    "LOST_MESSAGE_ADVICE",
    "MessageDesk",
    "MessageSent",
    "StatusRoute",
    "validate_message_id",
]

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class StatusRoute:
    """Where a message's status webhooks go, as far as this app knows.

    Attributes:
        tracked: A receiver of this app gets them (the row then follows the delivery).
        webhook_url: Put on each message as its ``webhook_url`` (a tunnel's public address,
            or the local receiver for a sandbox); None leaves it to the account's own
            status URL (or the sandbox's ``--status-url``).
    """

    tracked: bool = False
    webhook_url: str | None = None


#: No receiver: rows say "status not tracked".
UNTRACKED = StatusRoute()


@dataclass(frozen=True)
class MessageSent:
    """A message the API accepted, and where the history keeps it.

    Attributes:
        message_uuid: The API's id for it (every status webhook names it).
        history_id: Its history row.
        number: The recipient (E.164 digits, or a Messenger id).
        channels: The legs' channels in order (``("whatsapp", "sms")`` with a failover).
        workflow_id: Only with failover: the failover workflow's id.
        tracked: True when a status webhook receiver is listening for it.
        status: The row's status now: IN PROGRESS, or SENT for a message whose delivery
            is not tracked.
    """

    message_uuid: str
    history_id: int
    number: str
    channels: tuple[str, ...]
    workflow_id: str | None = None
    tracked: bool = False
    status: VerificationStatus = VerificationStatus.IN_PROGRESS


@dataclass(frozen=True)
class _Accepted(StartResult):
    """A 202 as a ``StartResult`` (so the call row gets the message id)."""

    workflow_id: str | None = None


class MessageDesk:
    """Every Messages API operation for one profile, each recorded in the history.

    Safe to call from worker threads (the client is built once, under a lock).

    Args:
        client: Builds the profile's Messages client on first use (off the GUI thread: the
            JWT key may come from the keyring).
        history: The session history shared with the profile's Verify desks.
        profile: The profile name written on every row.
        operator: Who is at the keyboard.
        host: The computer's name, on every row and action (audit trail).
        route: Says, at each send, where status webhooks go (default: nowhere this app hears).
        clock: "Now" for code expiry (UTC).
        make_code: Makes a code of a given length (the CSPRNG; tests inject a canary).
    """

    def __init__(
        self,
        *,
        client: Callable[[], MessagesClient],
        history: SessionHistory,
        profile: str,
        operator: str,
        host: str = "",
        route: Callable[[], StatusRoute] = lambda: UNTRACKED,
        clock: Callable[[], datetime] = utc_now,
        make_code: Callable[[int], str] = make_code,
    ) -> None:
        from desktop_app.usecases.messages_codes import MessageCodes  # it imports this module

        self._build_client = client
        self._client: MessagesClient | None = None
        self._client_lock = threading.Lock()
        self._history = history
        self._profile = profile
        self._operator = operator
        self._route = route
        self.clock = clock
        self._host = host
        self.calls = CallRecorder(history, profile=profile, operator=operator, host=host)
        self._codes = MessageCodes(self, make_code)

    @property
    def profile(self) -> str:
        """The profile this desk records its work under."""
        return self._profile

    @property
    def operator(self) -> str:
        """The operator this desk records its work under."""
        return self._operator

    @property
    def history(self) -> SessionHistory:
        """The session history (rows and calls)."""
        return self._history

    def client(self) -> MessagesClient:
        """The profile's Messages client (built on first use).

        Raises:
            ValidationFailed: The profile's JWT application key cannot sign.
            CredentialsUnavailable: The keyring cannot be read.
        """
        with self._client_lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def route(self) -> StatusRoute:
        """Where status webhooks go now."""
        return self._route()

    # -- sending ----------------------------------------------------------------------------

    def send(self, request: MessageRequest) -> MessageSent:
        """Validate and send one message (with its failover messages), recorded in the history.

        Raises:
            ValidationFailed: A rule failed (each problem on its field path); nothing was sent
                or recorded.
            ApiError: The API refused (``InvalidParameterError`` with its 422 reasons,
                ``AuthError``, ``QuotaExceededError``, ``ThrottledError``); the row is REFUSED.
            TransportError: The row is OUTCOME UNKNOWN, or NOT SENT when nothing left.
        """
        route = self.route()
        if route.webhook_url and request.webhook_url is None:
            request = replace(request, webhook_url=route.webhook_url)
        validate_message(request)
        row = self.add_row(request, kind=MESSAGE_KIND, brand=request.from_, tracked=route.tracked)
        return self.send_recorded(request, row, operation="message", tracked=route.tracked)

    def add_row(
        self,
        request: MessageRequest,
        *,
        kind: str,
        brand: str,
        tracked: bool,
        code_length: int | None = None,
        expiry: int | None = None,
    ) -> int:
        """Write the OUTCOME UNKNOWN row of a message about to be sent; return its id."""
        return self._history.add_request(
            NewRequest(
                profile=self._profile,
                operator=self._operator,
                host=self._host,
                kind=kind,
                number=request.to,
                brand=brand,
                workflow_id=None,
                code_length=code_length,
                pin_expiry=expiry,
                api_version=MESSAGES_API,
                channels=",".join(leg.channel for leg in request.legs),
                message_type=request.message_type,
                client_ref=request.client_ref or "",
                delivery_tracked=tracked,
            )
        )

    def send_recorded(
        self,
        request: MessageRequest,
        row: int,
        *,
        operation: str,
        tracked: bool,
        on_ok: Callable[[str], None] | None = None,
        on_error: Callable[[VerifyDeskError], None] | None = None,
    ) -> MessageSent:
        """Send a checked message whose row exists; record the answer on it."""

        def send() -> _Accepted:
            accepted = self.client().send(request)
            return _Accepted(request_id=accepted.message_uuid, workflow_id=accepted.workflow_id)

        # A code stays IN PROGRESS until it is checked or expires; a plain message until its
        # status webhooks say where it ended, or SENT when none will come.
        live = tracked or operation != "message"
        status = VerificationStatus.IN_PROGRESS if live else VerificationStatus.SENT

        def accepted(result: _Accepted) -> None:
            self._history.update_request(
                row, RequestChanges(request_id=result.request_id, status=status)
            )
            if on_ok is not None:
                on_ok(result.request_id)
            # A status webhook may have beaten this answer (a rejection comes at once).
            self._adopt(result.request_id)

        def failed(exc: VerifyDeskError) -> None:
            try:
                if on_error is not None:
                    on_error(exc)
            finally:
                record_send_failure(self._history, row, exc)

        result = self.calls.run(
            operation, send, history_id=row, on_ok=accepted, on_error=failed
        )
        logger.info("%s accepted: %s (history #%d)", operation, result.request_id, row)
        return MessageSent(
            message_uuid=result.request_id,
            history_id=row,
            number=request.to,
            channels=tuple(leg.channel for leg in request.legs),
            workflow_id=result.workflow_id,
            tracked=tracked,
            status=status,
        )

    def _adopt(self, message_uuid: str) -> None:
        try:
            adopted = self._history.store.adopt_message_events(message_uuid)
        except StoreError as error:  # the row is in memory (degraded session): nothing to adopt
            logger.info("early statuses of %s not adopted: %s", message_uuid, error)
            return
        if adopted:
            logger.info("%d early status(es) of %s applied", adopted, message_uuid)

    # -- codes by message (see usecases.messages_codes) --------------------------------------

    def send_code(self, form: CodeForm) -> MessageSent:
        """Make a code, send it by message and keep its salted hash (see ``MessageCodes``)."""
        return self._codes.send(form)

    def check_code(self, message_id: str, code: str) -> CheckResult:
        """Check a code sent by message, locally (see ``MessageCodes.check``)."""
        return self._codes.check(message_id, code)

    def cancel_code(self, message_id: str) -> ControlResult:
        """End a code sent by message before it is used (see ``MessageCodes.cancel``)."""
        return self._codes.cancel(message_id)

    def next_event(self, message_id: str) -> ControlResult:
        """Messages have no next event: failover happens by itself.

        Raises:
            ValidationFailed: Not a message id.
            ControlRefusedError: Always, for a valid id.
        """
        rid = validate_message_id(message_id)
        refused = ControlRefusedError(
            request_id=rid,
            error_text="a message has no next event; its failover message goes by itself",
        )
        self.calls.record(self.calls.action("next", outcome_of(refused), request_id=rid))
        raise refused

    # -- what the history knows -------------------------------------------------------------

    def search(self, message_ids: Sequence[str]) -> tuple[VerificationRecord, ...]:
        """What the history knows of these messages (no API call; unknown ids left out).

        A code whose expiry has passed unchecked is ended here (its row EXPIRED), so the
        window's refresher settles code rows as it settles Verify requests.

        Raises:
            ValidationFailed: An id is not a message id.
        """
        ids = dict.fromkeys(validate_message_id(rid) for rid in message_ids)
        records: list[VerificationRecord] = []
        for rid in ids:
            entry = self._history.find(rid)
            if entry is None:
                continue
            live = entry.kind == CODE_KIND and entry.status is VerificationStatus.IN_PROGRESS
            if live and self._codes.settle_expiry(rid):
                entry = self._history.find(rid) or entry
            records.append(record_from_entry(entry))
        return tuple(records)

    def timeline(self, message_id: str) -> list[MessageEventEntry]:
        """The status webhooks received for a message, leg by leg, in lifecycle order.

        Raises:
            ValidationFailed: Not a message id.
            StoreError: The history file cannot be read.
        """
        return self._history.store.message_events(validate_message_id(message_id))
