"""The shared history's password stays in the keyring: a canary grep of files, log and argv.

A role is created with a password no other test uses (the canary), which goes into the private
Secret Service (tests/helpers/secret_service.py) under the database's keyring item. The command
line (a child process, as a person runs it) and a window context then write to the shared
history, and the window exports it (File > Export: a child process that opens the shared
history itself, the password handed over on its stdin); afterwards the canary must appear in no
file either wrote (settings, logs, histories, the export), in the server's log, in no process's
argv while they ran, and not in the export child's argv or environment.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.core
import pytest

from desktop_app.app import build_app
from desktop_app.domain.history_url import PostgresTarget, parse_history_url
from desktop_app.domain.reports import ExportFormat, HistoryFilter
from desktop_app.sandbox.server import SandboxServer
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.history_target import save_history_password
from desktop_app.store.history import HistoryStore
from desktop_app.usecases import export_process
from tests.helpers.environment import child_env
from tests.helpers.postgres import PostgresServer

NUMBER = "447123450100"


def _files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                yield path


def _argv_holding(canary: bytes) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if canary in cmdline.read_bytes():
                found.append(str(cmdline))
        except OSError:
            continue  # the process ended meanwhile
    return found


@pytest.mark.secret_service
def test_the_password_is_in_no_file_log_or_argv(
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    postgres_server: PostgresServer,
    sandbox: SandboxServer,
    secret_service: str,
) -> None:
    canary = f"canary-{secrets.token_hex(12)}"
    role = postgres_server.new_role(canary)
    url = postgres_server.url(postgres_server.new_database(owner=role), user=role)
    target = parse_history_url(url)
    assert isinstance(target, PostgresTarget)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # keyring's own detection
    save_history_password(target, canary)

    cli_home = tmp_path / "cli"
    cli_home.mkdir()
    env = child_env(VERIFY_DESK_HOME=str(cli_home), HOME=str(cli_home),
                    DBUS_SESSION_BUS_ADDRESS=secret_service)  # fmt: skip
    env.pop("PYTHON_KEYRING_BACKEND", None)
    started = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli.main", "--sandbox-url", sandbox.url,
         "--history-url", url, "--region", "GB", "--json", "start", "--number", NUMBER,
         "--brand", "Acme"],
        env=env, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert canary not in started.stdout + started.stderr

    window_home = tmp_path / "window"
    monkeypatch.setenv("VERIFY_DESK_HOME", str(window_home))
    ctx = build_app(home=window_home, credentials=SessionCredentialStore(), poll_ms=200,
                    history_url=url)  # the password from the real keyring, the log to a file
    qtbot.addWidget(ctx.window)
    try:
        with qtbot.waitSignal(ctx.session.profile_changed, timeout=5000):
            ctx.activate()
        assert ctx.history_store is not None and ctx.history_store.dialect == "postgresql"
        qtbot.waitUntil(lambda: len(ctx.window.recent.model.rows()) == 1, timeout=5000)
        assert _argv_holding(canary.encode()) == []  # while the window is connected

        # File > Export: the child process opens the shared history with the password it
        # read on its stdin; nothing of it in the child's argv or environment.
        launched: list[tuple[list[str], dict[str, str] | None]] = []
        real_popen = subprocess.Popen

        def spy(args: list[str], *rest: Any, **kwargs: Any) -> Any:
            launched.append((list(args), kwargs.get("env")))
            return real_popen(args, *rest, **kwargs)

        monkeypatch.setattr(export_process.subprocess, "Popen", spy)
        exported = window_home / "export.csv"
        job = ctx.window.reports_menu._reports.export(
            HistoryFilter(), exported, ExportFormat.CSV, mask=False, actions=True
        )
        summaries: list[Any] = []
        job.task.on_success(summaries.append).on_failure(summaries.append)
        qtbot.waitUntil(lambda: bool(summaries), timeout=60000)
        assert summaries[0].rows == 1, summaries
        assert NUMBER in exported.read_text(encoding="utf-8-sig")  # the shared rows, not local
        [(argv, child_env_given)] = launched
        assert not any(canary in arg for arg in argv)
        child_environment = os.environ if child_env_given is None else child_env_given
        assert not any(canary in f"{k}={v}" for k, v in child_environment.items())
    finally:
        assert ctx.shutdown(5000)

    # Both wrote to the shared history, with the password they read from the keyring.
    check = HistoryStore(url, password=canary)
    try:
        assert [e.number for e in check.recent()] == [NUMBER]
    finally:
        check.close()
    written = list(_files(cli_home, window_home))
    assert any(p.name.endswith(".log") for p in written), [p.name for p in written]
    leaks = [str(p) for p in [*written, postgres_server.log] if canary.encode() in p.read_bytes()]
    assert leaks == []
    assert os.environ.get("VERIFY_DESK_HISTORY_URL") is None
