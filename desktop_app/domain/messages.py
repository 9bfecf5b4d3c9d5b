"""Messages API value types: channels, message contents, option objects and a send request.

The Messages API v1 (``POST /v1/messages``, spec ``messages-olympus.yml`` 1.4.0) sends one
message on one channel: SMS, MMS, WhatsApp, Viber Business Messages (``viber_service``) or
Facebook Messenger. Its body is flat: ``channel``, ``message_type``, ``to``, ``from``, the
content under the key named by the message type (``text``, ``image``, ``template``, ...) and
the channel's option object (``sms``, ``whatsapp``, ``viber_service``, ``messenger``). The
official Python SDK also sends ``failover``, ``webhook_url``, ``webhook_version`` and ``ttl``,
which the spec file lacks; they are modelled here too.

A :class:`MessageRequest` is built by a front end (window, CLI, codes by message) and checked
by :mod:`desktop_app.domain.messages_validation` before it is sent;
:mod:`desktop_app.domain.messages_wire` turns it into the JSON body and
:mod:`desktop_app.domain.messages_read` reads one back (the sandbox's side);
:mod:`desktop_app.domain.messages_hosts` lists the hosts a profile may send through.
``from_`` is spelt with an underscore because ``from`` is a Python keyword. ``None`` always
means "not given, leave it to the API default".

Texts, template parameters and custom payloads may carry a one-time code, so they are kept out
of ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

__all__ = [
    "AUDIO",
    "CHANNELS",
    "CHANNEL_MESSAGE_TYPES",
    "CHANNEL_NAMES",
    "CUSTOM",
    "DEFAULT_TEMPLATE_LOCALE",
    "FILE",
    "IMAGE",
    "MEDIA_TYPES",
    "MESSAGE_TYPES",
    "MESSENGER",
    "MMS",
    "PHONE_CHANNELS",
    "SMS",
    "TEMPLATE",
    "TEXT",
    "VCARD",
    "VIBER",
    "VIDEO",
    "WEBHOOK_VERSIONS",
    "WHATSAPP",
    "Audio",
    "Content",
    "Custom",
    "File",
    "Image",
    "MessageAccepted",
    "MessageRequest",
    "MessengerOptions",
    "SmsOptions",
    "Template",
    "Text",
    "VCard",
    "ViberAction",
    "ViberOptions",
    "Video",
    "WhatsAppAuthTemplate",
    "WhatsAppOptions",
    "channel_named",
    "content_text",
]

# -- channels and message types -------------------------------------------------------------

SMS: Final = "sms"
MMS: Final = "mms"
WHATSAPP: Final = "whatsapp"
VIBER: Final = "viber_service"
MESSENGER: Final = "messenger"
#: Every channel, as the API spells it.
CHANNELS: tuple[str, ...] = (SMS, MMS, WHATSAPP, VIBER, MESSENGER)
#: What people type for a channel (the CLI's ``--channel viber``) -> the API's name.
CHANNEL_NAMES: Mapping[str, str] = {
    **{name: name for name in CHANNELS},
    "viber": VIBER,
    "facebook": MESSENGER,
}
#: Channels whose ``to`` is a phone number (Messenger's is a page-scoped id).
PHONE_CHANNELS: tuple[str, ...] = (SMS, MMS, WHATSAPP, VIBER)

TEXT: Final = "text"
IMAGE: Final = "image"
AUDIO: Final = "audio"
VIDEO: Final = "video"
FILE: Final = "file"
VCARD: Final = "vcard"
TEMPLATE: Final = "template"
CUSTOM: Final = "custom"
MESSAGE_TYPES: tuple[str, ...] = (TEXT, IMAGE, AUDIO, VIDEO, FILE, VCARD, TEMPLATE, CUSTOM)
#: Message types whose content is a media URL.
MEDIA_TYPES: tuple[str, ...] = (IMAGE, AUDIO, VIDEO, FILE, VCARD)

#: The message types each channel takes (the spec's request schemas, v1.4.0).
CHANNEL_MESSAGE_TYPES: Mapping[str, tuple[str, ...]] = {
    SMS: (TEXT,),
    MMS: (IMAGE, VCARD, AUDIO, VIDEO),
    WHATSAPP: (TEXT, IMAGE, AUDIO, VIDEO, FILE, TEMPLATE, CUSTOM),
    VIBER: (TEXT, IMAGE, VIDEO, FILE),
    MESSENGER: (TEXT, IMAGE, AUDIO, VIDEO, FILE),
}

WEBHOOK_VERSIONS: tuple[str, ...] = ("v0.1", "v1")
#: The SDK's default language of a WhatsApp template (``whatsapp.locale`` is required).
DEFAULT_TEMPLATE_LOCALE: Final = "en_US"

# -- contents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A text message; ``text`` may hold a code, so it is not in ``repr``."""

    message_type: ClassVar[str] = TEXT
    text: str = field(repr=False)


@dataclass(frozen=True)
class Image:
    """An image by URL (``.jpg``, ``.jpeg``, ``.png``; MMS and Messenger also ``.gif``)."""

    message_type: ClassVar[str] = IMAGE
    url: str
    caption: str | None = None


@dataclass(frozen=True)
class Audio:
    """An audio file by URL; MMS may add a caption."""

    message_type: ClassVar[str] = AUDIO
    url: str
    caption: str | None = None


@dataclass(frozen=True)
class Video:
    """A video by URL; Viber needs ``thumb_url`` (and duration and size in its options)."""

    message_type: ClassVar[str] = VIDEO
    url: str
    caption: str | None = None
    thumb_url: str | None = None


@dataclass(frozen=True)
class File:
    """A document by URL; WhatsApp may add a caption, WhatsApp and Viber a file ``name``."""

    message_type: ClassVar[str] = FILE
    url: str
    caption: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class VCard:
    """A contact card by URL (``.vcf``; MMS only)."""

    message_type: ClassVar[str] = VCARD
    url: str


@dataclass(frozen=True)
class Template:
    """A WhatsApp template: ``namespace:name`` and its ``{{1}}``, ``{{2}}``... parameters.

    The language goes in the request's :class:`WhatsAppOptions` (``en_US`` by default).
    """

    message_type: ClassVar[str] = TEMPLATE
    name: str
    parameters: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class WhatsAppAuthTemplate:
    """A WhatsApp authentication template: the code in its body and on its copy-code button.

    WhatsApp counts a template with a button as interactive, so the API takes it as
    ``message_type: custom`` with the WhatsApp template object inside ``custom``
    (see :func:`desktop_app.domain.messages_wire.auth_template_payload`).

    Attributes:
        name: The approved authentication template's name.
        code: The one-time code (never in ``repr``).
        locale: The template's language code as WhatsApp names it (``en_US``, ``de``).
    """

    message_type: ClassVar[str] = CUSTOM
    name: str
    code: str = field(repr=False)
    locale: str = DEFAULT_TEMPLATE_LOCALE


@dataclass(frozen=True)
class Custom:
    """Any other WhatsApp ``custom`` payload, passed through as given (not in ``repr``)."""

    message_type: ClassVar[str] = CUSTOM
    payload: Mapping[str, Any] = field(repr=False)


Content = Text | Image | Audio | Video | File | VCard | Template | WhatsAppAuthTemplate | Custom

# -- channel option objects -----------------------------------------------------------------


@dataclass(frozen=True)
class SmsOptions:
    """The ``sms`` object.

    Attributes:
        encoding_type: ``text``, ``unicode`` or ``auto`` (the API default).
        entity_id: India DLT principal entity id.
        content_id: India DLT content template id.
        pool_id: A number pool to send from (``from`` stays the fall-back).
    """

    encoding_type: str | None = None
    entity_id: str | None = None
    content_id: str | None = None
    pool_id: str | None = None


@dataclass(frozen=True)
class WhatsAppOptions:
    """The ``whatsapp`` object of a template: its language and the language policy."""

    locale: str = DEFAULT_TEMPLATE_LOCALE
    policy: str | None = None


@dataclass(frozen=True)
class ViberAction:
    """A Viber action button: the URL it opens and its label (at most 30 characters)."""

    url: str
    text: str


@dataclass(frozen=True)
class ViberOptions:
    """The ``viber_service`` object.

    Attributes:
        category: ``transaction`` (the API default) or ``promotion``.
        ttl: Seconds the message may wait for delivery (30 to 259200).
        type: Viber's own message type (``string`` or ``template``).
        action: A button (text and image messages).
        duration: Video length in seconds, 1 to 600 (video messages, required there).
        file_size: Video size in MB, 1 to 200 (video messages, required there).
    """

    category: str | None = None
    ttl: int | None = None
    type: str | None = None
    action: ViberAction | None = None
    duration: int | None = None
    file_size: int | None = None


@dataclass(frozen=True)
class MessengerOptions:
    """The ``messenger`` object: ``response``/``update``/``message_tag``, and the tag."""

    category: str | None = None
    tag: str | None = None


# -- the request and the answer -------------------------------------------------------------


@dataclass(frozen=True)
class MessageRequest:
    """One message to send (``POST /v1/messages``), possibly with failover messages.

    Attributes:
        channel: One of :data:`CHANNELS`.
        to: E.164 digits without ``+`` (Messenger: the recipient's id).
        from_: The sender: a number in E.164 digits, an SMS sender id, a Viber service id or
            a Messenger page id.
        content: What is sent; its ``message_type`` must suit the channel.
        client_ref: Echoed in every status webhook (at most 100 characters).
        webhook_url: Where this message's status webhooks go (overrides the application's).
        webhook_version: ``v1`` or ``v0.1``.
        ttl: Seconds the message may wait for delivery (SMS and MMS only).
        sms: SMS options.
        whatsapp: WhatsApp template options (template messages only).
        viber_service: Viber options.
        messenger: Messenger options.
        failover: Whole messages tried in turn when the one before is rejected or not
            delivered (each without a failover of its own).
    """

    channel: str
    to: str
    from_: str
    content: Content
    client_ref: str | None = None
    webhook_url: str | None = None
    webhook_version: str | None = None
    ttl: int | None = None
    sms: SmsOptions | None = None
    whatsapp: WhatsAppOptions | None = None
    viber_service: ViberOptions | None = None
    messenger: MessengerOptions | None = None
    failover: tuple[MessageRequest, ...] = ()

    @property
    def message_type(self) -> str:
        """The ``message_type`` the content is sent as."""
        return self.content.message_type

    @property
    def legs(self) -> tuple[MessageRequest, ...]:
        """This message and its failover messages, in the order they are tried."""
        return (self, *self.failover)


@dataclass(frozen=True)
class MessageAccepted:
    """A message the API accepted (HTTP 202).

    Attributes:
        message_uuid: The message's id; every status webhook names it.
        workflow_id: Only with ``failover``: the id of the failover workflow.
    """

    message_uuid: str
    workflow_id: str | None = None


def channel_named(name: str) -> str | None:
    """The API's channel for a typed name (``"Viber"`` -> ``"viber_service"``), or ``None``."""
    return CHANNEL_NAMES.get(name.strip().lower())


def content_text(content: Content) -> str:
    """What the recipient's handset shows for ``content``, in one line of plain text.

    A text is itself; a template its name and parameters; an authentication template the
    code (as the handset shows it); media their caption, else the file's address. For the
    sandbox's handset and the window's conversation view; never for a log.
    """
    if isinstance(content, Text):
        return content.text
    if isinstance(content, Template):
        return " ".join((content.name, *content.parameters))
    if isinstance(content, WhatsAppAuthTemplate):
        return f"{content.code} is your verification code."
    if isinstance(content, Custom):
        return "(custom WhatsApp message)"
    caption = getattr(content, "caption", None)
    return caption or content.url
