"""View → Analytics: how verification is going, over a chosen date range.

A window of its own (the main window's layout stays as it is): the range (a preset or two
dates), the breakdown (day, hour, country, channel, API, profile, operator) and the profile at
the top; the totals (started, verified, conversion, median time to verify, cost) below them;
the requests chart and the outcome donut; the figures table of every group; and buttons that
save the figures as CSV and the chart as PNG.

Every change asks ``ReportsService.analytics`` for the figures (SQL aggregates on the reports
runner); a ``Latest`` holder keeps only the newest question, so changing the range twice never
shows the first answer last. Definitions of every figure: docs/analytics.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.analytics import AnalyticsQuery, AnalyticsReport
from desktop_app.domain.reports import BREAKDOWNS, breakdown
from desktop_app.services.latest import Latest
from desktop_app.ui import formatting, messages
from desktop_app.ui.analytics_chart import BreakdownChart, OutcomeChart
from desktop_app.ui.analytics_figures import (
    HEADERS,
    conversion_text,
    cost_text,
    figure_row,
    median_text,
    write_figures_csv,
)
from desktop_app.ui.fitting import first_size

__all__ = ["PRESETS", "AnalyticsPage", "choose_save_file"]

#: Range presets: (label, days back from today; 0 = today only, None = all time, -1 = custom).
PRESETS: tuple[tuple[str, int | None], ...] = (
    ("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29), ("Last 90 days", 89),
    ("Last 12 months", 364), ("All time", None), ("Custom dates", -1),
)  # fmt: skip
_DEFAULT_PRESET = 2
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
#: "All time" starts here: before any Verify Desk history could exist.
_ALL_TIME_START = date(2000, 1, 1)
#: The longest range shown hour by hour: 92 days is 2,208 points, already more than a chart
#: shows apart; a year is 8,761, each with its own median (seconds over 1 s on a 1M-row history).
MAX_HOURLY_DAYS = 92
_HOURLY_TOO_LONG = f"Hour by hour needs a range of {MAX_HOURLY_DAYS} days or less."
_ROOT = QModelIndex()
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole


class FiguresModel(QAbstractTableModel):
    """The figures table: one row per group, then ``All``; each row's text made when shown.

    A year by hour is 8,761 rows: made up front as table items they took about a second of the
    GUI thread; here a row costs only when it is painted.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._report: AnalyticsReport | None = None
        self._rows: dict[int, tuple[str, ...]] = {}

    def show_report(self, report: AnalyticsReport) -> None:
        """Show ``report``'s groups and totals."""
        self.beginResetModel()
        self._report = report
        self._rows = {}
        self.endResetModel()

    def row_texts(self, row: int) -> tuple[str, ...]:
        """The texts of one row (``figure_row``'s)."""
        texts = self._rows.get(row)
        if texts is None and self._report is not None:
            texts = self._rows[row] = figure_row(self._report, row)
        return texts or ()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        if parent.isValid() or self._report is None:
            return 0
        return len(self._report.groups) + 1

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == _DISPLAY:
            return self.row_texts(index.row())[index.column()]
        if role == _ALIGNMENT and index.column():
            return _RIGHT
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return HEADERS[section]
        return None


def choose_save_file(parent: QWidget, title: str, suggested: Path, filters: str) -> Path | None:
    """Ask where to save a file (a thin wrapper over ``QFileDialog`` that tests replace)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filters)
    return Path(path) if path else None


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def _count(n: int, noun: str) -> str:
    """``1 request``, ``2,400 requests``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


#: The window's first size when the screen holds it (a smaller screen gets its own size).
PREFERRED_SIZE: Final = (1100, 760)


class AnalyticsPage(QWidget):
    """The analytics window.

    Signals:
        figures_shown(): New figures are on screen (after each answer).

    Args:
        reports: The ``ReportsService``.
        profiles: The profile names for the profile picker ("All profiles" comes first).
        parent: The main window (the page is a separate top-level window).
        today: The local date (injectable for tests).
    """

    figures_shown = Signal()

    def __init__(self, reports: Any, *, profiles: Sequence[str] = (),
                 parent: QWidget | None = None,
                 today: Callable[[], date] = date.today) -> None:  # fmt: skip
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Analytics — Verify Desk")
        self._reports = reports
        self._today = today
        self._latest: Latest[AnalyticsReport] = Latest()
        self.report: AnalyticsReport | None = None
        self._build(profiles)
        self._connect()
        self._sized = False
        self.reload()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        if not self._sized:  # the first time: a comfortable size the screen can hold
            self._sized = True
            self.resize(first_size(self, PREFERRED_SIZE))
        super().showEvent(event)

    def _build(self, profiles: Sequence[str]) -> None:
        self.range_combo = QComboBox(self)
        for label, days in PRESETS:
            self.range_combo.addItem(label, days)
        self.range_combo.setCurrentIndex(_DEFAULT_PRESET)
        self.since_edit = QDateEdit(self)
        self.until_edit = QDateEdit(self)
        for edit, name in ((self.since_edit, "From"), (self.until_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        today = self._today()
        self.until_edit.setDate(QDate(today.year, today.month, today.day))
        self.since_edit.setDate(self.until_edit.date().addDays(-29))
        self.by_combo = QComboBox(self)
        for item in BREAKDOWNS:
            self.by_combo.addItem(f"By {item.title.lower()}", item.name)
        self.profile_combo = QComboBox(self)
        self.profile_combo.addItem("All profiles", None)
        for name in profiles:
            self.profile_combo.addItem(name, name)
        controls = QHBoxLayout()
        for widget in (QLabel("Range:"), self.range_combo, self.since_edit, QLabel("to"),
                       self.until_edit, self.by_combo, self.profile_combo):  # fmt: skip
            controls.addWidget(widget)
        controls.addStretch(1)
        self.totals: dict[str, QLabel] = {}
        cards = QHBoxLayout()
        for key, title in (("started", "Started"), ("verified", "Verified"),
                           ("conversion", "Conversion"), ("median", "Median time to verify"),
                           ("cost", "Cost")):  # fmt: skip
            cards.addWidget(self._card(key, title), 1)
        self.state_label = QLabel("", self)
        self.chart = BreakdownChart(self)
        self.outcomes = OutcomeChart(self)
        charts = QSplitter(Qt.Orientation.Horizontal, self)
        charts.addWidget(self.chart)
        charts.addWidget(self.outcomes)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 2)
        self.figures_model = FiguresModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.figures_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.save_csv_button = QPushButton("Save figures (CSV)…", self)
        self.save_png_button = QPushButton("Save chart (PNG)…", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state_label, 1)
        buttons.addWidget(self.save_csv_button)
        buttons.addWidget(self.save_png_button)
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(charts)
        body.addWidget(self.table)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(cards)
        layout.addWidget(body, 1)
        layout.addLayout(buttons)
        self._update_date_edits()
        self._update_grains()

    def _card(self, key: str, title: str) -> QFrame:
        """One figure of the totals: a small caption over a big value."""
        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        caption = QLabel(title, card)
        caption.setStyleSheet("color: palette(mid);")
        value = QLabel(formatting.MISSING, card)
        value.setAccessibleName(title)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        value.setFont(font)
        column = QVBoxLayout(card)
        column.addWidget(caption)
        column.addWidget(value)
        self.totals[key] = value
        return card

    def _connect(self) -> None:
        self.range_combo.currentIndexChanged.connect(self._on_range_changed)
        self.since_edit.dateChanged.connect(self._on_dates_changed)
        self.until_edit.dateChanged.connect(self._on_dates_changed)
        self.by_combo.currentIndexChanged.connect(self.reload)
        self.profile_combo.currentIndexChanged.connect(self.reload)
        self.save_csv_button.clicked.connect(self.save_figures)
        self.save_png_button.clicked.connect(self.save_chart)

    def _custom(self) -> bool:
        return bool(self.range_combo.currentData() == -1)

    def _update_date_edits(self) -> None:
        for edit in (self.since_edit, self.until_edit):
            edit.setEnabled(self._custom())

    def _on_range_changed(self, _index: int) -> None:
        self._update_date_edits()
        self._update_grains()
        self.reload()

    def _on_dates_changed(self, _date: QDate) -> None:
        if self._custom():
            self._update_grains()
            self.reload()

    def _update_grains(self) -> None:
        """Offer "by hour" only for ranges it can draw (and compute) in time; else by day."""
        query = self.query()
        fits = (query.until - query.since) <= timedelta(days=MAX_HOURLY_DAYS)
        index = self.by_combo.findData("hour")
        model = self.by_combo.model()  # a QComboBox's own model: one item per entry
        item = model.item(index) if isinstance(model, QStandardItemModel) and index >= 0 else None
        if item is None:
            return
        item.setEnabled(fits)
        item.setToolTip("" if fits else _HOURLY_TOO_LONG)
        if not fits and self.by_combo.currentIndex() == index:
            self.by_combo.blockSignals(True)  # the caller reloads once
            self.by_combo.setCurrentIndex(max(self.by_combo.findData("day"), 0))
            self.by_combo.blockSignals(False)

    def query(self) -> AnalyticsQuery:
        """The question the controls ask now."""
        today = self._today()
        days = self.range_combo.currentData()
        if days == -1:
            first, last = _day(self.since_edit.date()), _day(self.until_edit.date())
            first, last = min(first, last), max(first, last)
        else:
            first = _ALL_TIME_START if days is None else today - timedelta(days=int(days))
            last = today
        return AnalyticsQuery(
            since=_local_midnight(first), until=_local_midnight(last + timedelta(days=1)),
            by=str(self.by_combo.currentData()), profile=self.profile_combo.currentData(),
        )  # fmt: skip

    def reload(self) -> None:
        """Ask for the figures of the current controls (a newer question replaces this one)."""
        self.state_label.setText("Computing…")
        task = self._latest.set(self._reports.analytics(self.query()))
        task.on_success(self._show).on_failure(self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        self.state_label.setText(messages.describe(exc))

    def _show(self, report: AnalyticsReport) -> None:
        self.report = report
        totals = report.totals
        self.totals["started"].setText(f"{totals.started:,}")
        self.totals["verified"].setText(f"{totals.verified:,}")
        self.totals["conversion"].setText(conversion_text(totals))
        self.totals["median"].setText(median_text(totals))
        self.totals["cost"].setText(cost_text(totals))
        self.figures_model.show_report(report)
        title = f"Requests by {breakdown(report.query.by).title.lower()}"
        self.chart.show_report(report, title)
        self.outcomes.show_report(report)
        groups = len(report.groups)
        self.state_label.setText(f"{_count(totals.started, 'request')} in "
                                 f"{_count(groups, 'group')}.")  # fmt: skip
        self.figures_shown.emit()

    def save_figures(self) -> None:
        """Save the figures table as CSV (asks where)."""
        if self.report is None:
            return
        path = choose_save_file(self, "Save the figures", Path.home() / "verify-desk-figures.csv",
                                "CSV for spreadsheets (*.csv)")  # fmt: skip
        if path is None:
            return
        try:
            write_figures_csv(self.report, path)
        except OSError as exc:
            messages.show_error(self, f"The figures cannot be saved ({exc.strerror or exc}).")
            return
        self.state_label.setText(f"Figures saved to {path}.")

    def save_chart(self) -> None:
        """Save the requests chart as a PNG image (asks where)."""
        path = choose_save_file(self, "Save the chart", Path.home() / "verify-desk-chart.png",
                                "PNG image (*.png)")  # fmt: skip
        if path is None:
            return
        if not self.chart.grab().save(str(path), "PNG"):
            messages.show_error(self, f"The chart cannot be saved to {path}.")
            return
        self.state_label.setText(f"Chart saved to {path}.")
