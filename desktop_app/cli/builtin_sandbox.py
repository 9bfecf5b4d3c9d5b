"""``--sandbox``: the built-in sandbox, the one the window uses, with its remembered state.

The window's sandbox keeps its requests, handset and clock in the app's data folder
(:mod:`desktop_app.sandbox.builtin`). A command given ``--sandbox`` uses that sandbox:

* the window's running server, when the window announced one and it answers as a sandbox;
* otherwise a server of its own on the same state file, for this one command; the file's lock
  makes that safe while another command (or a window) uses it too.

Either way a request started by one command is checked by the next, and seen in the window.
The history rows a command writes are stamped with the sandbox's clock, as the window's are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop_app.api.exchange import CallLimits
from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import ClockReading, SandboxControl
from desktop_app.domain.errors import StoreError, VerifyDeskError
from desktop_app.sandbox.builtin import announced, state_file
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.settings.paths import AppPaths

__all__ = ["BuiltinSandbox", "open_builtin_sandbox"]

#: How long the window's sandbox has to answer before the command opens the state itself.
_PROBE_LIMITS = CallLimits(deadline=3.0)


@dataclass(frozen=True)
class BuiltinSandbox:
    """The built-in sandbox a command talks to.

    Attributes:
        url: Its base URL (loopback).
        clock: Its time now, as an aware UTC datetime (for the history rows).
        windows: True when it is the window's running server.
    """

    url: str
    clock: Callable[[], datetime]
    windows: bool


def _clock_of(reading: ClockReading) -> Callable[[], datetime]:
    return lambda: datetime.fromtimestamp(reading.at(time.monotonic()), UTC)


def _windows_sandbox(paths: AppPaths, time_scale: float | None) -> BuiltinSandbox | None:
    running = announced(paths.data_dir)
    if running is None:
        return None
    with build_http_client(limits=_PROBE_LIMITS) as http:
        control = SandboxControl(http, running.url)
        try:
            if time_scale is not None:
                control.set_time_scale(time_scale)
            reading = control.clock()
        except VerifyDeskError:
            return None  # gone, or not a sandbox: open the state here
    return BuiltinSandbox(running.url, _clock_of(reading), True)


@contextmanager
def open_builtin_sandbox(time_scale: float | None = None) -> Iterator[BuiltinSandbox]:
    """Use the window's running sandbox, or run one on the shared state for this command.

    Args:
        time_scale: Set the sandbox clock's speed (kept for the window and later commands);
            None leaves it as it is.

    Raises:
        StoreError: The app's data folder or the sandbox's state file cannot be used.
    """
    paths = AppPaths.default()
    try:
        paths.ensure()
    except OSError as exc:
        raise StoreError(f"The app's data folder cannot be created ({exc}).") from None
    windows = _windows_sandbox(paths, time_scale)
    if windows is not None:
        yield windows
        return
    config = SandboxConfig(port=0, state_file=str(state_file(paths.data_dir)))
    try:
        server = SandboxServer(config)
    except OSError as exc:
        raise StoreError(f"The sandbox's saved state cannot be used ({exc}).") from None
    with server:
        if time_scale is not None:
            server.engine.set_time_scale(time_scale)
        yield BuiltinSandbox(
            server.url, lambda: datetime.fromtimestamp(server.clock.now(), UTC), False
        )
