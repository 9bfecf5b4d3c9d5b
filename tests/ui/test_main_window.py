"""The main window as the app builds it: badge, pages, shortcuts, status-10, state, failures."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from desktop_app.app import AppContext
from desktop_app.domain.errors import CredentialsUnavailable, RequestNotFoundError
from desktop_app.settings.profiles import Profile
from desktop_app.ui import messages
from desktop_app.ui.concurrent_panel import CANCEL_TOOLTIP
from desktop_app.ui.main_window import SHORTCUTS
from tests.helpers.apps import MakeApp, send_start
from tests.helpers.tasks import settle

pytestmark = pytest.mark.app(shown=True)  # ``ctx``: the window shown, as the launcher does


def test_layout_badge_and_handset(ctx: AppContext) -> None:
    window = ctx.window
    assert window.badge.text() == "SANDBOX"
    assert window.profile_combo.currentText() == "Sandbox"
    assert [window.tabs.tabText(i) for i in range(2)] == ["&Send", "C&heck"]
    assert window.handset_dock.isVisible()
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    assert window.refresh_action.shortcut().toString() == "F5"
    for widget in (window.send_form.number_edit, window.check_form.code_edit,
                   window.profile_combo, window.badge):
        assert widget.accessibleName()
        assert widget.toolTip()


def test_page_shortcuts(qtbot: Any, ctx: AppContext) -> None:
    window = ctx.window
    window.page_actions[1].trigger()
    assert window.tabs.currentWidget() is window.check_form
    window.page_actions[0].trigger()
    assert window.tabs.currentWidget() is window.send_form
    assert [a.shortcut().toString() for a in window.page_actions] == ["Ctrl+1", "Ctrl+2",
                                                                      "Ctrl+3"]


def test_help_lists_the_shortcuts(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(messages, "show_info", lambda _p, _t, text: shown.append(text))
    ctx.window.shortcuts_action.trigger()
    assert all(key in shown[0] for key, _ in SHORTCUTS)


def test_busy_bar_follows_the_service(ctx: AppContext) -> None:
    ctx.verification.busy_changed.emit(True)
    assert ctx.window.busy_bar.isVisible()
    ctx.verification.busy_changed.emit(False)
    assert not ctx.window.busy_bar.isVisible()


def test_send_opens_check_with_focus(qtbot: Any, ctx: AppContext) -> None:
    started = send_start(qtbot, ctx)
    window = ctx.window
    assert window.tabs.currentWidget() is window.check_form
    assert window.check_form.request_id() == started.request_id
    qtbot.waitUntil(window.check_form.code_edit.hasFocus)


@pytest.mark.slow
def test_concurrent_flow_check_and_show(qtbot: Any, ctx: AppContext) -> None:
    first = send_start(qtbot, ctx)
    window = ctx.window
    window.page_actions[0].trigger()
    panel = window.concurrent_panel
    window.send_form.send_button.click()
    qtbot.waitUntil(lambda: panel.isVisible() and panel.request_id == first.request_id)
    # Disabled with the reason in its tooltip: looked up first, then the 30 s rule.
    assert not panel.cancel_button.isEnabled()
    assert panel.cancel_button.toolTip().startswith("Not now: ")
    assert panel.cancel_button.toolTip() != CANCEL_TOOLTIP
    panel.show_button.click()
    qtbot.waitUntil(lambda: (e := window.recent.selected_entry()) is not None
                    and e.request_id == first.request_id)
    panel.check_button.click()
    assert window.tabs.currentWidget() is window.check_form
    assert window.check_form.request_id() == first.request_id


def test_state_and_preferences_round_trip(qtbot: Any, ctx: AppContext) -> None:
    window = ctx.window
    window.send_form.set_region("DE")
    window.send_form.brand_edit.setText("Remembered")
    window.resize(1000, 700)
    ctx.save_state()
    prefs = ctx.preferences_store.load()
    assert prefs.last_country == "DE" and prefs.brand == "Remembered"
    assert prefs.window_geometry and prefs.splitter_state


class _NoKeyring:
    """A persistent store whose backend is missing, as on a machine without a keyring."""

    is_persistent = True

    def get_secret(self, profile: str) -> str | None:
        raise CredentialsUnavailable()

    def set_secret(self, profile: str, secret: str) -> None:
        raise CredentialsUnavailable()

    def delete_secret(self, profile: str) -> None:
        pass


def test_no_keyring_offers_session_only_secrets(
    qtbot: Any, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = make_app(credentials=_NoKeyring())
    try:
        live = Profile(name="Live", api_host="https://api.nexmo.com",
                       rest_host="https://rest.nexmo.com", api_key="key123")
        assert settle(qtbot, ctx.session.save_profile(live, None)).value == live
        asked: list[str] = []
        monkeypatch.setattr(messages, "confirm",
                            lambda _p, _t, text: asked.append(text) or True)
        ctx.session.switch("Live").on_failure(ctx.window.report_switch_failure)
        qtbot.waitUntil(lambda: bool(asked), timeout=5000)
        assert "session only" in asked[0]
        assert not ctx.session.credentials_persistent
        assert ctx.window.badge.text() == "SANDBOX"  # the old desk stays in place
    finally:
        assert ctx.shutdown(5000)


# -- task failures: unhandled ones are logged and shown, handled ones are not reported again ----
# The app as ``main`` builds it (real runners, services, sandbox); only the modal
# ``messages.show_error`` is replaced, so no test waits on a dialog.

UNKNOWN_ID = "0123456789abcdef0123456789abcdef"  # a well-formed v1 id the sandbox never issued


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the window put in a modal error dialog."""
    texts: list[str] = []
    monkeypatch.setattr(messages, "show_error", lambda _parent, text, *_a: texts.append(text))
    return texts


def _log_text(ctx: AppContext) -> str:
    return (ctx.paths.log_dir / "verify-desk.log").read_text(encoding="utf-8")


@pytest.mark.expect_warnings(match="nothing handled it")
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
    first, second = RequestNotFoundError(status="6", error_text="first"), LookupError("second")
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
