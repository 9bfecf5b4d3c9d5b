"""An old history file is brought up to date off the GUI thread while the window is usable.

The history is opened (and migrated) by the first profile switch's worker: the window shows at
once and says "Updating the history database… (this happens once)" in the status bar and under
Recent requests; sending and checking wait (their forms are disabled) until the rows are there.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

import desktop_app.app_history as app_history
from desktop_app.app import build_app
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.paths import AppPaths
from desktop_app.store.history import HistoryStore
from desktop_app.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.helpers.clock import T0

OLD_VERSION = 3


def _old_history(path: Path) -> None:
    """A history file as release 3 of the schema wrote it, with one finished request."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        for step in MIGRATIONS[:OLD_VERSION]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {OLD_VERSION}")
        micros = int(T0.timestamp() * 1_000_000)
        conn.execute(
            "INSERT INTO requests (profile, operator, kind, number, brand, request_id, status,"
            " created_at, updated_at, finalized_at) VALUES ('Sandbox', 'ana', 'verify',"
            " '447700900001', 'Acme', 'old-row-1', 'FAILED', ?, ?, ?)",
            (micros, micros, micros),
        )  # fmt: skip
    finally:
        conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_the_window_is_usable_while_an_old_history_is_updated_and_its_rows_come_after(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VERIFY_DESK_HISTORY_URL", raising=False)
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    path = AppPaths.default().history_db
    _old_history(path)
    # The migration waits for the test's word: what the window does meanwhile is observable.
    go = threading.Event()
    opened_on: list[threading.Thread] = []
    real_open = app_history._open_target

    def held(*args: Any) -> HistoryStore:
        opened_on.append(threading.current_thread())
        assert go.wait(60)
        return real_open(*args)

    monkeypatch.setattr(app_history, "_open_target", held)
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200,
                    log_to_file=False, deferred=True)  # fmt: skip
    qtbot.addWidget(ctx.window)
    window = ctx.window
    try:
        ctx.start()  # as main() does: the shell, then the pages after the first paint
        qtbot.waitUntil(lambda: window.history_status_label.text() == app_history.UPDATING,
                        timeout=15000)  # fmt: skip
        assert window.isVisible() and window.populated
        assert window.recent.message_label.text() == app_history.UPDATING
        assert window.recent.empty_hint.text() == app_history.UPDATING  # not "no requests yet"
        assert not window.send_form.isEnabled() and not window.check_form.isEnabled()
        assert _version(path) == OLD_VERSION and opened_on  # the update has not run yet
        assert threading.main_thread() not in opened_on
        # Responsive: the GUI thread still handles what the person does.
        window.page_actions[1].trigger()
        assert window.tabs.currentIndex() == 1
        window.page_actions[0].trigger()
        assert window.tabs.currentIndex() == 0

        go.set()
        qtbot.waitUntil(lambda: [r.request_id for r in window.recent.model.rows()]
                        == ["old-row-1"], timeout=15000)  # fmt: skip
        assert _version(path) == SCHEMA_VERSION
        qtbot.waitUntil(lambda: window.send_form.isEnabled(), timeout=5000)
        assert window.history_status_label.isHidden()
        assert window.recent.message_label.text() == ""
    finally:
        go.set()
        assert ctx.shutdown(5000)
