"""Targets for scenario files: the sandbox's (with its handset) or an account's (without).

A front end that runs scenarios builds its :data:`~.scenarios_target.TargetFactory` here. The
only thing it supplies is how to start a fresh sandbox (a context manager yielding its base URL,
since ``usecases`` may not import the sandbox): the command line starts a ``SandboxServer``
with its clock paused; the window can do the same from its composition root.

With :func:`fresh_tracked_sandboxes` each file's sandbox is started with
:class:`~.scenarios_delivery.SandboxWebhooks`: it posts its signed message statuses to a
receiver of this app started for the file, so messages are tracked in the history as in the
window. :func:`fresh_sandboxes` (a starter that takes nothing) and a shared sandbox
(:func:`sandbox_target`) leave that out: the statuses are then copied into the history from
the sandbox's own record. On a sandbox, codes sent by message expire by the sandbox's
simulated clock, so a scenario reaches an expiry with ``advance`` instead of a real wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

import httpx

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import ApiCredentials, HandsetMessage
from desktop_app.settings.credentials import SANDBOX_CREDENTIALS
from desktop_app.settings.profiles import SANDBOX_PROFILE, Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.fallback import DegradedCallback
from desktop_app.usecases.messages import StatusRoute
from desktop_app.usecases.scenarios_delivery import (
    ReceiverWatch,
    SandboxRecordFeed,
    SandboxWebhooks,
)
from desktop_app.usecases.scenarios_model import ScenarioFile
from desktop_app.usecases.scenarios_target import DeliveryFeed, Target, TargetFactory
from desktop_app.usecases.session import open_desk

__all__ = [
    "SandboxHandset",
    "SandboxStarter",
    "SandboxWebhooks",
    "TrackedSandboxStarter",
    "Wiring",
    "account_target",
    "fresh_sandboxes",
    "fresh_tracked_sandboxes",
    "same_target",
    "sandbox_target",
]

#: Starts a fresh sandbox (its clock paused) and yields its base URL; stops it afterwards.
SandboxStarter = Callable[[], AbstractContextManager[str]]
#: The same, posting its signed message status webhooks where :class:`SandboxWebhooks` says.
TrackedSandboxStarter = Callable[[SandboxWebhooks], AbstractContextManager[str]]


class SandboxHandset:
    """The :class:`~.scenarios_target.Handset` of the sandbox at ``url`` (its control API)."""

    def __init__(self, http: httpx.Client, url: str) -> None:
        self._control = SandboxControl(http, url)
        self._http = http
        self._url = url.rstrip("/")

    def messages(self, number: str | None = None) -> tuple[HandsetMessage, ...]:
        """What the sandbox delivered."""
        return self._control.messages(number)

    def requests(self) -> list[dict[str, object]]:
        """The sandbox's listing of its requests."""
        return self._control.requests()

    def advance_clock(self, seconds: float) -> None:
        """Jump the simulated clock."""
        self._control.advance_clock(seconds)

    def now(self) -> float:
        """The simulated time in Unix seconds."""
        return self._control.now().timestamp()

    def open_check_url(self, url: str) -> int:
        """Open a silent-auth check URL."""
        return self._control.open_check_url(url)

    def inbound(self, channel: str, from_: str, to: str, text: str) -> str:
        """A customer writes in (``POST /sandbox/inbound``, a JSON body); the message's id.

        Raises:
            ValidationFailed: The sandbox refused a field (its 400 names it).
            TransportError: The sandbox did not answer.
            ResponseFormatError: The answer is not the sandbox's.
        """
        return self._control.inbound(channel, from_, to, text)


class Wiring:
    """What every target of a run shares: the HTTP client, the history and who runs it.

    Args:
        http: The shared client (the caller closes it).
        history: Where the run's requests are recorded (the caller closes it).
        operator: Who runs it (default: the OS user).
        default_region: ISO country for national-format numbers.
        on_history_degraded: Called once if the history file fails mid-run.
        allow_unknown_numbers: On an account too, send numbers outside the known ranges
            without a step's ``allow_unknown_number`` (a sandbox always does).
    """

    def __init__(
        self,
        http: httpx.Client,
        history: HistoryStore,
        *,
        operator: str | None = None,
        default_region: str | None = None,
        on_history_degraded: DegradedCallback | None = None,
        allow_unknown_numbers: bool = False,
    ) -> None:
        self.http = http
        self.allow_unknown_numbers = allow_unknown_numbers
        self.history = history
        self.operator = operator
        self.default_region = default_region
        self.on_history_degraded = on_history_degraded

    def target(
        self,
        profile: Profile,
        credentials: ApiCredentials,
        sandbox_url: str | None,
        *,
        deliveries: DeliveryFeed | None = None,
    ) -> Target:
        """A target for ``profile`` (on the sandbox at ``sandbox_url``, when given).

        ``deliveries``: how the history learns the messages' statuses on that sandbox (default:
        from its own record); with a receiver the messages are tracked, as in the window.
        """
        tracked = deliveries is not None and deliveries.heard
        operations = open_desk(
            profile,
            credentials,
            self.history,
            self.http,
            sandbox_url=sandbox_url,
            operator=self.operator,
            default_region=self.default_region,
            on_history_degraded=self.on_history_degraded,
            message_route=lambda: StatusRoute(tracked=tracked),
        )
        messages = operations.messages
        if sandbox_url is None:
            allow = self.allow_unknown_numbers
            return Target(operations, None, messages, allow, f"profile {profile.name}")
        handset = SandboxHandset(self.http, sandbox_url)
        if messages is not None:
            # A code sent by message expires by the sandbox's clock here, as Verify's codes do:
            # a scenario reaches an expiry by moving the paused clock, never by waiting.
            messages.clock = lambda: datetime.fromtimestamp(handset.now(), UTC)
        feed = deliveries or SandboxRecordFeed(self.history)
        return Target(operations, handset, messages, True, f"sandbox {sandbox_url}", feed)


def sandbox_target(wiring: Wiring, url: str, *, deliveries: DeliveryFeed | None = None) -> Target:
    """The target of the sandbox at ``url`` (its default credentials, its handset).

    ``deliveries``: the receiver that sandbox posts its status webhooks to, if this run
    started one (default: the statuses are read from the sandbox's own record).
    """
    return wiring.target(SANDBOX_PROFILE, SANDBOX_CREDENTIALS, url, deliveries=deliveries)


def account_target(wiring: Wiring, profile: Profile, credentials: ApiCredentials) -> Target:
    """The target of a real account: no handset (its scenarios that need one are skipped)."""
    return wiring.target(profile, credentials, None)


def fresh_sandboxes(wiring: Wiring, start: SandboxStarter) -> TargetFactory:
    """Each file on a sandbox of its own, started by ``start`` and stopped after the file."""

    @contextmanager
    def fresh(_file: ScenarioFile) -> Iterator[Target]:
        with start() as url:
            yield sandbox_target(wiring, url)

    return fresh


def fresh_tracked_sandboxes(wiring: Wiring, start: TrackedSandboxStarter) -> TargetFactory:
    """Each file on a sandbox of its own that posts its signed statuses to a receiver of ours.

    The receiver (:class:`~.scenarios_delivery.ReceiverWatch`) starts first, on a free
    loopback port with a random secret; ``start`` is given both, and the sandbox stops before
    the receiver does, so no status is posted to a closed port.
    """

    @contextmanager
    def fresh(_file: ScenarioFile) -> Iterator[Target]:
        with ReceiverWatch(wiring.history) as watch, start(watch.webhooks) as url:
            yield sandbox_target(wiring, url, deliveries=watch)

    return fresh


def same_target(target: Target) -> TargetFactory:
    """Every file on one target (a running sandbox, or an account)."""

    @contextmanager
    def shared(_file: ScenarioFile) -> Iterator[Target]:
        yield target

    return shared
