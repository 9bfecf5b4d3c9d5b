"""The fault tests' fixtures: desks on sandboxes with faults, and the figures summary.

``make_sandbox`` (rate limits off: the faults decide) and ``history`` come from tests/helpers;
every sandbox's injected faults are counted into :class:`Figures` before it stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop_app.store.history import HistoryStore
from tests.helpers.faults import Env, Figures, build_env
from tests.helpers.sandbox import SandboxFactory


@pytest.fixture(autouse=True)
def count_injected_faults(make_sandbox: SandboxFactory) -> None:
    """Read each sandbox's injected-fault counts into :class:`Figures` before it stops."""
    make_sandbox.before_stop(Figures.absorb)


@pytest.fixture
def make_env(make_sandbox: SandboxFactory, history: HistoryStore) -> Iterator[Callable[..., Env]]:
    """Build :class:`Env` desks, each on a new sandbox with ``overrides`` (faults, latency...)."""
    envs: list[Env] = []

    def make(**overrides: Any) -> Env:
        env = build_env(make_sandbox(**overrides), history)
        envs.append(env)
        return env

    yield make
    for env in envs:
        env.http.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
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
