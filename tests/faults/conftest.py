"""Fixtures for the fault-injection tests: sandboxes with faults, desks, a figure summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from tests.sandbox_fixtures import start_sandboxes

from .support import Env, Figures, build_env


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Sandboxes on ephemeral ports, throttling off (faults decide); stopped after the test."""
    yield from start_sandboxes(before_stop=Figures.absorb)


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
