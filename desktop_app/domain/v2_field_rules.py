"""One rule per Verify v2 start field, top-level and per channel, before anything is sent.

Same style as :mod:`desktop_app.domain.field_rules` (v1): every rule returns a
:class:`~desktop_app.domain.rule_parts.Checked`; :func:`v2_field_error` runs one top-level rule
for the window's live inline checks. :mod:`desktop_app.domain.v2_validation` gathers them into
a channel and a whole form.

Rule decisions (beyond the field guide's §2.3 limits):

* A WhatsApp ``from`` must be a phone number (E.164 digits): it is the account's own WhatsApp
  Business number. The SDK also lets 3 to 11 letters through; the API then answers 422
  "Invalid sender", so it is refused here instead.
* An SMS ``from`` is E.164 digits (a leading ``+`` is dropped) or 3 to 11 ASCII letters and
  digits, like the SDK.
* Phone ``to`` goes through :func:`~desktop_app.domain.phone.parse_number`; a possible number
  outside the known ranges is an overridable warning, as in v1.
* ``locale`` is lower-cased and ``_`` read as ``-`` (``en_GB`` -> ``en-gb``).
* ``fraud_check``: empty, ``true``/``yes``/``on``/``1`` mean "leave it on" (not sent);
  ``false``/``no``/``off``/``0`` send ``false``.
* ``code`` is never echoed in a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.phone import E164_DIGITS, parse_number
from desktop_app.domain.rule_parts import ALNUM, Checked, alnum_code, label, shown, whole
from desktop_app.domain.v2 import (
    BRAND_MAX,
    CHANNEL_TIMEOUT_RANGE,
    CLIENT_REF_MAX,
    CODE_LENGTH_RANGE,
    LOCALES,
)

__all__ = [
    "RULES",
    "check_channel_timeout",
    "check_client_ref",
    "check_email",
    "check_extra",
    "check_fraud_check",
    "check_locale",
    "check_phone_to",
    "check_sender",
    "check_url",
    "check_v2_brand",
    "check_v2_code",
    "check_v2_code_length",
    "v2_field_error",
]

APP_HASH_LENGTH = 11
EMAIL_MAX = 254
URL_MAX = 2048

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_DLT_ID = re.compile(r"[0-9]{1,20}")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


# -- the top-level fields ------------------------------------------------------------------


def check_v2_brand(raw: str) -> Checked[str]:
    """Brand rule: required, 1 to 16 characters after stripping, no control characters."""
    return label("brand", raw, BRAND_MAX)


def check_client_ref(raw: str) -> Checked[str]:
    """Client reference rule: optional, 1 to 16 characters, no control characters."""
    if not raw.strip():
        return Checked(None)
    return label("client_ref", raw, CLIENT_REF_MAX)


def check_locale(raw: str) -> Checked[str]:
    """Locale rule: optional, one of the 13 v2 locales (``en-us``), lower-cased."""
    text = raw.strip().lower().replace("_", "-")
    if not text:
        return Checked(None)
    if text in LOCALES:
        return Checked(text)
    message = f"must be one of the {len(LOCALES)} Verify v2 locales, e.g. en-us (got {shown(raw)})"
    return Checked(None, FieldError("locale", message))


def check_channel_timeout(raw: str) -> Checked[int]:
    """Channel timeout rule: optional, whole seconds from 15 to 900."""
    return whole("channel_timeout", raw, *CHANNEL_TIMEOUT_RANGE, unit=" of seconds")


def check_v2_code_length(raw: str) -> Checked[int]:
    """Code length rule: optional, a whole number from 4 to 10."""
    return whole("code_length", raw, *CODE_LENGTH_RANGE)


def check_v2_code(raw: str, *, code_length: str = "") -> Checked[str]:
    """Custom code rule: optional, 4 to 10 letters or digits; exactly ``code_length`` if given."""
    if not raw.strip():
        return Checked(None)
    checked = alnum_code("code", raw, *CODE_LENGTH_RANGE)
    length = check_v2_code_length(code_length).value
    if checked.value is None or length is None or len(checked.value) == length:
        return checked
    message = f"must have {length} characters to match code_length (got {len(checked.value)})"
    return Checked(None, FieldError("code", message))


def check_fraud_check(raw: str | bool) -> Checked[bool]:
    """Fraud check rule: only ``false`` is sent; empty or true leaves the API default (on)."""
    if isinstance(raw, bool):
        return Checked(None if raw else False)
    text = raw.strip().lower()
    if not text or text in _TRUE:
        return Checked(None)
    if text in _FALSE:
        return Checked(False)
    message = f"must be true or false (got {shown(raw)})"
    return Checked(None, FieldError("fraud_check", message))


# -- a channel's fields ---------------------------------------------------------------------


def check_email(raw: str, *, field_name: str = "to", required: bool = True) -> Checked[str]:
    """Email rule: ``name@domain.tld`` in ASCII, at most 254 characters."""
    text = raw.strip()
    if not text:
        if required:
            return Checked(None, FieldError(field_name, "required, an email address"))
        return Checked(None)
    if len(text) > EMAIL_MAX or _EMAIL.fullmatch(text) is None:
        message = f"must be an email address such as name@example.com (got {shown(raw)})"
        return Checked(None, FieldError(field_name, message))
    return Checked(text)


def check_phone_to(raw: str, name: str, default_region: str | None) -> Checked[str]:
    """Phone ``to`` rule: a number :func:`~desktop_app.domain.phone.parse_number` accepts.

    A possible number outside the ranges the metadata knows is an overridable warning.
    """
    try:
        info = parse_number(raw, default_region)
    except ValidationFailed as failed:
        return Checked(None, FieldError(name, failed.errors[0].message))
    if info.valid:
        return Checked(info.e164)
    where = info.region or f"+{info.international[1:].split(' ')[0]}"
    warning = f"not a known number range for {where}; send anyway if you are sure"
    return Checked(info.e164, FieldError(name, warning, overridable=True))


def check_sender(raw: str, name: str, *, number_only: bool) -> Checked[str]:
    """Sender rule: E.164 digits, or (unless ``number_only``) 3 to 11 letters and digits."""
    text = raw.strip()
    digits = text[1:] if text.startswith("+") else text
    if digits.isascii() and E164_DIGITS.fullmatch(digits):
        return Checked(digits)
    if number_only:
        message = (
            "must be your WhatsApp Business number in international format, digits only "
            f"(e.g. 447700900001; got {shown(raw)})"
        )
        return Checked(None, FieldError(name, message))
    alnum = not text.startswith("+") and text.isascii() and ALNUM.fullmatch(text) is not None
    if alnum and 3 <= len(text) <= 11:
        return Checked(text)
    message = (
        "must be a phone number in international format (digits only) or 3 to 11 letters "
        f"and digits (got {shown(raw)})"
    )
    return Checked(None, FieldError(name, message))


def check_url(raw: str, name: str) -> Checked[str]:
    """URL rule: an ``http://`` or ``https://`` address, at most 2048 characters."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    ok = (
        parts is not None
        and parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and len(text) <= URL_MAX
        and not any(c.isspace() or unicodedata.category(c) == "Cc" for c in text)
    )
    if not ok:
        message = f"must be an http:// or https:// address (got {shown(raw)})"
        return Checked(None, FieldError(name, message))
    return Checked(text)


def check_extra(channel: str, key: str, raw: str, name: str) -> Checked[str]:
    """Rule of one channel extra: ``app_hash``, a DLT id or ``redirect_url``."""
    text = raw.strip()
    if key == "app_hash":
        if len(text) != APP_HASH_LENGTH:
            message = f"must be exactly {APP_HASH_LENGTH} characters (got {len(text)})"
            return Checked(None, FieldError(name, message))
        return Checked(text)
    if key in ("entity_id", "content_id"):
        if not text.isascii() or _DLT_ID.fullmatch(text) is None:
            return Checked(None, FieldError(name, f"must be 1 to 20 digits (got {shown(raw)})"))
        return Checked(text)
    return check_url(raw, name)


# -- inline checks for the window -----------------------------------------------------------

RULES: dict[str, Callable[..., Checked[Any]]] = {
    "brand": check_v2_brand,
    "locale": check_locale,
    "channel_timeout": check_channel_timeout,
    "client_ref": check_client_ref,
    "code_length": check_v2_code_length,
    "code": check_v2_code,
    "fraud_check": check_fraud_check,
}


def v2_field_error(field_name: str, value: str, **context: Any) -> FieldError | None:
    """Check one top-level v2 field on its own (``code`` takes ``code_length=`` context).

    Workflow entries are checked with
    :func:`~desktop_app.domain.v2_validation.v2_channel_errors`.

    Raises:
        ValueError: ``field_name`` names no rule (a programming error, not bad input).
    """
    rule = RULES.get(field_name)
    if rule is None:
        raise ValueError(f"no v2 validation rule for field {field_name!r}")
    error: FieldError | None = rule(value, **context).error
    return error
