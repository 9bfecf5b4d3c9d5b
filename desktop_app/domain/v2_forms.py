"""A Verify v2 start request as typed: the form, its channel entries and the extras they take.

The window and the CLI fill a :class:`V2Form` with raw text (``""`` = not given);
:mod:`desktop_app.domain.v2_validation` checks it into
:class:`~desktop_app.domain.v2.V2StartParams`, and :func:`form_from_params` goes back the other
way so that hand-built params can be checked by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from desktop_app.domain.v2 import (
    EMAIL,
    SILENT_AUTH,
    SMS,
    VOICE,
    WHATSAPP,
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2StartParams,
    WhatsAppChannel,
)

__all__ = ["CHANNEL_EXTRAS", "ChannelEntry", "V2ChannelForm", "V2Form", "form_from_params"]

#: The optional extra fields each channel takes (besides ``to`` and ``from``).
CHANNEL_EXTRAS: Mapping[str, tuple[str, ...]] = {
    SMS: ("app_hash", "entity_id", "content_id"),
    VOICE: (),
    EMAIL: (),
    WHATSAPP: (),
    SILENT_AUTH: ("redirect_url",),
}


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
