"""Helpers shared by the benchmarks: servers in subprocesses, a throwaway TLS certificate,
medians and the machine description printed in the header line."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

#: The sandbox's default account (what ``python -m desktop_app.sandbox`` starts with).
SANDBOX_KEY = "sandbox"
SANDBOX_SECRET = "sandbox-secret"
_URL_RE = re.compile(r"(https?://\S+)")


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (which must not be empty)."""
    return float(statistics.median(values))


def ratio(value: float, baseline: float) -> float:
    """``value / baseline`` rounded to 3 places (``inf`` for a zero baseline)."""
    return round(value / baseline, 3) if baseline else float("inf")


def rotated(items: Sequence[str], shift: int) -> list[str]:
    """``items`` rotated left by ``shift``: round r runs A B C, B C A, C A B, ... (drift)."""
    shift %= len(items)
    return [*items[shift:], *items[:shift]]


class ServerProcess:
    """A server in its own process that prints its URL on its first stdout line.

    Used as a context manager: starts the process, waits for the line and stops it (SIGTERM,
    then SIGKILL) on exit. Its stderr goes to a temporary file, shown if start-up fails.

    Args:
        args: The command line after the Python interpreter (e.g. ``["-m", "pkg", ...]``).
        start_timeout: Seconds to wait for the first line.
    """

    def __init__(self, args: Sequence[str], start_timeout: float = 30.0) -> None:
        self.args = [sys.executable, *args]
        self.start_timeout = start_timeout
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in _stop

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self._proc is not None
        return self._proc.pid

    @property
    def port(self) -> int:
        """The port from the announced URL."""
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def __enter__(self) -> ServerProcess:
        self._proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], self.start_timeout)
        line = self._proc.stdout.readline() if ready else ""
        match = _URL_RE.search(line)
        if match is None:
            self._stop()
            self._stderr.seek(0)
            raise RuntimeError(
                f"{' '.join(self.args)} did not announce a URL (got {line!r}); "
                f"stderr: {self._stderr.read()[-2000:]}"
            )
        self.url = match.group(1).rstrip("/")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
        self._stderr.close()


def sandbox_process(*extra: str) -> ServerProcess:
    """The Verify Desk sandbox on a free loopback port, throttling off, in its own process."""
    return ServerProcess(
        [
            "-m",
            "desktop_app.sandbox",
            "--port",
            "0",
            "--rate-limit",
            "0",
            "--search-rate-limit",
            "0",
            *extra,
        ]
    )


def write_tls_files(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 / localhost and its key (PEM)."""
    from desktop_app.sandbox.selfsigned import write_self_signed

    return write_self_signed(folder, "verify-desk benchmark")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _qt_version() -> str | None:
    try:
        from PySide6 import QtCore
    except ImportError:
        return None
    return str(QtCore.qVersion())


def machine_info(quick: bool) -> dict[str, Any]:
    """The header line: what ran, where, and with which versions."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "type": "header",
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "loadavg_at_start": [round(x, 2) for x in load] if load else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "qt": _qt_version(),
        "versions": {
            name: _version(name)
            for name in (
                "verify-desk",
                "httpx",
                "httpcore",
                "vonage",
                "requests",
                "PySide6-Essentials",
            )
        },
    }


def elapsed_since(start: float) -> float:
    """Seconds since ``start`` (a ``time.perf_counter`` reading), rounded to 2 places."""
    return round(time.perf_counter() - start, 2)
