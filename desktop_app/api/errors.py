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

from desktop_app.domain.errors import ApiError, ApiErrorDetails, ThrottledError, UnknownApiError

__all__ = ["STATUS_ERRORS", "canonical_status", "error_for_status"]


def _status_table(root: type[ApiError]) -> Mapping[str, type[ApiError]]:
    """Every class under ``root`` that declares its own ``status_code``, by that code.

    A subclass that inherits its parent's code (``NoMoreWorkflowsError`` under 19) is not the
    class for that code; two classes declaring one code are a bug, refused at import.
    """
    table: dict[str, type[ApiError]] = {}
    pending = [root]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        code = vars(cls).get("status_code")
        if not code:
            continue
        if code in table:
            raise RuntimeError(f"v1 status {code} is declared by {table[code]} and {cls}")
        table[code] = cls
    return MappingProxyType(dict(sorted(table.items(), key=lambda item: int(item[0]))))


#: Verify v1 status string -> domain error class (status "0" is success and is not here),
#: built from the classes' ``status_code``.
STATUS_ERRORS: Mapping[str, type[ApiError]] = _status_table(ApiError)


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
    details: ApiErrorDetails = {
        "status": status, "error_text": error_text, "request_id": request_id, "network": network
    }
    if cls is ThrottledError:
        return ThrottledError(retry_after=1.0 if retry_after is None else retry_after, **details)
    return cls(**details)
