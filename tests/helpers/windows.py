"""Driving a whole window context (``build_app``) as a person would."""

from __future__ import annotations

from typing import Any

from desktop_app.app import AppContext


def send_in_window(qtbot: Any, ctx: AppContext, number: str, timeout_ms: int = 5000) -> str:
    """Type ``number`` and the brand Acme on the Send page, press Send; the new request id."""
    form = ctx.window.send_form
    form.number_edit.setText(number)
    form.brand_edit.setText("Acme")
    with qtbot.waitSignal(form.sent, timeout=timeout_ms) as blocker:
        form.send_button.click()
    return str(blocker.args[0].request_id)
