"""The typed error family every layer raises and every front end explains.

The tree::

    VerifyDeskError                      anything this app reports to a person
    ├── ValidationFailed                 bad input; nothing was sent (carries FieldError list)
    ├── CredentialsUnavailable           no usable OS keyring backend (or no secret stored)
    ├── StoreError                       the history database cannot be used (disk full, read-only)
    │   ├── StoreClosedError             the store was closed (shutting down); nothing was done
    │   └── QueryInterrupted             a read was stopped: its answer is no longer wanted
    ├── SandboxNotRunning                the Sandbox profile was chosen and no sandbox runs
    ├── SandboxUnavailableError          a handset/clock command while the profile is not Sandbox
    ├── TransportError                   the answer did not arrive or could not be read
    │   ├── ConnectError                 never reached the server (refused, DNS); not sent
    │   ├── TlsError                     TLS handshake or certificate failure; not sent
    │   ├── ApiTimeoutError              the server did not answer in time; outcome unknown
    │   │   └── CallDeadlineError        the whole call outlasted its deadline; never retried
    │   ├── ConnectionLostError          the connection dropped after sending; outcome unknown
    │   ├── ServerError                  HTTP 5xx (or another unexpected HTTP status)
    │   └── ResponseFormatError          HTML, non-JSON, truncated or wrongly shaped body
    │       └── AnswerTooLargeError      larger than any Verify answer; reading stopped
    └── ApiError                         the API answered and refused (v1 status != "0",
        │                                v2 an RFC 7807 problem; v2 errors carry http_status)
        ├── ThrottledError               1   (carries retry_after seconds)   v2: HTTP 429
        ├── MissingParameterError        2
        ├── InvalidParameterError        3   (v2 422: carries invalid_parameters)
        ├── AuthError                    4   (and HTTP 401)
        ├── InternalApiError             5
        ├── RequestNotFoundError         6   unknown, finished or already verified   v2: 404
        ├── NumberBlockedError           7   (carries network)
        ├── AccountBarredError           8
        ├── QuotaExceededError           9                                   v2: HTTP 402
        ├── ConcurrentVerificationError  10  (request_id is the LIVE request's id)  v2: 409
        ├── UnsupportedNetworkError      15
        ├── WrongCodeError               16                                  v2: HTTP 400
        ├── TooManyAttemptsError         17                                  v2: HTTP 410
        ├── TooManyRequestIdsError       18
        ├── ControlRefusedError          19  cancel too early/late, no next event left
        │   └── NoMoreWorkflowsError     v2 409: next_workflow with no channel left
        ├── PinCodeNotSupportedError     20
        ├── Psd2NotEnabledError          21
        ├── NonPermittedDestinationError 29
        ├── SearchNotFoundError          101
        ├── ForbiddenError               v2 403: the account may not do this (fraud_check)
        ├── CodeNotSupportedError        v2 409: the current step takes no code (silent auth)
        └── UnknownApiError              any other status (code and text kept)

Each class has a ``meaning`` (one plain sentence: what happened) and a ``next_step`` (what to do
now), in words a support agent can read out: no status numbers, no API text, no class names. The
window leads with them and keeps the API's own words for a "Details" disclosure; ``str(error)``
(the command line's sentence) adds those words in parentheses. It never contains the API secret
(the api layer scrubs server text).

A Verify v1 status belongs to exactly one class, as its ``status_code``;
``desktop_app.api.errors`` builds its status -> class table from those attributes (a new v1
error is a new class with a ``status_code``, nothing else). The v2 HTTP status table lives in
``desktop_app.api.v2_errors``. A v2 error also keeps ``http_status``, the problem's ``title``
and its ``instance`` (the trace id to quote to Vonage support); its ``status`` is the HTTP
status as text (``"409"``).

Constructors: an :class:`ApiError` takes keyword arguments only (:class:`ApiErrorDetails`,
plus a subclass's own, e.g. ``retry_after``); a :class:`TransportError` takes its message and a
keyword ``http_status``; the others take their message (or nothing: ``meaning`` is used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict, Unpack


class VerifyDeskError(Exception):
    """Base of every error this app reports to a person."""

    meaning: str = "Something went wrong."
    next_step: str = ""

    def user_message(self) -> str:
        """One clear sentence (or two) with the next step."""
        text = str(self) or self.meaning
        return f"{text} {self.next_step}".strip() if self.next_step else text


@dataclass(frozen=True)
class FieldError:
    """One input field that breaks one rule."""

    field: str
    message: str
    #: True for a warning the user may override (a possible number unknown to the metadata).
    overridable: bool = False

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationFailed(VerifyDeskError):  # noqa: N818 - reads as a state, not an error kind
    """Input broke one or more rules; nothing was sent."""

    meaning = "Some input is not valid; nothing was sent."
    next_step = "Correct the fields named and try again."

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @property
    def only_overridable(self) -> bool:
        """True when every problem is a warning the user may override."""
        return bool(self.errors) and all(e.overridable for e in self.errors)


class CredentialsUnavailable(VerifyDeskError):  # noqa: N818 - reads as a state
    """The OS keyring cannot be used, or holds no secret for the profile."""

    meaning = "The API secret cannot be read from or saved to the system keyring."
    next_step = (
        "Install or unlock a keyring (Secret Service, KWallet, macOS Keychain, Windows "
        "Credential Locker), or enter the secret for this session only."
    )


class NoActiveDesk(CredentialsUnavailable):
    """No profile is active yet (or its credentials could not be resolved)."""

    meaning = "No profile is active, so nothing can be sent yet."
    next_step = "Choose a profile (Settings), or enter its API secret for this session."


class StoreError(VerifyDeskError):
    """The history database cannot be written or read."""

    meaning = "The request history cannot be saved."
    next_step = "Free disk space or fix the file's permissions; this session keeps working."


class StoreClosedError(StoreError):
    """The history store was closed (the application is shutting down); nothing was done."""

    meaning = "The request history is closed because Verify Desk is shutting down."
    next_step = "Nothing to do; start Verify Desk again to see the history."


class QueryInterrupted(StoreError):  # noqa: N818 - reads as a state, like ValidationFailed
    """A history read was stopped because a newer one made its answer unwanted (no fault)."""

    meaning = "A history query was stopped because a newer one replaced it."
    next_step = "Nothing to do."


class SandboxNotRunning(VerifyDeskError):  # noqa: N818 - reads as a state, like ValidationFailed
    """The Sandbox profile was chosen but no sandbox server URL is known."""

    meaning = "The Sandbox profile needs a running sandbox server, and none is running."
    next_step = "Start the built-in sandbox (or pass its URL), or choose another profile."


class SandboxUnavailableError(VerifyDeskError):
    """A sandbox command was asked for while the active profile is not the sandbox."""

    meaning = "The simulated handset exists only for the Sandbox profile."
    next_step = "Switch to the Sandbox profile to read delivered codes or drive its clock."


class TransportError(VerifyDeskError):
    """The API's answer did not arrive or could not be read."""

    meaning = "The Verify API could not be reached."
    next_step = "Check the network and the profile's hosts, then try again."
    #: False when the request certainly never reached the server.
    outcome_unknown: bool = True

    def __init__(self, message: str = "", *, http_status: int | None = None) -> None:
        super().__init__(message or self.meaning)
        self.http_status = http_status


class ConnectError(TransportError):
    """The server could not be reached at all (refused, DNS); nothing was sent."""

    meaning = "The Verify API host could not be reached; nothing was sent."
    outcome_unknown = False


class TlsError(TransportError):
    """The TLS handshake or certificate check failed; nothing was sent."""

    meaning = "The secure connection to the Verify API failed (TLS); nothing was sent."
    next_step = "Check the host name and the system's certificates; verification stays on."
    outcome_unknown = False


class ApiTimeoutError(TransportError):
    """No answer in time; the server may or may not have acted."""

    meaning = "The Verify API did not answer in time; the outcome is unknown."
    next_step = "Look the request up (or the number's live request) before sending again."


class ConnectionLostError(TransportError):
    """The connection dropped after the request was sent; outcome unknown."""

    meaning = "The connection dropped before the answer arrived; the outcome is unknown."
    next_step = "Look the request up (or the number's live request) before sending again."


class ServerError(TransportError):
    """HTTP 5xx (or another HTTP status the API does not use)."""

    meaning = "The Verify API had a server error."
    next_step = "Wait a moment and try again; look the request up before re-sending a start."


class ResponseFormatError(TransportError):
    """The body was not the JSON the API documents (HTML, truncated, wrong shape)."""

    meaning = "The Verify API sent an answer this app cannot read."
    next_step = "Check the profile's API host; if it is right, try again later."


class ApiErrorDetails(TypedDict, total=False):
    """What an :class:`ApiError` is built from (every key optional; keyword arguments).

    Attributes:
        status: The status code as the API sent it (a string, e.g. ``"16"``); for Verify v2
            the HTTP status as text (``"409"``). Default: the class's ``status_code``.
        error_text: The API's own text, scrubbed of secrets (v2: the problem's ``detail``).
        request_id: The request the error concerns; for status 10 the live request's id.
        network: The MCCMNC network code some errors carry.
        http_status: Verify v2 only: the HTTP status of the RFC 7807 answer.
        title: Verify v2 only: the problem's ``title`` (e.g. ``"Invalid Code"``).
        instance: Verify v2 only: the problem's ``instance``, a trace id for Vonage support.
    """

    status: str
    error_text: str
    request_id: str | None
    network: str | None
    http_status: int | None
    title: str
    instance: str | None


class ApiError(VerifyDeskError):
    """The API answered with a non-zero status; built from :class:`ApiErrorDetails` keywords.

    Attributes:
        status: The status code as the API sent it, or the class's ``status_code``.
        error_text: The API's own text, scrubbed of secrets.
        request_id: The request the error concerns (None when unknown).
        network: The MCCMNC network code, or None.
        http_status: Verify v2 only: the answer's HTTP status (else None).
        title: Verify v2 only: the problem's title (else "").
        instance: Verify v2 only: the problem's trace id (else None).
    """

    #: The Verify v1 status this class stands for ("" for none); unique across the tree.
    status_code: ClassVar[str] = ""

    def __init__(self, **details: Unpack[ApiErrorDetails]) -> None:
        self.status = details.get("status") or self.status_code
        self.error_text = details.get("error_text", "")
        self.request_id = details.get("request_id") or None
        self.network = details.get("network") or None
        self.http_status = details.get("http_status")
        self.title = details.get("title", "")
        self.instance = details.get("instance") or None
        super().__init__(self.meaning)

    def __str__(self) -> str:
        if self.http_status is not None:
            text = self.error_text or self.title
            return f"{self.meaning} (HTTP {self.http_status}{': ' + text if text else ''})"
        detail = f" (status {self.status}: {self.error_text})" if self.error_text else (
            f" (status {self.status})" if self.status else ""
        )
        return f"{self.meaning}{detail}"


class ThrottledError(ApiError):
    """Status 1: too many requests."""

    status_code = "1"
    meaning = "Too many requests were sent too quickly (throttled)."
    next_step = "Wait a moment; the app backs off before trying again."

    def __init__(self, *, retry_after: float = 1.0, **details: Unpack[ApiErrorDetails]) -> None:
        super().__init__(**details)
        self.retry_after = retry_after

    def user_message(self) -> str:
        """Say for how long to wait."""
        return f"{self} Try again in {self.retry_after:.0f} s."


class MissingParameterError(ApiError):
    """Status 2."""

    status_code = "2"
    meaning = "The API says something it needs was missing from the request."
    next_step = "This is a bug in Verify Desk; please report it, with the API's words."


class InvalidParameterError(ApiError):
    """Status 3 (also "Facility not allowed" when the host is wrong); Verify v2 HTTP 422.

    Attributes:
        invalid_parameters: Verify v2 only: each refused parameter's ``(name, reason)`` as the
            API listed them (``("workflow[0]", "`to` Email address is invalid")``).
    """

    status_code = "3"
    meaning = "The API refused a parameter value."
    next_step = (
        "Correct the value the API refused; if its reason is 'Facility not allowed', check the "
        "profile's API host."
    )

    def __init__(
        self,
        *,
        invalid_parameters: tuple[tuple[str, str], ...] = (),
        **details: Unpack[ApiErrorDetails],
    ) -> None:
        super().__init__(**details)
        self.invalid_parameters = tuple(invalid_parameters)


class AuthError(ApiError):
    """Status 4 (or HTTP 401): wrong or disabled credentials."""

    status_code = "4"
    meaning = "The API key or secret is wrong, or the key is disabled."
    next_step = "Check the profile's API key and secret (Settings > Test connection)."


class InternalApiError(ApiError):
    """Status 5."""

    status_code = "5"
    meaning = "The Verify API had an internal error."
    next_step = "Try again in a moment."


class RequestNotFoundError(ApiError):
    """Status 6: unknown id, no longer active, or already verified (or a route failure)."""

    status_code = "6"
    meaning = "The request was not found, is no longer active, or was already verified."
    next_step = "Search for it to see its final status; start a new verification if needed."


class NumberBlockedError(ApiError):
    """Status 7: the number (or its network) is blocked for verification."""

    status_code = "7"
    meaning = "This number is blocked for verification."
    next_step = "Use another number or ask Vonage support about the network block."


class AccountBarredError(ApiError):
    """Status 8."""

    status_code = "8"
    meaning = "This account is barred from sending."
    next_step = "Contact Vonage support."


class QuotaExceededError(ApiError):
    """Status 9: not enough credit."""

    status_code = "9"
    meaning = "The account does not have enough credit."
    next_step = "Top up the account balance, then try again."


class ConcurrentVerificationError(ApiError):
    """Status 10: a verification is already running for this number.

    ``request_id`` is the id of the request that is already running.
    """

    status_code = "10"
    meaning = "A verification is already running for this number."
    next_step = "Check its code or cancel it (allowed 30 s after it started)."


class UnsupportedNetworkError(ApiError):
    """Status 15."""

    status_code = "15"
    meaning = "Verify cannot send to this number's mobile network."
    next_step = "Use another number, or ask Vonage to enable that network."


class WrongCodeError(ApiError):
    """Status 16."""

    status_code = "16"
    meaning = "The code does not match."
    next_step = "Ask the customer to read the latest code again."


class TooManyAttemptsError(ApiError):
    """Status 17: the request is now FAILED."""

    status_code = "17"
    meaning = "The wrong code was entered too many times; the request is terminated."
    next_step = "Start a new verification."


class TooManyRequestIdsError(ApiError):
    """Status 18 (historical): more than 10 ids in one search."""

    status_code = "18"
    meaning = "Too many request ids in one search (at most 10)."
    next_step = "Search fewer ids at a time."


class ControlRefusedError(ApiError):
    """Status 19: cancel too early or too late, or no next event left."""

    status_code = "19"
    meaning = "The API does not allow this action on the request now."
    next_step = (
        "Cancel works from 30 s after the start until the second delivery; "
        "'next event' needs a step left in the workflow."
    )


class NoMoreWorkflowsError(ControlRefusedError):
    """Verify v2 HTTP 409 on next_workflow: every channel of the workflow was already used."""

    meaning = "There is no channel left in this request's workflow."
    next_step = "Wait for the current channel, or cancel and start a new verification."


class PinCodeNotSupportedError(ApiError):
    """Status 20."""

    status_code = "20"
    meaning = "This account does not allow a custom PIN code."
    next_step = "Leave the PIN code empty, or ask Vonage to enable custom PINs."


class Psd2NotEnabledError(ApiError):
    """Status 21 (historical)."""

    status_code = "21"
    meaning = "PSD2 verification is not enabled for this account."
    next_step = "Ask Vonage to enable PSD2, or use a normal verification."


class NonPermittedDestinationError(ApiError):
    """Status 29: a demo account may only send to its approved test numbers."""

    status_code = "29"
    meaning = "This account is in demo mode and may only verify its approved test numbers."
    next_step = "Add the number as a test number in the dashboard, or top up the account."


class SearchNotFoundError(ApiError):
    """Status 101: no such request (or not searchable yet, up to a minute after it ended)."""

    status_code = "101"
    meaning = "No request with this id was found."
    next_step = "Check the id; a request that just ended may take a minute to be searchable."


class ForbiddenError(ApiError):
    """Verify v2 HTTP 403: the account lacks a permission (``fraud_check: false``, templates)."""

    meaning = "This account is not allowed to do this."
    next_step = "Leave fraud_check on, or ask Vonage to enable the feature for the account."


class CodeNotSupportedError(ApiError):
    """Verify v2 HTTP 409 on check: the current workflow step takes no code (silent auth)."""

    meaning = "The current step of this verification does not take a code (silent auth)."
    next_step = "Let the handset open the check URL, or move to the next channel first."


class UnknownApiError(ApiError):
    """A status this app does not know; code and text are kept."""

    meaning = "The Verify API refused the request."
    next_step = "Try again; if it keeps happening, ask Vonage support, quoting the API's words."


class CallDeadlineError(ApiTimeoutError):
    """The whole call outlasted its overall deadline (a slow or dripping answer).

    A :class:`ApiTimeoutError` (outcome unknown); never retried, since the same server would
    only take as long again.

    Attributes:
        seconds: The deadline that passed.
    """

    meaning = "The Verify API did not finish its answer in time; the outcome is unknown."

    def __init__(self, *, seconds: float) -> None:
        super().__init__(
            f"The Verify API did not finish its answer within {seconds:g} s, the limit for one "
            "call; the outcome is unknown."
        )
        self.seconds = seconds


class AnswerTooLargeError(ResponseFormatError):
    """The answer was larger than any Verify answer can be; reading stopped (outcome unknown).

    Attributes:
        limit: The largest answer accepted, in bytes.
    """

    meaning = "The Verify API host sent an answer far larger than a Verify answer; it was not read."
    next_step = "Check the profile's API host; look the request up before sending it again."

    def __init__(self, *, limit: int) -> None:
        super().__init__(
            f"The Verify API host sent an answer larger than {limit:,} bytes, far more than a "
            "Verify answer; reading stopped and the outcome is unknown."
        )
        self.limit = limit
