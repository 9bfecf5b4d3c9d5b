"""The Message composer's rules of form, without Qt: which rows show, and the request built.

:func:`field_shown` says which field rows a channel, message type and failover need (a media
address only for media, a template's rows only for a template, Viber's and Messenger's options
only on their channel...). :func:`build_request` turns the rows' texts, by field path, into the
:class:`~desktop_app.domain.messages.MessageRequest` the domain's rules then check. Empty
optional fields take :data:`FIELD_DEFAULTS`; a number that is not one (Viber's TTL typed as
"soon") is left out, its own rule showing the problem at its field.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.domain.messages import (
    AUDIO,
    CHANNEL_MESSAGE_TYPES,
    CHANNELS,
    CUSTOM,
    DEFAULT_TEMPLATE_LOCALE,
    FILE,
    IMAGE,
    MEDIA_TYPES,
    MESSENGER,
    TEMPLATE,
    TEXT,
    VIBER,
    VIDEO,
    Audio,
    Content,
    File,
    Image,
    MessageRequest,
    MessengerOptions,
    Template,
    Text,
    VCard,
    ViberAction,
    ViberOptions,
    Video,
    WhatsAppAuthTemplate,
    WhatsAppOptions,
)
from desktop_app.domain.messages_validation import AUTH_TEMPLATE_PATHS

__all__ = ["FAILOVER_CHANNELS", "FIELD_DEFAULTS", "build_request", "field_shown"]

#: Channels a failover text may go by (MMS carries no text).
FAILOVER_CHANNELS: tuple[str, ...] = tuple(c for c in CHANNELS if TEXT in CHANNEL_MESSAGE_TYPES[c])
#: What an empty field sends (shown as its placeholder).
FIELD_DEFAULTS = {"whatsapp.locale": DEFAULT_TEMPLATE_LOCALE,
                  AUTH_TEMPLATE_PATHS["locale"]: DEFAULT_TEMPLATE_LOCALE}  # fmt: skip
_CAPTIONED_TYPES = (IMAGE, AUDIO, VIDEO, FILE)
def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def field_shown(path: str, channel: str, kind: str, failover: str | None) -> bool:
    """Whether the row of ``path`` shows for this channel, message type and failover."""
    media = kind in MEDIA_TYPES
    rules = {
        "text": kind == TEXT,
        "media.url": media,
        "media.caption": kind in _CAPTIONED_TYPES,
        "video.thumb_url": kind == VIDEO and channel == VIBER,
        "template.name": kind == TEMPLATE,
        "template.parameters": kind == TEMPLATE,
        "whatsapp.locale": kind == TEMPLATE,
        AUTH_TEMPLATE_PATHS["name"]: kind == CUSTOM,
        AUTH_TEMPLATE_PATHS["code"]: kind == CUSTOM,
        AUTH_TEMPLATE_PATHS["locale"]: kind == CUSTOM,
        "viber_service.ttl": channel == VIBER,
        "viber_service.action.text": channel == VIBER and kind in (TEXT, IMAGE),
        "viber_service.action.url": channel == VIBER and kind in (TEXT, IMAGE),
        "messenger.category": channel == MESSENGER,
        "messenger.tag": channel == MESSENGER,
        "failover[0].from": failover is not None,
        "failover[0].text": failover is not None,
    }
    return rules.get(path, True)


def _content(text: Callable[[str], str], kind: str) -> Content:
    def value(path: str) -> str:
        return text(path).strip()

    caption = value("media.caption") or None
    url = value("media.url")
    if kind == TEXT:
        return Text(text("text"))
    if kind == TEMPLATE:
        params = tuple(line.strip() for line in text("template.parameters").splitlines()
                       if line.strip())  # fmt: skip
        return Template(value("template.name"), params)
    if kind == CUSTOM:
        return WhatsAppAuthTemplate(value(AUTH_TEMPLATE_PATHS["name"]),
                                    value(AUTH_TEMPLATE_PATHS["code"]),
                                    value(AUTH_TEMPLATE_PATHS["locale"])
                                    or DEFAULT_TEMPLATE_LOCALE)  # fmt: skip
    if kind == IMAGE:
        return Image(url, caption)
    if kind == VIDEO:
        return Video(url, caption, value("video.thumb_url") or None)
    if kind == FILE:
        return File(url, caption)
    if kind == AUDIO:
        return Audio(url, caption)
    return VCard(url)


def build_request(
    text: Callable[[str], str], channel: str, kind: str, failover_channel: str | None
) -> MessageRequest:
    """The message a form describes (not validated).

    Args:
        text: A field's text by its path (``"to"``, ``"media.url"``, ``"failover[0].text"``).
        channel: The first message's channel.
        kind: Its message type.
        failover_channel: The failover's channel, or None without one.
    """

    def value(path: str) -> str:
        return text(path).strip()

    viber = None
    if channel == VIBER:
        action = None
        if value("viber_service.action.text") or value("viber_service.action.url"):
            action = ViberAction(value("viber_service.action.url"),
                                 value("viber_service.action.text"))  # fmt: skip
        viber = ViberOptions(ttl=_int_or_none(value("viber_service.ttl")), action=action)
    messenger = None
    if channel == MESSENGER and (value("messenger.category") or value("messenger.tag")):
        messenger = MessengerOptions(value("messenger.category") or None,
                                     value("messenger.tag") or None)  # fmt: skip
    whatsapp = None
    if kind == TEMPLATE:
        whatsapp = WhatsAppOptions(value("whatsapp.locale") or DEFAULT_TEMPLATE_LOCALE)
    client_ref = value("client_ref") or None
    failover: tuple[MessageRequest, ...] = ()
    if failover_channel is not None:
        failover = (MessageRequest(failover_channel, value("to"),
                                   value("failover[0].from"),
                                   Text(text("failover[0].text")),
                                   client_ref=client_ref),)  # fmt: skip
    return MessageRequest(channel, value("to"), value("from"), _content(text, kind),
                          client_ref=client_ref, viber_service=viber, messenger=messenger,
                          whatsapp=whatsapp, failover=failover)  # fmt: skip
