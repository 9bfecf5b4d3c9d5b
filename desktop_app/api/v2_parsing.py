"""Verify v2 answers (HTTP status + body bytes) -> the v2 dataclasses or typed errors.

:func:`parse_v2_answer` is the one entry point the client uses; it takes what arrived (status,
raw body, ``Retry-After``) so recorded fixtures can be replayed through exactly the same code.
Like :mod:`desktop_app.api.parsing`, nothing but a result or a
:class:`~desktop_app.domain.errors.VerifyDeskError` ever comes out.

Conventions:

* Success is any 2xx. Start wants ``request_id`` (and keeps ``check_url`` when present); check
  wants ``status`` (``request_id`` falls back to the id that was checked); cancel (204) and
  next_workflow (200) ignore their body.
* An error body is an RFC 7807 problem when it is a JSON object with at least one of ``type``,
  ``title``, ``detail`` or ``instance``. Such a body is mapped through
  :mod:`desktop_app.api.v2_errors` on its HTTP status. Any other error body (HTML from a proxy,
  a wrong host's 404 page, nothing) is not the API's answer: 401 and 429 still map to
  AuthError and ThrottledError, 5xx to ServerError, and anything else to ServerError naming
  the status (check the profile's API host), as for v1.
* ``invalid_parameters`` entries that are not ``{name, reason}`` objects are skipped rather
  than failing the whole error: the status already says what happened.
* ``secret`` is scrubbed from every server-supplied text that goes into an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.domain.errors import ResponseFormatError, ServerError, VerifyDeskError
from desktop_app.domain.redact import redact_secret
from desktop_app.domain.v2 import V2CheckResult, V2StartResult

from .http import decode_json
from .parsing import _bad, _object, _text
from .v2_errors import OPERATIONS, error_for_problem

__all__ = [
    "parse_problem",
    "parse_v2_answer",
    "parse_v2_check",
    "parse_v2_start",
]

_PROBLEM_KEYS = ("type", "title", "detail", "instance")

V2Answer = V2StartResult | V2CheckResult | None


def parse_v2_start(data: Any) -> V2StartResult:
    """Parse the 202 answer to ``POST /v2/verify``.

    Raises:
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    check_url = _text(obj, "check_url")
    return V2StartResult(
        request_id=_text(obj, "request_id", required=True), check_url=check_url or None
    )


def parse_v2_check(data: Any, *, request_id: str = "") -> V2CheckResult:
    """Parse the 200 answer to ``POST /v2/verify/{id}``.

    Args:
        data: The decoded body.
        request_id: The id that was checked, used when the body does not repeat it.

    Raises:
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    rid = _text(obj, "request_id") or request_id
    if not rid:
        raise _bad("'request_id' is missing")
    return V2CheckResult(request_id=rid, status=_text(obj, "status", required=True))


def _problem_object(content: bytes) -> Mapping[str, Any] | None:
    """The body as a problem object, or None when it is not one."""
    try:
        data = decode_json(content)
    except ResponseFormatError:
        return None
    if not isinstance(data, dict) or not any(key in data for key in _PROBLEM_KEYS):
        return None
    return data


def _scrubbed(obj: Mapping[str, Any], key: str, secret: str) -> str:
    value = obj.get(key)
    if isinstance(value, str):
        return redact_secret(value, secret)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _invalid_parameters(obj: Mapping[str, Any], secret: str) -> tuple[tuple[str, str], ...]:
    items = obj.get("invalid_parameters")
    if not isinstance(items, list):
        return ()
    found: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            name, reason = _scrubbed(item, "name", secret), _scrubbed(item, "reason", secret)
            if name or reason:
                found.append((name, reason))
    return tuple(found)


def parse_problem(
    http_status: int,
    content: bytes,
    *,
    operation: str,
    secret: str = "",
    request_id: str = "",
    retry_after: float | None = None,
) -> VerifyDeskError:
    """The typed error for a non-2xx Verify v2 answer (returned, not raised).

    Args:
        http_status: The answer's status (anything outside 200..299).
        content: The raw body.
        operation: ``"start"``, ``"check"``, ``"cancel"`` or ``"next_workflow"``.
        secret: Scrubbed from every text.
        request_id: The request the call concerned, put on errors whose body lacks it.
        retry_after: Seconds from a ``Retry-After`` header, if any.
    """
    obj = _problem_object(content)
    if obj is None and http_status not in (401, 429) and http_status < 500:
        return ServerError(
            f"The Verify API host answered HTTP {http_status} without an API error body; "
            "check the profile's API host.",
            http_status=http_status,
        )
    obj = obj or {}
    title = _scrubbed(obj, "title", secret)
    if not title and http_status in (401, 429):
        title = "Unauthorized" if http_status == 401 else "Too Many Requests"
    return error_for_problem(
        http_status,
        operation=operation,
        title=title,
        detail=_scrubbed(obj, "detail", secret),
        instance=_scrubbed(obj, "instance", secret) or None,
        request_id=request_id or None,
        live_request_id=_scrubbed(obj, "request_id", secret) or None,
        invalid_parameters=_invalid_parameters(obj, secret),
        retry_after=retry_after,
    )


def parse_v2_answer(
    operation: str,
    http_status: int,
    content: bytes,
    *,
    secret: str = "",
    request_id: str = "",
    retry_after: float | None = None,
) -> V2Answer:
    """Turn one Verify v2 answer into its result, or raise its typed error.

    Args:
        operation: ``"start"`` (-> :class:`V2StartResult`), ``"check"`` (->
            :class:`V2CheckResult`), ``"cancel"`` or ``"next_workflow"`` (-> ``None``).
        http_status: The HTTP status.
        content: The raw body.
        secret: Scrubbed from every text that goes into an error.
        request_id: The request the call concerned (check, cancel, next_workflow).
        retry_after: Seconds from a ``Retry-After`` header, if any.

    Raises:
        ApiError: The API refused (see :mod:`desktop_app.api.v2_errors`).
        ServerError: HTTP 5xx, or a status without an API error body.
        ResponseFormatError: A 2xx whose body has the wrong shape.
        ValueError: ``operation`` is not one of the four (a programming error).
    """
    if operation not in OPERATIONS:
        raise ValueError(f"unknown Verify v2 operation {operation!r}")
    if not 200 <= http_status < 300:
        raise parse_problem(
            http_status,
            content,
            operation=operation,
            secret=secret,
            request_id=request_id,
            retry_after=retry_after,
        )
    if operation == "start":
        return parse_v2_start(decode_json(content))
    if operation == "check":
        return parse_v2_check(decode_json(content), request_id=request_id)
    return None
