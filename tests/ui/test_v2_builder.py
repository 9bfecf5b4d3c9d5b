"""The Send page's Verify v2 workflow builder on the real services and a SandboxServer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain import v2_validation
from desktop_app.domain.errors import FieldError, InvalidParameterError
from desktop_app.domain.models import ApiCredentials, VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.services.history import HistoryService
from desktop_app.services.refresher import StatusRefresher
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.settings.profiles import SANDBOX_PROFILE
from desktop_app.store.history import HistoryStore
from desktop_app.ui import messages
from desktop_app.ui.check_form import CheckForm
from desktop_app.ui.concurrent_panel import ConcurrentPanel
from desktop_app.ui.history_columns import WORKFLOW, column_index
from desktop_app.ui.recent_requests import RecentRequestsView
from desktop_app.ui.send_form import SendForm
from desktop_app.ui.v2_builder import WorkflowBuilder, api_field_errors
from desktop_app.usecases.session import open_desk

NUMBER = "447123450300"
SECOND = "447123450301"


@pytest.fixture
def world(tmp_path: Path, qtbot: Any) -> Iterator[dict[str, Any]]:
    server = SandboxServer(SandboxConfig(port=0, rate_limit=0, search_rate_limit=0))
    server.start()
    http = build_http_client()
    store = HistoryStore(tmp_path / "history.db")
    creds = ApiCredentials("sandbox", "sandbox-secret")
    desk = open_desk(SANDBOX_PROFILE, creds, store, http, sandbox_url=server.url, operator="t")
    runner = TaskRunner(4)
    verification = VerificationService(runner, desk)
    history = HistoryService(runner, store)
    refresher = StatusRefresher(verification, history)
    panel = ConcurrentPanel(verification, history)
    form = SendForm(verification, panel)
    qtbot.addWidget(form)
    form.set_region("GB")
    yield {
        "control": SandboxControl(http, server.url),
        "verification": verification,
        "history": history,
        "refresher": refresher,
        "form": form,
        "store": store,
    }
    assert runner.shutdown(5000)
    http.close()
    store.close()
    server.stop()


def _v2_form(world: dict[str, Any], qtbot: Any, number: str = NUMBER) -> SendForm:
    form: SendForm = world["form"]
    form.v2.set_api("v2")
    qtbot.keyClicks(form.number_edit, number)
    form.brand_edit.setText("Acme")
    return form


def test_api_picker_swaps_the_v1_fields_for_the_builder(world: dict[str, Any]) -> None:
    form: SendForm = world["form"]
    form.show()
    assert form.v2.isHidden() and form.advanced_toggle.isVisible()
    form.psd2_check.setChecked(True)
    form.v2.set_api("v2")
    assert form.v2.isVisible() and not form.advanced_toggle.isVisible()
    assert not form.advanced.isVisible() and not form.psd2_check.isVisible()
    assert not form.psd2_check.isChecked()  # PSD2 has no v2 form
    assert form.v2.options.isVisible()
    form.v2.set_api("v1")
    assert form.v2.isHidden() and form.psd2_check.isVisible()


def test_builder_round_trip_add_reorder_remove(qtbot: Any) -> None:
    builder = WorkflowBuilder()
    qtbot.addWidget(builder)
    builder.set_default_to(NUMBER)
    builder.show()
    sms = builder.add_channel("sms")
    qtbot.mouseClick(builder.add_button, Qt.MouseButton.LeftButton)  # after SMS: a voice call
    assert builder.channels() == ("sms", "voice")
    voice = builder.rows[1]
    assert sms.from_edit.isVisible() and not voice.from_edit.isVisible()
    assert sms.more_toggle.isVisible() and not voice.more_toggle.isVisible()
    assert voice.up_button.isEnabled() and not voice.down_button.isEnabled()
    assert voice.remove_button.accessibleName() == "Remove channel 2"

    qtbot.mouseClick(voice.up_button, Qt.MouseButton.LeftButton)
    assert builder.channels() == ("voice", "sms")
    assert builder.rows[0] is voice and voice.index_label.text() == "1."
    sms.channel_combo.setFocus()
    voice.down_button.click()
    assert builder.channels() == ("sms", "voice")

    email = builder.add_channel("email", to="qa@example.com")
    assert builder.entries()[2] == v2_validation.V2ChannelForm("email", "qa@example.com", "", {})
    assert builder.entries()[0].to == NUMBER  # an empty phone `to` is the main number
    builder.remove_row(email)
    assert builder.channels() == ("sms", "voice")
    assert builder.recheck() == []

    sms.more_toggle.setChecked(True)
    extras = sms.extra_edits
    assert extras["app_hash"].isVisible() and not extras["redirect_url"].isVisible()
    sms.extra_edits["app_hash"].setText("short")
    assert sms.errors["app_hash"].isVisible() and "11" in sms.errors["app_hash"].text()
    sms.extra_edits["app_hash"].setText("")
    assert not sms.errors["app_hash"].isVisible()

    builder.rows[1].set_channel("silent_auth")  # only allowed first
    assert builder.rows[1].errors["channel"].isVisible()
    builder.remove_row(builder.rows[1])
    builder.remove_row(builder.rows[0])
    assert builder.recheck()[0].field == "workflow" and builder.workflow_error.isVisible()


def test_whatsapp_without_from_is_refused_inline_and_nothing_is_sent(
    world: dict[str, Any], qtbot: Any
) -> None:
    form = _v2_form(world, qtbot)
    form.show()
    row = form.v2.builder.rows[0]
    row.set_channel("whatsapp")
    assert row.from_edit.isVisible()
    assert row.errors["from"].isVisible() and "WhatsApp Business" in row.errors["from"].text()
    before = world["control"].requests()
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    assert "nothing was sent" in form.result_label.text()
    assert "workflow[0].from" in form.result_label.text()
    assert world["control"].requests() == before == []
    row.from_edit.setText("447700900001")
    assert not row.errors["from"].isVisible()


def test_sms_then_voice_send_check_and_success_in_the_row(
    world: dict[str, Any], qtbot: Any
) -> None:
    form = _v2_form(world, qtbot)
    form.v2.builder.add_channel("voice")
    form.v2.options.channel_timeout_edit.setText("60")
    verification: VerificationService = world["verification"]
    with qtbot.waitSignal(form.sent, timeout=5000) as sent:
        qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    started = sent.args[0]
    assert is_v2_request_id(started.request_id) and started.channels == ("sms", "voice")
    listed = world["control"].requests()
    assert listed[0]["request_id"] == started.request_id and listed[0]["channel_timeout"] == 60

    view = RecentRequestsView(world["history"], verification, world["refresher"])
    qtbot.addWidget(view)
    view.add_started(started)
    qtbot.waitUntil(lambda: (view.selected_entry() or None) is not None
                    and view.selected_entry().channels == "sms,voice", timeout=5000)  # fmt: skip
    row = view.model.row_of(started.request_id)
    assert row is not None
    workflow_cell = view.model.index(row, column_index(WORKFLOW))
    assert workflow_cell.data() == "SMS→Voice"  # short in the table, described in the tooltip
    tooltip = workflow_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "v2" in tooltip and "SMS → Voice call" in tooltip

    check = CheckForm(verification, world["history"])
    qtbot.addWidget(check)
    check.open_request(started.request_id)
    code = world["control"].messages(NUMBER)[-1].code
    check.code_edit.setText(code)
    with qtbot.waitSignal(check.checked, timeout=5000):
        qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
    assert check.result_label.text() == "Verified ✓"
    qtbot.waitUntil(
        lambda: (
            view.model.entry_at(view.model.row_of(started.request_id)).status
            == VerificationStatus.SUCCESS
        ),
        timeout=5000,
    )
    assert world["store"].find(started.request_id).status == VerificationStatus.SUCCESS


def test_a_422_reason_is_shown_on_the_field_it_names(
    world: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandbox refuses an SMS sender of one letter; let it past this app's own rule.
    real = v2_validation._check_sender

    def lenient(raw: str, name: str, *, number_only: bool) -> Any:
        if raw == "X":
            return v2_validation.Checked("X")
        return real(raw, name, number_only=number_only)

    monkeypatch.setattr(v2_validation, "_check_sender", lenient)
    form = _v2_form(world, qtbot)
    form.v2.builder.add_channel("voice")
    form.v2.builder.rows[0].from_edit.setText("X")
    task_failed: list[BaseException] = []
    world["verification"].started.connect(lambda _s: pytest.fail("must not start"))
    qtbot.mouseClick(form.send_button, Qt.MouseButton.LeftButton)
    # A plain sentence; the API's answer (HTTP 422 and its words) only under "Details".
    qtbot.waitUntil(lambda: "HTTP 422" in form.result_label.details(), timeout=5000)
    assert "refused some of the values" in form.result_label.text()
    assert "422" not in form.result_label.text()
    row = form.v2.builder.rows[0]
    # The field the API named is marked in plain words; the API's reason is under Details.
    assert row.errors["from"].isVisibleTo(form)
    assert messages.REFUSED_VALUE in row.errors["from"].text()
    assert "`from`" in form.result_label.details()
    assert not form.v2.builder.rows[1].errors["row"].isVisibleTo(form)
    assert world["control"].requests() == [] and task_failed == []
    entry = world["store"].recent()[0]
    assert entry.status == VerificationStatus.REFUSED and entry.api_version == "v2"


@pytest.mark.slow
def test_409_opens_the_concurrent_panel_with_the_live_uuid(
    world: dict[str, Any], qtbot: Any
) -> None:
    form = _v2_form(world, qtbot)
    with qtbot.waitSignal(form.sent, timeout=5000) as sent:
        form.send_button.click()
    live = sent.args[0].request_id
    form.send_button.click()
    panel = form.concurrent_panel
    qtbot.waitUntil(lambda: panel.request_id == live and panel.isVisibleTo(form), timeout=5000)
    assert live in panel.id_label.text()
    qtbot.waitUntil(panel.cancel_button.isEnabled, timeout=5000)  # v2: no 30 s rule
    panel.cancel_button.click()
    # (Not history_changed: the panel's lookup of the live request may announce one first.)
    qtbot.waitUntil(lambda: world["control"].requests()[0]["v2_status"] == "cancelled",
                    timeout=5000)
    qtbot.waitUntil(lambda: world["store"].find(live).status == VerificationStatus.CANCELLED)


def test_api_field_errors_map_whole_channel_names() -> None:
    errors = api_field_errors(
        [
            ("workflow[1]", "`from` is required for the whatsapp channel"),
            ("workflow[0].to", "bad"),
            ("workflow[2]", "something else"),
            ("brand", "`brand` is required"),
        ]
    )
    assert [e.field for e in errors] == ["workflow[1].from", "workflow[0].to", "workflow[2]",
                                         "brand"]  # fmt: skip
    reason = "`from` is required for the whatsapp channel"
    assert errors[0] == FieldError("workflow[1].from", reason)
    assert InvalidParameterError  # the class the send form reads them from
