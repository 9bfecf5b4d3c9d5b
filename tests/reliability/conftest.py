"""Reliability fixtures and the figures summary at the end of a pytest run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.sandbox.server import SandboxConfig, SandboxServer

from . import figures

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A private sandbox on an ephemeral port, rate limits off."""
    config = SandboxConfig(port=0, rate_limit=0, search_rate_limit=0)
    with SandboxServer(config) as server:
        yield server


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    data = figures.snapshot()
    if not any(data.values()):
        return
    terminalreporter.section("reliability figures")
    for key, value in data.items():
        terminalreporter.write_line(f"{key:32} {value}")
    for line in figures.notes():
        terminalreporter.write_line(f"note: {line}")
