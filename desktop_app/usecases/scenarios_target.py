"""Where a scenario file runs: the operations it calls and, on the sandbox, the handset and clock.

The runner is given a :data:`TargetFactory`: for each file it opens a :class:`Target` and closes
it afterwards. The command line's factory starts a fresh sandbox per file (its clock paused, so
time moves only when a step moves it) or opens a real account; the window's will do the same.
``usecases`` may not import the sandbox, so the sandbox's side is the :class:`Handset` protocol,
which the front end implements over the sandbox's control endpoints.

Messages go through the profile's :class:`ScenarioMessages` (the app's Messages desk, which
records them in the history). A message's delivery reaches the history through the target's
:class:`DeliveryFeed`: a fresh sandbox per file posts its signed status webhooks to a receiver
of this app started for the file; a sandbox started elsewhere is read. Either way the steps
report the timeline the app recorded, once it holds every status the sandbox sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from desktop_app.domain.api_family import ApiFamily, CheckOutcome
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages import MessageRequest
from desktop_app.domain.models import ControlResult, HandsetMessage, VerificationRecord
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import StartForm
from desktop_app.usecases.desk import Started
from desktop_app.usecases.desk_v2 import StartedV2
from desktop_app.usecases.messages import MessageSent
from desktop_app.usecases.sandbox_deliveries import ListedMessage
from desktop_app.usecases.scenarios_model import ScenarioFile

__all__ = [
    "DeliveryFeed",
    "Handset",
    "ScenarioApi",
    "ScenarioMessages",
    "Target",
    "TargetFactory",
    "parse_time",
]


class ScenarioApi(Protocol):
    """The Verify operations a scenario calls (:class:`~desktop_app.usecases.VerifyOperations`).

    Each one validates, calls the API once, records the outcome in the history and raises the
    typed errors of :mod:`desktop_app.domain.errors`.
    """

    def start(self, form: StartForm, *, allow_unknown_number: bool = False) -> Started:
        """Start a Verify v1 verification."""
        ...

    def start_v2(
        self, form: V2Form, *, allow_unknown_number: bool = False, region: str | None = None
    ) -> StartedV2:
        """Start a Verify v2 verification."""
        ...

    def check(self, request_id: str, code: str, *, family: ApiFamily | None = None) -> CheckOutcome:
        """Check a code."""
        ...

    def cancel(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        """Cancel a request."""
        ...

    def next_event(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        """Fire the next delivery (v1) or channel (v2) now."""
        ...

    def search(
        self, request_ids: Sequence[str], *, family: ApiFamily | None = None
    ) -> tuple[VerificationRecord, ...]:
        """Look requests up."""
        ...


class Handset(Protocol):
    """The sandbox's side: its handset, its clock and its own view of each request."""

    def messages(self, number: str | None = None) -> tuple[HandsetMessage, ...]:
        """What the sandbox delivered (to ``number`` only, when given), oldest first."""
        ...

    def requests(self) -> list[dict[str, object]]:
        """The sandbox's own listing of its requests (``GET /sandbox/requests``)."""
        ...

    def advance_clock(self, seconds: float) -> None:
        """Move the simulated clock forward (nothing sleeps)."""
        ...

    def now(self) -> float:
        """The simulated time, in Unix seconds."""
        ...

    def open_check_url(self, url: str) -> int:
        """Open a silent-auth ``check_url`` as the handset would; returns the HTTP status."""
        ...

    def inbound(self, channel: str, from_: str, to: str, text: str) -> str:
        """A customer writes in (``POST /sandbox/inbound``); returns the inbound message's id.

        Raises:
            ValidationFailed: The sandbox refused a field (HTTP 400 names it).
        """
        ...


class ScenarioMessages(Protocol):
    """The Messages operations a scenario calls (:class:`~.messages.MessageDesk`).

    Each one validates, records the message in the history and raises the typed errors; codes
    by message are checked and cancelled through :class:`ScenarioApi` like any request.
    """

    def send(self, request: MessageRequest) -> MessageSent:
        """Send one message (with its failover messages)."""
        ...

    def send_code(self, form: CodeForm) -> MessageSent:
        """Make a code and send it by message."""
        ...

    def timeline(self, message_id: str) -> list[MessageEventEntry]:
        """The status webhooks the history holds for a message, leg by leg."""
        ...


class DeliveryFeed(Protocol):
    """How the history of a run on the sandbox learns each message's statuses."""

    @property
    def heard(self) -> bool:
        """True: signed webhooks to this app's receiver; False: copied from the sandbox."""
        ...

    def catch_up(self, listed: ListedMessage) -> bool:
        """Make the history hold every status the sandbox has played for a message.

        Returns:
            False when they did not all arrive in time.
        """
        ...


@dataclass(frozen=True)
class Target:
    """What one scenario file runs against.

    Attributes:
        api: The profile's Verify operations.
        handset: The sandbox's handset and clock; None on a real account (the steps that need
            them are then not run).
        messages: The profile's Messages API operations, when this target has them.
        allow_unknown_numbers: Send numbers outside the known ranges without asking (the
            sandbox's numbers are fictional; a real account asks per step).
        description: Where it runs, for people (``sandbox http://127.0.0.1:54321``).
        deliveries: How the history learns each message's statuses on the sandbox (None:
            the steps report the sandbox's own record without recording it).
    """

    api: ScenarioApi
    handset: Handset | None = None
    messages: ScenarioMessages | None = None
    allow_unknown_numbers: bool = False
    description: str = ""
    deliveries: DeliveryFeed | None = None


#: Opens the target of one file (and closes it when the context ends).
TargetFactory = Callable[[ScenarioFile], AbstractContextManager[Target]]


def parse_time(value: Any) -> float | None:
    """Unix seconds from the sandbox's ISO 8601 times (``2024-05-01T10:00:00.000Z``), or None."""
    if isinstance(value, datetime):
        return value.timestamp()
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
