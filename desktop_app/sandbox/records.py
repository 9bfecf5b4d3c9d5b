"""What every engine's records share: the handset message and how times are written.

A :class:`HandsetMessage` is anything the sandbox "delivered" to a simulated phone or mailbox,
whichever API sent it (Verify v1 and v2 today; the Messages API's own messages fit the same
shape: its message id as ``request_id``, no code). Plain frozen data, ready to be saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["HandsetMessage", "api_date", "iso", "shown", "spelled"]

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def api_date(ts: float | None) -> str:
    """Format a time like Verify search does (``YYYY-MM-DD HH:MM:SS``, UTC), or ``""``."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso(ts: float | None) -> str | None:
    """Format a time as ISO 8601 UTC with a ``Z``, or None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shown(text: str, limit: int) -> str:
    """Client text echoed in a message: at most ``limit`` characters, unprintable ones as U+FFFD.

    A message may be printed on a terminal; an echoed control character must not drive it.
    """
    return "".join(c if c.isprintable() else "\ufffd" for c in text[:limit])


def spelled(code: str) -> str:
    """A code as a voice call says it: ASCII digits as words, other characters as they are."""
    return ", ".join(_DIGIT_WORDS[ord(c) - 48] if "0" <= c <= "9" else c for c in code)


@dataclass(frozen=True)
class HandsetMessage:
    """One message the sandbox "delivered" to a simulated handset.

    ``channel`` is ``sms`` or ``tts`` (v1), or ``sms``, ``voice``, ``email`` or ``whatsapp``
    (v2), or a Messages API channel as sent (``viber_service``, ``messenger``, ...); ``number``
    is the ``to`` address (an email address for email, the recipient id for Messenger). A
    Messages API message has no code and carries its ``message_uuid`` (also its request id).
    """

    request_id: str
    number: str
    channel: str
    code: str = field(repr=False)
    text: str = field(repr=False)
    sent_at: float
    message_uuid: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``/sandbox/messages`` item (``message_uuid`` only on a Messages API message)."""
        item = {
            "request_id": self.request_id,
            "number": self.number,
            "channel": self.channel,
            "code": self.code,
            "text": self.text,
            "sent_at": iso(self.sent_at),
        }
        if self.message_uuid is not None:
            item["message_uuid"] = self.message_uuid
        return item
