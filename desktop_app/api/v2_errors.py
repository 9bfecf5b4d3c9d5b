"""The one table from Verify v2 HTTP statuses to the domain's typed errors.

Verify v2 refuses with a real HTTP 4xx/5xx and an RFC 7807 problem body (``type``, ``title``,
``detail``, ``instance``, sometimes ``request_id`` or ``invalid_parameters``). The error class
is chosen on the **HTTP status** only, never on ``type`` (whose URLs vary between hosts and
releases, and which some answers omit). Two statuses need one more look:

* **409** means three different things. The body decides, in this order: a ``request_id`` ->
  :class:`ConcurrentVerificationError` carrying the live request's id; "does not support a
  code" -> :class:`CodeNotSupportedError`; "no more events" -> :class:`NoMoreWorkflowsError`;
  "concurrent" -> :class:`ConcurrentVerificationError` without an id. A 409 whose text says
  none of these is read by the call that got it (start: concurrent, check: no code,
  next_workflow: no more workflows, cancel: control refused).
* **400** is documented only for a wrong code on check. On any other call it can only mean the
  request itself was malformed, so it maps to :class:`InvalidParameterError` there.

Each error keeps ``http_status``, ``title`` and ``instance`` (the trace id to quote to Vonage
support); the caller has already scrubbed the texts (see
:func:`desktop_app.domain.redact.redact_secret`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from desktop_app.domain.errors import (
    ApiError,
    ApiErrorDetails,
    AuthError,
    CodeNotSupportedError,
    ConcurrentVerificationError,
    ControlRefusedError,
    ForbiddenError,
    InvalidParameterError,
    NoMoreWorkflowsError,
    QuotaExceededError,
    RequestNotFoundError,
    ServerError,
    ThrottledError,
    TooManyAttemptsError,
    TransportError,
    UnknownApiError,
    WrongCodeError,
)

__all__ = [
    "CONFLICT_BY_OPERATION",
    "HTTP_ERRORS",
    "OPERATIONS",
    "error_for_problem",
]

#: The Verify v2 calls, as :func:`error_for_problem` names them.
OPERATIONS = ("start", "check", "cancel", "next_workflow")

#: Verify v2 HTTP status -> domain error class (the field guide's §2.4 table).
HTTP_ERRORS: Mapping[int, type[ApiError]] = MappingProxyType(
    {
        400: WrongCodeError,
        401: AuthError,
        402: QuotaExceededError,
        403: ForbiddenError,
        404: RequestNotFoundError,
        409: ConcurrentVerificationError,
        410: TooManyAttemptsError,
        422: InvalidParameterError,
        429: ThrottledError,
    }
)

#: A 409 whose text names no known conflict, read by the call that got it.
CONFLICT_BY_OPERATION: Mapping[str, type[ApiError]] = MappingProxyType(
    {
        "start": ConcurrentVerificationError,
        "check": CodeNotSupportedError,
        "next_workflow": NoMoreWorkflowsError,
        "cancel": ControlRefusedError,
    }
)


def _conflict_class(operation: str, text: str, live_request_id: str | None) -> type[ApiError]:
    lowered = text.lower()
    if live_request_id:
        return ConcurrentVerificationError
    if "support a code" in lowered or ("not support" in lowered and "code" in lowered):
        return CodeNotSupportedError
    if "no more" in lowered or "events left" in lowered:
        return NoMoreWorkflowsError
    if "concurrent" in lowered:
        return ConcurrentVerificationError
    return CONFLICT_BY_OPERATION.get(operation, ControlRefusedError)


def error_for_problem(
    http_status: int,
    *,
    operation: str,
    title: str = "",
    detail: str = "",
    instance: str | None = None,
    request_id: str | None = None,
    live_request_id: str | None = None,
    invalid_parameters: tuple[tuple[str, str], ...] = (),
    retry_after: float | None = None,
) -> ApiError | TransportError:
    """Build the typed error for a Verify v2 problem answer.

    Args:
        http_status: The answer's HTTP status (4xx or 5xx).
        operation: One of :data:`OPERATIONS`.
        title: The problem's ``title`` (scrubbed).
        detail: The problem's ``detail`` (scrubbed).
        instance: The problem's ``instance`` (trace id).
        request_id: The request the call concerned (check, cancel, next_workflow).
        live_request_id: The body's ``request_id`` on a 409: the verification already running.
        invalid_parameters: On 422, each refused parameter's ``(name, reason)``.
        retry_after: On 429, the ``Retry-After`` seconds if the server gave them.

    Returns:
        An :class:`ApiError` subclass, :class:`ServerError` for 5xx, or
        :class:`UnknownApiError` for a 4xx the table does not know.
    """
    if http_status >= 500:
        shown = f": {detail or title}" if detail or title else ""
        message = f"{ServerError.meaning} (HTTP {http_status}{shown})"
        return ServerError(message, http_status=http_status)
    cls: type[ApiError] = HTTP_ERRORS.get(http_status, UnknownApiError)
    if cls is WrongCodeError and operation != "check":
        cls = InvalidParameterError
    if http_status == 409:
        cls = _conflict_class(operation, f"{title} {detail}", live_request_id)
    text = detail or title
    if cls is InvalidParameterError:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in invalid_parameters)
        if reasons:
            text = f"{text} ({reasons})" if text else reasons
    details: ApiErrorDetails = {
        "status": str(http_status),
        "error_text": text,
        "request_id": (live_request_id if cls is ConcurrentVerificationError else request_id)
        or None,
        "http_status": http_status,
        "title": title,
        "instance": instance,
    }
    if cls is ThrottledError:
        return ThrottledError(retry_after=1.0 if retry_after is None else retry_after, **details)
    if cls is InvalidParameterError:
        return InvalidParameterError(invalid_parameters=invalid_parameters, **details)
    return cls(**details)
