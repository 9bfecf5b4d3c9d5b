"""The reliability figures summary at the end of a pytest run.

``sandbox`` (rate limits off), ``http`` and ``history`` come from tests/helpers.
"""

from __future__ import annotations

import pytest

from . import figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    data = figures.snapshot()
    if not any(data.values()):
        return
    terminalreporter.section("reliability figures")
    for key, value in data.items():
        terminalreporter.write_line(f"{key:32} {value}")
    for line in figures.notes():
        terminalreporter.write_line(f"note: {line}")
