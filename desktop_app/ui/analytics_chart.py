"""The analytics charts, drawn with Qt Charts (``PySide6.QtCharts``, from PySide6-Addons).

The only module that imports the chart library; ``analytics_page`` imports it when the page is
first opened, so the window's start-up never loads it (a test checks ``sys.modules``). Why Qt
Charts and not pyqtgraph: docs/benchmarks.md, "Analytics: the chart library" (about 3 ms to
import against about 350 ms for pyqtgraph and numpy, and business-chart looks: category axes,
legends, themes). Qt marks Qt Charts deprecated since 6.10 in favour of the QML-based Qt
Graphs; keeping every chart call in this module makes a later switch one module's work.

Two charts:

* :class:`BreakdownChart`: started and verified requests per group, as lines over time for
  the day and hour breakdowns, as bars for the others (the largest ``MAX_BARS`` groups);
* :class:`OutcomeChart`: the outcome mix as a donut, one slice per status, in the status
  colours of the history table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from desktop_app.domain.analytics import AnalyticsReport
from desktop_app.domain.models import VerificationStatus
from desktop_app.ui import formatting
from desktop_app.ui.analytics_figures import short_label

__all__ = ["MAX_BARS", "BreakdownChart", "OutcomeChart"]

#: Bars shown for a category breakdown (the largest groups; the table lists them all).
MAX_BARS = 12
#: Up to this many points per line are marked (more would crowd the line).
_MARKED_POINTS = 62
_MAX_TICKS = 7
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
_STARTED = QColor("#5f6b7a")
_VERIFIED = QColor("#1b7a2b")


def _msecs(moment: datetime) -> float:
    """A naive local moment as milliseconds since the epoch (what QDateTimeAxis plots).

    Python's local time (the C library's, as Qt's): a ``QDateTime`` built per point cost 60 us
    (half a second of the GUI thread for a year by hour).
    """
    return moment.timestamp() * 1000.0


def _new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    if formatting.palette_is_dark():
        chart.setTheme(QChart.ChartTheme.ChartThemeDark)
    return chart


class BreakdownChart(QChartView):
    """Started and verified requests per group of the report's breakdown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_new_chart(""), parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(420, 260)
        self.setAccessibleName("Requests chart")

    def show_report(self, report: AnalyticsReport, title: str) -> None:
        """Draw ``report`` (replaces the previous chart)."""
        chart = _new_chart(title)
        if report.query.by in ("day", "hour"):
            self._timeline(chart, report)
        else:
            self._bars(chart, report)
        old = self.chart()
        self.setChart(chart)
        old.deleteLater()

    def _timeline(self, chart: QChart, report: AnalyticsReport) -> None:
        started, verified = QLineSeries(), QLineSeries()
        started.setName("Started")
        verified.setName("Verified")
        started.setColor(_STARTED)
        verified.setColor(_VERIFIED)
        top = 0
        for group in report.groups:
            if not isinstance(group.key, datetime):
                continue
            x = _msecs(group.key)
            started.append(x, group.figures.started)
            verified.append(x, group.figures.verified)
            top = max(top, group.figures.started)
        # A line needs two points: a day or two of history would draw nothing without its
        # points marked (and few points are easier read with them).
        for series in (started, verified):
            series.setPointsVisible(started.count() <= _MARKED_POINTS)
            series.setMarkerSize(7)
        chart.addSeries(started)
        chart.addSeries(verified)
        x_axis = QDateTimeAxis()
        x_axis.setFormat("MMM d" if report.query.by == "day" else "MMM d HH:mm")
        x_axis.setTickCount(_MAX_TICKS)
        if report.groups:
            first, last = report.groups[0].key, report.groups[-1].key
            if isinstance(first, datetime) and isinstance(last, datetime):
                # A step either side, so the first and last points are off the edges; over a
                # short span one tick per step, so each tick's label is its point's.
                step = _DAY_MS if report.query.by == "day" else _HOUR_MS
                start, end = int(_msecs(first) - step), int(_msecs(last) + step)
                ticks = round((end - start) / step) + 1
                if ticks <= _MAX_TICKS:
                    x_axis.setTickCount(ticks)
                x_axis.setRange(QDateTime.fromMSecsSinceEpoch(start),
                                QDateTime.fromMSecsSinceEpoch(end))  # fmt: skip
        self._attach(chart, x_axis, [started, verified], top)

    def _bars(self, chart: QChart, report: AnalyticsReport) -> None:
        groups = report.groups[:MAX_BARS]
        started, verified = QBarSet("Started"), QBarSet("Verified")
        started.setColor(_STARTED)
        verified.setColor(_VERIFIED)
        started.append([float(g.figures.started) for g in groups])
        verified.append([float(g.figures.verified) for g in groups])
        series = QBarSeries()
        series.append(started)
        series.append(verified)
        chart.addSeries(series)
        x_axis = QBarCategoryAxis()
        x_axis.append([short_label(report.query.by, g.key) for g in groups])
        top = max((g.figures.started for g in groups), default=0)
        self._attach(chart, x_axis, [series], top)

    @staticmethod
    def _attach(chart: QChart, x_axis: QAbstractAxis, series: list[Any], top: int) -> None:
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        y_axis.setRange(0, max(5, top * 1.1))
        y_axis.applyNiceNumbers()
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for item in series:
            item.attachAxis(x_axis)
            item.attachAxis(y_axis)


class OutcomeChart(QChartView):
    """The outcome mix (count per status) as a donut."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_new_chart(""), parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(260, 260)
        self.setAccessibleName("Outcome mix chart")

    def show_report(self, report: AnalyticsReport) -> None:
        """Draw the totals' outcome mix of ``report``."""
        chart = _new_chart("Outcomes")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        series = QPieSeries()
        series.setHoleSize(0.45)
        outcomes = report.totals.outcomes
        for status in VerificationStatus:
            count = outcomes.get(status.value, 0)
            if count:
                piece = series.append(f"{formatting.status_text(status.value)} ({count:,})", count)
                piece.setColor(formatting.status_color(status.value))
        chart.addSeries(series)
        old = self.chart()
        self.setChart(chart)
        old.deleteLater()
