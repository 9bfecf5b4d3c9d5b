"""Messages API requests for the domain tests: the addresses they use, one builder per channel.

Each builder makes a request of its channel between the test addresses, with ``Text`` content
unless given (MMS: an image); other keywords go to ``MessageRequest``.
"""

from __future__ import annotations

from typing import Any

from desktop_app.domain.messages import (
    MESSENGER,
    MMS,
    SMS,
    VIBER,
    WHATSAPP,
    Content,
    Image,
    MessageRequest,
    Text,
    ViberOptions,
)

__all__ = [
    "CA", "MEDIA", "MMS_FROM", "PAGE", "PSID", "UK", "US", "VIBER_FROM", "VIDEO_OPTS", "WABA",
    "messenger", "mms", "sms", "viber", "whatsapp",
]  # fmt: skip

UK = "447700900123"
US = "14155550123"
CA = "16135550123"
#: The WhatsApp business number, the Viber service id and the MMS number sent from.
WABA, VIBER_FROM, MMS_FROM = "447700900001", "16273", "12015550100"
#: A Messenger page and a user's page-scoped id.
PAGE, PSID = "107522411813722", "2871645422904395"
#: Where the media live (add the file's extension).
MEDIA = "https://example.com/media/a"
#: Viber's options a video needs (its duration and size).
VIDEO_OPTS = ViberOptions(duration=30, file_size=5)


def sms(text: str = "Your parcel arrives today", **kw: Any) -> MessageRequest:
    return MessageRequest(SMS, UK, "Acme", Text(text), **kw)


def whatsapp(content: Content | None = None, **kw: Any) -> MessageRequest:
    return MessageRequest(WHATSAPP, UK, WABA, content or Text("Hello"), **kw)


def viber(content: Content | None = None, **kw: Any) -> MessageRequest:
    return MessageRequest(VIBER, UK, VIBER_FROM, content or Text("Hello"), **kw)


def messenger(content: Content | None = None, **kw: Any) -> MessageRequest:
    return MessageRequest(MESSENGER, PSID, PAGE, content or Text("Hello"), **kw)


def mms(to: str = US, content: Content | None = None, **kw: Any) -> MessageRequest:
    return MessageRequest(MMS, to, MMS_FROM, content or Image(MEDIA + ".png"), **kw)
