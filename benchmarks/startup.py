"""Start-up: process start to the main window on screen, against a bare PySide6 window.

**The headline, measured from outside** (what a person sees): one Xvfb with the openbox window
manager running for the whole benchmark; each measurement starts a fresh process (``bare``:
``python benchmarks/_bare_window.py``, a ``QMainWindow`` with a ``QLabel``; ``app``: the
installed ``verify-desk`` script, no arguments, its home given by ``VERIFY_DESK_HOME``), reads
``time.monotonic()`` just before spawning it, and polls ``xdotool search --onlyvisible --pid
PID`` until a window of that process is mapped and viewable (openbox has framed and mapped it).
The figure is the time at which the successful poll began (so the polling period, about 12 ms,
bounds the error and is the same for both variants); the process is then killed, and the next
one starts once the server has dropped its windows. Nothing in the measured processes knows
it is being timed. An untimed first run of each variant
compiles the ``.pyc`` files, and the app's first run (ended with SIGTERM, a normal quit)
creates its home, so every timed run is an ordinary second start. Rounds alternate the order
(bare app, app bare, ...); the figure is the median of the per-round ratios, the absolute
times are medians too.

**Secondary, in-process** (``offscreen`` in the details): ``python -m
benchmarks._startup_child MODE`` with ``QT_QPA_PLATFORM=offscreen`` prints the clock once the
main window's first exposure has been painted (see ``_startup_child``): ``bare``, ``app`` (the
window shell) and ``app-populated`` (the window with its pages built, the time to a usable
window; no target).

Bytecode: the children may write ``.pyc`` files (to a temporary ``PYTHONPYCACHEPREFIX``, never
into the repository), as an installed app would have them; the development shell's
``PYTHONDONTWRITEBYTECODE=1`` would otherwise charge the app ~130 ms of compiling its own
modules on every start.
"""

from __future__ import annotations

import os
import shutil
import signal
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
#: In-process variants (offscreen, secondary): the bare window, the app's first paint (its
#: shell), the app's first paint with its pages built.
MODES = ("bare", "app", "app-populated")
#: Variants timed from outside under Xvfb + openbox (the headline).
OUTSIDE_MODES = ("bare", "app")
BARE_SCRIPT = Path(__file__).resolve().parent / "_bare_window.py"
HOME_ENV = "VERIFY_DESK_HOME"
#: Pause between two ``xdotool`` polls (each takes about 7 ms itself).
POLL_S = 0.005
WAIT_S = 60.0


def _env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.pop("VD_STARTUP_PROFILE", None)
    return env


# -- in-process, offscreen (secondary) ------------------------------------------------------


def _once(mode: str, home: Path, env: dict[str, str]) -> float:
    args = [sys.executable, "-m", "benchmarks._startup_child", mode]
    if mode.startswith("app"):
        args += ["--home", str(home)]
    started = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("PAINTED "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"{mode} never painted (exit {proc.returncode}): {proc.stderr[-1500:]}")


def _measure_offscreen(rounds: int, tmp: Path) -> dict[str, Any]:
    home = tmp / "home-offscreen"
    env = {**_env(tmp / "pycache"), "QT_QPA_PLATFORM": "offscreen"}
    for mode in MODES:  # untimed: compile .pyc, create the home
        _once(mode, home, env)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    ratios: list[float] = []
    populated_ratios: list[float] = []
    for round_no in range(rounds):
        for mode in rotated(list(MODES), round_no):
            times[mode].append(_once(mode, home, env))
        ratios.append(times["app"][-1] / times["bare"][-1])
        populated_ratios.append(times["app-populated"][-1] / times["bare"][-1])
    return {
        "app_s": round(median(times["app"]), 3),
        "bare_s": round(median(times["bare"]), 3),
        "ratio": round(median(ratios), 3),
        "app_populated_s": round(median(times["app-populated"]), 3),
        "populated_ratio": round(median(populated_ratios), 3),
    }


# -- from outside: Xvfb + openbox + xdotool (the headline) ----------------------------------


class _Screen:
    """An Xvfb server with openbox managing it, for the whole measurement."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen[str] | subprocess.Popen[bytes]] = []

    def __enter__(self) -> _Screen:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self._procs.append(server)
        assert server.stdout is not None
        display = server.stdout.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        self.env = {"DISPLAY": f":{display}"}
        said = tempfile.TemporaryFile("w+")
        manager = subprocess.Popen(
            ["openbox"], env={**os.environ, **self.env}, stdout=subprocess.DEVNULL, stderr=said
        )
        self._procs.append(manager)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and manager.poll() is None:
            probe = subprocess.run(  # openbox is managing once it sets this property
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env={**os.environ, **self.env},
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if "window id" in probe.stdout:
                said.close()
                return self
            time.sleep(0.05)
        self.__exit__(None, None, None)
        said.seek(0)
        raise RuntimeError(f"openbox did not manage display :{display} "
                           f"(exit {manager.poll()}: {said.read()[-500:]})")

    def __exit__(self, *_exc: object) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _command(mode: str) -> list[str]:
    if mode == "bare":
        return [sys.executable, str(BARE_SCRIPT)]
    script = Path(sys.executable).with_name("verify-desk")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "desktop_app"]


def _visible(pid: int, env: dict[str, str]) -> bool:
    probe = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return bool(probe.stdout.split())


def _once_outside(mode: str, env: dict[str, str], log: Path, *, quit_gently: bool = False) -> float:
    with log.open("w") as err:
        started = time.monotonic()
        proc = subprocess.Popen(_command(mode), env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while True:
                probe = time.monotonic()
                if _visible(proc.pid, env):
                    return probe - started
                if proc.poll() is not None or probe - started > WAIT_S:
                    tail = log.read_text(errors="replace")[-1500:]
                    raise RuntimeError(f"{mode}: no window (exit {proc.returncode}): {tail}")
                time.sleep(POLL_S)
        finally:
            if quit_gently:  # the first run: let the app save its state and quit normally
                time.sleep(3)
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            else:
                proc.kill()
            proc.wait()
            gone = time.monotonic() + 10
            while _visible(proc.pid, env) and time.monotonic() < gone:
                time.sleep(POLL_S)  # the server has not dropped its windows yet


def _measure_outside(rounds: int, tmp: Path) -> dict[str, Any]:
    with _Screen() as screen:
        env = {**_env(tmp / "pycache"), **screen.env, HOME_ENV: str(tmp / "home-xcb")}
        for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY"):
            env.pop(name, None)
        log = tmp / "child.log"
        for mode in OUTSIDE_MODES:  # untimed: compile .pyc, create the home
            _once_outside(mode, env, log, quit_gently=mode == "app")
        times: dict[str, list[float]] = {mode: [] for mode in OUTSIDE_MODES}
        ratios: list[float] = []
        for round_no in range(rounds):
            for mode in rotated(list(OUTSIDE_MODES), round_no):
                times[mode].append(_once_outside(mode, env, log))
            ratios.append(times["app"][-1] / times["bare"][-1])
    return {
        "app_s": round(median(times["app"]), 3),
        "bare_s": round(median(times["bare"]), 3),
        "ratio": round(median(ratios), 3),
        "ratio_rounds": [round(r, 3) for r in ratios],
        "app_s_rounds": [round(t, 3) for t in times["app"]],
        "bare_s_rounds": [round(t, 3) for t in times["bare"]],
    }


def _outside_missing() -> list[str]:
    return [tool for tool in ("Xvfb", "openbox", "xdotool", "xprop") if not shutil.which(tool)]


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Seconds from process start to the window mapped (Xvfb + openbox): app vs bare window."""
    rounds = 3 if quick else 12
    details: dict[str, Any] = {"rounds": rounds, "load_before": os.getloadavg()[0]}
    missing = _outside_missing()
    with tempfile.TemporaryDirectory(prefix="vd-startup-") as name:
        tmp = Path(name)
        outside: dict[str, Any] | None = None
        if missing:
            details["outside"] = {"error": f"not installed: {', '.join(missing)}"}
        else:
            outside = _measure_outside(rounds, tmp)
            details["outside"] = outside
        details["offscreen"] = _measure_offscreen(rounds, tmp)
    details["load_after"] = os.getloadavg()[0]
    if outside is not None:
        head, metric = outside, "seconds from process start to the window mapped (Xvfb+openbox)"
    else:
        head = details["offscreen"]
        metric = "seconds from process start to the main window painted (offscreen, in-process)"
    return result(
        NAME,
        metric=metric,
        value=head["app_s"],
        baseline=head["bare_s"],
        ratio=head["ratio"],
        target=f"app <= {TARGET} x a bare QMainWindow+QLabel",
        met=head["ratio"] <= TARGET,
        details=details,
    )
