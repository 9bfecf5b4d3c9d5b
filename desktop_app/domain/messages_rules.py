"""One rule per Messages API field, before anything is sent.

Same style as :mod:`desktop_app.domain.field_rules` and
:mod:`desktop_app.domain.v2_field_rules`: every ``check_*`` returns a
:class:`~desktop_app.domain.rule_parts.Checked` (the value, and at most one
:class:`~desktop_app.domain.errors.FieldError`). ``""`` or ``None`` means "not given". Each
rule takes the field's ``path`` as the API's 422 ``invalid_parameters`` would name it (``text``,
``messenger.tag``, ``viber_service.ttl``; :mod:`desktop_app.domain.messages_validation` adds
the ``failover[i].`` prefix), so the window can show a local rule and an API reason at the same
field. Messages state the rule; texts, parameters and codes are never echoed.

Rule decisions (beyond the spec's limits):

* Phone numbers are E.164 digits as the API wants them; a leading ``+`` or ``00`` is refused
  with a message saying so rather than dropped: the person sees exactly what is sent.
* MMS reaches only the United States and Canada: a ``+1`` number of another NANP country
  (Jamaica, Puerto Rico...) is refused; a ``+1`` number outside the ranges the metadata knows
  is let through (only the API can tell).
* An SMS ``from`` is a number (3 to 15 digits, so short codes pass) or an alphanumeric sender
  id of 1 to 11 ASCII letters, digits and spaces holding at least one letter. MMS and WhatsApp
  senders are numbers only: WhatsApp answers "Invalid sender" to anything else.
* Media URLs must be ``https://``: the carriers fetch them from the public internet, and
  WhatsApp refuses plain http. Webhook and button URLs may be ``http://`` (a local receiver
  behind a tunnel).
* Top-level ``ttl`` is SMS (20 s to 7 days) and MMS (300 s to 3 days) only, as in the SDK;
  Viber's lives in ``viber_service.ttl`` (30 s to 3 days).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.messages import (
    CHANNEL_MESSAGE_TYPES,
    CHANNELS,
    MESSENGER,
    MMS,
    PHONE_CHANNELS,
    SMS,
    VIBER,
    WEBHOOK_VERSIONS,
    WHATSAPP,
)
from desktop_app.domain.phone import E164_DIGITS, parse_number
from desktop_app.domain.rule_parts import Checked, label, shown, whole
from desktop_app.domain.v2_field_rules import check_extra, check_url

__all__ = [
    "CAPTION_MAX",
    "CLIENT_REF_MAX",
    "ID_MAX",
    "MEDIA_URL_MAX",
    "TEXT_MAX",
    "TTL_RANGES",
    "VIBER_ACTION_TEXT_MAX",
    "VIBER_TTL_RANGE",
    "check_auth_code",
    "check_caption",
    "check_channel",
    "check_choice",
    "check_client_ref",
    "check_custom",
    "check_dlt_id",
    "check_file_name",
    "check_from",
    "check_media_url",
    "check_message_type",
    "check_messenger_tag",
    "check_template_locale",
    "check_template_name",
    "check_template_parameter",
    "check_text",
    "check_thumb_url",
    "check_to",
    "check_ttl",
    "check_viber_action_text",
    "check_viber_whole",
    "check_webhook_url",
    "check_webhook_version",
]

#: The longest ``text`` per channel (the spec's per-channel descriptions).
TEXT_MAX: Mapping[str, int] = {SMS: 1000, WHATSAPP: 4096, VIBER: 1000, MESSENGER: 640}
#: The longest media caption per channel; Messenger media take none.
CAPTION_MAX: Mapping[str, int] = {MMS: 2000, WHATSAPP: 3000, VIBER: 1000}
CLIENT_REF_MAX: Final = 100
#: Messenger ids and Viber service ids.
ID_MAX: Final = 50
MEDIA_URL_MAX: Final = 2000
THUMB_URL_MAX: Final = 1000
VIBER_FILE_NAME_MAX: Final = 25
VIBER_ACTION_TEXT_MAX: Final = 30
TEMPLATE_NAME_MAX: Final = 512
#: Top-level ``ttl`` in seconds, per channel that takes one (the SDK's limits).
TTL_RANGES: Mapping[str, tuple[int, int]] = {SMS: (20, 604800), MMS: (300, 259200)}
VIBER_TTL_RANGE: Final = (30, 259200)
VIBER_DURATION_RANGE: Final = (1, 600)
VIBER_FILE_SIZE_RANGE: Final = (1, 200)
AUTH_CODE_LENGTH: Final = (4, 10)

_NUMBER_RULE = (
    "the number in international format, starting with its country code (e.g. 447700900123)"
)
_SHORT_OR_LONG = re.compile(r"[1-9][0-9]{2,14}")
#: 1 to 11 ASCII letters, digits and spaces, at least one of them a letter.
_SENDER_ID = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?")
_NANP_ALLOWED = ("US", "CA")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- what is sent where ---------------------------------------------------------------------


def check_channel(raw: str, path: str = "channel") -> Checked[str]:
    """Channel rule: one of ``sms``, ``mms``, ``whatsapp``, ``viber_service``, ``messenger``."""
    if raw in CHANNELS:
        return Checked(raw)
    return Checked(
        None, FieldError(path, f"must be one of {', '.join(CHANNELS)} (got {shown(raw)})")
    )


def check_message_type(raw: str, *, channel: str, path: str = "message_type") -> Checked[str]:
    """Message type rule: one the channel takes (SMS text only, MMS media only, ...)."""
    allowed = CHANNEL_MESSAGE_TYPES.get(channel, ())
    if raw in allowed:
        return Checked(raw)
    message = f"the {channel} channel sends {', '.join(allowed)} messages (got {shown(raw)})"
    return Checked(None, FieldError(path, message))


def check_choice(raw: str | None, path: str, choices: tuple[str, ...]) -> Checked[str]:
    """An optional value from a fixed list (categories, encodings, policies)."""
    if _missing(raw):
        return Checked(None)
    assert raw is not None
    if raw in choices:
        return Checked(raw)
    return Checked(
        None, FieldError(path, f"must be one of {', '.join(choices)} (got {shown(raw)})")
    )


# -- who ------------------------------------------------------------------------------------


def _check_id(raw: str, path: str, what: str) -> Checked[str]:
    if not raw:
        return Checked(None, FieldError(path, f"required, the {what} (1 to {ID_MAX} characters)"))
    if len(raw) > ID_MAX:
        return Checked(None, FieldError(path, f"at most {ID_MAX} characters (got {len(raw)})"))
    if _has_control(raw) or any(char.isspace() for char in raw):
        return Checked(None, FieldError(path, "must not contain spaces or control characters"))
    return Checked(raw)


def _check_number(raw: str, path: str) -> Checked[str]:
    if not raw:
        return Checked(None, FieldError(path, f"required, {_NUMBER_RULE}"))
    prefix = "+" if raw.startswith("+") else "00" if raw.startswith("00") else ""
    if prefix and raw[len(prefix) :].isascii() and E164_DIGITS.fullmatch(raw[len(prefix) :]):
        message = f"must be {_NUMBER_RULE}, without the leading {prefix}"
        return Checked(None, FieldError(path, message))
    if not (raw.isascii() and E164_DIGITS.fullmatch(raw)):
        return Checked(None, FieldError(path, f"must be {_NUMBER_RULE} (got {shown(raw)})"))
    return Checked(raw)


def _mms_region_error(number: str, path: str) -> FieldError | None:
    """Why an E.164 number cannot receive MMS (US and Canada only), or None."""
    message = "MMS can only be sent to numbers in the United States or Canada (+1)"
    if not number.startswith("1"):
        return FieldError(path, message)
    try:
        info = parse_number(f"+{number}", None)
    except ValidationFailed:
        return FieldError(path, f"{message}; this is not a possible +1 number")
    if info.valid and info.region not in _NANP_ALLOWED:
        return FieldError(path, f"{message}; this number is in {info.region}")
    return None


def check_to(raw: str, *, channel: str, path: str = "to") -> Checked[str]:
    """Recipient rule: E.164 digits on phone channels (MMS: US or Canada), an id on Messenger."""
    if channel not in PHONE_CHANNELS:
        return _check_id(raw, path, "recipient's Messenger id")
    checked = _check_number(raw, path)
    if checked.value is not None and channel == MMS:
        error = _mms_region_error(checked.value, path)
        if error is not None:
            return Checked(None, error)
    return checked


def check_from(raw: str, *, channel: str, path: str = "from") -> Checked[str]:
    """Sender rule: a number (SMS also a sender id), a Viber service id or a Messenger page id."""
    if channel == MESSENGER:
        return _check_id(raw, path, "Facebook page id")
    if channel == VIBER:
        return _check_id(raw, path, "Viber service id")
    if channel == WHATSAPP:
        checked = _check_number(raw, path)
        if checked.error is not None and raw and not raw.startswith(("+", "00")):
            message = f"must be your WhatsApp Business number: {_NUMBER_RULE}"
            return Checked(None, FieldError(path, message))
        return checked
    if not raw:
        return Checked(None, FieldError(path, "required, a number or (SMS) a sender id"))
    if raw.startswith(("+", "00")):
        return _check_number(raw, path)
    if raw.isascii() and _SHORT_OR_LONG.fullmatch(raw):
        return Checked(raw)
    letters = raw.isascii() and _SENDER_ID.fullmatch(raw) is not None
    if channel == SMS and letters:
        return Checked(raw)
    if channel == SMS:
        message = (
            "must be a number (digits only) or a sender id of 1 to 11 letters, digits and "
            f"spaces (got {shown(raw)})"
        )
    else:
        message = f"must be a number, digits only (got {shown(raw)})"
    return Checked(None, FieldError(path, message))


# -- content --------------------------------------------------------------------------------


def check_text(raw: str, *, channel: str, path: str = "text") -> Checked[str]:
    """Text rule: required; at most 1000 (SMS, Viber), 4096 (WhatsApp), 640 (Messenger)."""
    limit = TEXT_MAX.get(channel, TEXT_MAX[SMS])
    if not raw.strip():
        return Checked(None, FieldError(path, f"required, 1 to {limit} characters"))
    if len(raw) > limit:
        message = f"at most {limit} characters on {channel} (got {len(raw)})"
        return Checked(None, FieldError(path, message))
    return Checked(raw)


def _check_https(raw: str, path: str, limit: int, what: str) -> Checked[str]:
    if not raw.strip():
        return Checked(None, FieldError(path, f"required, the {what}'s https:// address"))
    checked = check_url(raw, path)
    if checked.value is None or not raw.startswith("https://") or len(raw) > limit:
        message = f"must be a public https:// address of at most {limit} characters"
        return Checked(None, FieldError(path, f"{message} (got {shown(raw)})"))
    return checked


def check_media_url(raw: str, path: str) -> Checked[str]:
    """Media URL rule: required, ``https://``, at most 2000 characters."""
    return _check_https(raw, path, MEDIA_URL_MAX, "file")


def check_thumb_url(
    raw: str | None, *, channel: str, path: str = "video.thumb_url"
) -> Checked[str]:
    """Video thumbnail rule: required on Viber (``https://``, at most 1000), refused elsewhere."""
    if channel != VIBER:
        if _missing(raw):
            return Checked(None)
        return Checked(None, FieldError(path, f"only Viber videos take a thumbnail, not {channel}"))
    return _check_https(raw or "", path, THUMB_URL_MAX, "thumbnail image")


def check_caption(raw: str | None, *, channel: str, path: str) -> Checked[str]:
    """Caption rule: optional; at most 2000 (MMS), 3000 (WhatsApp), 1000 (Viber); none else."""
    if raw is None:
        return Checked(None)
    limit = CAPTION_MAX.get(channel)
    if limit is None:
        return Checked(None, FieldError(path, f"{channel} media take no caption"))
    if not raw.strip():
        return Checked(None, FieldError(path, "must not be empty; leave it out instead"))
    if len(raw) > limit:
        return Checked(None, FieldError(path, f"at most {limit} characters (got {len(raw)})"))
    return Checked(raw)


def check_file_name(raw: str | None, *, channel: str, path: str = "file.name") -> Checked[str]:
    """File name rule: optional on WhatsApp and Viber (there at most 25 characters)."""
    if raw is None:
        return Checked(None)
    if channel not in (WHATSAPP, VIBER):
        return Checked(None, FieldError(path, f"{channel} files take no name"))
    # WhatsApp documents no limit; 255 is the longest name common file systems keep.
    limit = VIBER_FILE_NAME_MAX if channel == VIBER else 255
    return label(path, raw, limit)


def check_template_name(raw: str, path: str = "template.name") -> Checked[str]:
    """Template name rule: required (``namespace:name`` or the name), no control characters."""
    return label(path, raw, TEMPLATE_NAME_MAX)


def check_template_parameter(raw: str, path: str) -> Checked[str]:
    """Template parameter rule: text without line breaks or tabs (WhatsApp refuses them)."""
    if not raw.strip():
        return Checked(None, FieldError(path, "must not be empty"))
    if _has_control(raw):
        return Checked(
            None, FieldError(path, "must not contain line breaks, tabs or control characters")
        )
    return Checked(raw)


def check_template_locale(raw: str, path: str = "whatsapp.locale") -> Checked[str]:
    """Template language rule: a language code such as ``en``, ``en_US`` or ``pt_BR``."""
    if raw.isascii() and _LOCALE.fullmatch(raw):
        return Checked(raw)
    message = f"must be the template's language code, e.g. en_US or de (got {shown(raw)})"
    return Checked(None, FieldError(path, message))


def check_auth_code(raw: str, path: str) -> Checked[str]:
    """Authentication template code rule: 4 to 10 digits (never echoed)."""
    low, high = AUTH_CODE_LENGTH
    if raw.isascii() and raw.isdigit() and low <= len(raw) <= high:
        return Checked(raw)
    return Checked(None, FieldError(path, f"the code must be {low} to {high} digits"))


def check_custom(payload: Any, path: str = "custom") -> Checked[Mapping[str, Any]]:
    """Custom payload rule: a non-empty JSON object."""
    if isinstance(payload, Mapping) and payload:
        return Checked(payload)
    return Checked(None, FieldError(path, "must be a non-empty JSON object"))


# -- options and extras ---------------------------------------------------------------------


def check_client_ref(raw: str | None, path: str = "client_ref") -> Checked[str]:
    """Client reference rule: optional, 1 to 100 characters, no control characters."""
    if raw is None:
        return Checked(None)
    if 0 < len(raw) <= CLIENT_REF_MAX and raw.isprintable() and raw.strip() == raw:
        return Checked(raw)  # the common case, without a per-character scan
    return label(path, raw, CLIENT_REF_MAX)


def check_webhook_url(raw: str | None, path: str = "webhook_url") -> Checked[str]:
    """Status webhook rule: optional, an ``http://`` or ``https://`` address."""
    if _missing(raw):
        return Checked(None)
    assert raw is not None
    return check_url(raw, path)


def check_webhook_version(raw: str | None, path: str = "webhook_version") -> Checked[str]:
    """Webhook version rule: optional, ``v1`` or ``v0.1``."""
    return check_choice(raw, path, WEBHOOK_VERSIONS)


def _whole(path: str, raw: int | str, low: int, high: int, unit: str) -> Checked[int]:
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, int):
        if low <= raw <= high:
            return Checked(raw)
        raw = str(raw)
    return whole(path, raw, low, high, unit)


def check_ttl(raw: int | str | None, *, channel: str, path: str = "ttl") -> Checked[int]:
    """Time-to-live rule: SMS 20 to 604800 s, MMS 300 to 259200 s; other channels take none."""
    if _missing(raw):
        return Checked(None)
    assert raw is not None
    limits = TTL_RANGES.get(channel)
    if limits is None:
        where = " (use viber_service.ttl)" if channel == VIBER else ""
        return Checked(None, FieldError(path, f"the {channel} channel takes no ttl{where}"))
    return _whole(path, raw, *limits, " of seconds")


def check_viber_whole(
    raw: int | str | None, path: str, limits: tuple[int, int], *, required: bool = False
) -> Checked[int]:
    """Viber number rule: ``ttl`` 30-259200 s, ``duration`` 1-600 s, ``file_size`` 1-200 MB."""
    if _missing(raw):
        if required:
            low, high = limits
            return Checked(None, FieldError(path, f"required for Viber videos, {low} to {high}"))
        return Checked(None)
    assert raw is not None
    return _whole(path, raw, *limits, "")


def check_viber_action_text(raw: str, path: str = "viber_service.action.text") -> Checked[str]:
    """Viber button label rule: required, 1 to 30 characters."""
    return label(path, raw, VIBER_ACTION_TEXT_MAX)


def check_messenger_tag(
    raw: str | None, *, category: str | None, path: str = "messenger.tag"
) -> Checked[str]:
    """Messenger tag rule: required when ``category`` is ``message_tag`` (e.g. ACCOUNT_UPDATE)."""
    if _missing(raw):
        if category == "message_tag":
            message = "required when category is message_tag (e.g. CONFIRMED_EVENT_UPDATE)"
            return Checked(None, FieldError(path, message))
        return Checked(None)
    assert raw is not None
    if raw.isascii() and re.fullmatch(r"[A-Za-z0-9_]{1,64}", raw):
        return Checked(raw)
    message = f"must be a Messenger tag such as CONFIRMED_EVENT_UPDATE (got {shown(raw)})"
    return Checked(None, FieldError(path, message))


def check_dlt_id(raw: str | None, path: str) -> Checked[str]:
    """India DLT id rule (``sms.entity_id``, ``sms.content_id``): optional, 1 to 20 digits."""
    if _missing(raw):
        return Checked(None)
    assert raw is not None
    return check_extra(SMS, "entity_id", raw, path)
