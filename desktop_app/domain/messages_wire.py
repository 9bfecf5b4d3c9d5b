"""A message request as the JSON body of ``POST /v1/messages``.

:func:`message_body` builds exactly what the API expects (the spec's flat v1 bodies, plus the
fields the official SDK sends beyond it): only the fields that are set, option objects only
when they hold something, a template always with its ``whatsapp`` language object, failover
messages as whole bodies in ``failover``. Viber's ``duration`` and ``file_size`` travel as
strings, as the spec and the SDK have them. Reading a body back is
:mod:`desktop_app.domain.messages_read`.
"""

from __future__ import annotations

from typing import Any

from desktop_app.domain.messages import (
    CUSTOM,
    TEMPLATE,
    TEXT,
    Content,
    Custom,
    File,
    MessageRequest,
    Template,
    Text,
    Video,
    WhatsAppAuthTemplate,
    WhatsAppOptions,
)

__all__ = ["auth_template_payload", "message_body"]


def auth_template_payload(name: str, code: str, locale: str) -> dict[str, Any]:
    """The ``custom`` object of a WhatsApp authentication template with a copy-code button.

    The code fills the body's one parameter and the button's (WhatsApp copies it from there).
    """
    text = [{"type": "text", "text": code}]
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"policy": "deterministic", "code": locale},
            "components": [
                {"type": "body", "parameters": text},
                {"type": "button", "sub_type": "url", "index": 0, "parameters": list(text)},
            ],
        },
    }


def _set(body: dict[str, Any], **values: Any) -> dict[str, Any]:
    body.update({key: value for key, value in values.items() if value is not None})
    return body


def _content_body(content: Content) -> tuple[str, Any]:
    if isinstance(content, Text):
        return TEXT, content.text
    if isinstance(content, Template):
        template: dict[str, Any] = {"name": content.name}
        if content.parameters:
            template["parameters"] = list(content.parameters)
        return TEMPLATE, template
    if isinstance(content, WhatsAppAuthTemplate):
        return CUSTOM, auth_template_payload(content.name, content.code, content.locale)
    if isinstance(content, Custom):
        return CUSTOM, dict(content.payload)
    media = _set({"url": content.url}, caption=getattr(content, "caption", None))
    if isinstance(content, Video):
        _set(media, thumb_url=content.thumb_url)
    if isinstance(content, File):
        _set(media, name=content.name)
    return content.message_type, media


def _options_body(request: MessageRequest) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if request.sms is not None:
        sms = request.sms
        body["sms"] = _set(
            {},
            encoding_type=sms.encoding_type,
            entity_id=sms.entity_id,
            content_id=sms.content_id,
            pool_id=sms.pool_id,
        )
    if isinstance(request.content, Template):
        whatsapp = request.whatsapp or WhatsAppOptions()
        body["whatsapp"] = _set({"locale": whatsapp.locale}, policy=whatsapp.policy)
    if request.viber_service is not None:
        viber = request.viber_service
        action = viber.action
        body["viber_service"] = _set(
            {},
            category=viber.category,
            ttl=viber.ttl,
            type=viber.type,
            action=None if action is None else {"url": action.url, "text": action.text},
            duration=None if viber.duration is None else str(viber.duration),
            file_size=None if viber.file_size is None else str(viber.file_size),
        )
    if request.messenger is not None:
        body["messenger"] = _set({}, category=request.messenger.category, tag=request.messenger.tag)
    return {key: value for key, value in body.items() if value}


def _leg_body(request: MessageRequest) -> dict[str, Any]:
    # Built on every send, whose cost is measured against bare httpx
    # (benchmarks/messages_client.py): the optional fields are tested one by one rather
    # than through _set's keyword arguments, and the option objects only looked at when
    # there can be one.
    key, content = _content_body(request.content)
    body: dict[str, Any] = {
        "channel": request.channel,
        "message_type": request.message_type,
        "to": request.to,
        "from": request.from_,
        key: content,
    }
    if request.client_ref is not None:
        body["client_ref"] = request.client_ref
    if request.webhook_url is not None:
        body["webhook_url"] = request.webhook_url
    if request.webhook_version is not None:
        body["webhook_version"] = request.webhook_version
    if request.ttl is not None:
        body["ttl"] = request.ttl
    if (
        request.sms is not None
        or request.viber_service is not None
        or request.messenger is not None
        or key == TEMPLATE  # a template always carries its whatsapp language object
    ):
        body.update(_options_body(request))
    return body


def message_body(request: MessageRequest) -> dict[str, Any]:
    """The JSON body of ``POST /v1/messages`` for ``request`` (failover included)."""
    body = _leg_body(request)
    if request.failover:
        body["failover"] = [_leg_body(leg) for leg in request.failover]
    return body
