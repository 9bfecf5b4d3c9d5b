"""The one table from Verify v1 ``status`` codes to the domain's typed errors.

Verify v1 answers HTTP 200 even when it refuses a request; the refusal is a non-zero ``status``
string plus an ``error_text``. :func:`error_for_status` turns such an answer into the matching
:class:`~desktop_app.domain.errors.ApiError` subclass. Codes this app does not know become
:class:`~desktop_app.domain.errors.UnknownApiError`, which keeps the code and the text.

Server text is untrusted: a misbehaving proxy or server may echo the request, secret included.
The parsers pass every server string through :func:`desktop_app.domain.redact.redact_secret`
(the one scrubber) before it reaches an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from desktop_app.domain.errors import (
    AccountBarredError,
    ApiError,
    AuthError,
    ConcurrentVerificationError,
    ControlRefusedError,
    InternalApiError,
    InvalidParameterError,
    MissingParameterError,
    NonPermittedDestinationError,
    NumberBlockedError,
    PinCodeNotSupportedError,
    Psd2NotEnabledError,
    QuotaExceededError,
    RequestNotFoundError,
    SearchNotFoundError,
    ThrottledError,
    TooManyAttemptsError,
    TooManyRequestIdsError,
    UnknownApiError,
    UnsupportedNetworkError,
    WrongCodeError,
)

__all__ = ["STATUS_ERRORS", "canonical_status", "error_for_status"]

#: Verify v1 status string -> domain error class (status "0" is success and is not here).
STATUS_ERRORS: Mapping[str, type[ApiError]] = MappingProxyType(
    {
        "1": ThrottledError,
        "2": MissingParameterError,
        "3": InvalidParameterError,
        "4": AuthError,
        "5": InternalApiError,
        "6": RequestNotFoundError,
        "7": NumberBlockedError,
        "8": AccountBarredError,
        "9": QuotaExceededError,
        "10": ConcurrentVerificationError,
        "15": UnsupportedNetworkError,
        "16": WrongCodeError,
        "17": TooManyAttemptsError,
        "18": TooManyRequestIdsError,
        "19": ControlRefusedError,
        "20": PinCodeNotSupportedError,
        "21": Psd2NotEnabledError,
        "29": NonPermittedDestinationError,
        "101": SearchNotFoundError,
    }
)


def canonical_status(status: str) -> str:
    """Return the table key for a status as sent (``" 010"`` -> ``"10"``); other text as is."""
    text = status.strip()
    if text.isascii() and text.isdigit():
        return str(int(text))
    return text


def error_for_status(
    status: str,
    error_text: str = "",
    *,
    request_id: str | None = None,
    network: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """Build the typed error for a non-zero Verify v1 status.

    The caller has already scrubbed ``error_text``. For status 10 pass the ``request_id`` the
    API returned: it is the id of the verification that is already running.

    Args:
        status: The status as the API sent it (e.g. ``"16"``).
        error_text: The API's text, scrubbed of secrets.
        request_id: The request the error concerns (for 10, the live request).
        network: The MCCMNC network some errors carry (7, 10).
        retry_after: For status 1, seconds the caller should wait before trying again.

    Returns:
        An instance of the mapped class, or :class:`UnknownApiError` keeping code and text.
    """
    cls = STATUS_ERRORS.get(canonical_status(status), UnknownApiError)
    if cls is ThrottledError:
        return ThrottledError(
            status,
            error_text,
            request_id=request_id,
            network=network,
            retry_after=1.0 if retry_after is None else retry_after,
        )
    return cls(status, error_text, request_id=request_id, network=network)
