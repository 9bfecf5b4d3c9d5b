"""Messages API answers -> :class:`~desktop_app.domain.messages.MessageAccepted` or typed errors.

The Messages API refuses like Verify v2: a real HTTP status and an RFC 7807 problem body. The
statuses both APIs share mean the same, so they go through Verify v2's own mapping
(:func:`desktop_app.api.v2_parsing.parse_problem`, which reads the body, scrubs the secret and
keeps ``invalid_parameters``): 400 and 422 -> ``InvalidParameterError`` (each ``(name,
reason)`` kept, ``name`` being the field path such as ``messenger.tag``), 401 ->
``AuthError``, 402 -> ``QuotaExceededError``, 429 -> ``ThrottledError``, 5xx ->
``ServerError``. Any other status is not one the Messages API documents: with a problem body
it becomes ``UnknownApiError`` keeping the status, title and detail, without one a
``ServerError`` naming the status (check the profile's API host).

Verify v2's conflict readings (409 "concurrent", 410 "too many attempts") mean nothing here,
which is why only the shared statuses are delegated.

A 429's wait comes from ``Retry-After`` (seconds or an HTTP date) or, failing that, from a
numeric ``retry_after`` in the problem body; 1 s when neither says.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from desktop_app.domain.errors import ServerError, UnknownApiError, VerifyDeskError
from desktop_app.domain.messages import MessageAccepted

from .http import decode_json
from .parsing import _bad, _object, _text
from .v2_parsing import _problem_object, _scrubbed, parse_problem

__all__ = ["SHARED_STATUSES", "messages_error", "parse_accepted", "retry_after_of"]

#: Statuses whose meaning the Messages API shares with Verify v2 (5xx too).
SHARED_STATUSES = frozenset({400, 401, 402, 422, 429})


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_after_of(
    header: str | None, content: bytes, *, now: datetime | None = None
) -> float | None:
    """Seconds to wait after a 429: the ``Retry-After`` header, else the body's ``retry_after``.

    Args:
        header: The ``Retry-After`` header (delta seconds or an HTTP date), if any.
        content: The raw body (a problem that may carry ``retry_after``).
        now: The current time, for an HTTP date (tests pass a fixed one).
    """
    if header:
        seconds = _seconds(header.strip())
        if seconds is not None:
            return seconds
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    body = _problem_object(content)
    return None if body is None else _seconds(body.get("retry_after"))


def messages_error(
    http_status: int, content: bytes, *, secret: str = "", retry_after: float | None = None
) -> VerifyDeskError:
    """The typed error for a non-2xx answer to ``POST /v1/messages`` (returned, not raised).

    Args:
        http_status: The answer's status.
        content: The raw body.
        secret: Scrubbed from every text.
        retry_after: On 429, the seconds :func:`retry_after_of` found.
    """
    if http_status in SHARED_STATUSES or http_status >= 500:
        return parse_problem(
            http_status, content, operation="start", secret=secret, retry_after=retry_after
        )
    problem = _problem_object(content)
    if problem is None:
        return ServerError(
            f"The Messages API host answered HTTP {http_status} without an API error body; "
            "check the profile's API host.",
            http_status=http_status,
        )
    return UnknownApiError(
        status=str(http_status),
        error_text=_scrubbed(problem, "detail", secret) or _scrubbed(problem, "title", secret),
        http_status=http_status,
        title=_scrubbed(problem, "title", secret),
        instance=_scrubbed(problem, "instance", secret) or None,
    )


def parse_accepted(content: bytes) -> MessageAccepted:
    """Parse the 202 answer: ``message_uuid`` (and ``workflow_id`` with failover).

    Raises:
        ResponseFormatError: Not JSON, not an object, or no ``message_uuid``.
    """
    obj = _object(decode_json(content))
    uuid = _text(obj, "message_uuid", required=True)
    if not uuid.strip():
        raise _bad("'message_uuid' is empty")
    workflow = _text(obj, "workflow_id")
    return MessageAccepted(uuid, workflow or None)
