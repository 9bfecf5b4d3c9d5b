"""What ``verify-desk-cli run`` runs scenario files against: a fresh sandbox per file, or more.

* **default**: each file gets its own sandbox on a free port with its clock paused
  (``time_scale`` 0, so simulated time moves only when a step moves it) and throttling off; its
  history is a throw-away file unless ``--history-db`` names one; it posts its signed message
  status webhooks to a receiver of this app started for the file;
* ``--sandbox-url URL``: a sandbox that is already running (shared by every file);
* ``--profile NAME`` (or ``--api-host``): a real account; no handset, so the steps that need
  one are not run, and the history is the app's own.

The targets themselves are built by :mod:`desktop_app.usecases.scenarios_wiring`; this module
decides which from the options, and starts the sandboxes (which ``usecases`` may not import).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from desktop_app.api.http import build_http_client
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.settings.credentials import SANDBOX_CREDENTIALS
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.scenarios_target import TargetFactory
from desktop_app.usecases.scenarios_wiring import (
    SandboxWebhooks,
    Wiring,
    account_target,
    fresh_tracked_sandboxes,
    same_target,
    sandbox_target,
)

from .connection import (
    call_limits,
    default_region,
    history_path,
    resolve_target,
    warn_history_in_memory,
)

__all__ = ["fresh_sandbox_config", "is_account_run", "start_fresh_sandbox", "target_factory"]


def fresh_sandbox_config(webhooks: SandboxWebhooks | None = None) -> SandboxConfig:
    """A scenario file's own sandbox: any free port, the clock paused, no throttling.

    With ``webhooks`` it posts its message statuses there, signed with their secret.
    """
    return SandboxConfig(
        port=0, time_scale=0.0, rate_limit=0.0, search_rate_limit=0.0, messages_rate_limit=0.0,
        status_url=webhooks.status_url if webhooks else None,
        signature_secret=webhooks.secret if webhooks else None,
    )  # fmt: skip


@contextmanager
def start_fresh_sandbox(webhooks: SandboxWebhooks | None = None) -> Iterator[str]:
    """Run a fresh sandbox while the block lasts; yields its base URL."""
    with SandboxServer(fresh_sandbox_config(webhooks)) as server:
        yield server.url


def is_account_run(args: argparse.Namespace) -> bool:
    """True when the run goes to a real account (``--profile`` or ``--api-host``)."""
    return bool(args.profile or args.api_host or args.rest_host)


def _history_file(args: argparse.Namespace, stack: ExitStack, *, account: bool) -> Path:
    if args.history_db or account:
        return history_path(args)
    return Path(stack.enter_context(tempfile.TemporaryDirectory())) / "scenarios.sqlite3"


def _remember(args: argparse.Namespace, secret: str) -> None:
    remember = getattr(args, "remember_secret", None)
    if remember is not None:  # main masks it in everything printed
        remember(secret)


@contextmanager
def target_factory(args: argparse.Namespace) -> Iterator[TargetFactory]:
    """The factory of the run's targets; what it opened is closed when the block ends.

    The account's secret is handed to ``args.remember_secret`` (when ``main`` set it), so no
    printed line can show it.

    Raises:
        VerifyDeskError: The account's credentials or the history cannot be had.
    """
    with ExitStack() as stack:
        account = is_account_run(args)
        history = HistoryStore(_history_file(args, stack, account=account))
        stack.callback(history.close)
        http = stack.enter_context(build_http_client(limits=call_limits(args)))
        wiring = Wiring(
            http,
            history,
            operator=args.operator,
            default_region=args.region or default_region(),
            on_history_degraded=warn_history_in_memory,
            allow_unknown_numbers=args.yes_unknown_number,
        )
        if account:
            chosen = resolve_target(args, None)
            _remember(args, chosen.credentials.api_secret)
            yield same_target(account_target(wiring, chosen.profile, chosen.credentials))
        elif args.sandbox_url:
            chosen = resolve_target(args, args.sandbox_url)  # checks the options as always
            _remember(args, chosen.credentials.api_secret)
            yield same_target(sandbox_target(wiring, args.sandbox_url))
        else:
            _remember(args, SANDBOX_CREDENTIALS.api_secret)
            yield fresh_tracked_sandboxes(wiring, start_fresh_sandbox)
