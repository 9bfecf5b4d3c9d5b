"""Validation of a Verify v2 start request, before anything is sent.

Same style as :mod:`desktop_app.domain.validation` (v1): every field has one ``check_*`` rule
returning a :class:`~desktop_app.domain.rule_parts.Checked`; ``v2_form_errors`` gathers every
problem for inline display (overridable warnings included); ``validate_v2`` returns
:class:`~desktop_app.domain.v2.V2StartParams` or raises
:class:`~desktop_app.domain.errors.ValidationFailed` with every problem.

Field names: ``brand``, ``locale``, ``channel_timeout``, ``client_ref``, ``code_length``,
``code``, ``fraud_check``, ``workflow`` (the list as a whole) and ``workflow[i].channel``,
``workflow[i].to``, ``workflow[i].from``, ``workflow[i].<extra>`` for channel ``i`` (counted
from 0, as the API's own ``invalid_parameters`` names them).

Rule decisions (beyond the field guide's §2.3 limits):

* A WhatsApp ``from`` must be a phone number (E.164 digits): it is the account's own WhatsApp
  Business number. The SDK also lets 3 to 11 letters through; the API then answers 422
  "Invalid sender", so it is refused here instead.
* An SMS ``from`` is E.164 digits (a leading ``+`` is dropped) or 3 to 11 ASCII letters and
  digits, like the SDK.
* Phone ``to`` goes through :func:`~desktop_app.domain.phone.parse_number`; a possible number
  outside the known ranges is an overridable warning, as in v1.
* A channel given a field it does not take (``from`` on voice, ``app_hash`` on email) is an
  error rather than silently dropped: the person meant something.
* ``locale`` is lower-cased and ``_`` read as ``-`` (``en_GB`` -> ``en-gb``).
* ``fraud_check``: empty, ``true``/``yes``/``on``/``1`` mean "leave it on" (not sent);
  ``false``/``no``/``off``/``0`` send ``false``.
* ``code`` is never echoed in a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.phone import E164_DIGITS, parse_number
from desktop_app.domain.rule_parts import ALNUM, Checked, alnum_code, label, shown, whole
from desktop_app.domain.v2 import (
    BRAND_MAX,
    CHANNEL_TIMEOUT_RANGE,
    CHANNELS,
    CLIENT_REF_MAX,
    CODE_LENGTH_RANGE,
    EMAIL,
    LOCALES,
    SILENT_AUTH,
    SMS,
    VOICE,
    WHATSAPP,
    Channel,
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2StartParams,
    VoiceChannel,
    WhatsAppChannel,
)

__all__ = [
    "CHANNEL_EXTRAS",
    "V2ChannelForm",
    "V2Form",
    "check_channel",
    "check_channel_timeout",
    "check_client_ref",
    "check_email",
    "check_fraud_check",
    "check_locale",
    "check_v2_brand",
    "check_v2_code",
    "check_v2_code_length",
    "form_from_params",
    "v2_channel_errors",
    "v2_field_error",
    "v2_form_errors",
    "v2_params_errors",
    "validate_v2",
]

#: The optional extra fields each channel takes (besides ``to`` and ``from``).
CHANNEL_EXTRAS: Mapping[str, tuple[str, ...]] = {
    SMS: ("app_hash", "entity_id", "content_id"),
    VOICE: (),
    EMAIL: (),
    WHATSAPP: (),
    SILENT_AUTH: ("redirect_url",),
}
#: Channels that take a ``from``.
_TAKES_FROM = (SMS, EMAIL, WHATSAPP)
APP_HASH_LENGTH = 11
EMAIL_MAX = 254
URL_MAX = 2048

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_DLT_ID = re.compile(r"[0-9]{1,20}")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class V2ChannelForm(NamedTuple):
    """One channel as typed: ``(channel, to, from, extras)``; ``""`` = not given.

    A plain 4-tuple works wherever this is accepted.
    """

    channel: str
    to: str
    from_: str = ""
    extras: Mapping[str, str] = MappingProxyType({})


ChannelEntry = V2ChannelForm | tuple[str, str, str, Mapping[str, str]]


@dataclass(frozen=True)
class V2Form:
    """A v2 start request as typed in the window or given to the CLI (``""`` = not given)."""

    brand: str
    channels: Sequence[ChannelEntry] = ()
    locale: str = ""
    channel_timeout: str = ""
    client_ref: str = ""
    code_length: str = ""
    code: str = field(default="", repr=False)
    fraud_check: str | bool = ""


# -- one rule per field ---------------------------------------------------------------------


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


def _check_phone_to(raw: str, name: str, default_region: str | None) -> Checked[str]:
    try:
        info = parse_number(raw, default_region)
    except ValidationFailed as failed:
        return Checked(None, FieldError(name, failed.errors[0].message))
    if info.valid:
        return Checked(info.e164)
    where = info.region or f"+{info.international[1:].split(' ')[0]}"
    warning = f"not a known number range for {where}; send anyway if you are sure"
    return Checked(info.e164, FieldError(name, warning, overridable=True))


def _check_sender(raw: str, name: str, *, number_only: bool) -> Checked[str]:
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


def _check_url(raw: str, name: str) -> Checked[str]:
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


def _check_extra(channel: str, key: str, raw: str, name: str) -> Checked[str]:
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
    return _check_url(raw, name)


def _entry(entry: ChannelEntry) -> V2ChannelForm:
    return entry if isinstance(entry, V2ChannelForm) else V2ChannelForm(*entry)


def check_channel(
    index: int, entry: ChannelEntry, *, default_region: str | None = None
) -> tuple[Channel | None, list[FieldError]]:
    """Check one workflow entry (its position matters: silent auth only first).

    Args:
        index: Its position in the workflow, from 0.
        entry: ``(channel, to, from, extras)`` as typed.
        default_region: Region for a national phone number.

    Returns:
        The channel (``None`` when any hard error) and every problem of the entry.
    """
    form = _entry(entry)
    prefix = f"workflow[{index}]"
    kind = form.channel.strip().lower()
    if kind not in CHANNELS:
        message = f"must be one of {', '.join(CHANNELS)} (got {shown(form.channel)})"
        return None, [FieldError(f"{prefix}.channel", message)]
    errors: list[FieldError] = []
    if kind == SILENT_AUTH and index > 0:
        message = "silent_auth is only allowed as the first channel of the workflow"
        errors.append(FieldError(f"{prefix}.channel", message))
    if kind == EMAIL:
        to = check_email(form.to, field_name=f"{prefix}.to")
    else:
        to = _check_phone_to(form.to, f"{prefix}.to", default_region)
    if to.error is not None:
        errors.append(to.error)
    sender: Checked[str] = Checked(None)
    from_name = f"{prefix}.from"
    if kind not in _TAKES_FROM:
        if form.from_.strip():
            errors.append(FieldError(from_name, f"the {kind} channel takes no `from`"))
    elif kind == WHATSAPP and not form.from_.strip():
        message = "required for whatsapp: your WhatsApp Business number (E.164 digits)"
        sender = Checked(None, FieldError(from_name, message))
    elif kind == EMAIL:
        sender = check_email(form.from_, field_name=from_name, required=False)
    elif form.from_.strip():
        sender = _check_sender(form.from_, from_name, number_only=kind == WHATSAPP)
    if sender.error is not None:
        errors.append(sender.error)
    extras: dict[str, str] = {}
    for key, raw in form.extras.items():
        name = f"{prefix}.{key}"
        if key not in CHANNEL_EXTRAS[kind]:
            if raw.strip():
                errors.append(FieldError(name, f"the {kind} channel takes no `{key}`"))
            continue
        if not raw.strip():
            continue
        checked = _check_extra(kind, key, raw, name)
        if checked.error is not None:
            errors.append(checked.error)
        elif checked.value is not None:
            extras[key] = checked.value
    if any(not e.overridable for e in errors):
        return None, errors
    assert to.value is not None
    return _build_channel(kind, to.value, sender.value, extras), errors


def _build_channel(kind: str, to: str, sender: str | None, extras: dict[str, str]) -> Channel:
    if kind == SMS:
        return SmsChannel(
            to,
            sender,
            app_hash=extras.get("app_hash"),
            entity_id=extras.get("entity_id"),
            content_id=extras.get("content_id"),
        )
    if kind == WHATSAPP:
        assert sender is not None
        return WhatsAppChannel(to, sender)
    if kind == VOICE:
        return VoiceChannel(to)
    if kind == EMAIL:
        return EmailChannel(to, sender)
    return SilentAuthChannel(to, extras.get("redirect_url"))


def v2_channel_errors(
    index: int, entry: ChannelEntry, *, default_region: str | None = None
) -> list[FieldError]:
    """Every problem of one workflow entry, for the window's inline checks."""
    return check_channel(index, entry, default_region=default_region)[1]


# -- the whole form -------------------------------------------------------------------------


def _check_v2(
    form: V2Form, default_region: str | None
) -> tuple[V2StartParams | None, list[FieldError]]:
    brand = check_v2_brand(form.brand)
    errors: list[FieldError] = [] if brand.error is None else [brand.error]
    channels: list[Channel | None] = []
    if not form.channels:
        errors.append(FieldError("workflow", "add at least one channel (sms, voice, email, ...)"))
    for index, entry in enumerate(form.channels):
        channel, problems = check_channel(index, entry, default_region=default_region)
        channels.append(channel)
        errors.extend(problems)
    locale = check_locale(form.locale)
    timeout = check_channel_timeout(form.channel_timeout)
    client_ref = check_client_ref(form.client_ref)
    code_length = check_v2_code_length(form.code_length)
    code = check_v2_code(form.code, code_length=form.code_length)
    fraud_check = check_fraud_check(form.fraud_check)
    checks: tuple[Checked[object], ...] = (
        locale,
        timeout,
        client_ref,
        code_length,
        code,
        fraud_check,
    )
    errors.extend(c.error for c in checks if c.error is not None)
    if any(not e.overridable for e in errors):
        return None, errors
    assert brand.value is not None
    params = V2StartParams(
        brand=brand.value,
        workflow=tuple(c for c in channels if c is not None),
        locale=locale.value,
        channel_timeout=timeout.value,
        client_ref=client_ref.value,
        code_length=code_length.value,
        code=code.value,
        fraud_check=fraud_check.value,
    )
    return params, errors


def v2_form_errors(form: V2Form, *, default_region: str | None = None) -> list[FieldError]:
    """Every problem of a v2 start form, in field order, overridable warnings included.

    Args:
        form: The raw fields.
        default_region: Region for national phone numbers (e.g. from
            :func:`~desktop_app.domain.phone.default_region_from_locale`).
    """
    return _check_v2(form, default_region)[1]


def validate_v2(
    form: V2Form, *, default_region: str | None = None, allow_unknown_number: bool = False
) -> V2StartParams:
    """Validate a v2 start form into the params to send.

    Args:
        form: The raw fields.
        default_region: Region for national phone numbers.
        allow_unknown_number: Send possible numbers outside the known ranges (the person
            confirmed the overridable warning).

    Raises:
        ValidationFailed: With every problem (warnings included) when any of them blocks.
    """
    params, errors = _check_v2(form, default_region)
    if any(not (e.overridable and allow_unknown_number) for e in errors):
        raise ValidationFailed(errors)
    assert params is not None
    return params


def form_from_params(params: V2StartParams) -> V2Form:
    """The form that validates into ``params`` (used to re-check hand-built params)."""
    entries: list[ChannelEntry] = []
    for channel in params.workflow:
        extras: dict[str, str] = {}
        sender = ""
        if isinstance(channel, SmsChannel):
            sender = channel.from_ or ""
            for key in CHANNEL_EXTRAS[SMS]:
                value = getattr(channel, key)
                if value is not None:
                    extras[key] = value
        elif isinstance(channel, WhatsAppChannel | EmailChannel):
            sender = channel.from_ or ""
        elif isinstance(channel, SilentAuthChannel) and channel.redirect_url is not None:
            extras["redirect_url"] = channel.redirect_url
        entries.append(V2ChannelForm(channel.channel, channel.to, sender, extras))

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return V2Form(
        brand=params.brand,
        channels=tuple(entries),
        locale=text(params.locale),
        channel_timeout=text(params.channel_timeout),
        client_ref=text(params.client_ref),
        code_length=text(params.code_length),
        code=text(params.code),
        fraud_check="" if params.fraud_check is None else params.fraud_check,
    )


def v2_params_errors(params: V2StartParams) -> list[FieldError]:
    """The hard problems of already-built params (overridable number warnings are dropped).

    The client calls this before sending, so params built by hand (not through
    :func:`validate_v2`) are refused before anything leaves the machine.
    """
    try:
        form = form_from_params(params)
    except (TypeError, AttributeError):
        return [FieldError("workflow", "must be a sequence of channel objects")]
    return [e for e in v2_form_errors(form) if not e.overridable]


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

    Workflow entries are checked with :func:`v2_channel_errors`.

    Raises:
        ValueError: ``field_name`` names no rule (a programming error, not bad input).
    """
    rule = RULES.get(field_name)
    if rule is None:
        raise ValueError(f"no v2 validation rule for field {field_name!r}")
    error: FieldError | None = rule(value, **context).error
    return error
