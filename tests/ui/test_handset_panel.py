from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.domain.errors import ConnectError
from desktop_app.domain.models import HandsetMessage
from desktop_app.ui.handset_panel import COL_CHANNEL, COL_CODE, COL_NUMBER, HandsetPanel


def _messages():
    return (
        HandsetMessage(
            "r1",
            "447700900123",
            "sms",
            "1234",
            "Your Acme code is 1234",
            datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        ),
        HandsetMessage(
            "r1",
            "447700900123",
            "tts",
            "1234",
            "Your code is 1 2 3 4",
            datetime(2026, 3, 1, 12, 5, tzinfo=UTC),
        ),
    )


def test_shows_messages_newest_first(qtbot, fake_handset):
    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    fake_handset.messages_changed.emit(_messages())
    tree = panel.messages_tree
    assert tree.topLevelItemCount() == 2
    newest = tree.topLevelItem(0)
    assert newest.text(COL_CHANNEL) == "Call"
    assert tree.topLevelItem(1).text(COL_CHANNEL) == "SMS"
    assert newest.text(COL_CODE) == "1234"
    assert newest.text(COL_NUMBER) == "+44 7700 900123"
    assert newest.toolTip(COL_CODE) == "Your code is 1 2 3 4"
    font = newest.font(COL_CODE)
    assert font.family() == panel.code_font.family()  # the system's fixed-pitch font
    assert font.pointSizeF() > tree.font().pointSizeF()


def test_clock_controls_call_the_service(qtbot, fake_handset):
    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    panel.speed_combo.activated.emit(3)
    assert fake_handset.calls("set_time_scale")[-1].args == (600.0,)
    panel.skip_30s_button.click()
    panel.skip_5min_button.click()
    assert [t.args for t in fake_handset.calls("advance")] == [(30,), (300,)]
    fake_handset.calls("advance")[-1].fail(ConnectError())
    assert "could not be reached" in panel.status_label.text()
    fake_handset.clock_changed.emit(60.0)
    assert panel.speed_combo.currentData() == 60.0


def test_polls_only_while_shown(qtbot, fake_handset):
    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    assert not fake_handset.running
    panel.show()
    qtbot.waitUntil(lambda: fake_handset.running)
    panel.hide()
    assert not fake_handset.running


def test_explains_when_not_the_sandbox(qtbot, fake_handset):
    fake_handset.available = False
    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.unavailable_label.isVisible()
    assert "Sandbox profile" in panel.unavailable_label.text()
    assert not panel.speed_combo.isEnabled()
    assert not panel.skip_30s_button.isEnabled()
    assert not fake_handset.running
    fake_handset.available = True
    panel.update_availability()
    assert panel.speed_combo.isEnabled()
    assert fake_handset.running


def test_the_codes_tab_lists_only_messages_that_carry_a_code(qtbot, fake_handset):
    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    text = HandsetMessage("m1", "447700900123", "whatsapp", "", "Your parcel is on its way",
                          datetime(2026, 3, 1, 12, 6, tzinfo=UTC))  # fmt: skip
    fake_handset.messages_changed.emit((*_messages(), text))
    assert panel.messages_tree.topLevelItemCount() == 2  # the text is a conversation's
    assert all(panel.messages_tree.topLevelItem(i).text(COL_CODE) == "1234" for i in range(2))


def test_the_clock_line_shows_the_sandbox_time_and_how_far_ahead_it_is(qtbot, fake_handset):

    ahead = timedelta(minutes=5, seconds=0.5)  # a skip of 5 min, read half a second later
    panel = HandsetPanel(fake_handset, clock=lambda: datetime.now(UTC) + ahead)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: "ahead" in panel.clock_label.text())
    shown = panel.clock_label.text()
    assert shown.startswith("Sandbox time ") and shown.endswith(", 5 min 00 s ahead")
    fake_handset.available = False  # another profile: no sandbox clock to show
    panel.update_availability()
    assert not panel.clock_label.isVisible()


def test_the_clock_line_says_nothing_of_ahead_when_the_clock_runs_true():
    from desktop_app.ui.handset_panel import clock_line_text

    now = datetime(2026, 12, 7, 3, 0, 0, tzinfo=UTC)
    local = now.astimezone().strftime("%H:%M:%S")
    assert clock_line_text(now, now) == f"Sandbox time {local}"
    assert clock_line_text(now.replace(second=1), now) == f"Sandbox time {local[:-2]}01"
    later = now.replace(hour=4, minute=2, second=3)
    assert clock_line_text(later, now).endswith(", 1 h 02 min ahead")
    skipped = now + timedelta(minutes=5, seconds=-0.4)  # 5 min skipped, read a moment off
    assert clock_line_text(skipped, now).endswith(", 5 min 00 s ahead")


def test_the_codes_tab_says_what_comes_there_until_the_first_code(qtbot, fake_handset):
    from desktop_app.ui.handset_panel import NO_CODES_TEXT

    panel = HandsetPanel(fake_handset)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.codes_hint.isVisible() and panel.codes_hint.text() == NO_CODES_TEXT
    fake_handset.messages_changed.emit(_messages())
    assert panel.codes_hint.isHidden()
    fake_handset.messages_changed.emit(())
    fake_handset.available = False  # another profile: the panel explains itself above
    panel.update_availability()
    assert panel.codes_hint.isHidden()
