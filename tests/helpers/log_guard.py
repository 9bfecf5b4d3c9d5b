"""Fail a test when the app logs a warning the test did not expect.

A warning from ``desktop_app`` (WARNING or above, any thread) while a test runs usually means
something went wrong that the test's assertions did not look at: a failed job nobody handled, a
degraded history, a retry. So it fails the test, naming the records. A test whose subject *is*
such a warning says so with ``@pytest.mark.expect_warnings`` (any warning allowed) or
``@pytest.mark.expect_warnings(match=r"regex")`` (only warnings whose message matches).

Records logged while fixtures set up or tear down count too (reported as an error of that
phase); a phase that already failed is not reported twice.

Logger levels a test changes are put back after it: building the app quiets ``httpx``, which
would otherwise hide its records from every later test that looks at them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Generator

import pytest

#: The loggers watched: the app's own (``logging.getLogger(__name__)`` under ``desktop_app``).
GUARDED_LOGGER = "desktop_app"
MARKER = "expect_warnings"


class WarningCollector(logging.Handler):
    """Keeps every WARNING-or-above record that reaches it, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self._records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records since the last call, oldest first."""
        with self._records_lock:
            taken, self._records = self._records, []
        return taken


_COLLECTOR = pytest.StashKey[WarningCollector]()
_LEVELS = pytest.StashKey[dict[str, int]]()


def _logger_levels() -> dict[str, int]:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return {lg.name: lg.level for lg in loggers if isinstance(lg, logging.Logger)}


def _restore_levels(item: pytest.Item) -> None:
    before = item.stash.get(_LEVELS, {})
    for name, level in _logger_levels().items():
        wanted = before.get(name, logging.NOTSET)
        if level != wanted:
            (logging.getLogger(name) if name != "root" else logging.getLogger()).setLevel(wanted)


def unexpected(item: pytest.Item, records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """The records ``item``'s ``expect_warnings`` marker (if any) does not allow."""
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return records
    match = marker.kwargs.get("match")
    if match is None:
        return []
    return [r for r in records if not re.search(match, r.getMessage())]


def _describe(records: list[logging.LogRecord], phase: str) -> str:
    lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in records]
    return (
        f"the app logged {len(records)} unexpected warning(s) during {phase}:\n  "
        + "\n  ".join(lines)
        + f"\n(mark the test @pytest.mark.{MARKER} if a warning is what it tests)"
    )


def _check(item: pytest.Item, phase: str) -> None:
    collector = item.stash.get(_COLLECTOR, None)
    if collector is None:
        return
    records = unexpected(item, collector.take())
    if records:
        pytest.fail(_describe(records, phase), pytrace=False)


def _drain(item: pytest.Item) -> None:
    collector = item.stash.get(_COLLECTOR, None)
    if collector is not None:
        collector.take()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    collector = WarningCollector()
    item.stash[_COLLECTOR] = collector
    item.stash[_LEVELS] = _logger_levels()
    logging.getLogger(GUARDED_LOGGER).addHandler(collector)
    try:
        yield
    except BaseException:
        _drain(item)
        raise
    _check(item, "setup")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        yield
    except BaseException:
        _drain(item)
        raise
    _check(item, "the test")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    try:
        yield
    except BaseException:
        _drain(item)
        raise
    finally:
        collector = item.stash.get(_COLLECTOR, None)
        if collector is not None:
            logging.getLogger(GUARDED_LOGGER).removeHandler(collector)
        _restore_levels(item)
    _check(item, "teardown")
