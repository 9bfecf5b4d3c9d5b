"""Rules of the Verify v2 endpoints, answered the way the API does (RFC 7807 problems).

:func:`parse_v2_start` reads the decoded JSON body of ``POST /v2/verify`` and returns a
:class:`V2Spec`, or raises :class:`Problem` (HTTP 422 ``Invalid params`` with
``invalid_parameters``, each named like the API names them: ``brand``, ``workflow[0]``, ...).
The limits are the field guide's §2.3; the channels ``whatsapp_interactive`` and ``rcs``
(discontinued or SDK-specific) are refused as unsupported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from desktop_app.domain.v2 import (
    BRAND_MAX,
    CHANNEL_TIMEOUT_RANGE,
    CHANNELS,
    CLIENT_REF_MAX,
    CODE_LENGTH_RANGE,
    DEFAULT_CHANNEL_TIMEOUT,
    DEFAULT_CODE_LENGTH,
    DEFAULT_LOCALE,
    EMAIL,
    LOCALES,
    SILENT_AUTH,
    SMS,
    WHATSAPP,
)
from desktop_app.sandbox.bounds import E164
from desktop_app.sandbox.problems import Problem

__all__ = ["ChannelSpec", "Problem", "V2Spec", "invalid_params", "parse_v2_code", "parse_v2_start"]

NUMBER_RE = E164
SENDER_RE = re.compile(r"[A-Za-z0-9]{3,11}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
#: The longest email address (RFC 5321's path limit, less the angle brackets).
EMAIL_MAX = 254
CODE_RE = re.compile(r"[A-Za-z0-9]{4,10}")
DLT_RE = re.compile(r"[0-9]{1,20}")


def invalid_params(reasons: list[tuple[str, str]]) -> Problem:
    """HTTP 422 with each parameter's reason."""
    return Problem(
        422,
        "Invalid params",
        "The value of one or more parameters is invalid",
        kind="invalid-params",
        extra={"invalid_parameters": [{"name": n, "reason": r} for n, r in reasons]},
    )


@dataclass(frozen=True)
class ChannelSpec:
    """One accepted workflow entry."""

    channel: str
    to: str
    from_: str = ""
    app_hash: str = ""
    redirect_url: str = ""


@dataclass(frozen=True)
class V2Spec:
    """A v2 start request that passed validation."""

    brand: str
    workflow: tuple[ChannelSpec, ...]
    locale: str = DEFAULT_LOCALE
    channel_timeout: int = DEFAULT_CHANNEL_TIMEOUT
    client_ref: str = ""
    code_length: int = DEFAULT_CODE_LENGTH
    code: str | None = field(default=None, repr=False)
    fraud_check: bool = True

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every distinct ``to`` of the workflow (each counts as "the same number")."""
        return tuple(dict.fromkeys(channel.to for channel in self.workflow))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _channel(index: int, item: Any, reasons: list[tuple[str, str]]) -> ChannelSpec | None:
    name = f"workflow[{index}]"
    if not isinstance(item, dict):
        reasons.append((name, "must be an object with `channel` and `to`"))
        return None
    kind = _string(item.get("channel"))
    if kind not in CHANNELS:
        reasons.append((name, f"`channel` must be one of {', '.join(CHANNELS)}"))
        return None
    before = len(reasons)
    to = _string(item.get("to")) or ""
    if kind == EMAIL:
        if len(to) > EMAIL_MAX or not EMAIL_RE.fullmatch(to):
            reasons.append((name, "`to` Email address is invalid"))
    elif not NUMBER_RE.fullmatch(to):
        reasons.append((name, "`to` must be a phone number in E.164 format without '+'"))
    if kind == SILENT_AUTH and index > 0:
        reasons.append((name, "`silent_auth` must be the first channel of the workflow"))
    sender = item.get("from")
    if sender is not None and not isinstance(sender, str):
        reasons.append((name, "`from` must be a string"))
        sender = None
    if kind == WHATSAPP and not sender:
        reasons.append((name, "`from` is required for the whatsapp channel"))
    elif kind == EMAIL and sender and (len(sender) > EMAIL_MAX or not EMAIL_RE.fullmatch(sender)):
        reasons.append((name, "`from` Email address is invalid"))
    elif (
        kind == SMS and sender and not (NUMBER_RE.fullmatch(sender) or SENDER_RE.fullmatch(sender))
    ):
        reasons.append((name, "`from` must be a number or 3 to 11 letters and digits"))
    app_hash = item.get("app_hash")
    if app_hash is not None and (
        kind != SMS or not isinstance(app_hash, str) or len(app_hash) != 11
    ):
        reasons.append((name, "`app_hash` must be exactly 11 characters (sms only)"))
    for key in ("entity_id", "content_id"):
        value = item.get(key)
        if value is not None and (kind != SMS or not DLT_RE.fullmatch(str(value))):
            reasons.append((name, f"`{key}` must be 1 to 20 digits (sms only)"))
    redirect = item.get("redirect_url")
    if redirect is not None:
        url = _string(redirect) or ""
        printable = url.isascii() and all(0x20 < ord(c) < 0x7F for c in url)
        parts = urlsplit(url) if printable else None
        if kind != SILENT_AUTH or parts is None or parts.scheme not in ("http", "https"):
            reasons.append((name, "`redirect_url` must be an http(s) URL (silent_auth only)"))
    if len(reasons) > before:
        return None
    return ChannelSpec(
        channel=kind,
        to=to,
        from_=sender or "",
        app_hash=_string(app_hash) or "",
        redirect_url=_string(redirect) or "",
    )


def parse_v2_start(data: Any) -> V2Spec:
    """Validate the decoded body of ``POST /v2/verify``.

    Raises:
        Problem: HTTP 422 listing every invalid parameter (or HTTP 400 when the body is not a
            JSON object).
    """
    if not isinstance(data, dict):
        raise Problem(
            400, "Bad Request", "The request body must be a JSON object.", kind="bad-request"
        )
    reasons: list[tuple[str, str]] = []
    brand = _string(data.get("brand"))
    if not brand or len(brand) > BRAND_MAX:
        reasons.append(("brand", f"`brand` is required, 1 to {BRAND_MAX} characters"))
    workflow = data.get("workflow")
    channels: list[ChannelSpec | None] = []
    if not isinstance(workflow, list) or not workflow:
        reasons.append(("workflow", "`workflow` must be a list of at least one channel"))
    else:
        channels = [_channel(i, item, reasons) for i, item in enumerate(workflow)]
    locale = data.get("locale", DEFAULT_LOCALE)
    if locale not in LOCALES:
        reasons.append(("locale", f"`locale` must be one of {', '.join(LOCALES)}"))
    timeout = _int(data.get("channel_timeout", DEFAULT_CHANNEL_TIMEOUT))
    low, high = CHANNEL_TIMEOUT_RANGE
    if timeout is None or not low <= timeout <= high:
        reasons.append(("channel_timeout", f"`channel_timeout` must be {low} to {high} seconds"))
    client_ref = data.get("client_ref")
    if client_ref is not None and (
        not isinstance(client_ref, str) or not 1 <= len(client_ref) <= CLIENT_REF_MAX
    ):
        reasons.append(("client_ref", f"`client_ref` must be 1 to {CLIENT_REF_MAX} characters"))
    code_length = _int(data.get("code_length", DEFAULT_CODE_LENGTH))
    if code_length is None or not CODE_LENGTH_RANGE[0] <= code_length <= CODE_LENGTH_RANGE[1]:
        reasons.append(("code_length", "`code_length` must be 4 to 10"))
    code = data.get("code")
    if code is not None:
        if not isinstance(code, str) or not CODE_RE.fullmatch(code):
            reasons.append(("code", "`code` must be 4 to 10 letters or digits"))
        elif "code_length" in data and code_length is not None and len(code) != code_length:
            reasons.append(("code", "`code` must have `code_length` characters"))
    fraud_check = data.get("fraud_check", True)
    if not isinstance(fraud_check, bool):
        reasons.append(("fraud_check", "`fraud_check` must be a boolean"))
    if reasons:
        raise invalid_params(reasons)
    assert brand is not None and timeout is not None and code_length is not None
    spec_code = code if isinstance(code, str) else None
    return V2Spec(
        brand=brand,
        workflow=tuple(c for c in channels if c is not None),
        locale=str(locale),
        channel_timeout=timeout,
        client_ref=client_ref if isinstance(client_ref, str) else "",
        code_length=len(spec_code) if spec_code else code_length,
        code=spec_code,
        fraud_check=bool(fraud_check),
    )


def parse_v2_code(data: Any) -> str:
    """Validate the body of ``POST /v2/verify/{id}``: returns the code.

    Raises:
        Problem: HTTP 422 when ``code`` is missing or not 4 to 10 letters or digits.
    """
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        raise invalid_params([("code", "`code` must be 4 to 10 letters or digits")])
    return code
