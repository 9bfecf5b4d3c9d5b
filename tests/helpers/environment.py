"""The process environment every test runs in, set on import (the root conftest imports it first).

Qt reads the platform plugin name when the first ``QApplication`` is built, and nothing in a test
run may touch the developer's real settings, history or logs, so both are decided here, before any
test module imports Qt or the settings code. ``setdefault``: a developer may still choose another
Qt platform (``xcb`` under Xvfb, say) or another throw-away home from the shell.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

#: The checkout: ``tests/helpers/environment.py`` is two levels below it.
ROOT = Path(__file__).resolve().parents[2]

#: The variables that give Qt a display to use; the one this test run sets comes first.
DISPLAY_VARIABLES = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")

os.environ.setdefault(DISPLAY_VARIABLES[0], "offscreen")
# Every path the app derives (settings, history, logs) goes under this directory unless a test
# points VERIFY_DESK_HOME somewhere else with monkeypatch.
os.environ.setdefault("VERIFY_DESK_HOME", tempfile.mkdtemp(prefix="verify-desk-tests-"))


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a Python child process that must import this checkout's code.

    ``PYTHONPATH`` names the checkout, so a child started with ``sys.executable`` finds
    ``desktop_app`` even when that interpreter has it installed from somewhere else (or not at
    all: pytest itself finds it through ``pythonpath = ["."]``).
    """
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def env_on_x11(display: Mapping[str, str]) -> dict[str, str]:
    """This environment on the X display ``display`` names (``DISPLAY``...), through Qt's xcb."""
    return {**os.environ, **display, DISPLAY_VARIABLES[0]: "xcb"}


def env_without_display() -> dict[str, str]:
    """This environment minus every way for Qt to find a display (for "no display" tests)."""
    return {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
