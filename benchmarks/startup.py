"""Start-up: process start to the main window shown and painted, against a bare window.

Each measurement is a fresh ``python -m benchmarks._startup_child MODE`` process: the parent
reads ``time.monotonic()`` (CLOCK_MONOTONIC, shared by every process on the machine) just
before spawning it, the child prints the same clock once its main window's first exposure has
been painted and flushed (see ``_startup_child``), and exits at once. Interpreter start-up and
the ``PySide6`` imports are inside the figure for both variants.

* ``app``: ``desktop_app.app.main(["--home", DIR])`` on the Sandbox profile (the default), with a
  throwaway home made once per run (the first, untimed run creates its settings, history and
  log; every timed run then starts like a normal second start).
* ``bare``: a ``QMainWindow`` with a ``QLabel``, shown at the app's default size.
* ``app-populated`` (details only, no target): the same app timed at the first paint of the
  window with its pages built (the app paints its window shell first and builds the send and
  check forms, recent requests and handset dock right after): the time to a usable window.

Both run with ``QT_QPA_PLATFORM=offscreen``; when ``Xvfb`` exists the pair is measured again
on a real X server (``xcb``, one Xvfb for all the children, full mode only).
Bytecode: the children may write ``.pyc`` files (to a temporary
``PYTHONPYCACHEPREFIX``, never into the repository), as an installed app would have them; the
development shell's ``PYTHONDONTWRITEBYTECODE=1`` would otherwise charge the app ~130 ms of
compiling its own modules on every start. Rounds alternate the order (bare app, app bare, ...);
the figure is the median of per-round ratios, the absolutes are medians too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import register, result
from benchmarks._common import median, rotated

NAME = "startup"
TARGET = 1.3
#: Variants, one process each per round: the bare window, the app's first paint (its shell),
#: the app's first paint with its pages built (``_startup_child``'s ``app-populated``).
MODES = ("bare", "app", "app-populated")


def _env(platform: str, pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["QT_QPA_PLATFORM"] = platform
    env.pop("VD_STARTUP_PROFILE", None)
    return env


def _once(mode: str, home: Path, env: dict[str, str], wrapper: list[str]) -> float:
    env = {**env, "DISPLAY": os.environ.get("DISPLAY", "")}
    args = [*wrapper, sys.executable, "-m", "benchmarks._startup_child", mode]
    if mode.startswith("app"):
        args += ["--home", str(home)]
    started = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("PAINTED "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"{mode} never painted (exit {proc.returncode}): {proc.stderr[-1500:]}")


def _measure(platform: str, rounds: int, tmp: Path, wrapper: list[str]) -> dict[str, Any]:
    home = tmp / f"home-{platform}"
    env = _env(platform, tmp / "pycache")
    for mode in MODES:  # untimed: compile .pyc, create the home
        _once(mode, home, env, wrapper)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    ratios: list[float] = []
    populated_ratios: list[float] = []
    for round_no in range(rounds):
        for mode in rotated(list(MODES), round_no):
            times[mode].append(_once(mode, home, env, wrapper))
        ratios.append(times["app"][-1] / times["bare"][-1])
        populated_ratios.append(times["app-populated"][-1] / times["bare"][-1])
    return {
        "app_s": round(median(times["app"]), 3),
        "bare_s": round(median(times["bare"]), 3),
        "ratio": round(median(ratios), 3),
        "app_populated_s": round(median(times["app-populated"]), 3),
        "populated_ratio": round(median(populated_ratios), 3),
        "app_s_rounds": [round(t, 3) for t in times["app"]],
        "bare_s_rounds": [round(t, 3) for t in times["bare"]],
        "app_populated_s_rounds": [round(t, 3) for t in times["app-populated"]],
    }


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Seconds from process start to the painted main window: app vs a bare QMainWindow."""
    rounds = 3 if quick else 12
    details: dict[str, Any] = {"rounds": rounds}
    with tempfile.TemporaryDirectory(prefix="vd-startup-") as name:
        tmp = Path(name)
        offscreen = _measure("offscreen", rounds, tmp, [])
        details["offscreen"] = offscreen
        xvfb = shutil.which("Xvfb")
        if xvfb and not quick:
            server = subprocess.Popen(  # one X server for every xcb child
                [xvfb, "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                assert server.stdout is not None
                display = server.stdout.readline().strip()
                os.environ["DISPLAY"], saved = f":{display}", os.environ.get("DISPLAY")
                try:
                    details["xcb_xvfb"] = _measure("xcb", max(4, rounds // 2), tmp, [])
                finally:
                    if saved is None:
                        os.environ.pop("DISPLAY", None)
                    else:
                        os.environ["DISPLAY"] = saved
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                details["xcb_xvfb"] = {"error": str(exc)[:300]}
            finally:
                server.terminate()
                server.wait(10)
    return result(
        NAME,
        metric="seconds from process start to the main window painted (offscreen)",
        value=offscreen["app_s"],
        baseline=offscreen["bare_s"],
        ratio=offscreen["ratio"],
        target=f"app <= {TARGET} x a bare QMainWindow+QLabel",
        met=offscreen["ratio"] <= TARGET,
        details=details,
    )
