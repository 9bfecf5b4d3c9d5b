"""What ``verify-desk-cli run`` runs scenario files against: a fresh sandbox per file, or more.

* **default**: each file gets its own sandbox on a free port with its clock paused
  (``time_scale`` 0, so simulated time moves only when a step moves it) and throttling off; its
  history is a throw-away file unless ``--history-db`` names one;
* ``--sandbox-url URL``: a sandbox that is already running (shared by every file);
* ``--profile NAME`` (or ``--api-host``): a real account; no handset, so the steps that need
  one are not run, and the history is the app's own.

The sandbox's handset, clock and silent-auth check URL are reached through
:class:`~desktop_app.api.sandbox_control.SandboxControl`.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from desktop_app.api.http import build_http_client
from desktop_app.api.messages import MessagesClient
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.models import HandsetMessage
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases import open_desk
from desktop_app.usecases.scenarios_model import ScenarioFile
from desktop_app.usecases.scenarios_target import Target, TargetFactory

from .connection import default_region, history_path, resolve_target, warn_history_in_memory

__all__ = ["SandboxHandset", "fresh_sandbox_config", "is_account_run", "target_factory"]


def fresh_sandbox_config() -> SandboxConfig:
    """A scenario file's own sandbox: any free port, the clock paused, no throttling."""
    return SandboxConfig(port=0, time_scale=0.0, rate_limit=0.0, search_rate_limit=0.0)


class SandboxHandset:
    """The :class:`~desktop_app.usecases.scenarios_target.Handset` of a sandbox at ``url``."""

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


def is_account_run(args: argparse.Namespace) -> bool:
    """True when the run goes to a real account (``--profile`` or ``--api-host``)."""
    return bool(args.profile or args.api_host or args.rest_host)


@contextmanager
def _history(
    args: argparse.Namespace, stack: ExitStack, *, account: bool
) -> Iterator[HistoryStore]:
    if args.history_db or account:
        path = history_path(args)
    else:
        path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "scenarios.sqlite3"
    history = HistoryStore(path)
    try:
        yield history
    finally:
        history.close()


def _target(args: argparse.Namespace, http: httpx.Client, history: HistoryStore,
            sandbox_url: str | None) -> Target:  # fmt: skip
    chosen = resolve_target(args, sandbox_url)
    operations = open_desk(
        chosen.profile,
        chosen.credentials,
        history,
        http,
        sandbox_url=chosen.sandbox_url,
        operator=args.operator,
        default_region=args.region or default_region(),
        on_history_degraded=warn_history_in_memory,
    )
    api_host = chosen.sandbox_url or chosen.profile.api_host
    sender = MessagesClient(http, chosen.credentials, api_host=api_host).send if api_host else None
    if sandbox_url is None:
        return Target(operations, None, sender, False, f"profile {chosen.profile.name}")
    return Target(
        operations, SandboxHandset(http, sandbox_url), sender, True, f"sandbox {sandbox_url}"
    )


@contextmanager
def target_factory(args: argparse.Namespace) -> Iterator[TargetFactory]:
    """The factory of the run's targets; what it opened is closed when the block ends.

    Raises:
        VerifyDeskError: The account's credentials or the history cannot be had.
    """
    with ExitStack() as stack:
        account = is_account_run(args)
        history = stack.enter_context(_history(args, stack, account=account))
        http = stack.enter_context(build_http_client())
        if account or args.sandbox_url:
            target = _target(args, http, history, None if account else args.sandbox_url)

            @contextmanager
            def shared(_file: ScenarioFile) -> Iterator[Target]:
                yield target

            yield shared
            return

        @contextmanager
        def fresh(_file: ScenarioFile) -> Iterator[Target]:
            with SandboxServer(fresh_sandbox_config()) as server:
                yield _target(args, http, history, server.url)

        yield fresh
