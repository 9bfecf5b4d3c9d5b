"""The Messages API's error codes (the spec's ``x-errors``): code -> title and plain meaning.

A code arrives in a status webhook's ``error.title`` (``"1340"``) when a message is rejected or
undeliverable, and in the ``#<code>`` of a problem's ``type`` URL. :data:`MESSAGE_ERRORS` is the
one table the window, the CLI and the sandbox read; ``temporary`` marks the failures worth
trying again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["MESSAGE_ERRORS", "MessageErrorCode", "error_code_info"]


@dataclass(frozen=True)
class MessageErrorCode:
    """One Messages error code.

    Attributes:
        code: The number (``1340``).
        title: The API's short name for it (``"Outside of the allowed window"``).
        meaning: What it means for the person sending, in plain words.
        temporary: True when the same message may well go through later.
    """

    code: int
    title: str
    meaning: str
    temporary: bool = False


def _table(
    *rows: tuple[int, str, str] | tuple[int, str, str, bool],
) -> Mapping[int, MessageErrorCode]:
    return MappingProxyType({row[0]: MessageErrorCode(*row) for row in rows})


#: Every code of the spec's ``x-errors`` (Messages API 1.4.0).
MESSAGE_ERRORS: Mapping[int, MessageErrorCode] = _table(
    (1000, "Throttled", "Messages were sent faster than the account allows.", True),
    (1010, "Missing params", "A required field of the request was missing."),
    (1020, "Invalid params", "A field of the request had a value the API does not accept."),
    (1021, "Invalid tag", "The Messenger tag is not one Facebook accepts."),
    (
        1022,
        "Invalid template",
        "The WhatsApp template or its parameters do not match an approved template.",
    ),
    (1030, "Internal error", "Vonage had an internal problem handling the message.", True),
    (
        1040,
        "Invalid message",
        "The message could not be processed, e.g. the number prefix is not recognised.",
    ),
    (1050, "Number barred", "The recipient's number is blocked from receiving messages."),
    (1060, "Partner account barred", "This account is barred from sending messages."),
    (1070, "Partner quota exceeded", "The account does not have enough credit for this message."),
    (1080, "Account not enabled for REST", "This account may not send through the REST API."),
    (1090, "Message too long", "A binary SMS was longer than one message allows."),
    (
        1100,
        "Communication failed",
        "The message was not sent because of a communication failure.",
        True,
    ),
    (
        1120,
        "Illegal sender address",
        "Local rules do not allow this sender id in the recipient's country.",
    ),
    (1130, "Invalid TTL", "The time-to-live value was not valid."),
    (1140, "Facility not allowed", "The request uses a feature this account does not have."),
    (1150, "Invalid message class", "The SMS message class was out of range."),
    (
        1160,
        "Non white-listed destination",
        "A trial account may only send to numbers approved in the dashboard.",
    ),
    (1170, "Invalid or missing number", "The recipient's number was missing or not valid."),
    (
        1180,
        "Absent subscriber (temporary)",
        "The handset was unreachable (switched off or out of coverage).",
        True,
    ),
    (
        1190,
        "Absent subscriber (permanent)",
        "The number is no longer in use; remove it from your records.",
    ),
    (
        1200,
        "Portability error",
        "The number moved to another carrier and cannot be reached this way.",
    ),
    (1210, "Anti-spam rejection", "A carrier blocked the message for its sender id or content."),
    (1220, "Handset busy", "The handset could not take the message at that moment.", True),
    (1230, "Network error", "A network failure stopped the message.", True),
    (1240, "Illegal number", "The recipient opted out (replied STOP) and must not be messaged."),
    (1241, "Too many send requests", "Too many messages were sent to this number."),
    (1250, "Unroutable", "No route is available to this number from this account."),
    (1260, "Destination unreachable", "The message could not be delivered to this number or id."),
    (
        1270,
        "Subscriber age restriction",
        "The carrier blocked the content for the recipient's age.",
    ),
    (1280, "Number blocked by carrier", "The recipient's carrier blocked the message."),
    (
        1290,
        "Pre-paid: insufficient funds",
        "The recipient's pre-paid plan lacks credit to receive it.",
    ),
    (1300, "Not part of the provider network", "The number or id is not a user of that channel."),
    (1310, "Not suitable device", "The recipient's device cannot receive this message."),
    (1320, "Message already sent", "This message was already sent."),
    (1330, "Unknown", "The carrier reported an unknown error; check that the number is right."),
    (
        1331,
        "Provider error",
        "The channel's provider did not respond; try again in a few minutes.",
        True,
    ),
    (
        1340,
        "Outside of the allowed window",
        "WhatsApp takes free-form messages only within 24 hours of the customer's last "
        "message; send a template instead.",
    ),
    (
        1350,
        "Phone matching fee not paid",
        "The Facebook page has not paid for phone number matching.",
    ),
    (
        1360,
        "TTL was activated",
        "The message expired before delivery; no charge and no further updates.",
    ),
    (1370, "Expired access token", "The Facebook page must be connected to Vonage again."),
    (1380, "Invalid resource", "The media URL could not be fetched or is not valid."),
    (1381, "Resource too large", "The media file is too large for the channel."),
    (1382, "Invalid resource type", "The media file's type is not accepted by the channel."),
    (1400, "Unsupported channel", "The channel named in the request is not supported."),
    (1410, "Invalid channel parameters", "A channel option had a value the API does not accept."),
    (1420, "Invalid sender", "The sender ('from') is not valid for this channel."),
    (1430, "Invalid recipient", "The recipient ('to') is not valid for this channel."),
    (1440, "Invalid message type", "This channel does not take this message type."),
    (1450, "Invalid client reference", "The client reference is too long."),
)


def error_code_info(code: int) -> MessageErrorCode | None:
    """The table's entry for ``code``, or ``None`` for a code it does not know."""
    return MESSAGE_ERRORS.get(code)
