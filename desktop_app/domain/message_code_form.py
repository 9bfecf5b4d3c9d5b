"""Codes by message: the form a person fills in, its template, and the message it makes.

:mod:`desktop_app.domain.message_codes` has the code itself and Verify's checking rules; this
module reads a :class:`CodeForm` (raw strings, as the window and the command line have them)
into :class:`CodeParams`, one rule per field, and builds the
:class:`~desktop_app.domain.messages.MessageRequest` carrying the code. The Messages API's own
rules then check that message (``to``, ``from``, ``text``...) like any other.

The text comes from a template holding ``{code}`` (required) and optionally ``{brand}``;
nothing else in braces is allowed, so a template can never reach into anything but these two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.message_codes import CODE_LENGTH_RANGE
from desktop_app.domain.messages import (
    MESSENGER,
    SMS,
    VIBER,
    WHATSAPP,
    MessageRequest,
    Text,
    WhatsAppAuthTemplate,
    channel_named,
)
from desktop_app.domain.messages_rules import check_client_ref, check_template_locale
from desktop_app.domain.rule_parts import Checked, errors_of, label, text_problem, whole
from desktop_app.domain.workflows import DEFAULT_PIN_EXPIRY, PIN_EXPIRY_RANGE

__all__ = [
    "CODE_CHANNELS",
    "DEFAULT_CODE_LENGTH",
    "DEFAULT_CODE_TEMPLATE",
    "CodeForm",
    "CodeParams",
    "code_form_errors",
    "code_message",
    "render_template",
    "template_problem",
    "validate_code_form",
]

#: The channels a code may go by (MMS carries no text message).
CODE_CHANNELS: tuple[str, ...] = (SMS, WHATSAPP, VIBER, MESSENGER)
DEFAULT_CODE_LENGTH: Final = 6
DEFAULT_CODE_TEMPLATE: Final = "{brand}: your verification code is {code}"
#: The longest template (the rendered text must still fit the channel; see messages_rules).
TEMPLATE_MAX: Final = 640
BRAND_MAX: Final = 18
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDERS: Final = ("code", "brand")


# -- the template ---------------------------------------------------------------------------


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot make a code message, or None when it can."""
    if not template.strip():
        return "required, a text holding {code}"
    if len(template) > TEMPLATE_MAX:
        return f"at most {TEMPLATE_MAX} characters (got {len(template)})"
    names = _PLACEHOLDER.findall(template)
    unknown = [name for name in names if name not in _PLACEHOLDERS]
    if unknown:
        return f"only {{code}} and {{brand}} may be in braces (found {{{unknown[0][:20]}}})"
    if "code" not in names:
        return "must contain {code}, where the code goes"
    stray = _PLACEHOLDER.sub("", template)
    if "{" in stray or "}" in stray:
        return "has a brace that opens or closes no {code} or {brand}"
    problem = text_problem(template.replace("\n", " "))
    return problem


def render_template(template: str, *, code: str, brand: str) -> str:
    """The message text: the template with ``{code}`` and ``{brand}`` filled in."""
    values = {"code": code, "brand": brand}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


# -- the form -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeForm:
    """A code-by-message send as typed (raw strings; ``""`` means "not given").

    Attributes:
        channel: ``sms``, ``whatsapp``, ``viber`` (``viber_service``) or ``messenger``.
        to: The recipient (E.164 digits; Messenger: the recipient's id).
        from_: The sender (a number, an SMS sender id, a Viber service id, a page id).
        brand: Put in ``{brand}``; required when the template uses it.
        template: The text with ``{code}`` (default :data:`DEFAULT_CODE_TEMPLATE`).
        auth_template: WhatsApp only: an approved authentication template's name; the code
            goes in its body and copy-code button instead of a text.
        locale: The authentication template's language (default ``en_US``).
        code_length: Digits, 4 to 10 (default 6).
        expiry: Seconds the code lives, 60 to 3600 (default 300).
        failover_channel: A second channel tried when the first message is rejected.
        failover_from: The failover message's sender.
        client_ref: Echoed in every status webhook.
    """

    channel: str
    to: str
    from_: str
    brand: str = ""
    template: str = ""
    auth_template: str = ""
    locale: str = ""
    code_length: str = ""
    expiry: str = ""
    failover_channel: str = ""
    failover_from: str = ""
    client_ref: str = ""


@dataclass(frozen=True)
class CodeParams:
    """A checked :class:`CodeForm` (the message itself is checked by the Messages rules)."""

    channel: str
    to: str
    from_: str
    brand: str
    template: str
    auth_template: str | None
    locale: str
    code_length: int
    expiry: int
    failover_channel: str | None = None
    failover_from: str = ""
    client_ref: str | None = None


def _channel(raw: str, path: str, *, required: bool) -> Checked[str]:
    text = raw.strip()
    if not text:
        if required:
            return Checked(None, FieldError(path, "required: sms, whatsapp, viber or messenger"))
        return Checked(None)
    channel = channel_named(text)
    if channel not in CODE_CHANNELS:
        message = "codes go by sms, whatsapp, viber or messenger (MMS carries no text)"
        return Checked(None, FieldError(path, message))
    return Checked(channel)


def _template(raw: str) -> Checked[str]:
    template = raw if raw.strip() else DEFAULT_CODE_TEMPLATE
    problem = template_problem(template)
    return Checked(None, FieldError("template", problem)) if problem else Checked(template)


def code_form_errors(form: CodeForm) -> tuple[CodeParams | None, list[FieldError]]:
    """Check a form; return the params (None when a rule failed) and every problem."""
    channel = _channel(form.channel, "channel", required=True)
    failover = _channel(form.failover_channel, "failover_channel", required=False)
    template = _template(form.template)
    length = whole("code_length", form.code_length, *CODE_LENGTH_RANGE, unit=" of digits")
    expiry = whole("expiry", form.expiry, *PIN_EXPIRY_RANGE, unit=" of seconds")
    # An authentication template carries only the code; the text (and its brand) is used
    # without one, or by the failover message.
    text_used = not form.auth_template.strip() or bool(form.failover_channel.strip())
    needs_brand = text_used and (template.value is None or "{brand}" in template.value)
    brand = label("brand", form.brand, BRAND_MAX) if needs_brand or form.brand.strip() else (
        Checked("")
    )
    auth: Checked[str] = Checked(None)
    locale: Checked[str] = Checked("en_US")
    if form.auth_template.strip():
        if channel.value not in (None, WHATSAPP):
            auth = Checked(None, FieldError("auth_template", "only WhatsApp has them"))
        else:
            auth = label("auth_template", form.auth_template, 512)
        if form.locale.strip():
            locale = check_template_locale(form.locale.strip(), "locale")
    elif form.locale.strip():
        locale = Checked(None, FieldError("locale", "only with an authentication template"))
    ref = check_client_ref(form.client_ref or None)
    errors = errors_of(channel, brand, template, auth, locale, length, expiry, failover, ref)
    if failover.value is not None and failover.value == channel.value:
        errors.append(FieldError("failover_channel", "must differ from the first channel"))
    if failover.value is not None and not form.failover_from.strip():
        errors.append(FieldError("failover_from", "required with a failover channel"))
    if errors or channel.value is None or template.value is None:
        return None, errors
    return (
        CodeParams(
            channel=channel.value,
            to=form.to.strip(),
            from_=form.from_.strip(),
            brand=brand.value or "",
            template=template.value,
            auth_template=auth.value,
            locale=locale.value or "en_US",
            code_length=length.value or DEFAULT_CODE_LENGTH,
            expiry=expiry.value or DEFAULT_PIN_EXPIRY,
            failover_channel=failover.value,
            failover_from=form.failover_from.strip(),
            client_ref=ref.value,
        ),
        [],
    )


def validate_code_form(form: CodeForm) -> CodeParams:
    """The checked params of ``form``.

    Raises:
        ValidationFailed: Every problem, each on its field.
    """
    params, errors = code_form_errors(form)
    if params is None:
        raise ValidationFailed(errors)
    return params


def code_message(
    params: CodeParams, code: str, *, webhook_url: str | None = None
) -> MessageRequest:
    """The message carrying ``code`` (and its failover, with the same text)."""
    text = render_template(params.template, code=code, brand=params.brand)
    content: Text | WhatsAppAuthTemplate = Text(text)
    if params.auth_template is not None:
        content = WhatsAppAuthTemplate(params.auth_template, code, params.locale)
    failover: tuple[MessageRequest, ...] = ()
    if params.failover_channel is not None:
        failover = (
            MessageRequest(
                channel=params.failover_channel,
                to=params.to,
                from_=params.failover_from,
                content=Text(text),
                client_ref=params.client_ref,
                webhook_url=webhook_url,
            ),
        )
    return MessageRequest(
        channel=params.channel,
        to=params.to,
        from_=params.from_,
        content=content,
        client_ref=params.client_ref,
        webhook_url=webhook_url,
        failover=failover,
    )
