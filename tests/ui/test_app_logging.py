"""The app leaves no global logging state behind once its context has shut down.

``build_app`` attaches the log file to the root logger, lowers the root level to INFO and
quiets ``httpx``; a later app in the same process (or the next test) must find the levels it
had before. This once leaked: a UI test that built the app hid httpx's records from
``tests/api/test_secret.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import build_app
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.usecases.logging_setup import configure_logging, remove_logging

NAMES = ("", "httpx", "httpcore")


def _levels() -> dict[str, int]:
    return {name: logging.getLogger(name or None).level for name in NAMES}


@pytest.fixture
def preset() -> Iterator[dict[str, int]]:
    """Levels no app would choose, put back after the test whatever it does."""
    before = _levels()
    wanted = {"": logging.WARNING, "httpx": logging.NOTSET, "httpcore": logging.ERROR}
    for name, level in wanted.items():
        logging.getLogger(name or None).setLevel(level)
    yield wanted
    for name, level in before.items():
        logging.getLogger(name or None).setLevel(level)


def test_shutdown_puts_back_the_logger_levels_build_app_changed(
    qtbot: Any, tmp_path: Path, preset: dict[str, int]
) -> None:
    ctx = build_app(home=tmp_path, credentials=SessionCredentialStore(), deferred=True)
    qtbot.addWidget(ctx.window)
    handler = ctx.log_handler
    assert handler is not None and handler in logging.getLogger().handlers
    changed = _levels()
    assert (changed[""], changed["httpx"]) == (logging.INFO, logging.WARNING)  # while it runs
    assert ctx.shutdown(5000)
    assert _levels() == preset
    assert handler not in logging.getLogger().handlers


def test_a_second_configure_for_the_same_folder_keeps_the_first_levels(
    tmp_path: Path, preset: dict[str, int]
) -> None:
    first = configure_logging(tmp_path, quiet=("httpx",))
    second = configure_logging(tmp_path, quiet=("httpx",))  # replaces the first handler
    assert first not in logging.getLogger().handlers
    remove_logging(second)
    remove_logging(second)  # idempotent: nothing changes the second time
    assert _levels() == preset
