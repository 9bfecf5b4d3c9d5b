"""Verify v2 value types: the channels of a workflow, a start request and the API's answers.

Verify v2 (``POST /v2/verify``) takes a ``workflow``: an ordered list of channels, each tried
``channel_timeout`` seconds after the previous one (or at once on ``next_workflow``). One code
per request is valid until the workflow ends. The limits below are the ones the field guide
(``shared/docs/verify-api.md`` §2.3) gives for the generally available API; the validators in
:mod:`desktop_app.domain.v2_validation` enforce them before anything is sent.

``from_`` is spelt with an underscore because ``from`` is a Python keyword; on the wire it is
``from``. ``None`` always means "not given, leave it to the API default".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = [
    "BRAND_MAX",
    "CHANNELS",
    "CHANNEL_TIMEOUT_RANGE",
    "CLIENT_REF_MAX",
    "CODE_LENGTH_RANGE",
    "DEFAULT_CHANNEL_TIMEOUT",
    "DEFAULT_CODE_LENGTH",
    "DEFAULT_LOCALE",
    "EMAIL",
    "LOCALES",
    "SILENT_AUTH",
    "SMS",
    "V2_MAX_WRONG_CODES",
    "VOICE",
    "WHATSAPP",
    "Channel",
    "EmailChannel",
    "SilentAuthChannel",
    "SmsChannel",
    "V2CheckResult",
    "V2StartParams",
    "V2StartResult",
    "VoiceChannel",
    "WhatsAppChannel",
    "is_v2_request_id",
]

SMS = "sms"
VOICE = "voice"
EMAIL = "email"
WHATSAPP = "whatsapp"
SILENT_AUTH = "silent_auth"
#: The channels this app sends, in the order a person usually thinks of them.
CHANNELS: tuple[str, ...] = (SMS, VOICE, EMAIL, WHATSAPP, SILENT_AUTH)

BRAND_MAX = 16
CLIENT_REF_MAX = 16
CHANNEL_TIMEOUT_RANGE = (15, 900)
DEFAULT_CHANNEL_TIMEOUT = 300
CODE_LENGTH_RANGE = (4, 10)
DEFAULT_CODE_LENGTH = 4
DEFAULT_LOCALE = "en-us"
#: The ``locale`` values of the v2 reference (and of the Python SDK's ``Locale`` enum).
LOCALES: tuple[str, ...] = (
    "en-us",
    "en-gb",
    "es-es",
    "es-mx",
    "es-us",
    "it-it",
    "fr-fr",
    "de-de",
    "ru-ru",
    "hi-in",
    "pt-br",
    "pt-pt",
    "id-id",
)
#: Wrong codes allowed per request; the last one terminates the workflow (HTTP 410).
V2_MAX_WRONG_CODES = 3

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_v2_request_id(text: str) -> bool:
    """True for a Verify v2 request id (a UUID); v1 ids are 32 hex digits without dashes."""
    return _UUID.fullmatch(text.strip()) is not None


@dataclass(frozen=True)
class SmsChannel:
    """An SMS carrying the code.

    Attributes:
        to: E.164 digits without ``+``.
        from_: Sender: E.164 digits, or 3 to 11 letters and digits.
        app_hash: The 11-character Android SMS Retriever hash.
        entity_id: India DLT principal entity id (1 to 20 digits).
        content_id: India DLT content template id (1 to 20 digits).
    """

    channel: ClassVar[str] = SMS
    to: str
    from_: str | None = None
    app_hash: str | None = None
    entity_id: str | None = None
    content_id: str | None = None


@dataclass(frozen=True)
class WhatsAppChannel:
    """A WhatsApp message carrying the code; ``from_`` is the account's own WABA number."""

    channel: ClassVar[str] = WHATSAPP
    to: str
    from_: str


@dataclass(frozen=True)
class VoiceChannel:
    """A text-to-speech call reading the code."""

    channel: ClassVar[str] = VOICE
    to: str


@dataclass(frozen=True)
class EmailChannel:
    """An email carrying the code; ``to`` (and ``from_``) are email addresses."""

    channel: ClassVar[str] = EMAIL
    to: str
    from_: str | None = None


@dataclass(frozen=True)
class SilentAuthChannel:
    """Silent authentication over the handset's mobile data; only allowed first.

    Attributes:
        to: E.164 digits without ``+``.
        redirect_url: Where the check URL finally redirects the handset.
    """

    channel: ClassVar[str] = SILENT_AUTH
    to: str
    redirect_url: str | None = None


Channel = SmsChannel | WhatsAppChannel | VoiceChannel | EmailChannel | SilentAuthChannel


@dataclass(frozen=True)
class V2StartParams:
    """A validated Verify v2 start request (``POST /v2/verify``).

    Attributes:
        brand: Shown in the message (1 to 16 characters).
        workflow: The channels, tried in order (at least one; silent auth only first).
        locale: One of :data:`LOCALES`.
        channel_timeout: Seconds each channel gets before the next one (15 to 900).
        client_ref: Echoed in callbacks (1 to 16 characters).
        code_length: 4 to 10.
        code: A custom code; a code is never logged, stored or shown in ``repr``.
        fraud_check: Only ``False`` is sent (bypass the network block; needs enablement).
    """

    brand: str
    workflow: tuple[Channel, ...]
    locale: str | None = None
    channel_timeout: int | None = None
    client_ref: str | None = None
    code_length: int | None = None
    code: str | None = field(default=None, repr=False)
    fraud_check: bool | None = None


@dataclass(frozen=True)
class V2StartResult:
    """A start the API accepted (HTTP 202).

    Attributes:
        request_id: The request's UUID.
        check_url: Only when the first channel is silent auth: the URL the handset opens.
    """

    request_id: str
    check_url: str | None = None


@dataclass(frozen=True)
class V2CheckResult:
    """A code the API accepted (HTTP 200); ``status`` is ``"completed"``."""

    request_id: str
    status: str
