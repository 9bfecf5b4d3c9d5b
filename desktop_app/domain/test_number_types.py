"""The types of the test-number catalogue: what the sandbox does for a number, and the probe.

:mod:`desktop_app.domain.test_numbers` holds the catalogue itself (one :class:`CatalogueEntry`
per outcome); this module holds what an entry is made of. A :data:`Behaviour` tells the sandbox
how to answer the number; a :class:`Probe` is one call that shows the outcome, with the status it
answers, for people (the docs, ``verify-desk-cli test-numbers``) and for the tests that run
every entry through the command line and the official SDKs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from desktop_app.domain.v2 import SMS

__all__ = [
    "APIS",
    "API_MESSAGES",
    "API_V1",
    "API_V2",
    "DEFAULT_FIXED_CODE",
    "Behaviour",
    "Busy",
    "CatalogueEntry",
    "DeliveryFails",
    "FixedCode",
    "FraudBlocked",
    "MessageFails",
    "OutsideWindow",
    "Probe",
    "Problem",
    "Refusal",
    "SearchLag",
    "fixed_code",
    "wrong_code",
]

API_V1: Final = "v1"
API_V2: Final = "v2"
API_MESSAGES: Final = "messages"
#: The APIs a test number can be for, in the order the catalogue lists them.
APIS: tuple[str, ...] = (API_V1, API_V2, API_MESSAGES)
#: The code of every entry with a fixed code (longer codes repeat it: ``123412``).
DEFAULT_FIXED_CODE: Final = "1234"


# -- what the sandbox does -------------------------------------------------------------------


@dataclass(frozen=True)
class FixedCode:
    """The normal lifecycle, with the entry's fixed code instead of a random one."""


@dataclass(frozen=True)
class Refusal:
    """Verify v1: the start is refused with ``status`` and ``error_text`` (HTTP 200).

    Attributes:
        network: The MCCMNC the answer names (status 7), or None.
    """

    status: str
    error_text: str
    network: str | None = None


@dataclass(frozen=True)
class Problem:
    """Verify v2 or Messages: the call is refused with an RFC 7807 problem.

    Attributes:
        invalid_parameters: ``(name, reason)`` pairs of a 422 answer.
    """

    http_status: int
    title: str
    detail: str
    invalid_parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Busy:
    """A verification is already running for the number (started elsewhere, fixed code).

    v1 answers status 10 and v2 HTTP 409, each naming the live request.
    """


@dataclass(frozen=True)
class SearchLag:
    """Verify v1 search answers 101 until ``seconds`` after the request finished."""

    seconds: int = 60


@dataclass(frozen=True)
class FraudBlocked:
    """Verify v2: the request is accepted, then blocked at once; nothing is delivered."""

    network: str = "23415"


@dataclass(frozen=True)
class DeliveryFails:
    """Verify v2: delivery on ``channel`` fails; the next channel (if any) is tried at once."""

    channel: str


@dataclass(frozen=True)
class MessageFails:
    """Messages API: the message is accepted (202), then ends ``status`` with ``error_code``."""

    status: str
    error_code: int


@dataclass(frozen=True)
class OutsideWindow:
    """Messages API: the number has not written in during the last 24 hours (any such number).

    A WhatsApp text or media message to it is accepted (202), then rejected with error 1340;
    a template, another channel, or any message after the number wrote in
    (``POST /sandbox/inbound``) goes through. This is the sandbox's ordinary behaviour: the
    entry only gives the demo a number to name.
    """


Behaviour = (
    FixedCode | Refusal | Problem | Busy | SearchLag | FraudBlocked | DeliveryFails | MessageFails
    | OutsideWindow
)


# -- how to see it -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One call that shows an entry's outcome, and the status it answers.

    Attributes:
        action: ``start``, ``check_right`` (the fixed code), ``check_wrong`` (another code of the
            same length), ``cancel``, ``search``, ``advance`` (the sandbox clock, by
            ``seconds``), ``inspect`` (the sandbox's own view of the request), ``send``
            (Messages API) or ``delivery`` (how the message sent last ended: its final status
            webhook). Checks, cancels and searches act on the request the start made, or
            the live request a status 10 / HTTP 409 named.
        status: What it answers: the v1 ``status`` (``"0"`` on success), the HTTP status of a
            v2 or Messages call, for ``inspect`` the request's v2 status word
            (``"blocked"``), for ``delivery`` the message's final status (``"rejected"``).
            Empty for ``advance``.
        error: The app's error kind (a class of :mod:`desktop_app.domain.errors`), or ``""``
            when the call succeeds.
        seconds: For ``advance``.
        error_code: For ``delivery``: the Messages error code its status webhook carries
            (``1340``), or None.
    """

    action: str
    status: str = ""
    error: str = ""
    seconds: int = 0
    error_code: int | None = None

    def describe(self) -> str:
        """The step in a few words (``check a wrong code -> 16``)."""
        words = {
            "start": "start",
            "check_right": "check the code",
            "check_wrong": "check a wrong code",
            "cancel": "cancel",
            "search": "search",
            "inspect": "the sandbox shows",
            "send": "send",
            "delivery": "status webhook",
        }
        if self.action == "advance":
            return f"wait {self.seconds} s"
        if self.error_code is not None:
            return f"{words.get(self.action, self.action)} -> {self.status} ({self.error_code})"
        return f"{words.get(self.action, self.action)} -> {self.status}"


@dataclass(frozen=True)
class CatalogueEntry:
    """One test number and the outcome it produces.

    Attributes:
        number: E.164 digits without ``+`` (an email address for the email channel).
        api: ``"v1"``, ``"v2"`` or ``"messages"``.
        outcome: The outcome in the API's terms (``"status 7"``, ``"HTTP 409"``).
        demonstrates: What a tester sees it for, in plain words.
        behaviour: What the sandbox does for it.
        probe: How to see it, call by call.
        code: The fixed code, when the entry has one.
        channels: Verify v2: the workflow the probe starts (default one sms channel); Messages
            API: the channel the probe sends on.
        any_ending: Also matches any number with the same last four digits.
    """

    number: str
    api: str
    outcome: str
    demonstrates: str
    behaviour: Behaviour
    probe: tuple[Probe, ...]
    code: str | None = None
    channels: tuple[str, ...] = (SMS,)
    any_ending: bool = False

    def matches(self, api: str, number: str) -> bool:
        """True when a request to ``number`` on ``api`` gets this entry's outcome."""
        if api != self.api:
            return False
        if number == self.number:
            return True
        return self.any_ending and len(number) >= 4 and number[-4:] == self.number[-4:]

    def how(self) -> str:
        """The probe in one line (``start -> 0; check the code -> 0``)."""
        return "; ".join(step.describe() for step in self.probe)


def fixed_code(code: str, length: int) -> str:
    """``code`` repeated to ``length`` characters (``fixed_code("1234", 6) == "123412"``)."""
    return (code * (length // len(code) + 1))[:length]


def wrong_code(code: str) -> str:
    """A code of the same length that certainly differs from ``code`` in every digit."""
    return "".join(str((int(c) + 1) % 10) if c.isdigit() else "0" for c in code)
