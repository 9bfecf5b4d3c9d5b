"""Frozen value types shared by every layer.

Every API response is parsed at the boundary (``desktop_app.api``) into these dataclasses, so the
layers above never see raw JSON. Monetary values are ``Decimal`` because the API sends them as
decimal strings (``"0.05000000"``) and binary floats would misreport them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class VerificationStatus(enum.StrEnum):
    """Where a verification request stands.

    The first five are the values Verify v1 search returns. The others only exist locally: the
    history records them when the API did not (or could not) say.
    """

    IN_PROGRESS = "IN PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    #: Written before a start is sent; left in place when the answer never arrived.
    UNKNOWN = "OUTCOME UNKNOWN"
    #: The API refused the start (non-zero status); no verification is running.
    REFUSED = "REFUSED"
    #: The start never left this machine (connection refused, DNS, TLS before sending).
    NOT_SENT = "NOT SENT"
    #: Messages API only: the API accepted the message and nothing more will be heard of it
    #: (no status webhook receiver was listening), so the row is as final as it will get.
    SENT = "SENT"
    #: The server does not know a request the history says it started (search: not found;
    #: e.g. a sandbox that forgot it). Nothing can be done with it any more: it is final, and
    #: never looked up again.
    UNKNOWN_TO_SERVER = "UNKNOWN TO SERVER"

    @property
    def is_final(self) -> bool:
        """True when the request can no longer change on the server."""
        return self not in (VerificationStatus.IN_PROGRESS, VerificationStatus.UNKNOWN)


@dataclass(frozen=True)
class ApiCredentials:
    """An account's key and secret. The secret is kept out of ``repr`` and equality output."""

    api_key: str
    api_secret: str = field(repr=False)


@dataclass(frozen=True)
class StartParams:
    """A validated Verify v1 start request (``POST /verify/json``).

    ``number`` is E.164 digits without ``+``. ``None`` means "leave it to the API default".
    """

    number: str
    brand: str
    country: str | None = None
    sender_id: str | None = None
    code_length: int | None = None
    lg: str | None = None
    pin_expiry: int | None = None
    next_event_wait: int | None = None
    workflow_id: int | None = None
    #: A custom PIN is a code: never logged, never stored.
    pin_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Psd2Params:
    """A validated Verify v1 PSD2 start request (``POST /verify/psd2/json``)."""

    number: str
    payee: str
    amount: Decimal
    country: str | None = None
    code_length: int | None = None
    lg: str | None = None
    pin_expiry: int | None = None
    next_event_wait: int | None = None
    workflow_id: int | None = None


@dataclass(frozen=True)
class StartResult:
    """A start the API accepted."""

    request_id: str


@dataclass(frozen=True)
class CheckResult:
    """A code the API accepted (status 0)."""

    request_id: str
    event_id: str
    price: Decimal | None
    currency: str
    estimated_price_messages_sent: Decimal | None = None


@dataclass(frozen=True)
class CheckAttempt:
    """One code submitted against a request, as search reports it."""

    date_received: datetime | None
    status: str  # "VALID" or "INVALID"
    ip_address: str = ""
    #: Search echoes the code that was entered; shown on demand, never stored.
    code: str = field(default="", repr=False)


@dataclass(frozen=True)
class DeliveryEvent:
    """One delivery attempt (an SMS or a text-to-speech call)."""

    type: str  # "sms" or "tts"
    id: str


@dataclass(frozen=True)
class VerificationRecord:
    """What ``/verify/search/json`` says about one request."""

    request_id: str
    status: str  # a VerificationStatus value for the known ones; kept verbatim otherwise
    number: str = ""
    account_id: str = ""
    sender_id: str = ""
    date_submitted: datetime | None = None
    date_finalized: datetime | None = None
    first_event_date: datetime | None = None
    last_event_date: datetime | None = None
    price: Decimal | None = None
    currency: str = ""
    estimated_price_messages_sent: Decimal | None = None
    checks: tuple[CheckAttempt, ...] = ()
    events: tuple[DeliveryEvent, ...] = ()


@dataclass(frozen=True)
class ControlResult:
    """A control command (cancel or trigger_next_event) the API accepted."""

    command: str


@dataclass(frozen=True)
class Balance:
    """The account balance (Account API), used as the credentials check."""

    value: Decimal
    auto_reload: bool


@dataclass(frozen=True)
class HandsetMessage:
    """A message the sandbox "delivered" to a simulated handset."""

    request_id: str
    number: str
    channel: str  # "sms" or "tts"
    code: str = field(repr=False)
    text: str = field(repr=False)
    sent_at: datetime | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One verification request this app started, as the history store keeps it.

    Never holds a PIN code or a secret.
    """

    id: int
    profile: str
    operator: str
    api_version: str  # "v1" (and "v2" later)
    kind: str  # "start" or "psd2"
    number: str
    brand: str  # the brand, or the payee for PSD2
    workflow_id: int | None
    request_id: str | None
    status: VerificationStatus
    created_at: datetime
    updated_at: datetime
    finalized_at: datetime | None = None
    price: Decimal | None = None
    currency: str = ""
    checks_count: int = 0
    last_check_outcome: str = ""
    last_error: str = ""
    code_length: int | None = None
    pin_expiry: int | None = None
    next_event_wait: int | None = None
    #: Verify v2: the workflow's channels in order, comma-separated (``"sms,voice"``);
    #: Messages API: the channels of the message and its failover messages, in order.
    channels: str = ""
    #: Messages API only: the first message's type (``"text"``, ``"template"``, ``"custom"``).
    message_type: str = ""
    #: Messages API only: the ``client_ref`` echoed in its status webhooks.
    client_ref: str = ""
    #: Messages API only: the latest delivery status heard (a ``MessageStatus`` value, or ""
    #: when none arrived yet) and the leg it concerns (0 the first message, 1 its failover...).
    delivery_status: str = ""
    delivery_leg: int = 0
    #: Messages API only: True when status webhooks were being received for this message
    #: (the built-in sandbox, or the local webhook receiver); False: "status not tracked".
    delivery_tracked: bool = False
    #: Messages API only: a failure's error code (``1340``) and its title, else None and "".
    error_code: int | None = None
    error_title: str = ""
    #: The audit trail: the computer the request was started on ("" for rows recorded before
    #: the history kept it). ``operator`` says who.
    host: str = ""


@dataclass(frozen=True)
class CallEntry:
    """One API call this app made (any operation), as the history store keeps it."""

    id: int
    profile: str
    operator: str
    operation: str  # "start", "psd2", "check", "search", "cancel", "next", "balance"
    request_id: str | None
    started_at: datetime
    finished_at: datetime | None
    #: "pending" until the answer arrives (so a crash leaves "pending" = outcome unknown),
    #: then "ok", "api_error", "transport_error" or "outcome_unknown".
    outcome: str
    api_status: str = ""
    error_text: str = ""
