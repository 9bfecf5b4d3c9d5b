"""Decoded Verify JSON -> the frozen dataclasses of ``desktop_app.domain.models``.

Every parser takes whatever ``json.loads`` produced (``Any``) and either returns a dataclass or
raises a :class:`~desktop_app.domain.errors.VerifyDeskError` subclass: an ``ApiError`` when the
API refused (mapped through :mod:`desktop_app.api.errors`), a ``ResponseFormatError`` when the
body has the wrong shape. No ``KeyError``/``TypeError``/``ValueError`` escapes.

Conventions:

* ``status`` may arrive as a string (documented) or an integer (tolerated); anything else is a
  format error. Prices are ``Decimal``; dates ``"YYYY-MM-DD HH:MM:SS"`` are UTC (ISO 8601 is
  accepted too); an empty string or ``null`` becomes ``None`` (or ``""`` for plain text fields).
* Search errors are recognised by the presence of ``error_text``: on search ``status`` is a word
  on success and a number on error. A search error whose status is not a number (the SDK's
  synthetic ``{"status": "IN PROGRESS", "error_text": "No response found"}``) is reported as
  status 101, the only per-id error search has.
* Search values outside the documented sets (a check status ``"abc123"``, an event type) are
  kept verbatim: the record is a faithful report, the window decides how to show it.
* A bare JSON list for multi-search is a ResponseFormatError: the real API wraps the results in
  ``{"verification_requests": [...]}`` (the SDK fixture with a bare list is synthetic).
* ``secret`` is scrubbed from every server-supplied text that goes into an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop_app.domain.errors import ApiError, ResponseFormatError
from desktop_app.domain.models import (
    Balance,
    CheckAttempt,
    CheckResult,
    ControlResult,
    DeliveryEvent,
    HandsetMessage,
    StartResult,
    VerificationRecord,
)
from desktop_app.domain.redact import redact_secret

from .errors import canonical_status, error_for_status

__all__ = [
    "parse_balance",
    "parse_check",
    "parse_control",
    "parse_messages",
    "parse_sandbox_requests",
    "parse_search",
    "parse_search_many",
    "parse_start",
]

_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def _bad(what: str) -> ResponseFormatError:
    return ResponseFormatError(f"{ResponseFormatError.meaning} ({what}).")


def _object(data: Any, what: str = "the answer") -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise _bad(f"{what} is a JSON {_json_type(data)}, not an object")
    return data


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _text(obj: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    """A string field; numbers are tolerated as their decimal text; missing/null -> ""."""
    value = obj.get(key)
    if value is None:
        if required:
            raise _bad(f"'{key}' is missing")
        return ""
    if isinstance(value, str):
        if required and not value:
            raise _bad(f"'{key}' is empty")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _bad(f"'{key}' is a {_json_type(value)}, not a string")


def _status(obj: Mapping[str, Any]) -> str:
    if "status" not in obj:
        raise _bad("'status' is missing")
    return _text(obj, "status", required=True)


def _decimal(obj: Mapping[str, Any], key: str) -> Decimal | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(f"'{key}' is a {_json_type(value)}, not a decimal")
    try:
        # str() first: Decimal(0.1) would keep the float's binary error.
        number = Decimal(value if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError):
        raise _bad(f"'{key}' is not a decimal number") from None
    if not number.is_finite():
        raise _bad(f"'{key}' is not a finite number")
    return number


def _datetime_value(value: Any, key: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad(f"'{key}' is a {_json_type(value)}, not a date")
    try:
        try:
            parsed = datetime.strptime(value, _DATE_FORMAT)
        except ValueError:
            parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad(f"'{key}' is not a date") from None


def _datetime(obj: Mapping[str, Any], key: str) -> datetime | None:
    return _datetime_value(obj.get(key), key)


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"'{key}' is a {_json_type(value)}, not an array")
    return value


def _api_error(
    obj: Mapping[str, Any], status: str, *, secret: str, request_id: str = ""
) -> ApiError:
    """The typed error for a refusal; every server string in it is scrubbed."""
    return error_for_status(
        redact_secret(status, secret),
        redact_secret(_text(obj, "error_text"), secret),
        request_id=redact_secret(_text(obj, "request_id") or request_id, secret) or None,
        network=redact_secret(_text(obj, "network"), secret) or None,
    )


def parse_start(data: Any, *, secret: str = "") -> StartResult:
    """Parse the answer to ``/verify/json`` or ``/verify/psd2/json``.

    Raises:
        ApiError: A non-zero status; for 10 ``request_id`` is the live request's id.
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    status = _status(obj)
    if status != "0":
        raise _api_error(obj, status, secret=secret)
    return StartResult(request_id=_text(obj, "request_id", required=True))


def parse_check(data: Any, *, secret: str = "", request_id: str = "") -> CheckResult:
    """Parse the answer to ``/verify/check/json``.

    Args:
        data: The decoded body.
        secret: Scrubbed from error text.
        request_id: The id that was checked, used when the body does not repeat it.

    Raises:
        ApiError: A non-zero status (16 wrong code, 17 too many, 6 not found, ...).
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    status = _status(obj)
    if status != "0":
        raise _api_error(obj, status, secret=secret, request_id=request_id)
    rid = _text(obj, "request_id") or request_id
    if not rid:
        raise _bad("'request_id' is missing")
    return CheckResult(
        request_id=rid,
        event_id=_text(obj, "event_id"),
        price=_decimal(obj, "price"),
        currency=_text(obj, "currency"),
        estimated_price_messages_sent=_decimal(obj, "estimated_price_messages_sent"),
    )


def _search_error(obj: Mapping[str, Any], *, secret: str) -> ApiError:
    status = _text(obj, "status")
    if not canonical_status(status).isdigit():
        status = "101"
    return _api_error(obj, status, secret=secret)


def _check_attempt(item: Any) -> CheckAttempt:
    obj = _object(item, "a check")
    return CheckAttempt(
        date_received=_datetime(obj, "date_received"),
        status=_text(obj, "status"),
        ip_address=_text(obj, "ip_address"),
        code=_text(obj, "code"),
    )


def _delivery_event(item: Any) -> DeliveryEvent:
    obj = _object(item, "an event")
    return DeliveryEvent(type=_text(obj, "type"), id=_text(obj, "id"))


def _record(obj: Mapping[str, Any]) -> VerificationRecord:
    return VerificationRecord(
        request_id=_text(obj, "request_id", required=True),
        status=_text(obj, "status", required=True),
        number=_text(obj, "number"),
        account_id=_text(obj, "account_id"),
        sender_id=_text(obj, "sender_id"),
        date_submitted=_datetime(obj, "date_submitted"),
        date_finalized=_datetime(obj, "date_finalized"),
        first_event_date=_datetime(obj, "first_event_date"),
        last_event_date=_datetime(obj, "last_event_date"),
        price=_decimal(obj, "price"),
        currency=_text(obj, "currency"),
        estimated_price_messages_sent=_decimal(obj, "estimated_price_messages_sent"),
        checks=tuple(_check_attempt(item) for item in _list(obj, "checks")),
        events=tuple(_delivery_event(item) for item in _list(obj, "events")),
    )


def parse_search(data: Any, *, secret: str = "") -> VerificationRecord:
    """Parse the answer to a single-id ``/verify/search/json``.

    Raises:
        ApiError: The body has ``error_text`` (101 -> SearchNotFoundError, ...).
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    if "error_text" in obj:
        raise _search_error(obj, secret=secret)
    return _record(obj)


def parse_search_many(data: Any, *, secret: str = "") -> tuple[VerificationRecord, ...]:
    """Parse a multi-id search: ``{"verification_requests": [...]}`` or one bare record.

    An entry that is itself an error fails the whole answer with that error.

    Raises:
        ApiError: The answer (or an entry) has ``error_text``.
        ResponseFormatError: The body has the wrong shape (including a bare JSON list).
    """
    obj = _object(data)
    if "error_text" in obj:
        raise _search_error(obj, secret=secret)
    if "verification_requests" not in obj:
        return (_record(obj),)
    return tuple(
        parse_search(_object(item, "a search result"), secret=secret)
        for item in _list(obj, "verification_requests")
    )


def parse_control(
    data: Any, *, secret: str = "", command: str = "", request_id: str = ""
) -> ControlResult:
    """Parse the answer to ``/verify/control/json``.

    Args:
        data: The decoded body.
        secret: Scrubbed from error text.
        command: The command sent, used when the body does not repeat it.
        request_id: The id the command was for, put on errors whose body lacks it.

    Raises:
        ApiError: A non-zero status (19 refused, 6 not found, ...).
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    status = _status(obj)
    if status != "0":
        raise _api_error(obj, status, secret=secret, request_id=request_id)
    return ControlResult(command=_text(obj, "command") or command)


def parse_balance(data: Any) -> Balance:
    """Parse the Account API's ``{"value": 10.28, "autoReload": false}``.

    Raises:
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    value = _decimal(obj, "value")
    if value is None:
        raise _bad("'value' is missing")
    auto_reload = obj.get("autoReload", False)
    if not isinstance(auto_reload, bool):
        raise _bad("'autoReload' is not a boolean")
    return Balance(value=value, auto_reload=auto_reload)


def _message(item: Any) -> HandsetMessage:
    obj = _object(item, "a message")
    return HandsetMessage(
        request_id=_text(obj, "request_id"),
        number=_text(obj, "number"),
        channel=_text(obj, "channel"),
        code=_text(obj, "code"),
        text=_text(obj, "text"),
        sent_at=_sent_at(obj.get("sent_at")),
    )


def _sent_at(value: Any) -> datetime | None:
    """The sandbox may send a timestamp as seconds since the epoch or as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise _bad("'sent_at' is not a finite number")
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _bad("'sent_at' is out of range") from None
    return _datetime_value(value, "sent_at")


def parse_messages(data: Any) -> tuple[HandsetMessage, ...]:
    """Parse the sandbox's ``{"messages": [...]}``.

    Raises:
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    if "messages" not in obj:
        raise _bad("'messages' is missing")
    return tuple(_message(item) for item in _list(obj, "messages"))


def parse_sandbox_requests(data: Any) -> list[dict[str, object]]:
    """Parse the sandbox's ``{"requests": [{...}, ...]}``, keeping each object as it is.

    Raises:
        ResponseFormatError: The body has the wrong shape.
    """
    obj = _object(data)
    if "requests" not in obj:
        raise _bad("'requests' is missing")
    return [dict(_object(item, "a request")) for item in _list(obj, "requests")]
