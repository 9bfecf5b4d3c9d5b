"""GUI measurements in a fresh process (so its resident memory is its own), offscreen Qt.

``python -m benchmarks._gui_child MODE JSON_ARGS`` prints one JSON line with the results.

Modes:
    ``history``: the recent-requests view over a generated history (``history_scale``).
    ``heartbeat``: the longest gaps between 5 ms GUI-thread timer ticks while the services
        work (``responsiveness``).
    ``memory``: send/check cycles through the services (``memory``).

Everything the window would use is real: ``HistoryStore`` on the file, the app's runners
(``build_runners``), ``HistoryService``, ``VerificationService``, ``StatusRefresher`` and the
``RecentRequestsView`` inside a shown ``QMainWindow``.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

_APP: QApplication | None = None


def rss_mb() -> float:
    """This process's resident set size (``VmRSS``), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def peak_rss_mb() -> float:
    """The peak resident set size (``VmHWM``), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def app() -> QApplication:
    global _APP
    if _APP is None:
        existing = QApplication.instance()
        _APP = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    return _APP


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> float:
    """Process events until ``condition()``; returns the ``perf_counter`` when it held."""
    qapp = app()
    deadline = time.perf_counter() + timeout
    while True:
        qapp.processEvents()
        if condition():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.0002)


def spin(seconds: float) -> None:
    qapp = app()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        qapp.processEvents()
        time.sleep(0.001)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- the services and the view -------------------------------------------------------------


class Services:
    """The app's runners and services over one history file (no desk unless given)."""

    def __init__(self, db: Path | str, desk: Any = None) -> None:
        from desktop_app.services import build_runners
        from desktop_app.services.history import HistoryService
        from desktop_app.services.refresher import StatusRefresher
        from desktop_app.services.verification import VerificationService
        from desktop_app.store.history import HistoryStore

        app()
        self.store = HistoryStore(db)
        self.runners = build_runners()
        self.verification = VerificationService(self.runners.network, desk)
        self.history = HistoryService(self.runners.store, self.store)
        self.refresher = StatusRefresher(self.verification, self.history, interval_ms=1000)

    def close(self) -> None:
        self.refresher.stop()
        self.runners.shutdown(5000)
        self.store.close()


def open_view(services: Services) -> tuple[Any, QMainWindow]:
    from desktop_app.ui.recent_requests import RecentRequestsView

    window = QMainWindow()
    view = RecentRequestsView(services.history, services.verification, services.refresher)
    window.setCentralWidget(view)
    window.resize(1100, 700)
    window.show()
    return view, window


def view_idle(view: Any) -> bool:
    return not view.is_loading


# --- mode: history ---------------------------------------------------------------------------


def _sample_terms(db: str, count: int) -> tuple[list[str], list[str]]:
    """Number and request-id fragments of rows spread through the history (not the newest)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("SELECT max(id) FROM requests").fetchone()[0]
    numbers: list[str] = []
    ids: list[str] = []
    for k in range(count):
        row_id = int(total * (0.15 + 0.7 * k / max(1, count - 1)))
        number, request_id = conn.execute(
            "SELECT number, request_id FROM requests WHERE id >= ? AND request_id IS NOT NULL"
            " LIMIT 1",
            (row_id,),
        ).fetchone()
        numbers.append(number[-8:])  # last 8 digits, as a person would type them
        ids.append(request_id[4:16])  # a 12-character fragment of the id
    conn.close()
    return numbers, ids


def _floor(db: str, limit: int, text: str = "", status: Any = None) -> tuple[float, int]:
    """The same page straight from sqlite3 (the store's SQL, no task, no model, no paint)."""
    from desktop_app.domain.history_query import RecentQuery
    from desktop_app.store._search import recent_rows

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        query = RecentQuery(limit=limit, text=text, status=status)
        started = time.perf_counter()
        rows = recent_rows(conn, query)
        return time.perf_counter() - started, len(rows)
    finally:
        conn.close()


def _floor_sorted(db: str, limit: int, column: str, desc: bool) -> float:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        from desktop_app.store._sql import REQUEST_COLUMNS

        order = "DESC" if desc else "ASC"
        started = time.perf_counter()
        conn.execute(
            f"SELECT {REQUEST_COLUMNS} FROM requests ORDER BY {column} {order}, id {order} LIMIT ?",
            (limit,),
        ).fetchall()
        return time.perf_counter() - started
    finally:
        conn.close()


def mode_history(args: dict[str, Any]) -> dict[str, Any]:
    from desktop_app.domain.models import VerificationStatus
    from desktop_app.ui.history_columns import BRAND, STARTED, column_index

    COL_BRAND, COL_STARTED = column_index(BRAND), column_index(STARTED)  # noqa: N806

    db = args["db"]
    rounds = int(args["rounds"])
    rss_start = rss_mb()
    services = Services(db)
    numbers, ids = _sample_terms(db, rounds)
    out: dict[str, list[float]] = {}

    def add(key: str, seconds: float) -> None:
        out.setdefault(key, []).append(seconds)

    shown_counts: dict[str, int] = {}
    for r in range(rounds):
        # Floor first in even rounds, view first in odd rounds (interleaved).
        for part in ("floor", "view") if r % 2 == 0 else ("view", "floor"):
            if part == "floor":
                add("floor_first_page", _floor(db, 200)[0])
                seconds, n = _floor(db, 200, numbers[r])
                add("floor_number_filter", seconds)
                shown_counts["floor_number"] = n
                seconds, n = _floor(db, 200, ids[r])
                add("floor_id_filter", seconds)
                shown_counts["floor_id"] = n
                add("floor_status_filter", _floor(db, 200, "", VerificationStatus.FAILED)[0])
                add("floor_sort_started_asc", _floor_sorted(db, 200, "created_at", False))
                continue
            t0 = time.perf_counter()
            view, window = open_view(services)
            view.reload()
            t1 = wait_until(lambda: view.model.rowCount() > 0 and view_idle(view))
            app().processEvents()  # paint the rows
            add("view_first_rows", t1 - t0)
            add("view_first_rows_painted", time.perf_counter() - t0)
            # fetchMore: scroll to the end, the next page arrives through a task.
            loaded = view.model.rowCount()
            t0 = time.perf_counter()
            view.table.scrollToBottom()
            wait_until(lambda: view.model.rowCount() > loaded and view_idle(view))
            add("view_fetch_more", time.perf_counter() - t0)
            # Number filter: typed text; the debounce timer then reloads from the store.
            fired: list[float] = []
            view.filter_timer.timeout.connect(lambda: fired.append(time.perf_counter()))
            for key, term in (("number", numbers[r]), ("id", ids[r])):
                fired.clear()
                t0 = time.perf_counter()
                view.filter_edit.setText(term)
                wait_until(lambda: bool(fired))
                done = wait_until(lambda: view_idle(view))
                app().processEvents()
                add(f"view_{key}_filter", done - fired[0])
                add(f"view_{key}_filter_with_debounce", done - t0)
                shown_counts[f"view_{key}"] = view.model.rowCount()
                view.filter_edit.clear()
                view.apply_filter()
                wait_until(lambda: view_idle(view))
            # Status filter (the combo reloads at once).
            t0 = time.perf_counter()
            view.status_combo.setCurrentIndex(view.status_combo.findData("FAILED"))
            done = wait_until(lambda: view_idle(view))
            app().processEvents()
            add("view_status_filter", done - t0)
            view.status_combo.setCurrentIndex(0)
            wait_until(lambda: view_idle(view))
            # Sort changes (header clicks): the loaded rows, through the proxy.
            for key, column, order in (
                ("sort_started_asc", COL_STARTED, Qt.SortOrder.AscendingOrder),
                ("sort_brand", COL_BRAND, Qt.SortOrder.AscendingOrder),
                ("sort_started_desc", COL_STARTED, Qt.SortOrder.DescendingOrder),
            ):
                t0 = time.perf_counter()
                view.table.sortByColumn(column, order)
                app().processEvents()
                add(f"view_{key}", time.perf_counter() - t0)
            shown_counts["loaded_rows_when_sorting"] = view.model.rowCount()
            window.close()
            window.deleteLater()
            view.deleteLater()
            app().processEvents()
    # A deep scroll: 25 pages (5,000 rows) loaded, then RSS.
    view, window = open_view(services)
    view.reload()
    wait_until(lambda: view.model.rowCount() > 0 and view_idle(view))
    deep: list[float] = []
    for _ in range(25):
        loaded = view.model.rowCount()
        t0 = time.perf_counter()
        view.table.scrollToBottom()
        wait_until(lambda: view.model.rowCount() > loaded and view_idle(view))
        deep.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    view.table.sortByColumn(COL_BRAND, Qt.SortOrder.AscendingOrder)
    app().processEvents()
    sort_5000 = time.perf_counter() - t0
    view.table.sortByColumn(COL_STARTED, Qt.SortOrder.DescendingOrder)
    app().processEvents()
    gc.collect()
    result = {
        "median_ms": {k: _ms(statistics.median(v)) for k, v in out.items()},
        "max_ms": {k: _ms(max(v)) for k, v in out.items()},
        "first_round_ms": {k: _ms(v[0]) for k, v in out.items()},
        "rounds": rounds,
        "rows_shown": shown_counts,
        "deep_fetch_more_ms_median": _ms(statistics.median(deep)),
        "deep_loaded_rows": view.model.rowCount(),
        "sort_brand_5000_loaded_ms": _ms(sort_5000),
        "rss_mb_before_qt_objects": rss_start,
        "rss_mb_end": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "total_rows": sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM requests")
        .fetchone()[0],
    }
    window.close()
    services.close()
    return result


# --- heartbeat ---------------------------------------------------------------------------------


def _runqueue_ns_reader() -> Callable[[], int] | None:
    """A reader of this thread's run-queue wait (ns) from ``/proc``, None where there is none.

    ``/proc/self/task/TID/schedstat`` holds the thread's time on a CPU, its time **runnable but
    waiting for a CPU** (the OS not scheduling it: other processes on the shared cores), and
    its count of time slices. The reader keeps the file open and rereads it (about 10 us).
    """
    import threading

    path = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
    try:
        handle = path.open("rb", buffering=0)
        handle.read()
    except OSError:
        return None

    def read() -> int:
        handle.seek(0)
        return int(handle.read().split()[1])

    return read


class Heartbeat:
    """A 5 ms precise timer on the GUI thread; records the gaps between its ticks.

    Each gap is recorded three ways (the machine is shared, so wall-clock gaps include time the
    OS gave the GUI thread's core to other processes):

    * ``gaps``: wall-clock time between two ticks;
    * ``cpu``: the GUI thread's own CPU time in that gap (``time.thread_time``): what the code
      made the thread do in one event-loop slice (painting, slots, garbage collection);
    * ``runq``: the time in that gap the thread was runnable but waiting for a CPU (Linux
      ``schedstat``), so ``gap - runq`` is the gap without the OS's share: CPU plus the time
      the thread was blocked (waiting for the GIL or a lock, or sleeping in the loop);
    * ``busy``: the longest single pass of the event loop that ended in that gap (wall clock,
      from the start of the loop's 0.5 ms sleep to the end of the ``processEvents`` call after
      it): the longest anything arriving (a key press, a click) could have waited for the loop.
      A gap is at least the timer's 5 ms even when the loop is idle, so this, not the gap, is
      the stall. Like the gaps, it starts at the first tick: the slot that starts a part's work
      (``send_100`` submits all 100 sends from one slot, which no person does) runs before it
      and is not counted; ``longest_passes`` lists it.
    """

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.cpu: list[float] = []
        self.runq: list[float] = []
        self.busy: list[float] = []
        self._pass_max = 0.0
        self._last = 0
        self._last_cpu = 0.0
        self._last_runq = 0
        self._runq = _runqueue_ns_reader()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        cpu = time.thread_time()
        runq = self._runq() if self._runq is not None else 0
        if self._last:
            self.gaps.append((now - self._last) / 1e6)
            self.cpu.append((cpu - self._last_cpu) * 1000)
            self.runq.append((runq - self._last_runq) / 1e6)
            self.busy.append(self._pass_max * 1000)
        self._pass_max = 0.0
        self._last, self._last_cpu, self._last_runq = now, cpu, runq

    def run(
        self,
        seconds: float,
        work: Callable[[], None] | None = None,
        until: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        """Tick for ``seconds`` (and until ``until()``) in the event loop; ``work`` is called
        once, from the loop, right after the start."""
        self.gaps, self.cpu, self.runq, self.busy = [], [], [], []
        self._last = 0
        self.clock.start()
        self.timer.start()
        if work is not None:
            QTimer.singleShot(0, work)
        end = time.perf_counter() + seconds
        qapp = app()
        passes: list[tuple[float, float, float]] = []
        started, cpu0 = time.perf_counter(), time.thread_time()
        runq0 = self._runq() if self._runq is not None else 0
        deadline = end + 120
        while time.perf_counter() < end or (
            until is not None and not until() and time.perf_counter() < deadline
        ):
            qapp.processEvents()  # the GUI thread's event loop, as in app.exec()
            # From the start of the sleep before this pass to its end: an event arriving as
            # the loop went to sleep waited that long (waking, the GIL, then the pass).
            took = time.perf_counter() - started
            self._pass_max = max(self._pass_max, took)
            if took > 0.004:
                runq = (self._runq() - runq0) / 1e6 if self._runq is not None else 0.0
                passes.append((took * 1000, (time.thread_time() - cpu0) * 1000, runq))
            started, cpu0 = time.perf_counter(), time.thread_time()
            runq0 = self._runq() if self._runq is not None else 0
            time.sleep(0.0005)
        self.timer.stop()
        out = summary(self.gaps, self.cpu, self.runq if self._runq is not None else None)
        out.update(_stats(self.busy, "busy_"))
        # The longest passes, split: CPU, run-queue wait, and the rest (blocked: GIL, a lock).
        out["longest_passes"] = [
            {"wall": round(w, 1), "cpu": round(c, 1), "runq": round(q, 1),
             "blocked": round(max(0.0, w - c - q), 1)}
            for w, c, q in sorted(passes, reverse=True)[:5]
        ]  # fmt: skip
        return out


def _stats(values: list[float], prefix: str = "") -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        nan = float("nan")
        return {f"{prefix}max_ms": nan, f"{prefix}p99_ms": nan, f"{prefix}p50_ms": nan}
    return {
        f"{prefix}max_ms": round(ordered[-1], 2),
        f"{prefix}p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        f"{prefix}p50_ms": round(ordered[len(ordered) // 2], 2),
    }


def summary(
    gaps: list[float], cpu: list[float] | None = None, runq: list[float] | None = None
) -> dict[str, Any]:
    """Wall-clock gap statistics, plus (when given) the GUI thread's CPU per gap (``cpu_*``),
    the gap without its run-queue wait (``own_*``) and the five longest gaps, split."""
    out: dict[str, Any] = {"ticks": len(gaps), **_stats(gaps)}
    if cpu is not None:
        out.update(_stats(cpu, "cpu_"))
    if runq is not None:
        out.update(_stats([g - w for g, w in zip(gaps, runq, strict=True)], "own_"))
        out["runq_total_ms"] = round(sum(runq), 1)
    if cpu is not None:
        longest = sorted(range(len(gaps)), key=gaps.__getitem__)[-5:][::-1]
        out["longest"] = [
            {"gap": round(gaps[i], 1), "cpu": round(cpu[i], 1),
             **({"runq": round(runq[i], 1)} if runq is not None else {})}
            for i in longest
        ]  # fmt: skip
        heaviest = sorted(range(len(cpu)), key=cpu.__getitem__)[-3:][::-1]
        out["heaviest_cpu"] = [
            {"gap": round(gaps[i], 1), "cpu": round(cpu[i], 1)} for i in heaviest
        ]
    return out


def sandbox_desk(services_db: str, url: str) -> Any:
    from desktop_app.api.http import build_http_client
    from desktop_app.domain.models import ApiCredentials
    from desktop_app.settings.profiles import SANDBOX_PROFILE
    from desktop_app.store.history import HistoryStore
    from desktop_app.usecases.session import open_desk

    http = build_http_client()
    store = HistoryStore(services_db)
    creds = ApiCredentials("sandbox", "sandbox-secret")
    return open_desk(SANDBOX_PROFILE, creds, store, http, sandbox_url=url), http, store


def bare_table(like: Any) -> tuple[Any, Any, Callable[[], None]]:
    """The floor of the ``history`` part: a bare table repainted at the churn's rate.

    A ``QTableView`` over a trivial Python ``QAbstractTableModel`` (short strings, 200 rows,
    as many columns as ``like`` shows), with the size, row height and column widths of
    ``like``'s table, so the same cells are visible. Returns the table, the model and a
    function that resets the model (one full repaint of the viewport).
    """
    from PySide6.QtCore import QAbstractTableModel, QModelIndex
    from PySide6.QtWidgets import QTableView

    header = like.table.horizontalHeader()
    columns = sum(not header.isSectionHidden(c) for c in range(header.count()))

    class Trivial(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.generation = 0

        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else 200

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
            return 0 if parent.isValid() else columns

        def data(self, index: Any, role: int = 0) -> Any:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{self.generation % 10}0-00 00:{index.row() % 60:02d}"
            return None

    model = Trivial()
    table = QTableView()
    table.setModel(model)
    table.resize(like.table.size())
    # The same row height and column widths: the same number of cells painted per repaint.
    table.verticalHeader().setDefaultSectionSize(like.table.verticalHeader().defaultSectionSize())
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    for column, source in enumerate(shown):
        table.horizontalHeader().resizeSection(column, header.sectionSize(source))
    table.show()

    def reset() -> None:
        model.beginResetModel()
        model.generation += 1
        model.endResetModel()

    return table, model, reset


def mode_heartbeat(args: dict[str, Any]) -> dict[str, Any]:
    from benchmarks._memory_child import _number
    from desktop_app.domain.validation import StartForm

    seconds = float(args["seconds"])
    rounds = int(args["rounds"])
    results: dict[str, list[dict[str, float]]] = {
        "idle": [], "inflight": [], "history": [], "floor": []
    }  # fmt: skip
    # (a) 100 sends in flight against a 1 s-latency sandbox (another process).
    tmp_db = args["scratch_db"]
    desk, http, desk_store = sandbox_desk(tmp_db, args["sandbox_url"])
    inflight_services = Services(tmp_db, desk)
    counter = iter(range(10**9))
    settled: list[int] = []

    sends = int(args.get("sends", 100))

    def send_100() -> None:
        for _ in range(sends):
            n = next(counter)
            task = inflight_services.verification.send(StartForm(number=_number(n), brand="Bench"))
            task.on_finished(lambda: settled.append(1))

    # (b) the recent-requests view on the big history: reload, fetchMore and filter changes.
    big = Services(args["db"])
    view, window = open_view(big)
    view.reload()
    wait_until(lambda: view.model.rowCount() > 0 and view_idle(view))
    numbers, ids = _sample_terms(args["db"], 4)
    terms = [numbers[0], ids[1], "Acme", numbers[2], ids[3], ""]

    churning = {"on": False}
    floor_table, _floor_model, floor_reset = bare_table(view)

    def churn_floor() -> None:
        churning["on"] = True

        def next_step() -> None:
            if churning["on"]:
                floor_reset()
                QTimer.singleShot(40, next_step)  # the same rate as the view's churn

        next_step()

    def churn() -> None:
        step = {"i": 0}
        churning["on"] = True

        def next_step() -> None:
            if not churning["on"]:
                return
            i = step["i"]
            step["i"] += 1
            kind = i % 4
            if kind == 0:
                view.reload()
            elif kind == 1:
                view.table.scrollToBottom()  # fetchMore
            elif kind == 2:
                view.filter_edit.setText(terms[(i // 4) % len(terms)])
                view.apply_filter()
            else:
                view.status_combo.setCurrentIndex((i // 4) % view.status_combo.count())
            QTimer.singleShot(40, next_step)  # a change every 40 ms: a very busy user

        next_step()

    beat = Heartbeat()
    beat.run(0.5)  # warm-up
    gc.freeze()  # as the app does once its window is populated (``app_launch.collector_on``)
    for r in range(rounds):
        order = ["idle", "inflight", "history", "floor"]
        order = order[r % 4 :] + order[: r % 4]
        for part in order:
            if part == "idle":
                results["idle"].append(beat.run(seconds))
            elif part == "floor":
                results["floor"].append(beat.run(seconds, churn_floor))
                churning["on"] = False
                spin(0.1)
            elif part == "inflight":
                settled.clear()
                results["inflight"].append(
                    beat.run(seconds, send_100, until=lambda: len(settled) >= sends)
                )
                results["inflight"][-1]["settled"] = len(settled)
            else:
                results["history"].append(beat.run(seconds, churn))
                churning["on"] = False
                wait_until(lambda: view_idle(view), 30)
                spin(0.3)  # the debounce timers run out before the next part
    window.close()
    floor_table.close()
    inflight_services.close()
    big.close()
    http.close()
    desk_store.close()
    return {"rounds": results, "seconds_per_round": seconds, "rss_mb_end": rss_mb()}


def main() -> None:
    mode = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    handler = {"history": mode_history, "heartbeat": mode_heartbeat}.get(mode)
    if handler is None and mode == "memory":
        from benchmarks._memory_child import mode_memory

        handler = mode_memory
    if handler is None:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(handler(args)), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
