"""What the window is started with: the command line, the display check, the build options.

``verify-desk``'s command line is parsed here (argparse only when there are arguments), the
environment is checked for a display before Qt is loaded, and :class:`AppOptions` is what
:func:`desktop_app.app.build_app` hands on to the deferred build of the services.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from desktop_app.settings.credentials import CredentialStore

__all__ = ["HOME_ENV", "NO_DISPLAY", "AppOptions", "CommandLine", "display_missing", "parse_args"]

HOME_ENV = "VERIFY_DESK_HOME"
#: What ``verify-desk`` says (exit status 2) when there is no display to open a window on.
NO_DISPLAY = (
    "Verify Desk needs a display to open its window: set DISPLAY (or WAYLAND_DISPLAY), run it "
    "under Xvfb (xvfb-run verify-desk), or use verify-desk-cli on a machine without one."
)


@dataclass(frozen=True)
class AppOptions:
    """What ``AppContext.populate`` builds the services with (``build_app``'s arguments).

    Attributes:
        transport: An httpx transport for the shared client (tests); None uses the network.
        sandbox_latency: Seconds the built-in sandbox waits before each answer.
        credentials: A credential store instead of the OS keyring (tests, session-only).
        poll_ms: The handset poll and status refresh interval.
        history_url: ``--history-url`` (docs/team.md); None: the environment, the profile's,
            else the local SQLite file.
        history_passwords: Where shared-history passwords are read (tests); None: the keyring.
    """

    transport: httpx.BaseTransport | None = None
    sandbox_latency: float = 0.0
    credentials: CredentialStore | None = None
    poll_ms: int = 1000
    history_url: str | None = None
    history_passwords: CredentialStore | None = None


class CommandLine:
    """The parsed options (a plain class: a dataclass costs a millisecond at start-up)."""

    def __init__(
        self, home: Path | None = None, profile: str | None = None, sandbox_latency: float = 0.0,
        history_url: str | None = None,
    ) -> None:
        self.home, self.profile, self.sandbox_latency = home, profile, sandbox_latency
        self.history_url = history_url


def parse_args(argv: Sequence[str] | None = None) -> CommandLine:
    """Parse the command line (``--help`` exits here, before Qt or httpx is imported).

    Without arguments (the usual start) argparse is not even imported.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return CommandLine()
    import argparse

    parser = argparse.ArgumentParser(prog="verify-desk", description="Send and check Vonage "
                                     "Verify codes (built-in sandbox: no real SMS is sent).")
    parser.add_argument("--home", type=Path, metavar="DIR",
                        help=f"keep settings, history and logs in DIR (sets {HOME_ENV})")
    parser.add_argument("--profile", metavar="NAME", help="start on this profile")
    parser.add_argument("--sandbox-latency", type=float, default=0.0, metavar="S",
                        help="seconds the built-in sandbox waits before each answer")
    parser.add_argument("--history-url", metavar="URL",
                        help="the history: sqlite:///path or postgresql://user@host:port/db (a "
                        "team's shared history; password from the keyring; docs/team.md)")
    parsed = parser.parse_args(args)
    return CommandLine(parsed.home, parsed.profile, parsed.sandbox_latency, parsed.history_url)


def display_missing() -> bool:
    """True when Qt would look for an X or Wayland server and there is none to find.

    Only on X11/Wayland systems, and only when no platform was chosen (``QT_QPA_PLATFORM``,
    e.g. ``offscreen``): Qt then aborts (exit 134) with an unrelated hint about libxcb-cursor.
    """
    if sys.platform in ("win32", "darwin", "cygwin") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
