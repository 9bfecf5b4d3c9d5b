"""The window's built-in sandbox: building it, starting and announcing it, stopping it.

The composition root (:mod:`desktop_app.app`) decides *when* (on first use, after the first
paint); this module knows *how*: the server remembers its requests, handset and clock in the
data folder (shared with ``verify-desk-cli --sandbox``), posts its signed message statuses to
the app's webhook receiver, and is announced in the data folder while it listens so the command
line talks to it rather than opening the shared state itself. A scenario file that asks for a
sandbox of its own gets one from :func:`fresh_sandbox`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.sandbox.server import SandboxServer
    from desktop_app.services.messages import MessagesService

__all__ = ["fresh_sandbox", "new_sandbox", "start_sandbox", "status_webhooks", "stop_sandbox"]

log = logging.getLogger(__name__)


def new_sandbox(
    latency: float, time_scale: float, data_dir: Path, webhooks: tuple[str, str] | None = None
) -> SandboxServer:
    """The built-in sandbox, not started; ``webhooks`` is (status URL, signature secret).

    It remembers (requests, handset, clock) in the data folder, shared with ``verify-desk-cli
    --sandbox``; the speed given applies to a first start only.
    """
    from desktop_app.sandbox.builtin import state_file
    from desktop_app.sandbox.server import SandboxConfig, SandboxServer

    status_url, secret = webhooks if webhooks is not None else (None, None)
    return SandboxServer(SandboxConfig(port=0, latency=latency, time_scale=time_scale,
                                       status_url=status_url, signature_secret=secret,
                                       state_file=str(state_file(data_dir))))


def status_webhooks(
    messages: MessagesService | None, log_secrets: set[str]
) -> tuple[str, str] | None:
    """Start the receiver the sandbox posts its signed message statuses to.

    The signature secret is one per session, added to ``log_secrets`` (the log masks it).

    Returns:
        (status URL, signature secret), or None when there is no Messages service yet or no
        loopback port (the sandbox's messages are then not tracked).
    """
    from secrets import token_urlsafe

    if messages is None:
        return None
    secret = token_urlsafe(32)
    log_secrets.add(secret)
    try:
        return messages.start_sandbox_receiver(secret), secret
    except OSError:
        log.exception("the sandbox's status webhook receiver could not start")
        return None


def start_sandbox(server: SandboxServer, data_dir: Path, *, announce: bool) -> str:
    """Start ``server`` if needed (idempotent, fast); returns its base URL.

    Args:
        server: The built-in sandbox.
        data_dir: The app's data folder.
        announce: Write the URL to the data folder for ``verify-desk-cli --sandbox`` (once).
    """
    server.start()  # binds port 0 on 127.0.0.1: a free loopback port
    if announce:
        from desktop_app.sandbox.builtin import announce as write_announcement

        try:
            write_announcement(data_dir, server.url)
        except OSError:
            log.warning("could not announce the sandbox to the command line", exc_info=True)
    return str(server.url)


def stop_sandbox(server: SandboxServer, data_dir: Path) -> None:
    """Withdraw the announcement, then stop the server."""
    from desktop_app.sandbox.builtin import withdraw

    withdraw(data_dir)
    server.stop()


@contextlib.contextmanager
def fresh_sandbox() -> Iterator[str]:
    """A scenario file's own sandbox, as ``verify-desk-cli run`` starts it (its clock paused).

    One that cannot start fails its file only (the runner reports it and goes on).
    """
    from desktop_app.cli.scenario_targets import start_fresh_sandbox
    from desktop_app.domain.errors import SandboxNotRunning

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(start_fresh_sandbox())
        except OSError as exc:
            raise SandboxNotRunning(
                f"The scenario file's own sandbox could not start ({exc.strerror or exc})."
            ) from None
        yield url
