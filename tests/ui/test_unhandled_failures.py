"""Task failures through the real app: unhandled ones are logged and shown, handled ones once.

The app is built as ``main`` builds it (real runners, services, sandbox and window); only the
modal ``messages.show_error`` is replaced, so no test waits on a dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.app import AppContext, build_app
from desktop_app.domain.errors import RequestNotFoundError
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.ui import messages

UNKNOWN_ID = "0123456789abcdef0123456789abcdef"  # a well-formed v1 id the sandbox never issued


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the window put in a modal error dialog."""
    texts: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, text, *_a: texts.append(text))
    return texts


@pytest.fixture
def ctx(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path))
    context = build_app(home=tmp_path, credentials=SessionCredentialStore(), poll_ms=200)
    qtbot.addWidget(context.window)
    with qtbot.waitSignal(context.session.profile_changed, timeout=5000):
        context.activate()
    yield context
    assert context.shutdown(5000)


def _log_text(ctx: AppContext) -> str:
    return (ctx.paths.log_dir / "verify-desk.log").read_text(encoding="utf-8")


def test_a_failure_nobody_handles_is_logged_with_its_traceback_and_shown(
    qtbot: Any, ctx: AppContext, shown: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    network = ctx.runners.network
    with qtbot.waitSignal(network.unhandled_failure, timeout=5000) as blocker:
        task = ctx.verification.check(UNKNOWN_ID, "1234")  # nothing attached to its failure
    error = blocker.args[0]
    assert isinstance(error, RequestNotFoundError) and task.is_done
    # Shown: the plain-language sentence, once, in the window's error display.
    assert shown == [messages.describe(error)]
    assert "RequestNotFoundError" not in shown[0]
    # Logged at ERROR with the traceback from the worker thread.
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["task 'check' on runner network failed and nothing handled it"]
    log_text = _log_text(ctx)
    assert "nothing handled it" in log_text and "Traceback (most recent call last)" in log_text
    assert "RequestNotFoundError" in log_text


def test_a_handled_failure_is_not_reported_again(
    qtbot: Any, ctx: AppContext, shown: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    handled: list[BaseException] = []
    runners = ctx.runners.all()
    with qtbot.assertNotEmitted(runners[0].unhandled_failure, wait=100):
        task = ctx.verification.check(UNKNOWN_ID, "1234").on_failure(handled.append)
        qtbot.waitUntil(lambda: task.is_done, timeout=5000)
    assert len(handled) == 1 and isinstance(handled[0], RequestNotFoundError)
    assert shown == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "nothing handled it" not in _log_text(ctx)


def test_the_check_form_shows_its_own_failure_and_nothing_else(
    qtbot: Any, ctx: AppContext, shown: list[str]
) -> None:
    form = ctx.window.check_form
    form.open_request(UNKNOWN_ID)
    form.code_edit.setText("1234")
    network = ctx.runners.network
    with qtbot.assertNotEmitted(network.unhandled_failure, wait=100), qtbot.waitSignal(
        form.checked, timeout=5000
    ):
        form.check_button.click()
    assert form.result_label.text().startswith(RequestNotFoundError.meaning)
    assert shown == []


def test_failures_arriving_while_a_dialog_is_open_go_to_the_status_bar(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = ctx.window
    first, second = RequestNotFoundError("6", "first"), LookupError("second")
    dialogs: list[str] = []

    def modal(_parent: object, text: str, *_args: object) -> None:
        dialogs.append(text)
        window.report_failure(second)  # arrives during the dialog's own event loop

    monkeypatch.setattr(messages, "show_error", modal)
    window.report_failure(first)
    assert dialogs == [messages.describe(first)]
    assert window.statusBar().currentMessage() == messages.describe(second)
    window.report_failure(second)  # the dialog is closed again: a dialog again
    assert dialogs == [messages.describe(first), messages.describe(second)]
