"""The analytics page: figures from the real store on the reports runner, charts, CSV and PNG."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from desktop_app.domain.analytics import AnalyticsQuery, Figures
from desktop_app.services.reports import ReportsService
from desktop_app.services.tasks import TaskRunner
from desktop_app.store.analytics import run_analytics
from desktop_app.store.history import HistoryStore
from desktop_app.ui import analytics_page
from desktop_app.ui.analytics_figures import conversion_text, cost_text, group_label, median_text
from desktop_app.ui.analytics_page import AnalyticsPage
from tests.helpers.report_rows import T0, Row, make_history

TODAY = T0.date()
ROOT = Path(__file__).resolve().parents[2]


def _rows() -> list[Row]:
    out = []
    for i in range(60):
        status = ("SUCCESS", "SUCCESS", "EXPIRED", "FAILED")[i % 4]
        created = T0 - timedelta(days=i % 20, minutes=i)
        out.append(
            Row(
                created_at=created,
                status=status,
                number=("447400123456", "14165550123", "4915112345678")[i % 3],
                profile=("Sandbox", "Production")[i % 2],
                finalized_at=created + timedelta(seconds=30 + i),
                price=Decimal("0.05"),
                currency="EUR",
            )
        )
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    history = HistoryStore(make_history(tmp_path / "h.sqlite3", _rows()))
    yield history
    history.close()


@pytest.fixture
def runner(qtbot: Any) -> Iterator[TaskRunner]:
    pool = TaskRunner(2, name="reports-test")
    yield pool
    assert pool.shutdown(5000)


@pytest.fixture
def page(qtbot: Any, runner: TaskRunner, store: HistoryStore) -> AnalyticsPage:
    reports = ReportsService(runner, store)
    view = AnalyticsPage(reports, profiles=["Sandbox", "Production"], today=lambda: TODAY)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.report is not None, timeout=5000)
    return view


def test_first_figures_are_the_stores_for_the_last_30_days(
    page: AnalyticsPage, store: HistoryStore
) -> None:
    query = page.query()
    assert query.by == "day"
    assert query.since.date() == TODAY - timedelta(days=29)
    assert query.until.date() == TODAY + timedelta(days=1)
    expected = run_analytics(store, query)
    assert page.report == expected
    totals = expected.totals
    assert totals.started == 60
    assert page.totals["started"].text() == "60"
    assert page.totals["verified"].text() == "30"
    assert page.totals["conversion"].text() == conversion_text(totals) == "50.0 %"
    assert page.totals["median"].text() == median_text(totals)
    assert page.totals["cost"].text() == "3.00 EUR"
    table = page.table.model()
    assert table.rowCount() == len(expected.groups) + 1
    assert table.index(table.rowCount() - 1, 0).data() == "All"
    assert table.index(0, 1).data() == f"{expected.groups[0].figures.started:,}"


def test_breakdown_and_profile_changes_ask_again(qtbot: Any, page: AnalyticsPage) -> None:
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.by_combo.setCurrentIndex(page.by_combo.findData("country"))
    assert page.report is not None and page.report.query.by == "country"
    table = page.table.model()
    labels = [table.index(r, 0).data() for r in range(table.rowCount())]
    assert labels == ["Canada (CA)", "Germany (DE)", "United Kingdom (GB)", "All"]
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.profile_combo.setCurrentIndex(page.profile_combo.findData("Production"))
    assert page.report.query.profile == "Production" and page.report.totals.started == 30


def test_latest_question_wins(qtbot: Any, page: AnalyticsPage) -> None:
    shown: list[str] = []
    page.figures_shown.connect(lambda: shown.append(page.report.query.by))  # type: ignore[union-attr]
    for name in ("hour", "channel", "profile"):
        page.by_combo.setCurrentIndex(page.by_combo.findData(name))
    qtbot.waitUntil(lambda: shown == ["profile"], timeout=5000)


def test_hour_by_hour_is_offered_only_for_ranges_it_can_draw(
    qtbot: Any, page: AnalyticsPage
) -> None:
    from desktop_app.ui.analytics_page import MAX_HOURLY_DAYS

    model = page.by_combo.model()
    hour = model.item(page.by_combo.findData("hour"))
    assert hour.isEnabled()  # the last 30 days
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.by_combo.setCurrentIndex(page.by_combo.findData("hour"))
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.range_combo.setCurrentIndex(page.range_combo.findData(None))  # all time
    assert not hour.isEnabled() and str(MAX_HOURLY_DAYS) in hour.toolTip()
    assert page.by_combo.currentData() == "day" and page.report.query.by == "day"
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.range_combo.setCurrentIndex(page.range_combo.findData(89))  # last 90 days
    assert hour.isEnabled() and hour.toolTip() == ""


def test_custom_dates(qtbot: Any, page: AnalyticsPage) -> None:
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.range_combo.setCurrentIndex(page.range_combo.findData(-1))
    assert page.since_edit.isEnabled()
    with qtbot.waitSignal(page.figures_shown, timeout=5000):
        page.since_edit.setDate(page.until_edit.date())  # today only
    assert page.report is not None
    assert page.report.totals.started == 3  # rows 0, 20, 40 were created today
    assert [group_label("day", g.key) for g in page.report.groups] == [TODAY.isoformat()]


def test_save_figures_and_chart(
    page: AnalyticsPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = iter([tmp_path / "figures.csv", tmp_path / "chart.png"])
    monkeypatch.setattr(analytics_page, "choose_save_file", lambda *_a: next(targets))
    page.save_csv_button.click()
    page.save_png_button.click()
    rows = list(csv.reader(io.StringIO((tmp_path / "figures.csv").read_text("utf-8-sig"))))
    assert rows[0][:5] == ["day", "started", "verified", "conversion", "median_verify_seconds"]
    assert rows[-1][:4] == ["All", "60", "30", "0.500000"]
    assert rows[0][-1] == "cost_EUR" and rows[-1][-1] == "3.00"
    image = QImage(str(tmp_path / "chart.png"))
    assert not image.isNull() and image.width() >= 400
    assert "Chart saved" in page.state_label.text()


def test_no_history_shows_why(qtbot: Any, runner: TaskRunner) -> None:
    view = AnalyticsPage(ReportsService(runner, None), today=lambda: TODAY)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: "not available" in view.state_label.text(), timeout=5000)


def test_one_day_of_history_is_drawn_and_counted_in_the_singular(
    qtbot: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    from PySide6.QtCharts import QDateTimeAxis, QLineSeries

    history = HistoryStore(make_history(tmp_path / "one.sqlite3", [Row(created_at=T0)]))
    try:
        view = AnalyticsPage(ReportsService(runner, history), today=lambda: TODAY)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.report is not None, timeout=5000)
        assert view.state_label.text() == "1 request in 1 group."
        chart = view.chart.chart()
        lines = [s for s in chart.series() if isinstance(s, QLineSeries)]
        assert [line.count() for line in lines] == [1, 1]
        assert all(line.pointsVisible() for line in lines)  # one point draws no line
        (axis,) = [a for a in chart.axes() if isinstance(a, QDateTimeAxis)]
        x = lines[0].at(0).x()
        assert axis.min().toMSecsSinceEpoch() < x < axis.max().toMSecsSinceEpoch()
        assert axis.max().toMSecsSinceEpoch() - axis.min().toMSecsSinceEpoch() >= 86_400_000
    finally:
        history.close()


def test_costs_are_summed_to_the_cent_with_separators() -> None:
    sums = {"EUR": Decimal("4773.7533"), "USD": Decimal("7.25"), "": Decimal("0.04675")}
    assert cost_text(Figures(cost=sums)) == "0.05; 4,773.75 EUR; 7.25 USD"
    assert cost_text(Figures()) == "—"


def test_query_all_time_and_presets(page: AnalyticsPage) -> None:
    page.range_combo.setCurrentIndex(page.range_combo.findData(None))
    query: AnalyticsQuery = page.query()
    assert query.since.date() == date(2000, 1, 1)
    page.range_combo.setCurrentIndex(page.range_combo.findData(0))
    assert page.query().since.date() == TODAY


def test_start_up_does_not_import_the_chart_library(tmp_path: Path) -> None:
    """The window is built and populated without Qt Charts or the analytics modules."""
    script = (
        "import sys, json\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desktop_app.app import build_app\n"
        "from desktop_app.settings.credentials import SessionCredentialStore\n"
        f"ctx = build_app(home=__import__('pathlib').Path({str(tmp_path)!r}),"
        " credentials=SessionCredentialStore(), log_to_file=False)\n"
        "ctx.window.show(); app.processEvents()\n"
        "names = ['PySide6.QtCharts', 'desktop_app.ui.analytics_page',"
        " 'desktop_app.ui.analytics_chart', 'desktop_app.store.analytics']\n"
        "loaded = [n for n in names if n in sys.modules]\n"
        "ctx.window.analytics_action.trigger()\n"
        "after = 'PySide6.QtCharts' in sys.modules\n"
        "ctx.shutdown(3000)\n"
        "import shiboken6; shiboken6.delete(ctx.window)  # as app.main() does\n"
        "print(json.dumps({'loaded': loaded, 'after_open': after}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    assert answer == {"loaded": [], "after_open": True}
