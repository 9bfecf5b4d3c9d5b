from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon

from desktop_app.domain.models import CheckAttempt, VerificationStatus
from desktop_app.ui import formatting
from desktop_app.ui.history_columns import (
    BRAND,
    CHECKS,
    COLUMNS,
    NUMBER,
    PRICE,
    STARTED,
    STATUS,
    WORKFLOW,
    column_index,
)
from desktop_app.ui.history_model import HistoryTableModel

COL_STARTED, COL_NUMBER, COL_STATUS = map(column_index, (STARTED, NUMBER, STATUS))
COL_BRAND, COL_WORKFLOW, COL_CHECKS, COL_PRICE = map(column_index, (BRAND, WORKFLOW, CHECKS, PRICE))

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)  # the conftest factories' start time


@pytest.fixture
def rows(make_entry):
    return [
        make_entry(number="447700900123", brand="Acme", created_at=T0),
        make_entry(
            number="14155550100",
            brand="Globex",
            status=VerificationStatus.SUCCESS,
            created_at=T0 + timedelta(minutes=5),
            price=Decimal("0.05000000"),
            currency="EUR",
            checks_count=1,
        ),
        make_entry(
            number="33612345678",
            brand="Initech",
            status=VerificationStatus.EXPIRED,
            created_at=T0 - timedelta(minutes=5),
            workflow_id=6,
        ),
    ]


def _model(rows, clock=None):
    model = HistoryTableModel() if clock is None else HistoryTableModel(clock=clock)
    model.set_rows(rows)
    return model


def test_the_model_passes_the_model_tester(qtmodeltester, rows, make_entry, make_record):
    model = _model(rows)
    qtmodeltester.check(model)
    model.upsert(make_entry(brand="New"))
    model.upsert(rows[0])
    model.apply_records((make_record(rows[0].request_id, status="SUCCESS"),))
    qtmodeltester.check(model)
    model.sort(COL_BRAND, Qt.SortOrder.AscendingOrder)
    model.set_rows([rows[1], make_entry(brand="Other")])
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)


def test_display_values(rows):
    model = _model(rows)
    assert model.index(0, COL_NUMBER).data() == "+44 7700 900123"
    assert model.index(1, COL_PRICE).data() == "0.05 EUR"
    assert model.index(1, COL_CHECKS).data() == "1"
    assert model.index(1, COL_STATUS).data() == "Verified"
    # Short in the cell, the description in the tooltip.
    assert model.index(2, COL_WORKFLOW).data() == "SMS"
    assert model.index(2, COL_WORKFLOW).data(Qt.ItemDataRole.ToolTipRole) == "6: One SMS only"
    assert model.index(0, COL_WORKFLOW).data() == "SMS→Call→Call"
    assert model.index(0, COL_STARTED).data(Qt.ItemDataRole.EditRole) is None
    assert model.headerData(COL_STATUS, Qt.Orientation.Horizontal) == "Status"
    headers = tuple(column.header for column in COLUMNS)
    assert headers[:3] == ("Started", "Number", "Status")
    assert headers[-3:] == ("Profile", "Operator", "Host")
    shown = [c.header for c in COLUMNS if not c.hidden]  # the key columns fit 1280 px
    assert shown == ["Started", "Number", "Status", "Brand", "Workflow"]


def test_started_is_compact_with_the_full_moment_in_the_tooltip(rows, clock):
    model = _model(rows, clock)
    local = T0.astimezone()
    assert model.index(0, COL_STARTED).data() == local.strftime("%H:%M:%S")  # today
    tooltip = model.index(0, COL_STARTED).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == f"Started {local.strftime('%Y-%m-%d %H:%M:%S')}"
    clock.advance(2 * 86400)  # two days later: the date is shown too
    model.roll_day()
    assert model.index(0, COL_STARTED).data() == local.strftime("%m-%d %H:%M")


def test_multi_data_answers_the_delegate_roles(qapp, rows):
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan

    model = _model(rows)

    def ask(column, role):
        role_data = QModelRoleData(int(role))
        model.multiData(model.index(1, column), QModelRoleDataSpan(role_data))
        return role_data.data()

    assert ask(COL_STATUS, Qt.ItemDataRole.DisplayRole) == "Verified"
    assert isinstance(ask(COL_STATUS, Qt.ItemDataRole.ForegroundRole), QColor)
    assert isinstance(ask(COL_STATUS, Qt.ItemDataRole.DecorationRole), QIcon)
    assert ask(COL_STATUS, Qt.ItemDataRole.FontRole) is None
    assert ask(COL_PRICE, Qt.ItemDataRole.DisplayRole) == "0.05 EUR"
    assert ask(COL_PRICE, Qt.ItemDataRole.ForegroundRole) is None
    alignment = Qt.ItemDataRole.TextAlignmentRole
    assert ask(COL_PRICE, alignment) == model.index(1, COL_PRICE).data(alignment)
    assert ask(COL_NUMBER, alignment) is None


def test_changes_are_reported_for_the_changed_columns_only(qtbot, rows, make_record):
    model = _model(rows)
    ranges = []
    model.dataChanged.connect(
        lambda a, b, _roles=(): ranges.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.apply_records((make_record(rows[0].request_id, status="SUCCESS"),))
    assert ranges == [(0, COL_STATUS, 0, COL_STATUS)]
    ranges.clear()
    model.apply_records((make_record(rows[0].request_id, status="SUCCESS"),))  # no change
    model.merge_head(model.rows(), more=False)  # a reload bringing the same rows
    assert ranges == []
    brand = rows[1].__class__(**{**model.entry_at(1).__dict__, "brand": "Other", "checks_count": 4})
    model.merge_head([model.entry_at(0), brand, model.entry_at(2)], more=False)
    assert ranges == [(1, COL_BRAND, 1, COL_CHECKS)]


def test_status_colour_differs_per_palette_and_is_set_for_status_only(qapp, rows):
    model = _model(rows)
    colour = model.index(1, COL_STATUS).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(colour, QColor)
    swatch = model.index(1, COL_STATUS).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(swatch, QIcon)  # one icon per status, filled with the status colour
    assert swatch.pixmap(16, 16).toImage().pixelColor(8, 8) == colour
    again = model.index(1, COL_STATUS).data(Qt.ItemDataRole.DecorationRole)
    assert again.cacheKey() == swatch.cacheKey()  # the same icon, not a new one per paint
    assert model.index(1, COL_NUMBER).data(Qt.ItemDataRole.ForegroundRole) is None
    light = formatting.status_color("SUCCESS", dark=False)
    dark = formatting.status_color("SUCCESS", dark=True)
    assert light.lightness() < 128 < dark.lightness()


def test_masking_hides_middle_digits(qtbot, rows):
    model = _model(rows)
    with qtbot.waitSignal(model.dataChanged):
        model.set_mask_numbers(True)
    assert model.index(0, COL_NUMBER).data() == "+••• 0123"
    model.set_mask_numbers(False)
    assert model.index(0, COL_NUMBER).data() == "+44 7700 900123"


def test_a_messages_sender_number_is_masked_too_and_named_in_the_tooltip(qtbot, make_entry):
    """A message's Brand cell is its sender: a phone number is cut to four digits on a
    projector like every other (it was shown whole)."""
    from desktop_app.domain.message_delivery import MESSAGES_API

    model = _model([make_entry(api_version=MESSAGES_API, brand="447700900001"),
                    make_entry(brand="Acme")])  # fmt: skip
    sender = model.index(0, COL_BRAND)
    assert sender.data() == "+44 7700 900001"
    assert sender.data(Qt.ItemDataRole.ToolTipRole) == "Sent from +44 7700 900001"
    with qtbot.waitSignal(model.dataChanged):
        model.set_mask_numbers(True)
    assert sender.data() == "+••• 0001"
    assert "900001" not in sender.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(1, COL_BRAND).data() == "Acme"  # a brand name stays as it is


def test_upsert_inserts_at_top_or_updates_in_place(qtbot, rows, make_entry):
    model = _model(rows)
    new = make_entry(brand="Fresh")
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert(new)
    assert model.entry_at(0) == new
    assert model.row_of(new.request_id) == 0
    changed = new.__class__(**{**new.__dict__, "status": VerificationStatus.CANCELLED})
    with qtbot.waitSignal(model.dataChanged):
        model.upsert(changed)
    assert model.rowCount() == 4
    assert model.entry_at(0).status is VerificationStatus.CANCELLED
    assert model.row_of("unknown") is None
    assert model.entry_at(99) is None


def test_apply_records_updates_status_price_and_checks(qtbot, rows, make_record):
    model = _model(rows)
    record = make_record(
        rows[0].request_id,
        status="SUCCESS",
        price=Decimal("0.05"),
        currency="EUR",
        date_finalized=T0 + timedelta(seconds=40),
        checks=(CheckAttempt(T0, "INVALID", code="1111"), CheckAttempt(T0, "VALID", code="1234")),
    )
    with qtbot.waitSignal(model.dataChanged):
        model.apply_records((record, make_record("not-loaded")))
    entry = model.entry_at(0)
    assert entry.status is VerificationStatus.SUCCESS
    assert entry.price == Decimal("0.05")
    assert entry.checks_count == 2
    assert entry.last_check_outcome == "VALID"
    assert model.index(0, COL_CHECKS).data() == "2"


def test_reloads_and_new_queries_never_reset_the_model(qtbot, rows, make_entry):
    # A reset repaints the horizontal header and drops the selection: rows move instead.
    model = _model(rows)
    changed = [rows[0].__class__(**{**rows[0].__dict__, "checks_count": 2}), *rows[1:]]
    other = make_entry(brand="Other")
    with qtbot.assertNotEmitted(model.modelReset):
        with qtbot.waitSignal(model.dataChanged):
            model.merge_head(changed, more=False)
        with qtbot.waitSignal(model.rowsRemoved), qtbot.waitSignal(model.rowsInserted):
            model.set_rows([other, changed[0]])
    assert [e.id for e in model.rows()] == [other.id, changed[0].id]


def test_sorting_orders_rows_on_the_columns_keys(qtbot, rows):
    model = _model(rows)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.layoutChanged):
        model.sort(COL_STARTED, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, COL_BRAND).data() for r in range(3)] == ["Initech", "Acme", "Globex"]
    model.sort(COL_STATUS, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, COL_STATUS).data() for r in range(3)] == [
        "Expired",
        "In progress",
        "Verified",
    ]
    model.sort(COL_PRICE, Qt.SortOrder.DescendingOrder)
    assert model.index(0, COL_BRAND).data() == "Globex"
    model.sort(COL_STARTED, Qt.SortOrder.DescendingOrder)  # the store's order again
    assert [model.index(r, COL_BRAND).data() for r in range(3)] == ["Globex", "Acme", "Initech"]


def test_sorting_keeps_the_selection_on_its_row(qtbot, rows):
    from PySide6.QtCore import QPersistentModelIndex

    model = _model(rows)
    kept = QPersistentModelIndex(model.index(2, COL_BRAND))  # Initech, what a view holds
    model.sort(COL_STARTED, Qt.SortOrder.AscendingOrder)
    assert kept.row() == 0 and kept.data() == "Initech"


def test_formatting_helpers():
    assert formatting.format_duration(125) == "2 min 05 s"
    assert formatting.format_duration(45) == "45 s"
    assert formatting.format_duration(-1) == "0 s"
    assert formatting.format_duration(3725) == "1 h 02 min"
    assert formatting.format_money(Decimal("0.04675000"), "EUR") == "0.04675 EUR"
    assert formatting.format_money(None) == "—"
    assert formatting.format_number("447700900123", mask=True) == "+••• 0123"
    assert formatting.status_text("SOMETHING NEW") == "Something New"


def test_lazy_paging_asks_for_the_next_page_and_appends_it(qtbot, qtmodeltester, make_entry):
    newest = [make_entry(created_at=T0 - timedelta(minutes=i)) for i in range(3)]
    older = [make_entry(created_at=T0 - timedelta(minutes=10 + i)) for i in range(2)]
    model = _model([])
    model.set_rows(newest, more=True)
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.more_requested) as asked:
        model.fetchMore(QModelIndex())
    assert asked.args == [(newest[-1].created_at, newest[-1].id)]
    assert not model.canFetchMore(QModelIndex())  # one page at a time
    with qtbot.waitSignal(model.rowsInserted):
        model.append_page(older, more=False)
    assert model.rowCount() == 5
    assert model.row_of(older[-1].request_id) == 4
    assert not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)


def test_merge_head_keeps_older_pages_and_inserts_new_rows_on_top(qtbot, make_entry):
    page = [make_entry(created_at=T0 - timedelta(minutes=i)) for i in range(2)]
    older = [make_entry(created_at=T0 - timedelta(minutes=10 + i)) for i in range(2)]
    model = _model([])
    model.set_rows(page, more=True)
    model.append_page(older, more=True)
    new = make_entry(created_at=T0 + timedelta(minutes=1))
    changed = page[0].__class__(**{**page[0].__dict__, "checks_count": 3})
    with qtbot.assertNotEmitted(model.modelReset):
        model.merge_head([new, changed], more=True)
    assert [e.id for e in model.rows()] == [new.id, page[0].id, page[1].id, *(e.id for e in older)]
    assert model.entry_at(1).checks_count == 3
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.rowsRemoved):
        model.merge_head([new], more=False)  # the whole (filtered) history: replace
    assert model.rowCount() == 1
