"""A virtual screen with a window manager, as a user has: ``Xvfb`` plus ``openbox``.

Used by ``scripts/screenshots.py`` and ``tests/ui/test_fits_screen.py``::

    with XScreen("1280x800", logs=Path("logs")) as screen:
        subprocess.run(command, env={**os.environ, **screen.env})

The server picks a free display itself (``-displayfd``), and the window manager says when it
manages the screen (``openbox --startup``): both are waited on, with a deadline, never slept
on. Needs the Debian packages ``xvfb`` and ``openbox``.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any

__all__ = ["XScreen", "XScreenError", "missing_tools"]

_READY = "openbox-is-managing"
STARTUP_S = 30.0


class XScreenError(RuntimeError):
    """The X server or the window manager did not start."""


def missing_tools() -> list[str]:
    """The Debian packages to install before an ``XScreen`` can start (none: ``[]``)."""
    return [package for tool, package in (("Xvfb", "xvfb"), ("openbox", "openbox"))
            if shutil.which(tool) is None]


def _wait_for_line(proc: subprocess.Popen[str], line: str, timeout_s: float) -> bool:
    """Read ``proc``'s output until ``line`` (True), its end or the deadline (False)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([proc.stdout], [], [], left)
        if not readable:
            return False
        text = proc.stdout.readline()
        if not text:
            return False
        if text.strip() == line:
            return True
    return False


class XScreen:
    """An ``Xvfb`` screen of a given size with ``openbox`` managing it; stopped on exit.

    Args:
        size: ``"WIDTHxHEIGHT"``.
        logs: The folder for the server's and the window manager's messages.
    """

    def __init__(self, size: str, logs: Path) -> None:
        self.size = size
        self.logs = logs
        self.display = ""
        self._procs: list[subprocess.Popen[str]] = []
        self._files: list[IO[Any]] = []

    @property
    def env(self) -> dict[str, str]:
        """The environment variables of a client of this screen."""
        return {"DISPLAY": self.display}

    def _log(self, name: str) -> IO[Any]:
        handle = (self.logs / name).open("w", encoding="utf-8")
        self._files.append(handle)
        return handle

    def __enter__(self) -> XScreen:
        missing = missing_tools()
        if missing:
            raise XScreenError(f"install {' '.join(missing)} (apt-get install -y "
                               f"{' '.join(missing)}; scripts/bootstrap --test does)")
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", f"{self.size}x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE, stderr=self._log("xvfb.log"), text=True,
        )  # fmt: skip
        self._procs.append(server)
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], STARTUP_S)
        number = server.stdout.readline().strip() if ready else ""
        if not number:
            raise XScreenError(f"Xvfb did not start (see {self.logs / 'xvfb.log'})")
        self.display = f":{number}"
        # Twice at most: in two soaks openbox once never said it managed a fresh screen (an
        # empty log, at low load); what is tested is the window, not the window manager.
        for attempt in (1, 2):
            manager = subprocess.Popen(  # --startup runs once openbox manages the screen
                ["openbox", "--startup", f"echo {_READY}"], env={**os.environ, **self.env},
                stdout=subprocess.PIPE, stderr=self._log(f"openbox-{attempt}.log"), text=True,
            )  # fmt: skip
            self._procs.append(manager)
            if _wait_for_line(manager, _READY, STARTUP_S):
                return
            manager.kill()
            manager.wait()
        raise XScreenError(f"openbox did not start twice (see {self.logs}/openbox-*.log)")

    def __exit__(self, *_exc: object) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()
        for handle in self._files:
            handle.close()
        self._files.clear()
