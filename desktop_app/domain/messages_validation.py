"""Validation of a Messages API send, before anything leaves the machine.

Gathers the per-field rules of :mod:`desktop_app.domain.messages_rules` over a
:class:`~desktop_app.domain.messages.MessageRequest` and its failover messages.
:func:`message_errors` returns every problem (the window shows each at its field);
:func:`validate_message` raises :class:`~desktop_app.domain.errors.ValidationFailed`; the client
calls it before sending, the sandbox before accepting. One field on its own (the window's live
inline messages) is :mod:`desktop_app.domain.messages_fields`.

Field paths are the API's own: ``text``, ``to``, ``image.url``, ``messenger.tag``,
``viber_service.action.text``, and for the ``i``-th failover message the same behind
``failover[i].`` (counted from 0).

Rule decisions about a whole message (each field's own are in the rules module):

* An option object for another channel (``messenger`` on an SMS) or a field the message type
  does not take (a caption on a vCard) is an error rather than silently dropped.
* ``whatsapp`` options belong to template messages only; a template without them is sent with
  the default language (``en_US``), as the SDK does.
* A Viber image with an action button needs a caption (the spec's rule); Viber videos need
  ``thumb_url``, ``viber_service.duration`` and ``viber_service.file_size``.
* A failover message may not have a failover of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.messages import (
    AUDIO,
    CHANNEL_MESSAGE_TYPES,
    FILE,
    IMAGE,
    MESSENGER,
    MMS,
    SMS,
    VIBER,
    VIDEO,
    WHATSAPP,
    Audio,
    Custom,
    File,
    Image,
    MessageRequest,
    MessengerOptions,
    SmsOptions,
    Template,
    Text,
    VCard,
    ViberOptions,
    Video,
    WhatsAppAuthTemplate,
    WhatsAppOptions,
)
from desktop_app.domain.messages_rules import (
    VIBER_DURATION_RANGE,
    VIBER_FILE_SIZE_RANGE,
    VIBER_TTL_RANGE,
    check_auth_code,
    check_caption,
    check_channel,
    check_choice,
    check_client_ref,
    check_custom,
    check_dlt_id,
    check_file_name,
    check_from,
    check_media_url,
    check_message_type,
    check_messenger_tag,
    check_template_locale,
    check_template_name,
    check_template_parameter,
    check_text,
    check_thumb_url,
    check_to,
    check_ttl,
    check_viber_action_text,
    check_viber_whole,
    check_webhook_url,
    check_webhook_version,
)
from desktop_app.domain.rule_parts import Checked, errors_of, label
from desktop_app.domain.v2_field_rules import check_url

__all__ = [
    "AUTH_TEMPLATE_PATHS",
    "message_errors",
    "validate_message",
]

#: Where the parts of a WhatsApp authentication template sit in the ``custom`` payload.
AUTH_TEMPLATE_PATHS = {
    "name": "custom.template.name",
    "locale": "custom.template.language.code",
    "code": "custom.template.components[0].parameters[0].text",
}
#: Which channels take a caption on which media.
_CAPTIONED: dict[str, tuple[str, ...]] = {
    IMAGE: (MMS, WHATSAPP, VIBER),
    AUDIO: (MMS,),
    VIDEO: (MMS, WHATSAPP, VIBER),
    FILE: (WHATSAPP,),
}
_OPTION_CHANNELS = {
    "sms": SMS,
    "whatsapp": WHATSAPP,
    "viber_service": VIBER,
    "messenger": MESSENGER,
}


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


#: The fields every message has, whose paths :func:`_paths` builds once per prefix.
_LEG_FIELDS = ("channel", "to", "from", "message_type", "text", "client_ref", "webhook_url",
               "webhook_version", "ttl", "failover")  # fmt: skip


@functools.lru_cache(maxsize=64)
def _paths(prefix: str) -> Mapping[str, str]:
    """The paths of :data:`_LEG_FIELDS` behind ``prefix``: built once, not on every send."""
    return MappingProxyType({name: _at(prefix, name) for name in _LEG_FIELDS})


# -- content --------------------------------------------------------------------------------


def _media_errors(request: MessageRequest, prefix: str) -> list[FieldError]:
    content = request.content
    assert isinstance(content, Image | Audio | Video | File | VCard)
    kind, channel = content.message_type, request.channel
    errors = errors_of(check_media_url(content.url, _at(prefix, f"{kind}.url")))
    caption = getattr(content, "caption", None)
    caption_path = _at(prefix, f"{kind}.caption")
    if caption is not None and channel not in _CAPTIONED.get(kind, ()):
        errors.append(FieldError(caption_path, f"{channel} {kind} messages take no caption"))
    else:
        errors.extend(errors_of(check_caption(caption, channel=channel, path=caption_path)))
    if isinstance(content, Video):
        path = _at(prefix, "video.thumb_url")
        errors.extend(errors_of(check_thumb_url(content.thumb_url, channel=channel, path=path)))
    if isinstance(content, File):
        path = _at(prefix, "file.name")
        errors.extend(errors_of(check_file_name(content.name, channel=channel, path=path)))
    return errors


def _content_errors(request: MessageRequest, prefix: str) -> list[FieldError]:
    content, channel = request.content, request.channel
    if isinstance(content, Text):
        return errors_of(check_text(content.text, channel=channel, path=_paths(prefix)["text"]))
    if isinstance(content, Template):
        errors = errors_of(check_template_name(content.name, _at(prefix, "template.name")))
        for index, parameter in enumerate(content.parameters):
            path = _at(prefix, f"template.parameters[{index}]")
            errors.extend(errors_of(check_template_parameter(parameter, path)))
        return errors
    if isinstance(content, WhatsAppAuthTemplate):
        paths = {key: _at(prefix, path) for key, path in AUTH_TEMPLATE_PATHS.items()}
        return errors_of(
            check_template_name(content.name, paths["name"]),
            check_template_locale(content.locale, paths["locale"]),
            check_auth_code(content.code, paths["code"]),
        )
    if isinstance(content, Custom):
        return errors_of(check_custom(content.payload, _at(prefix, "custom")))
    return _media_errors(request, prefix)


# -- option objects -------------------------------------------------------------------------


def _sms_errors(options: SmsOptions, prefix: str) -> list[FieldError]:
    pool: Checked[str] = Checked(None)
    if options.pool_id is not None:
        pool = label(_at(prefix, "sms.pool_id"), options.pool_id, 100)
    return errors_of(
        check_choice(
            options.encoding_type, _at(prefix, "sms.encoding_type"), ("text", "unicode", "auto")
        ),
        check_dlt_id(options.entity_id, _at(prefix, "sms.entity_id")),
        check_dlt_id(options.content_id, _at(prefix, "sms.content_id")),
        pool,
    )


def _whatsapp_errors(
    options: WhatsAppOptions, request: MessageRequest, prefix: str
) -> list[FieldError]:
    if not isinstance(request.content, Template):
        return [FieldError(_at(prefix, "whatsapp"), "only template messages take whatsapp options")]
    return errors_of(
        check_template_locale(options.locale, _at(prefix, "whatsapp.locale")),
        check_choice(options.policy, _at(prefix, "whatsapp.policy"), ("deterministic",)),
    )


def _viber_errors(
    options: ViberOptions | None, request: MessageRequest, prefix: str
) -> list[FieldError]:
    is_video = isinstance(request.content, Video)
    if options is None:
        options = ViberOptions()
        if not is_video:
            return []

    def p(name: str) -> str:
        return _at(prefix, f"viber_service.{name}")

    errors = errors_of(
        check_choice(options.category, p("category"), ("transaction", "promotion")),
        check_viber_whole(options.ttl, p("ttl"), VIBER_TTL_RANGE),
        check_choice(options.type, p("type"), ("string", "template")),
    )
    for name, value, limits in (
        ("duration", options.duration, VIBER_DURATION_RANGE),
        ("file_size", options.file_size, VIBER_FILE_SIZE_RANGE),
    ):
        if is_video:
            errors.extend(errors_of(check_viber_whole(value, p(name), limits, required=True)))
        elif value is not None:
            errors.append(FieldError(p(name), "only Viber video messages take this"))
    action = options.action
    if action is not None:
        if not isinstance(request.content, Text | Image):
            errors.append(FieldError(p("action"), "only text and image messages take a button"))
        else:
            errors.extend(
                errors_of(
                    check_viber_action_text(action.text, p("action.text")),
                    check_url(action.url, p("action.url")),
                )
            )
            if isinstance(request.content, Image) and not request.content.caption:
                path = _at(prefix, "image.caption")
                errors.append(FieldError(path, "required when the image has an action button"))
    return errors


def _messenger_errors(options: MessengerOptions, prefix: str) -> list[FieldError]:
    category = check_choice(
        options.category, _at(prefix, "messenger.category"), ("response", "update", "message_tag")
    )
    tag = check_messenger_tag(
        options.tag, category=options.category, path=_at(prefix, "messenger.tag")
    )
    return errors_of(category, tag)


def _options_errors(request: MessageRequest, prefix: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, channel in _OPTION_CHANNELS.items():
        if getattr(request, key) is not None and request.channel != channel:
            errors.append(
                FieldError(
                    _at(prefix, key), f"the {request.channel} channel takes no {key} options"
                )
            )
    if errors:
        return errors
    if request.sms is not None:
        errors.extend(_sms_errors(request.sms, prefix))
    if request.whatsapp is not None:
        errors.extend(_whatsapp_errors(request.whatsapp, request, prefix))
    if request.channel == VIBER:
        errors.extend(_viber_errors(request.viber_service, request, prefix))
    if request.messenger is not None:
        errors.extend(_messenger_errors(request.messenger, prefix))
    return errors


# -- one message and the whole request ------------------------------------------------------


def _leg_errors(request: MessageRequest, prefix: str) -> list[FieldError]:
    # Every send runs this (twice with one failover message) and its cost is measured against
    # bare httpx (benchmarks/messages_client.py), so it calls each rule directly and keeps
    # only the errors, with the paths built once per prefix; the rules are all there.
    channel = request.channel
    paths = _paths(prefix)
    if channel not in CHANNEL_MESSAGE_TYPES:
        return errors_of(check_channel(channel, paths["channel"]))
    errors: list[FieldError] = []
    error = check_to(request.to, channel=channel, path=paths["to"]).error
    if error is not None:
        errors.append(error)
    error = check_from(request.from_, channel=channel, path=paths["from"]).error
    if error is not None:
        errors.append(error)
    content = request.content
    kind = content.message_type
    if kind not in CHANNEL_MESSAGE_TYPES[channel]:
        error = check_message_type(kind, channel=channel, path=paths["message_type"]).error
        if error is not None:
            errors.append(error)
    elif isinstance(content, Text):  # the usual message: its one rule, without the dispatch
        error = check_text(content.text, channel=channel, path=paths["text"]).error
        if error is not None:
            errors.append(error)
    else:
        errors.extend(_content_errors(request, prefix))
    # The optional fields are checked only when given (most sends set none of them).
    if request.client_ref is not None:
        error = check_client_ref(request.client_ref, paths["client_ref"]).error
        if error is not None:
            errors.append(error)
    if request.webhook_url is not None:
        error = check_webhook_url(request.webhook_url, paths["webhook_url"]).error
        if error is not None:
            errors.append(error)
    if request.webhook_version is not None:
        error = check_webhook_version(request.webhook_version, paths["webhook_version"]).error
        if error is not None:
            errors.append(error)
    if request.ttl is not None:
        error = check_ttl(request.ttl, channel=channel, path=paths["ttl"]).error
        if error is not None:
            errors.append(error)
    if (
        channel == VIBER
        or request.sms is not None
        or request.whatsapp is not None
        or request.viber_service is not None
        or request.messenger is not None
    ):
        errors.extend(_options_errors(request, prefix))
    return errors


def message_errors(request: MessageRequest) -> list[FieldError]:
    """Every problem of a message and its failover messages, in field order.

    Returns:
        The problems; empty when the request may be sent.
    """
    errors = _leg_errors(request, "")
    for index, leg in enumerate(request.failover):
        prefix = f"failover[{index}]"
        if not isinstance(leg, MessageRequest):
            errors.append(FieldError(prefix, "must be a whole message"))
            continue
        errors.extend(_leg_errors(leg, prefix))
        if leg.failover:
            message = "a failover message has no failover of its own"
            errors.append(FieldError(_paths(prefix)["failover"], message))
    return errors


def validate_message(request: MessageRequest) -> MessageRequest:
    """Return ``request`` unchanged when it may be sent.

    Raises:
        ValidationFailed: With every problem, each naming its field path.
    """
    errors = message_errors(request)
    if errors:
        raise ValidationFailed(errors)
    return request
