"""The whole app on the Sandbox profile with its Message page open, and the page's test steps.

Fixture ``message_app``: the app of ``ctx`` (``tests/helpers/apps.py``: a temporary home,
session-only credentials), on the Sandbox profile (its own sandbox and the app's signed status
receiver), the Message tab current; shut down after the test. Helpers: :func:`fill` types into
the composer's fields by path, :func:`send` presses Send and waits for the API's acceptance,
:func:`status_cell` reads a row's Status in Recent requests, :func:`advance` moves the
sandbox's clock.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from desktop_app.app import AppContext
from desktop_app.ui.history_columns import STATUS, column_index
from desktop_app.ui.message_page import MessagePage
from tests.helpers.tasks import settle

__all__ = ["BUSINESS", "CUSTOMER", "OUTSIDE_WINDOW", "advance", "fill", "message_app", "send",
           "status_cell", "whatsapp_with_sms_failover"]


@pytest.fixture
def message_app(ctx: AppContext) -> AppContext:
    ctx.window.tabs.setCurrentWidget(ctx.window.message_page)
    return ctx


CUSTOMER = "447700900401"
OUTSIDE_WINDOW = "447700900340"  # the catalogue's number that never wrote in
BUSINESS = "447700900001"


def fill(page: MessagePage, values: dict[str, str]) -> None:
    """Type each value into the composer's field of that path."""
    for path, value in values.items():
        widget = page.composer.field(path)
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(value)


def whatsapp_with_sms_failover(page: MessagePage, values: dict[str, str]) -> None:
    """A WhatsApp text with an SMS failover on the composer, ``values`` typed by path."""
    from desktop_app.domain.messages import SMS, TEXT, WHATSAPP

    composer = page.composer
    composer.set_channel(WHATSAPP, TEXT)
    composer.failover_check.setChecked(True)
    composer.failover_combo.setCurrentIndex(composer.failover_combo.findData(SMS))
    fill(page, values)


def send(qtbot: Any, page: MessagePage) -> Any:
    """Press Send and wait for the API's acceptance; the ``MessageSent``."""
    with qtbot.waitSignal(page.sent, timeout=10_000) as blocker:
        page.send_button.click()
    return blocker.args[0]


def status_cell(ctx: AppContext, uuid: str) -> str:
    recent = ctx.window.recent
    row = recent.model.row_of(uuid)
    if row is None:
        return ""
    return str(recent.model.index(row, column_index(STATUS)).data())


def advance(ctx: AppContext, qtbot: Any, seconds: float) -> None:
    """Move the sandbox's clock (its control API, on the handset's pool)."""
    assert ctx.handset is not None
    outcome = settle(qtbot, ctx.handset.advance(seconds), timeout=10_000)
    assert outcome.error is None
