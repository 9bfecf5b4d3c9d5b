"""A ``POST /v1/messages`` JSON body read back into a message request (a server's side).

:func:`parse_message_body` is what the sandbox calls on each body: it reads a decoded JSON
body into a :class:`~desktop_app.domain.messages.MessageRequest`, or raises
:class:`~desktop_app.domain.errors.ValidationFailed` naming each problem by its path, first
the shape (a missing ``to``, a number where text belongs) and then, through
:func:`~desktop_app.domain.messages_validation.message_errors`, every field rule, so a 422's
``invalid_parameters`` name the same fields as the client's own refusals. Keys it does not
know are ignored: the SDK sends some beyond the spec (``trusted_recipient``, ``context``).
A ``custom`` payload that is exactly an authentication template (see
:func:`~desktop_app.domain.messages_wire.auth_template_payload`) is read as a
:class:`~desktop_app.domain.messages.WhatsAppAuthTemplate`, so the handset can show its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.messages import (
    CUSTOM,
    FILE,
    IMAGE,
    MESSAGE_TYPES,
    TEMPLATE,
    TEXT,
    VCARD,
    VIDEO,
    Audio,
    Content,
    Custom,
    File,
    Image,
    MessageRequest,
    MessengerOptions,
    SmsOptions,
    Template,
    Text,
    VCard,
    ViberAction,
    ViberOptions,
    Video,
    WhatsAppAuthTemplate,
    WhatsAppOptions,
)
from desktop_app.domain.messages_validation import message_errors
from desktop_app.domain.messages_wire import auth_template_payload

__all__ = ["parse_message_body"]


class _Reader:
    """Reads typed values out of one JSON object, collecting a problem per bad field."""

    def __init__(self, errors: list[FieldError], prefix: str) -> None:
        self.errors = errors
        self.prefix = prefix

    def path(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def object(
        self, data: Mapping[str, Any], key: str, *, required: bool = False
    ) -> Mapping[str, Any] | None:
        value = data.get(key)
        if value is None:
            if required:
                self.errors.append(FieldError(self.path(key), "required"))
            return None
        if not isinstance(value, Mapping):
            self.errors.append(FieldError(self.path(key), "must be a JSON object"))
            return None
        return value

    def text(
        self, data: Mapping[str, Any], key: str, *, at: str = "", required: bool = False
    ) -> str | None:
        value = data.get(key)
        name = self.path(f"{at}.{key}" if at else key)
        if value is None:
            if required:
                self.errors.append(FieldError(name, "required"))
            return None
        if not isinstance(value, str):
            self.errors.append(FieldError(name, "must be a string"))
            return None
        return value

    def whole(self, data: Mapping[str, Any], key: str, *, at: str = "") -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.errors.append(
            FieldError(self.path(f"{at}.{key}" if at else key), "must be a whole number")
        )
        return None


def _auth_template_of(payload: Mapping[str, Any]) -> WhatsAppAuthTemplate | None:
    """The authentication template a ``custom`` payload is, if it is exactly one."""
    try:
        template = payload["template"]
        name, locale = template["name"], template["language"]["code"]
        code = template["components"][0]["parameters"][0]["text"]
    except (KeyError, IndexError, TypeError):
        return None
    if not all(isinstance(x, str) for x in (name, locale, code)):
        return None
    expected = auth_template_payload(name, code, locale)
    button = expected["template"]["components"][1]
    for index in (0, "0"):
        button["index"] = index
        if payload == expected:
            return WhatsAppAuthTemplate(name, code, locale)
    return None


def _read_content(read: _Reader, data: Mapping[str, Any], kind: str) -> Content | None:
    if kind == TEXT:
        text = read.text(data, TEXT, required=True)
        return None if text is None else Text(text)
    if kind == CUSTOM:
        payload = read.object(data, CUSTOM, required=True)
        if payload is None:
            return None
        return _auth_template_of(payload) or Custom(dict(payload))
    obj = read.object(data, kind, required=True)
    if obj is None:
        return None
    if kind == TEMPLATE:
        name = read.text(obj, "name", at=kind, required=True)
        raw = obj.get("parameters", [])
        if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
            read.errors.append(
                FieldError(read.path("template.parameters"), "must be a list of strings")
            )
            return None
        return None if name is None else Template(name, tuple(raw))
    url = read.text(obj, "url", at=kind, required=True)
    caption = read.text(obj, "caption", at=kind)
    if url is None:
        return None
    if kind == VIDEO:
        return Video(url, caption, read.text(obj, "thumb_url", at=kind))
    if kind == FILE:
        return File(url, caption, read.text(obj, "name", at=kind))
    if kind == VCARD:
        return VCard(url)
    return Image(url, caption) if kind == IMAGE else Audio(url, caption)


def _read_options(read: _Reader, data: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if (sms := read.object(data, "sms")) is not None:
        keys = ("encoding_type", "entity_id", "content_id", "pool_id")
        options["sms"] = SmsOptions(**{k: read.text(sms, k, at="sms") for k in keys})
    if (whatsapp := read.object(data, "whatsapp")) is not None:
        locale = read.text(whatsapp, "locale", at="whatsapp")
        policy = read.text(whatsapp, "policy", at="whatsapp")
        options["whatsapp"] = WhatsAppOptions(locale or "", policy)
    if (viber := read.object(data, "viber_service")) is not None:
        at = "viber_service"
        action = None
        if (raw_action := read.object(viber, "action")) is not None:
            action = ViberAction(
                read.text(raw_action, "url", at=f"{at}.action") or "",
                read.text(raw_action, "text", at=f"{at}.action") or "",
            )
        options["viber_service"] = ViberOptions(
            category=read.text(viber, "category", at=at),
            ttl=read.whole(viber, "ttl", at=at),
            type=read.text(viber, "type", at=at),
            action=action,
            duration=read.whole(viber, "duration", at=at),
            file_size=read.whole(viber, "file_size", at=at),
        )
    if (messenger := read.object(data, "messenger")) is not None:
        options["messenger"] = MessengerOptions(
            read.text(messenger, "category", at="messenger"),
            read.text(messenger, "tag", at="messenger"),
        )
    return options


def _read_leg(data: Any, errors: list[FieldError], prefix: str) -> MessageRequest | None:
    read = _Reader(errors, prefix)
    if not isinstance(data, Mapping):
        errors.append(FieldError(prefix or "body", "must be a JSON object"))
        return None
    before = len(errors)
    channel = read.text(data, "channel", required=True)
    kind = read.text(data, "message_type", required=True)
    to = read.text(data, "to", required=True)
    sender = read.text(data, "from", required=True)
    content = None
    if kind is not None and kind not in MESSAGE_TYPES:
        message = f"must be one of {', '.join(MESSAGE_TYPES)}"
        errors.append(FieldError(read.path("message_type"), message))
    elif kind is not None:
        content = _read_content(read, data, kind)
    client_ref = read.text(data, "client_ref")
    webhook_url = read.text(data, "webhook_url")
    webhook_version = read.text(data, "webhook_version")
    ttl = read.whole(data, "ttl")
    options = _read_options(read, data)
    if len(errors) > before or channel is None or content is None:
        return None
    assert to is not None and sender is not None
    return MessageRequest(
        channel,
        to,
        sender,
        content,
        client_ref=client_ref,
        webhook_url=webhook_url,
        webhook_version=webhook_version,
        ttl=ttl,
        **options,
    )


def parse_message_body(data: Any) -> MessageRequest:
    """Read a decoded ``POST /v1/messages`` body into a request that passes every rule.

    Raises:
        ValidationFailed: Each problem named by its path (``to``, ``failover[0].text``).
    """
    errors: list[FieldError] = []
    request = _read_leg(data, errors, "")
    legs: list[MessageRequest] = []
    raw_failover = data.get("failover") if isinstance(data, Mapping) else None
    if raw_failover is not None:
        if not isinstance(raw_failover, list):
            errors.append(FieldError("failover", "must be a list of messages"))
        for index, raw in enumerate(raw_failover if isinstance(raw_failover, list) else []):
            prefix = f"failover[{index}]"
            if isinstance(raw, Mapping) and raw.get("failover") is not None:
                errors.append(
                    FieldError(
                        f"{prefix}.failover", "a failover message has no failover of its own"
                    )
                )
            leg = _read_leg(raw, errors, prefix)
            if leg is not None:
                legs.append(leg)
    if errors or request is None:
        raise ValidationFailed(errors or [FieldError("body", "must be a JSON object")])
    request = replace(request, failover=tuple(legs))
    problems = message_errors(request)
    if problems:
        raise ValidationFailed(problems)
    return request
