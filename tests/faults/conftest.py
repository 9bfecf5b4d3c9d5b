"""Fixtures for the fault-injection tests: sandboxes with faults, desks, a figure summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.store.history import HistoryStore

from .support import Env, Figures, build_env


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Sandboxes on ephemeral ports, throttling off (faults decide); stopped after the test."""
    servers: list[SandboxServer] = []

    def make(**overrides: Any) -> SandboxServer:
        options: dict[str, Any] = {"port": 0, "rate_limit": 0.0, "search_rate_limit": 0.0}
        options.update(overrides)
        server = SandboxServer(SandboxConfig(**options))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        Figures.absorb(server)
        server.stop()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path / "faults.sqlite3")
    yield store
    store.close()


@pytest.fixture
def make_env(
    make_sandbox: Callable[..., SandboxServer], history: HistoryStore
) -> Iterator[Callable[..., Env]]:
    envs: list[Env] = []

    def make(**overrides: Any) -> Env:
        env = build_env(make_sandbox(**overrides), history)
        envs.append(env)
        return env

    yield make
    for env in envs:
        env.http.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not Figures.injected and not Figures.handled:
        return
    write = terminalreporter.write_line
    write("")
    write("fault injection figures (tests/faults):")
    for kind in sorted(set(Figures.injected) | set(Figures.handled)):
        write(
            f"  {kind:<22} injected {Figures.injected[kind]:>4}   "
            f"handled as documented {Figures.handled[kind]:>4}"
        )
    for note in Figures.notes:
        write(f"  {note}")
