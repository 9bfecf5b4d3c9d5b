"""Targets for scenario files: the sandbox's (with its handset) or an account's (without).

A front end that runs scenarios builds its :data:`~.scenarios_target.TargetFactory` here. The
only thing it supplies is how to start a fresh sandbox (a context manager yielding its base URL,
since ``usecases`` may not import the sandbox): the command line starts a ``SandboxServer``
with its clock paused; the window can do the same from its composition root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx

from desktop_app.api.messages import MessagesClient
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import ApiCredentials, HandsetMessage
from desktop_app.settings.credentials import SANDBOX_CREDENTIALS
from desktop_app.settings.profiles import SANDBOX_PROFILE, Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.fallback import DegradedCallback
from desktop_app.usecases.scenarios_model import ScenarioFile
from desktop_app.usecases.scenarios_target import Target, TargetFactory
from desktop_app.usecases.session import open_desk

__all__ = [
    "SandboxHandset",
    "SandboxStarter",
    "Wiring",
    "account_target",
    "fresh_sandboxes",
    "same_target",
    "sandbox_target",
]

#: Starts a fresh sandbox (its clock paused) and yields its base URL; stops it afterwards.
SandboxStarter = Callable[[], AbstractContextManager[str]]


class SandboxHandset:
    """The :class:`~.scenarios_target.Handset` of the sandbox at ``url`` (its control API)."""

    def __init__(self, http: httpx.Client, url: str) -> None:
        self._control = SandboxControl(http, url)

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
        self, profile: Profile, credentials: ApiCredentials, sandbox_url: str | None
    ) -> Target:
        """A target for ``profile`` (on the sandbox at ``sandbox_url``, when given)."""
        operations = open_desk(
            profile,
            credentials,
            self.history,
            self.http,
            sandbox_url=sandbox_url,
            operator=self.operator,
            default_region=self.default_region,
            on_history_degraded=self.on_history_degraded,
        )
        host = sandbox_url or profile.api_host
        sender = MessagesClient(self.http, credentials, api_host=host).send if host else None
        if sandbox_url is None:
            allow = self.allow_unknown_numbers
            return Target(operations, None, sender, allow, f"profile {profile.name}")
        handset = SandboxHandset(self.http, sandbox_url)
        return Target(operations, handset, sender, True, f"sandbox {sandbox_url}")


def sandbox_target(wiring: Wiring, url: str) -> Target:
    """The target of the sandbox at ``url`` (its default credentials, its handset)."""
    return wiring.target(SANDBOX_PROFILE, SANDBOX_CREDENTIALS, url)


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


def same_target(target: Target) -> TargetFactory:
    """Every file on one target (a running sandbox, or an account)."""

    @contextmanager
    def shared(_file: ScenarioFile) -> Iterator[Target]:
        yield target

    return shared
