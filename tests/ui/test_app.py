"""The composition root end to end: a real app context on a temporary home and a real sandbox."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.app import NO_DISPLAY, AppContext, build_app
from desktop_app.domain.errors import StoreError
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.redact import redact
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.profiles import Profile
from desktop_app.ui.profile_badge import LIVE_COLOUR, SANDBOX_COLOUR
from tests.helpers.apps import MakeApp, control, open_app, send_start
from tests.helpers.environment import env_without_display
from tests.helpers.tasks import settle

NUMBER = "447400123456"
SECRET = "Live-Secret-9f8e7d6c"
ROOT = Path(__file__).resolve().parents[2]


def _send(qtbot: Any, ctx: AppContext) -> str:
    return str(send_start(qtbot, ctx).request_id)


def _row_status(ctx: AppContext, rid: str) -> str | None:
    model = ctx.window.recent.model
    row = model.row_of(rid)
    entry = model.entry_at(row) if row is not None else None
    return entry.status if entry is not None else None


def test_help_runs_without_a_display() -> None:
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    for option in ("--home", "--profile", "--sandbox-latency"):
        assert option in result.stdout


def test_without_a_display_one_sentence_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--home", str(tmp_path)],
                            cwd=ROOT, env=env_without_display(), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    assert result.stderr == NO_DISPLAY + "\n"
    for hint in ("DISPLAY", "Xvfb", "verify-desk-cli"):
        assert hint in NO_DISPLAY
    assert NO_DISPLAY.count(". ") == 0 and NO_DISPLAY.endswith(".")  # one sentence
    assert not (tmp_path / "logs").exists()  # it stopped before touching the home


def test_starts_on_the_sandbox(ctx: AppContext) -> None:
    url = ctx.sandbox.url
    assert url.startswith("http://127.0.0.1:")
    text = ctx.window.connection_label.text()
    assert text == f"Sandbox running on {url} — no real SMS is sent"
    assert ctx.window.badge.text() == "SANDBOX"
    assert (ctx.paths.log_dir / "verify-desk.log").is_file()


@pytest.mark.slow
def test_send_read_handset_check_success(qtbot: Any, ctx: AppContext) -> None:
    rid = _send(qtbot, ctx)
    window = ctx.window
    assert window.tabs.currentWidget() is window.check_form
    assert window.check_form.request_id() == rid
    assert window.recent.model.entry_at(0).request_id == rid  # the table shows the model
    code = control(ctx).messages(NUMBER)[-1].code
    window.check_form.code_edit.setText(code)
    with qtbot.waitSignal(window.check_form.checked, timeout=5000):
        window.check_form.check_button.click()
    assert window.check_form.result_label.text() == "Verified ✓"
    qtbot.waitUntil(lambda: _row_status(ctx, rid) == VerificationStatus.SUCCESS, timeout=5000)


def test_wrong_code_shows_attempts_left(qtbot: Any, ctx: AppContext) -> None:
    _send(qtbot, ctx)
    real = control(ctx).messages(NUMBER)[-1].code
    form = ctx.window.check_form
    form.code_edit.setText("0000" if real != "0000" else "1111")
    with qtbot.waitSignal(form.checked, timeout=5000):
        form.check_button.click()
    assert form.result_label.text() == "Wrong code — 2 attempts left"
    assert form.attempts_label.text() == "2 attempts left for the current code"


@pytest.mark.slow
def test_next_event_reaches_the_handset(qtbot: Any, ctx: AppContext) -> None:
    rid = _send(qtbot, ctx)
    tree = ctx.window.handset_panel.messages_tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=5000)
    assert settle(qtbot, ctx.verification.next_event(rid)).error is None
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=5000)
    assert [m.channel for m in control(ctx).messages(NUMBER)] == ["sms", "tts"]


@pytest.mark.slow
def test_expiry_shows_after_refresh(qtbot: Any, ctx: AppContext) -> None:
    form = ctx.window.send_form
    form.advanced_toggle.setChecked(True)
    form.advanced.workflow_combo.setCurrentIndex(form.advanced.workflow_combo.findData("6"))
    form.advanced.pin_expiry_edit.setText("60")
    form.advanced.next_wait_edit.setText("60")
    rid = _send(qtbot, ctx)
    control(ctx).advance_clock(61)
    ctx.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: _row_status(ctx, rid) == VerificationStatus.EXPIRED, timeout=8000)


def test_profile_switch_and_no_secret_left_behind(
    qtbot: Any, make_app: MakeApp, app_home: Path
) -> None:
    live = SandboxServer(SandboxConfig(port=0, api_key="livekey", api_secret=SECRET))
    live.start()
    ctx = make_app()
    try:
        window = ctx.window
        profile = Profile(name="Acme live", api_host=live.url, rest_host=live.url,
                          api_key="livekey", is_sandbox=False, callback_url="")
        assert settle(qtbot, ctx.session.save_profile(profile, SECRET)).value == profile
        index = window.profile_combo.findData("Acme live")
        assert index >= 0
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
            window.profile_combo.setCurrentIndex(index)
            window.profile_combo.activated.emit(index)
        assert window.badge.text() == "LIVE: Acme live"
        assert window.badge.colour == LIVE_COLOUR and window.badge.is_live
        assert window.handset_dock.isHidden()
        assert window.connection_label.text().startswith("Live profile 'Acme live'")
        rid = _send(qtbot, ctx)
        assert [r["request_id"] for r in SandboxControl(ctx.http, live.url).requests()] == [rid]
        logging.getLogger("test").info("used %s on %s", SECRET, NUMBER)
        index = window.profile_combo.findData("Sandbox")
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
            window.profile_combo.setCurrentIndex(index)
            window.profile_combo.activated.emit(index)
        assert window.badge.text() == "SANDBOX" and window.badge.colour == SANDBOX_COLOUR
        assert not window.handset_dock.isHidden()
    finally:
        assert ctx.shutdown(5000)
        live.stop()
    files = [p for p in app_home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
    log_text = (ctx.paths.log_dir / "verify-desk.log").read_text(encoding="utf-8")
    assert NUMBER not in log_text and "***3456" in log_text


@pytest.mark.slow
def test_shutdown_with_requests_in_flight(qtbot: Any, make_app: MakeApp) -> None:
    ctx = make_app(sandbox_latency=3.0)
    tasks = [ctx.verification.send(StartForm(number=f"+4474001234{i:02d}", brand="Acme"))
             for i in range(10)]
    qtbot.waitUntil(lambda: ctx.runners.network.active_count() > 0)
    began = time.monotonic()
    assert ctx.shutdown(5000)
    assert time.monotonic() - began < 5.0
    assert all(task.is_done for task in tasks)


@pytest.mark.expect_warnings(match="still running after shutdown")
def test_a_job_that_outlives_the_shutdown_wait_keeps_the_store_open(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = open_app(qtbot, tmp_path, monkeypatch)  # not make_app's: its shutdown is not clean
    store, runners = ctx.history_store, ctx.runners
    assert store is not None and runners is not None
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    outcome: list[object] = []

    def job() -> None:
        started.set()
        release.wait(30)
        try:  # the job still reads the history after the shutdown gave up waiting for it
            outcome.append(store.count())
        except StoreError as exc:
            outcome.append(exc)
        finally:
            done.set()

    runners.store.submit(job, name="outlives the shutdown")
    qtbot.waitUntil(started.is_set)
    assert ctx.shutdown(timeout_ms=0, grace_ms=0) is False
    assert ctx.closed and not ctx.store_closed and ctx.http.is_closed
    release.set()
    assert done.wait(10)
    assert outcome == [0]  # not "The history store is closed"
    assert ctx.close_when_idle(5000)  # the job has ended: now the store is closed
    assert ctx.store_closed
    with pytest.raises(StoreError, match="closed"):
        store.count()
    assert ctx.shutdown() is True  # idempotent, and now says everything is closed


def test_redact_keeps_last_four_digits_and_hides_secrets() -> None:
    text = redact(f"to +44 7400 123456 api_secret={SECRET} code=1234 id abcdef", {SECRET})
    assert SECRET not in text and "1234 " not in text
    assert "***3456" in text and "abcdef" in text
    assert redact("at 2026-11-28 00:34:26 for 447400123456") == "at 2026-11-28 00:34:26 for ***3456"


def test_log_file_keeps_timestamps_and_redacts_tracebacks(ctx: AppContext) -> None:
    try:
        raise ValueError(f"secret {SECRET} for {NUMBER}")
    except ValueError:
        logging.getLogger("test").exception("failed for %s", NUMBER)
    ctx.log_secrets.add(SECRET)
    logging.getLogger("test").error("again %s", SECRET)
    text = (ctx.paths.log_dir / "verify-desk.log").read_text(encoding="utf-8")
    assert NUMBER not in text and "failed for ***3456" in text
    assert SECRET not in text.split("again")[-1]
    assert text[:4].isdigit() and text[4] == "-"  # the timestamp is intact


@pytest.mark.slow
@pytest.mark.parametrize("signum", [15, 2])  # SIGTERM, SIGINT
def test_a_termination_signal_runs_the_orderly_shutdown(tmp_path: Path, signum: int) -> None:
    import signal

    # The child inherits the platform tests/helpers/environment.py chose.
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "--home", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    log_file = tmp_path / "logs" / "verify-desk.log"
    deadline = time.monotonic() + 30
    try:
        # Wait (on the process itself, a tick at a time) until the app is fully up.
        while "profile 'Sandbox' is active" not in (
            log_file.read_text(encoding="utf-8") if log_file.exists() else ""
        ):
            assert time.monotonic() < deadline, "the app did not start"
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        proc.send_signal(signal.Signals(signum))
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
    # The history was closed properly: the WAL was checkpointed and removed.
    assert (tmp_path / "data" / "history.sqlite3").is_file()
    assert not (tmp_path / "data" / "history.sqlite3-wal").exists()


def test_a_termination_signal_only_queues_the_quit(qtbot: Any) -> None:
    """The handler runs wherever the signal lands (mid-save, holding the settings lock): it
    must not quit, close the window and save again right there (two signals deadlocked)."""
    import os
    import signal

    from PySide6.QtCore import QObject

    from desktop_app.app_launch import quit_on_signals

    class FakeApp(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.quits = 0

        def quit(self) -> None:
            self.quits += 1

    app = FakeApp()
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    saved_fd = signal.set_wakeup_fd(-1)
    keep: Any = None
    try:
        keep = quit_on_signals(app)  # type: ignore[arg-type]
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        handler(signal.SIGTERM, None)
        handler(signal.SIGINT, None)
        assert app.quits == 0  # nothing ran inside the code the signal interrupted
        qtbot.waitUntil(lambda: app.quits == 2)  # both quits came from the event loop
    finally:
        signal.set_wakeup_fd(saved_fd)
        for signum, previous in saved.items():
            signal.signal(signum, previous)
        if keep is not None:
            reader, writer, notifier = keep
            notifier.setEnabled(False)
            os.close(reader)
            os.close(writer)


_SHELL_PROBE = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.app import build_app
ctx = build_app(home=Path(sys.argv[1]), deferred=True)
heavy = ["httpx", "phonenumbers", "sqlite3", "keyring", "desktop_app.services",
         "desktop_app.usecases.desk", "desktop_app.api", "desktop_app.sandbox",
         "desktop_app.store", "desktop_app.ui.send_form", "desktop_app.ui.recent_requests"]
print("HEAVY", [name for name in heavy if name in sys.modules])
print("POPULATED", ctx.populated, ctx.window.populated)
"""


def test_the_window_shell_imports_nothing_heavy(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _SHELL_PROBE, str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "HEAVY []" in result.stdout, result.stdout
    assert "POPULATED False False" in result.stdout


def test_deferred_start_paints_the_shell_then_populates(qtbot: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200,
                    deferred=True)
    window = ctx.window
    qtbot.addWidget(window)
    try:
        assert not ctx.populated and ctx.session is None
        assert window.windowTitle() == "Verify Desk"
        assert window.badge.text() == "SANDBOX"
        assert window.profile_combo.currentText() == "Sandbox"
        assert window.connection_label.text() == "Starting the sandbox…"
        assert window.centralWidget() is window.placeholder
        assert window.settings_action.shortcut().toString() == "Ctrl+,"
        with qtbot.waitSignal(window.first_painted, timeout=5000):
            ctx.start()
        # The pages, then the sandbox and the profile switch (the handset gets its control).
        qtbot.waitUntil(lambda: ctx.populated and ctx.handset.available, timeout=8000)
        assert window.populated and window.centralWidget() is window.splitter
        assert window.handset_dock.isVisible()
        assert window.connection_label.text().startswith("Sandbox running on http://127.0.0.1:")
        # Default widths (no saved state): the dock about 300 px, not its ~450 px size hint.
        qtbot.waitUntil(lambda: window.handset_dock.width() <= 320, timeout=3000)
    finally:
        assert ctx.shutdown(5000)


def test_shutdown_before_the_pages_exist(qtbot: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), deferred=True)
    qtbot.addWidget(ctx.window)
    assert ctx.shutdown(5000)
    ctx.populate()  # too late: nothing is built after shutdown
    assert not ctx.populated


def _clock_scale(ctx: AppContext) -> float:
    return float(ctx.http.get(f"{ctx.sandbox.url}/sandbox/clock").json()["time_scale"])


def test_the_demo_clock_speed_is_remembered(qtbot: Any, make_app: MakeApp) -> None:
    # make_app returns once the window has read the sandbox's clock: a first reading arriving
    # after the pick below would show (and save) the speed it was read at.
    first = make_app()
    combo = first.window.handset_panel.speed_combo
    index = combo.findData(60.0)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # as a person picking "60x" does
    clock = first.clock
    assert clock is not None
    qtbot.waitUntil(lambda: clock.time_scale == 60.0, timeout=5000)  # the sandbox's answer, read
    assert _clock_scale(first) == 60.0
    assert first.shutdown(5000)

    second = make_app()  # the same home; its sandbox's clock read
    try:
        assert second.window.handset_panel.speed_combo.currentData() == 60.0
        assert second.clock is not None and second.clock.time_scale == 60.0
        assert _clock_scale(second) == 60.0
    finally:
        assert second.shutdown(5000)


def test_the_collector_comes_on_with_the_start_up_heap_frozen() -> None:
    """Full collections must not walk what start-up built (a 120 ms GUI stall at 1M rows)."""
    import gc

    from desktop_app.app_launch import collector_on

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        collector_on()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()
