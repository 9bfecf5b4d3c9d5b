"""The hosts that answer the Messages API, for the settings to offer per profile.

Every host answers a send on :data:`MESSAGES_PATH`. ``api.nexmo.com`` routes to the nearest
region; the regional hosts keep the traffic in one region (a WhatsApp number hosted in a region
must be used through that region's host for some calls); Vonage's Messages sandbox delivers
only to numbers allow-listed in its dashboard. The built-in sandbox's address is the
profile's own and is not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["MESSAGES_HOSTS", "MESSAGES_PATH", "MESSAGES_SANDBOX_HOST", "MessagesHost"]

#: The path every host answers a send on.
MESSAGES_PATH: Final = "/v1/messages"
MESSAGES_SANDBOX_HOST: Final = "https://messages-sandbox.nexmo.com"


@dataclass(frozen=True)
class MessagesHost:
    """One host a profile may send messages through.

    Attributes:
        url: Scheme and host, no path (``https://api-eu.vonage.com``).
        label: What the settings show (``"Europe"``).
        note: One plain sentence on when to pick it.
    """

    url: str
    label: str
    note: str


#: The hosts the settings offer per profile, the default first.
MESSAGES_HOSTS: tuple[MessagesHost, ...] = (
    MessagesHost("https://api.nexmo.com", "Global", "The default; routed to the nearest region."),
    MessagesHost(
        "https://api-eu.vonage.com", "Europe", "Keeps the traffic and its data in the EU."
    ),
    MessagesHost("https://api-us.vonage.com", "United States", "Keeps the traffic in the US."),
    MessagesHost("https://api-ap.vonage.com", "Asia-Pacific", "Keeps the traffic in APAC."),
    MessagesHost(
        MESSAGES_SANDBOX_HOST,
        "Vonage Messages sandbox",
        "Vonage's own test sandbox: only numbers allow-listed in the dashboard receive.",
    ),
)
