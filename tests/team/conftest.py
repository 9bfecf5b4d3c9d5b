"""The shared-history tests' fixtures: window contexts on one throw-away PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import AppContext, build_app
from desktop_app.domain.history_url import PostgresTarget, parse_history_url
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import Profile, ProfileStore
from tests.helpers.postgres import PostgresServer

#: ``(window, url)``: an activated window on a database of the test's own server (which the
#: test may stop and start: an outage).
OutageWindow = tuple[AppContext, str]

#: ``open_window("a")``: a populated, activated window context on the test's shared history
#: (``open_window("b", profile, secret)``: starting on that saved profile).
OpenWindow = Callable[..., AppContext]


@pytest.fixture
def passwords(pg_url: str, postgres_server: PostgresServer) -> SessionCredentialStore:
    """The keyring stand-in holding the shared history's password under its item name."""
    target = parse_history_url(pg_url)
    assert isinstance(target, PostgresTarget)
    store = SessionCredentialStore()
    store.set_secret(target.keyring_item, postgres_server.password)
    return store


@pytest.fixture
def open_window(
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    passwords: SessionCredentialStore,
) -> Iterator[OpenWindow]:
    """Open window contexts (each with its own home and sandbox) on the test's database."""
    opened: list[AppContext] = []

    def open_one(name: str, profile: Profile | None = None, secret: str = "") -> AppContext:
        home = tmp_path / name
        monkeypatch.setenv("VERIFY_DESK_HOME", str(home))
        credentials = SessionCredentialStore()
        if profile is not None:  # a saved profile to start on, its secret for the session
            AppPaths.default().ensure()
            ProfileStore(AppPaths.default().settings_file).save(profile)
            credentials.set_secret(profile.name, secret)
        ctx = build_app(home=home, credentials=credentials, poll_ms=200, log_to_file=False,
                        history_url=pg_url, history_passwords=passwords,
                        profile=profile.name if profile is not None else None)
        qtbot.addWidget(ctx.window)
        opened.append(ctx)
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
            ctx.activate()
        return ctx

    yield open_one
    for ctx in reversed(opened):
        assert ctx.shutdown(5000)


@pytest.fixture
def outage_window(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_postgres: PostgresServer
) -> Iterator[OutageWindow]:
    """A window whose history is a database on ``own_postgres`` (see :data:`OutageWindow`)."""
    url = own_postgres.url(own_postgres.new_database())
    target = parse_history_url(url)
    assert isinstance(target, PostgresTarget)
    passwords = SessionCredentialStore()
    passwords.set_secret(target.keyring_item, own_postgres.password)
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200,
                    log_to_file=False, history_url=url, history_passwords=passwords)
    qtbot.addWidget(ctx.window)
    try:
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=10000):
            ctx.activate()
        yield ctx, url
    finally:
        assert ctx.shutdown(5000)
