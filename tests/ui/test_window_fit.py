"""The window on its screen, and what it remembers about itself (offscreen; issue 9 items 1, 7).

The offscreen platform has one 800x800 screen. ``tests/ui/test_fits_screen.py`` shows the same
under a real X server and window manager at real screen sizes.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from desktop_app.app import AppContext
from desktop_app.settings.preferences import PreferencesStore
from desktop_app.settings.profiles import SANDBOX_PROFILE, Profile
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.fitting import MAX_MINIMUM_WIDTH, ScrollPage, shrinkable
from desktop_app.ui.main_window import PREFERRED_SIZE, MainWindow, saved_frame
from tests.helpers.apps import MakeApp

# ``ctx`` and ``make_app(shown=True)``: the window shown, as the launcher does (sizes are real).
pytestmark = pytest.mark.app(shown=True)

LONG = "No request with this id was found. Check the id; a request that just ended " * 3


class _Profiles:
    def profiles(self) -> list[Profile]:
        return [SANDBOX_PROFILE]

    def current(self) -> Profile:
        return SANDBOX_PROFILE


def _window(qtbot: Any) -> MainWindow:
    window = MainWindow(profiles=_Profiles())
    qtbot.addWidget(window)
    return window


def _encoded(window: MainWindow) -> str:
    return str(window.save_state()["window_geometry"])


# -- the first window and a saved one ----------------------------------------------------------


def test_the_first_window_takes_the_screen_up_to_a_comfortable_size(qtbot: Any) -> None:
    window = _window(qtbot)
    area = window.screen().availableGeometry()
    assert window.width() <= min(PREFERRED_SIZE[0], area.width())
    assert window.height() <= min(PREFERRED_SIZE[1], area.height())
    # Only the room for the window manager's frame is left (here there is none to measure).
    assert window.width() >= min(PREFERRED_SIZE[0], area.width()) - 40
    assert window.height() >= min(PREFERRED_SIZE[1], area.height()) - 60
    assert area.contains(window.frameGeometry())


def test_a_saved_geometry_is_read_from_qts_blob(qtbot: Any) -> None:
    window = _window(qtbot)
    window.setGeometry(30, 40, 500, 300)
    blob = bytes(window.saveGeometry().data())
    frame, maximized = saved_frame(blob) or (None, None)
    assert frame == QRect(QPoint(30, 40), QPoint(529, 339)) and maximized is False
    assert saved_frame(b"") is None
    assert saved_frame(b"\0" * 66) is None  # not Qt's magic number


def test_a_saved_geometry_that_fits_is_restored(qtbot: Any) -> None:
    first = _window(qtbot)
    first.setGeometry(30, 40, 500, 300)
    again = _window(qtbot)
    again.restore_state({"window_geometry": _encoded(first)})
    assert (again.x(), again.y(), again.width(), again.height()) == (30, 40, 500, 300)


def test_a_saved_geometry_larger_than_the_screen_is_not_restored(qtbot: Any) -> None:
    fresh = _window(qtbot)
    big = _window(qtbot)
    big.setGeometry(0, 0, 1800, 1000)  # saved on a bigger screen than this 800x800 one
    again = _window(qtbot)
    again.restore_state({"window_geometry": _encoded(big), "splitter_state": "AAAA"})
    assert again.size() == fresh.size()
    assert again.screen().availableGeometry().contains(again.frameGeometry())


def test_a_damaged_saved_geometry_is_ignored(qtbot: Any) -> None:
    fresh = _window(qtbot)
    again = _window(qtbot)
    again.restore_state({"window_geometry": "bm90IGEgZ2VvbWV0cnk="})
    assert again.size() == fresh.size()


# -- what the app remembers --------------------------------------------------------------------


def test_hiding_the_handset_is_remembered(qtbot: Any, make_app: MakeApp) -> None:
    first = make_app(shown=True)
    assert first.window.handset_dock.isVisible()
    first.window.handset_dock.toggleViewAction().trigger()  # View > Handset, unticked
    assert not first.window.handset_dock.isVisible()
    assert first.shutdown(5000)
    assert PreferencesStore(first.paths.settings_file).load().handset_visible is False

    second = make_app(shown=True)
    try:
        dock = second.window.handset_dock
        assert dock.isHidden()
        assert second.window.badge.text() == "SANDBOX"
        dock.toggleViewAction().trigger()  # shown again, and that is remembered too
        assert dock.isVisible()
        assert second.window.save_state()["handset_visible"] is True
    finally:
        assert second.shutdown(5000)


def test_closing_the_handset_dock_is_remembered(ctx: AppContext) -> None:
    dock = ctx.window.handset_dock
    dock.close()  # its close button
    assert ctx.window.save_state()["handset_visible"] is False
    ctx.window._on_session_profile_changed(SANDBOX_PROFILE)  # a profile switch keeps it hidden
    assert dock.isHidden()


def test_an_invalid_brand_is_neither_saved_nor_restored(qtbot: Any, make_app: MakeApp) -> None:
    first = make_app(shown=True)
    first.window.send_form.brand_edit.setText("B" * 27)  # over the 18-character rule
    assert first.shutdown(5000)
    store = PreferencesStore(first.paths.settings_file)
    assert store.load().brand == ""
    # A file written by an older version (or by hand) with such a draft in it:
    from dataclasses import replace

    store.save(replace(store.load(), brand="B" * 27))
    second = make_app(shown=True)
    try:
        form = second.window.send_form
        assert form.brand_edit.text() == ""
        assert form.errors["brand"].isHidden()
    finally:
        assert second.shutdown(5000)


def test_a_valid_brand_is_kept(qtbot: Any, make_app: MakeApp) -> None:
    first = make_app(shown=True)
    first.window.send_form.brand_edit.setText("  Acme Bank  ")
    assert first.shutdown(5000)
    second = make_app(shown=True)
    try:
        assert second.window.send_form.brand_edit.text() == "Acme Bank"
    finally:
        assert second.shutdown(5000)


# -- content never resizes the window ----------------------------------------------------------


def test_long_texts_and_new_channels_do_not_widen_the_window(qtbot: Any, ctx: AppContext) -> None:
    window = ctx.window
    size = window.size()
    least = window.minimumSizeHint()
    window.recent.message_label.setText(LONG)
    window.recent.message_label.show()
    window.recent.details.note_label.setText(LONG)
    window.send_form.set_region("GB")
    window.send_form.number_edit.setText("020 7946 0018")
    assert window.send_form.landline_hint.isVisible()
    window.send_form.v2.set_api("v2")
    for _ in range(3):
        window.send_form.v2.builder.add_button.click()
    rows = window.send_form.v2.builder.rows
    qtbot.waitUntil(lambda: len(rows) == 4 and rows[-1].isVisible())
    window.send_form.result_label.setText(LONG)
    window.layout().activate()  # what the next event-loop turn would do: apply the layouts
    assert window.size() == size
    # Still usable on a 1024x640 screen (frame and panels included).
    assert window.minimumSizeHint().width() <= 1000 and window.minimumSize().width() <= 1000
    assert window.minimumSizeHint().height() <= 560 and window.minimumSize().height() <= 560
    assert least.width() <= 1000


def test_the_handset_never_cuts_the_number_off(ctx: AppContext) -> None:
    from desktop_app.ui.handset_panel import COL_CODE, COL_NUMBER

    tree = ctx.window.handset_panel.messages_tree
    header = tree.header()
    assert [header.logicalIndex(v) for v in range(2)] == [COL_CODE, COL_NUMBER]
    needed = tree.columnWidth(COL_CODE) + tree.columnWidth(COL_NUMBER)
    assert tree.minimumWidth() >= needed + 2 * tree.frameWidth()


# -- the fitting widgets -----------------------------------------------------------------------


def test_a_scroll_page_asks_for_its_contents_width_up_to_a_cap(qtbot: Any) -> None:
    page = ScrollPage()
    qtbot.addWidget(page)
    label = QLabel("narrow")
    page.body_layout.addWidget(label)
    small = page.minimumSizeHint().width()
    assert small < MAX_MINIMUM_WIDTH
    label.setMinimumWidth(300)
    assert page.minimumSizeHint().width() > 300
    label.setMinimumWidth(2000)
    assert page.minimumSizeHint().width() == MAX_MINIMUM_WIDTH
    assert page.minimumSizeHint().height() < 200  # the rest scrolls


def test_a_scroll_page_tells_its_column_when_its_contents_grow(qtbot: Any) -> None:
    column = QWidget()
    qtbot.addWidget(column)
    page = ScrollPage()
    QVBoxLayout(column).addWidget(page)
    column.show()
    qtbot.waitExposed(column)
    before = column.minimumSizeHint().width()
    wide = QLabel("x")
    wide.setMinimumWidth(before + 100)
    page.body_layout.addWidget(wide)
    qtbot.waitUntil(lambda: column.minimumSizeHint().width() > before)


def test_an_elided_label_keeps_its_full_text_in_the_tooltip(qtbot: Any) -> None:
    label = ElidedLabel(LONG)
    qtbot.addWidget(label)
    assert label.minimumSizeHint().width() < 100
    label.resize(120, label.sizeHint().height())
    label.show()
    qtbot.waitExposed(label)
    assert label.elided and label.toolTip() == LONG
    label.setText("short")
    assert not label.elided and label.toolTip() == ""
    label.grab()  # paints, elided or not


def test_a_shrinkable_combo_is_not_as_wide_as_its_longest_item(qtbot: Any) -> None:
    combo = shrinkable(QComboBox(), 10)
    qtbot.addWidget(combo)
    combo.addItems(["short", "a very long item " * 5])
    wide = QComboBox()
    qtbot.addWidget(wide)
    wide.addItems(["short", "a very long item " * 5])
    assert combo.minimumSizeHint().width() < wide.minimumSizeHint().width() / 2


def _column(ctx: AppContext, title: str) -> int:
    """The recent-requests table's column with this header."""
    model = ctx.window.recent.table.model()
    return next(c for c in range(model.columnCount())
                if model.headerData(c, Qt.Orientation.Horizontal) == title)


def test_a_column_hidden_from_the_header_menu_stays_hidden(
    qtbot: Any, make_app: MakeApp
) -> None:
    first = make_app(shown=True)
    header = first.window.recent.table.horizontalHeader()
    col_brand, col_price = _column(first, "Brand"), _column(first, "Price")
    assert header.isSectionHidden(col_price)  # not a key column: hidden until asked for
    actions = {a.text(): a for a in first.window.recent.column_menu().actions()}
    actions["Brand"].trigger()
    assert header.isSectionHidden(col_brand)
    assert first.shutdown(5000)
    second = make_app(shown=True)
    try:
        assert second.window.recent.table.horizontalHeader().isSectionHidden(col_brand)
    finally:
        assert second.shutdown(5000)
