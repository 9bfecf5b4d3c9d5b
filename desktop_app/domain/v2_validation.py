"""Validation of a Verify v2 start request, before anything is sent.

Same style as :mod:`desktop_app.domain.validation` (v1): every field has one ``check_*`` rule in
:mod:`desktop_app.domain.v2_field_rules` (re-exported here); this module gathers them.
:func:`check_channel` checks one workflow entry into a channel; ``v2_form_errors`` gathers every
problem of a :class:`~desktop_app.domain.v2_forms.V2Form` for inline display (overridable
warnings included); ``validate_v2`` returns :class:`~desktop_app.domain.v2.V2StartParams` or
raises :class:`~desktop_app.domain.errors.ValidationFailed` with every problem.

Field names: ``brand``, ``locale``, ``channel_timeout``, ``client_ref``, ``code_length``,
``code``, ``fraud_check``, ``workflow`` (the list as a whole) and ``workflow[i].channel``,
``workflow[i].to``, ``workflow[i].from``, ``workflow[i].<extra>`` for channel ``i`` (counted
from 0, as the API's own ``invalid_parameters`` names them).

Rule decisions about a whole channel (each field's own are in
:mod:`desktop_app.domain.v2_field_rules`):

* Silent auth is only allowed as the first channel.
* A channel given a field it does not take (``from`` on voice, ``app_hash`` on email) is an
  error rather than silently dropped: the person meant something.
"""

from __future__ import annotations

from desktop_app.domain.errors import FieldError
from desktop_app.domain.rule_parts import Checked, any_hard, errors_of, shown, validated
from desktop_app.domain.v2 import (
    CHANNELS,
    EMAIL,
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
from desktop_app.domain.v2_field_rules import (
    APP_HASH_LENGTH,
    EMAIL_MAX,
    RULES,
    URL_MAX,
    check_channel_timeout,
    check_client_ref,
    check_email,
    check_extra,
    check_fraud_check,
    check_locale,
    check_phone_to,
    check_v2_brand,
    check_v2_code,
    check_v2_code_length,
    v2_field_error,
)

# check_channel reads the sender rule through this module's name, so a test can let a sender
# past this app's own rule by patching ``v2_validation._check_sender`` (to reach the API's 422).
from desktop_app.domain.v2_field_rules import check_sender as _check_sender
from desktop_app.domain.v2_forms import (
    CHANNEL_EXTRAS,
    ChannelEntry,
    V2ChannelForm,
    V2Form,
    form_from_params,
)

__all__ = [
    "APP_HASH_LENGTH",
    "CHANNEL_EXTRAS",
    "EMAIL_MAX",
    "RULES",
    "URL_MAX",
    "ChannelEntry",
    "Checked",
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

#: Channels that take a ``from``.
_TAKES_FROM = (SMS, EMAIL, WHATSAPP)


# -- one channel ----------------------------------------------------------------------------


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
        to = check_phone_to(form.to, f"{prefix}.to", default_region)
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
        checked = check_extra(kind, key, raw, name)
        if checked.error is not None:
            errors.append(checked.error)
        elif checked.value is not None:
            extras[key] = checked.value
    if any_hard(errors):
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
    errors.extend(errors_of(locale, timeout, client_ref, code_length, code, fraud_check))
    if any_hard(errors):
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
    return validated(_check_v2(form, default_region), allow_unknown_number)


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
