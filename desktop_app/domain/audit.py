"""The audit trail's values: who acts, what an action is, and the short words its outcomes are.

Every action a person takes on a request (start, check, cancel, next, a message, a code sent,
checked or cancelled by message) is recorded once, with its outcome, the profile, the operator
(the OS user, or the CLI's ``--operator``), the computer's host name and the time (UTC). The
outcome is one stable word from :class:`Outcome` (``ok``, ``wrong_code``, ``refused``...): never
a code, a secret or the API's own text, so an audit row can be shown, searched and exported
anywhere without redaction.

Pure data (no Qt, no I/O); the store keeps it in its ``actions`` table (see ``store.schema``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from desktop_app.domain.errors import (
    ApiError,
    AuthError,
    ConcurrentVerificationError,
    ControlRefusedError,
    InvalidParameterError,
    MissingParameterError,
    QuotaExceededError,
    RequestNotFoundError,
    SearchNotFoundError,
    ThrottledError,
    TooManyAttemptsError,
    TransportError,
    VerifyDeskError,
    WrongCodeError,
)
from desktop_app.domain.message_codes import CodeVerdict

__all__ = [
    "ACTION_OPERATIONS",
    "ActionEntry",
    "ActionKind",
    "Actor",
    "NewAction",
    "Outcome",
    "outcome_of",
    "verdict_outcome",
]


@dataclass(frozen=True)
class Actor:
    """Who is acting: the operator name and the computer it runs on.

    Captured once by a front end's composition root and passed down through constructors.

    Attributes:
        user: The OS user name (or the CLI's ``--operator``).
        host: The computer's host name (``socket.gethostname()``).
    """

    user: str
    host: str


class ActionKind(enum.StrEnum):
    """What was done (the ``kind`` of an audit row)."""

    START = "start"
    CHECK = "check"
    CANCEL = "cancel"
    NEXT = "next"
    MESSAGE = "message"
    CODE_SEND = "code_send"
    CODE_CHECK = "code_check"
    CODE_CANCEL = "code_cancel"


#: The ``CallRecorder`` operations that are actions, and their kind (search and balance only
#: read, so they are not audited).
ACTION_OPERATIONS: Final[dict[str, ActionKind]] = {
    "start": ActionKind.START,
    "psd2": ActionKind.START,
    "check": ActionKind.CHECK,
    "cancel": ActionKind.CANCEL,
    "next": ActionKind.NEXT,
    "message": ActionKind.MESSAGE,
    "message_code": ActionKind.CODE_SEND,
}


class Outcome(enum.StrEnum):
    """How an action ended, in one stable word (the ``outcome`` of an audit row)."""

    OK = "ok"
    WRONG_CODE = "wrong_code"
    TOO_MANY = "too_many"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"
    CONCURRENT = "concurrent"
    REFUSED = "refused"
    THROTTLED = "throttled"
    AUTH = "auth"
    INVALID = "invalid"
    QUOTA = "quota"
    API_ERROR = "api_error"
    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"
    ERROR = "error"


#: Refusals with a word of their own, most specific first (``isinstance`` order matters).
_REFUSALS: Final[tuple[tuple[type[ApiError], Outcome], ...]] = (
    (WrongCodeError, Outcome.WRONG_CODE),
    (TooManyAttemptsError, Outcome.TOO_MANY),
    (RequestNotFoundError, Outcome.NOT_FOUND),
    (SearchNotFoundError, Outcome.NOT_FOUND),
    (ConcurrentVerificationError, Outcome.CONCURRENT),
    (ControlRefusedError, Outcome.REFUSED),
    (ThrottledError, Outcome.THROTTLED),
    (AuthError, Outcome.AUTH),
    (InvalidParameterError, Outcome.INVALID),
    (MissingParameterError, Outcome.INVALID),
    (QuotaExceededError, Outcome.QUOTA),
)

_VERDICTS: Final[dict[CodeVerdict, Outcome]] = {
    CodeVerdict.VALID: Outcome.OK,
    CodeVerdict.WRONG: Outcome.WRONG_CODE,
    CodeVerdict.TOO_MANY: Outcome.TOO_MANY,
    CodeVerdict.EXPIRED: Outcome.EXPIRED,
    CodeVerdict.ENDED: Outcome.NOT_FOUND,
}


def outcome_of(error: BaseException | None) -> Outcome:
    """The outcome word for an action that raised ``error`` (None: it succeeded)."""
    if error is None:
        return Outcome.OK
    if isinstance(error, ApiError):
        for kind, outcome in _REFUSALS:
            if isinstance(error, kind):
                return outcome
        return Outcome.API_ERROR
    if isinstance(error, TransportError):
        return Outcome.UNKNOWN if error.outcome_unknown else Outcome.NOT_SENT
    if isinstance(error, VerifyDeskError):
        return Outcome.ERROR
    return Outcome.UNKNOWN  # a bug or an interrupt mid-call: it may have reached the API


def verdict_outcome(verdict: CodeVerdict) -> Outcome:
    """The outcome word for a local code check's verdict."""
    return _VERDICTS[verdict]


@dataclass(frozen=True, kw_only=True)
class NewAction:
    """An action about to be recorded (the store stamps the time).

    Attributes:
        kind: What was done.
        outcome: How it ended.
        profile: The profile it was done with.
        user: Who did it (the operator name).
        host: On which computer.
        request_id: The API request id or message id, when known.
        history_id: The history row it concerns; when None the store links the newest row
            with ``request_id`` (if any).
    """

    kind: ActionKind
    outcome: Outcome
    profile: str
    user: str
    host: str
    request_id: str | None = None
    history_id: int | None = None


@dataclass(frozen=True)
class ActionEntry:
    """One recorded action, as the store reads it back.

    Attributes:
        id: The audit row's id.
        history_id: The history row it concerns (None when the request is not in this
            history).
        request_id: The API request id or message id, when known.
        kind: An :class:`ActionKind` value.
        outcome: An :class:`Outcome` value.
        profile: The profile.
        user: Who.
        host: Where.
        at: When (aware, UTC).
    """

    id: int
    history_id: int | None
    request_id: str | None
    kind: str
    outcome: str
    profile: str
    user: str
    host: str
    at: datetime
