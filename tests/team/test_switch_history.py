"""Switching profile switches the history: SQLite, then a team's PostgreSQL, then back.

The profile's history is opened on a worker (never the GUI thread), shown in Recent requests,
and the one it replaces is closed once the jobs using it are done. A history that cannot be
opened is reported plainly and the previous one stays.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import desktop_app.app_history as app_history
from desktop_app.app import AppContext, build_app
from desktop_app.domain.errors import StoreClosedError
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from tests.helpers.windows import send_in_window


def _shown(ctx: AppContext) -> list[str | None]:
    return [row.request_id for row in ctx.window.recent.model.rows()]


def _is_closed(store: HistoryStore) -> bool:
    try:
        store.count()
    except StoreClosedError:
        return True
    return False


@pytest.fixture
def window(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    passwords: SessionCredentialStore,
) -> Iterator[AppContext]:
    """A window on the built-in Sandbox profile (its local SQLite history)."""
    monkeypatch.delenv("VERIFY_DESK_HISTORY_URL", raising=False)
    opened_on: list[threading.Thread] = []
    real_open = app_history._open_target

    def watched(*args: Any) -> HistoryStore:
        opened_on.append(threading.current_thread())
        return real_open(*args)

    monkeypatch.setattr(app_history, "_open_target", watched)
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200,
                    log_to_file=False, history_passwords=passwords)  # fmt: skip
    qtbot.addWidget(ctx.window)
    with qtbot.waitSignal(ctx.session.profile_changed, timeout=10000):
        ctx.activate()
    yield ctx
    assert ctx.shutdown(5000)
    assert opened_on and threading.main_thread() not in opened_on  # never on the GUI thread


def _switch(qtbot: Any, ctx: AppContext, name: str) -> None:
    assert ctx.session is not None
    with qtbot.waitSignal(ctx.session.profile_changed, timeout=15000):
        ctx.session.switch(name)


def test_switching_profile_opens_its_history_and_closes_the_previous_one(
    qtbot: Any, window: AppContext, pg_url: str
) -> None:
    ctx = window
    assert ctx.session is not None
    local = ctx.history_store
    assert local is not None and local.dialect == "sqlite"
    on_file = send_in_window(qtbot, ctx, "+44 7400 123450")
    api = ctx.sandbox.url
    team = Profile(name="Team", api_host=api, rest_host=api, api_key="sandbox", history_url=pg_url)
    with qtbot.waitSignal(ctx.session.profiles_changed, timeout=5000):
        ctx.session.save_profile(team, "sandbox-secret")

    _switch(qtbot, ctx, "Team")
    shared = ctx.history_store
    assert shared is not None and shared.dialect == "postgresql"
    on_server = send_in_window(qtbot, ctx, "+44 7400 123451")
    qtbot.waitUntil(lambda: _shown(ctx) == [on_server], timeout=10000)
    qtbot.waitUntil(lambda: _is_closed(local), timeout=10000)  # drained, then closed

    _switch(qtbot, ctx, "Sandbox")
    back = ctx.history_store
    assert back is not None and back.dialect == "sqlite"
    qtbot.waitUntil(lambda: _shown(ctx) == [on_file], timeout=10000)
    qtbot.waitUntil(lambda: _is_closed(shared), timeout=10000)


@pytest.mark.expect_warnings(match=r"the history of profile 'Away' was not opened")
def test_a_history_that_cannot_be_opened_is_said_plainly_and_the_previous_one_stays(
    qtbot: Any, window: AppContext
) -> None:
    ctx = window
    assert ctx.session is not None
    before = ctx.history_store
    rid = send_in_window(qtbot, ctx, "+44 7400 123452")
    api = ctx.sandbox.url
    # Nothing listens on port 1: the server cannot be reached.
    away = Profile(name="Away", api_host=api, rest_host=api, api_key="sandbox",
                   history_url="postgresql://desk@127.0.0.1:1/nowhere?connect_timeout=2")
    with qtbot.waitSignal(ctx.session.profiles_changed, timeout=5000):
        ctx.session.save_profile(away, "sandbox-secret")
    _switch(qtbot, ctx, "Away")
    notice = ctx.window.recent.message_label
    qtbot.waitUntil(lambda: "could not be opened" in notice.text(), timeout=10000)
    assert "profile Away" in notice.text() and "keeps showing the previous one" in notice.text()
    assert ctx.history_store is before and not _is_closed(before)
    qtbot.waitUntil(lambda: rid in _shown(ctx), timeout=10000)
