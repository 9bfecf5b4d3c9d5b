"""What a history write carries: a new request row or the changes to one, a call begun or ended.

The store (``desktop_app.store.history``), the session's memory fallback
(``desktop_app.usecases.fallback``) and the use cases pass these objects through unchanged, so
each field of a write is declared once, here. The store maps field names to its columns
(each field is the column of the same name).

``UNSET`` in a :class:`RequestChanges` field means "leave the column as it is"; ``None`` means
"store NULL" (for the fields that may be NULL).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Final

from desktop_app.domain.models import HistoryEntry, VerificationStatus

__all__ = ["UNSET", "CallEnd", "NewCall", "NewRequest", "RequestChanges", "Unset"]


class Unset(enum.Enum):
    """The type of :data:`UNSET` (an enum, so ``is`` checks narrow types for mypy)."""

    UNSET = enum.auto()


#: "Leave this field as it is" in :class:`RequestChanges`.
UNSET: Final = Unset.UNSET


@dataclass(frozen=True, kw_only=True)
class NewRequest:
    """A verification start about to be sent; the store records it as ``OUTCOME UNKNOWN``.

    Attributes:
        profile: The profile the start is sent with.
        operator: Who sent it (the OS user).
        kind: ``"start"`` or ``"psd2"``.
        number: The destination, E.164 digits.
        brand: The brand, or the payee for PSD2.
        workflow_id: Verify v1's workflow (None for v2).
        code_length: The code length asked for, if any.
        pin_expiry: Verify v1's PIN expiry in seconds, if given.
        next_event_wait: Seconds between deliveries (v2: the channel timeout), if given.
        api_version: ``"v1"``, ``"v2"`` or ``"messages"``.
        channels: Verify v2: the workflow's channels in order (``"sms,voice"``); Messages API:
            the message's and its failover messages' channels in order.
        message_type: Messages API only: the first message's type.
        client_ref: Messages API only: the ``client_ref`` sent.
        delivery_tracked: Messages API only: status webhooks are being received for it.
        host: The computer it is sent from (the audit trail; ``operator`` says who).
    """

    profile: str
    operator: str
    kind: str
    number: str
    brand: str
    workflow_id: int | None
    code_length: int | None = None
    pin_expiry: int | None = None
    next_event_wait: int | None = None
    api_version: str = "v1"
    channels: str = ""
    message_type: str = ""
    client_ref: str = ""
    delivery_tracked: bool = False
    host: str = ""

    @classmethod
    def like(cls, entry: HistoryEntry) -> NewRequest:
        """The start that created ``entry`` (to copy a row into another store)."""
        return cls(**{f.name: getattr(entry, f.name) for f in fields(cls)})


@dataclass(frozen=True, kw_only=True)
class RequestChanges:
    """The fields of a request row to change; every field left ``UNSET`` stays as it is.

    A final ``status`` without a ``finalized_at`` makes the store stamp ``finalized_at`` with
    "now", unless the row already has one. The ``delivery_*`` and ``error_*`` fields are the
    Messages API's (see :class:`~desktop_app.domain.models.HistoryEntry`).
    """

    request_id: str | Unset | None = UNSET
    status: VerificationStatus | Unset = UNSET
    finalized_at: datetime | Unset | None = UNSET
    price: Decimal | Unset | None = UNSET
    currency: str | Unset = UNSET
    last_error: str | Unset = UNSET
    delivery_status: str | Unset = UNSET
    delivery_leg: int | Unset = UNSET
    error_code: int | Unset | None = UNSET
    error_title: str | Unset = UNSET

    @classmethod
    def like(cls, entry: HistoryEntry) -> RequestChanges:
        """Every changeable field set to ``entry``'s value (to copy a row into another store)."""
        return cls(**{f.name: getattr(entry, f.name) for f in fields(cls)})

    def given(self) -> dict[str, object]:
        """The fields that are not ``UNSET``, by name, in declaration order."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not UNSET}


@dataclass(frozen=True, kw_only=True)
class NewCall:
    """An API call about to be made; the store records it with the outcome ``"pending"``.

    Attributes:
        profile: The profile the call is made with.
        operator: Who makes it (the OS user).
        operation: ``"start"``, ``"psd2"``, ``"check"``, ``"search"``, ``"cancel"``, ``"next"``,
            ``"balance"``, a Messages API operation...
        request_id: The request the call is about, when known beforehand.
    """

    profile: str
    operator: str
    operation: str
    request_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallEnd:
    """How an API call ended.

    Attributes:
        outcome: ``"ok"``, ``"api_error"`` (the API refused), ``"transport_error"`` (certainly
            not sent) or ``"outcome_unknown"`` (the server may have acted).
        api_status: The API's status code of a refusal.
        error_text: The (scrubbed) error text.
        request_id: The request id the answer named (a start's), filled into the call's row;
            None leaves the row's as it is.
    """

    outcome: str
    api_status: str = ""
    error_text: str = ""
    request_id: str | None = None
