"""Acceptance (issue 9): the window fits real screens, under a window manager, as a user sees it.

Each test starts its own X server (``Xvfb``, on a display number it picks itself) with the
``openbox`` window manager, then runs the app in a child process on it
(``tests/ui/screen_fit_driver.py``, Qt's xcb platform, no keyring backend) through the
steps that used to push the window off the screen. After each step the driver checks that the
window's frame lies within the screen and that every visible widget lies within the window and
is not smaller than its minimum size; the test asserts the driver's report.

Screenshots of every step (the whole screen, frames included) are kept under
``test-artifacts/screen-fit/`` (git-ignored; ``VERIFY_DESK_ARTIFACTS`` moves it), and the
folder is printed in the test output. Without the ``Xvfb`` binary the tests skip (install the
``xvfb`` package; ``scripts/bootstrap --test`` does); a missing ``openbox`` is an error. The
screen is ``scripts/xscreen.py``'s, shared with ``scripts/screenshots``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.xscreen import XScreen
from tests.helpers.environment import env_on_x11

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ("1024x640", "1280x800", "1920x1080")
#: The first window's size with room to spare (``main_window.PREFERRED_SIZE``).
PREFERRED = (1440, 900)
DRIVER_TIMEOUT_S = 240.0

pytestmark = [
    pytest.mark.x11,
    pytest.mark.slow,  # a real X server, a window manager and the app in a child, per test
    pytest.mark.skipif(shutil.which("Xvfb") is None,
                       reason="needs the Xvfb binary: apt-get install xvfb (scripts/bootstrap "
                              "--test installs it)"),
]


def run_app(screen: XScreen, out: Path, home: Path, steps: tuple[str, ...]) -> dict[str, Any]:
    """Run the driver on ``screen`` through ``steps``; its report (failing on a crash)."""
    env = {**env_on_x11(screen.env),
           # No keyring backend at all, as on a machine without a Secret Service.
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop("VERIFY_DESK_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui.screen_fit_driver", "--out", str(out),
         "--home", str(home), "--steps", ",".join(steps)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=DRIVER_TIMEOUT_S, check=False,
    )  # fmt: skip
    (out / "driver.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    report_file = out / "report.json"
    assert proc.returncode == 0 and report_file.exists(), (
        f"the app's driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    assert [step["step"] for step in report["steps"]] == list(steps)
    return report


def _size(rect: str) -> tuple[int, int]:
    width, rest = rect.split("x", 1)
    return int(width), int(rest.split("+", 1)[0])


def _problems(report: dict[str, Any]) -> list[str]:
    return [f"{step['step']}: {problem}" for step in report["steps"]
            for problem in step["problems"]]


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The folder the screenshots are kept in (printed by each test)."""
    base = Path(os.environ.get("VERIFY_DESK_ARTIFACTS", ROOT / "test-artifacts"))
    folder = base / "screen-fit"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A throw-away home for the app (settings, history, logs)."""
    folder = Path(tempfile.mkdtemp(prefix="home-", dir=tmp_path))
    yield folder


def _say(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n{text}")


@pytest.mark.parametrize("size", SCREENS)
def test_the_window_fits_the_screen_after_each_step(
    size: str, artifacts: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.ui.screen_fit_driver import STEPS

    out = artifacts / size
    shutil.rmtree(out, ignore_errors=True)
    with XScreen(size, out) as screen:
        report = run_app(screen, out, home, STEPS)
    _say(capsys, f"screen-fit {size}: screenshots in {out}")
    assert report["clean_shutdown"]
    problems = _problems(report)
    assert not problems, "\n".join(problems)
    # The first window takes the screen's available area, up to a comfortable size, and
    # nothing done inside it changes its size.
    screen_w, screen_h = _size(report["steps"][0]["available"])
    expected = (min(PREFERRED[0], screen_w), min(PREFERRED[1], screen_h))
    frames = {step["step"]: _size(step["frame"]) for step in report["steps"]
              if step["window"] == "MainWindow"}
    assert set(frames.values()) == {expected}, frames
    for step in report["steps"]:
        assert Path(step["screenshot"]).stat().st_size > 0
    if screen_w >= 1280:  # recent requests' key columns fit without a horizontal scroll bar
        scrolled = [step["step"] for step in report["steps"]
                    if step["panes"] and step["panes"]["table_horizontal_scrollbar"]]
        assert scrolled == []


def test_a_saved_geometry_that_does_not_fit_the_screen_is_not_restored(
    artifacts: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = artifacts / "restore"
    shutil.rmtree(out, ignore_errors=True)
    with XScreen("1920x1080", out / "big") as big:
        grown = run_app(big, out / "big", home, ("start", "grow"))
    assert not _problems(grown), "\n".join(_problems(grown))
    with XScreen("1024x640", out / "small") as small:
        again = run_app(small, out / "small", home, ("start",))
    _say(capsys, f"screen-fit restore: screenshots in {out}")
    assert not _problems(again), "\n".join(_problems(again))
    assert _size(again["steps"][0]["frame"]) == (1024, 640)


def test_a_restart_on_the_same_screen_keeps_the_pane_sizes(
    artifacts: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The dock's saved width was restored before the window was shown, and showing it then
    # gave the dock its size hint (about 430 px of a 1024 px screen) instead.
    out = artifacts / "restart"
    shutil.rmtree(out, ignore_errors=True)
    with XScreen("1024x640", out) as screen:
        first = run_app(screen, out / "first", home, ("start",))
        second = run_app(screen, out / "second", home, ("start",))
    _say(capsys, f"screen-fit restart: screenshots in {out}")
    assert not _problems(first) and not _problems(second)
    before, after = (run["steps"][0]["panes"]["handset"][0] for run in (first, second))
    assert before > 0 and abs(after - before) <= 8, (before, after)
