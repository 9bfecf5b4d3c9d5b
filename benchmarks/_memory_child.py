"""``_gui_child memory``: send/check cycles through the services, RSS sampled as it goes.

Each cycle is ``VerificationService.send(StartForm(number, pin_code=...))`` then, once it
succeeded, ``VerificationService.check(request_id, code)`` (the sandbox runs with
``--allow-pin-code``, so the code is known without reading the handset; one live request per
number, every number distinct). ``CONCURRENCY`` cycles run at once, driven by the tasks'
signals on the GUI thread's event loop, against a sandbox in another process. The history
store is a real file (every send and check writes its rows), and a ``RecentRequestsView`` is
open on it (it reloads after every ``history_changed``, debounced, as in the window).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._gui_child import Services, app, open_view, rss_mb, sandbox_desk, spin, wait_until

CONCURRENCY = 8
PIN = "4321"
#: Numbers the sandbox answers specially (blocked, concurrent, ...): never used here.
_MAGIC_SUFFIXES = frozenset({"0007", "0009", "0015", "0029"})


def _number(n: int) -> str:
    """The n-th distinct plain mobile number (the sandbox's magic suffixes skipped)."""
    digits = f"{n:08d}"
    if digits[-4:] in _MAGIC_SUFFIXES:  # 1,0007 -> 1,0107 in another range: still distinct
        return f"+4475{digits[:-3]}1{digits[-2:]}"
    return f"+4474{digits}"


def _task_count() -> dict[str, int]:
    from desktop_app.services._jobs import Job, Relay
    from desktop_app.services.tasks import Task

    live = (o for o in gc.get_objects() if isinstance(o, Task | Relay | Job))
    kinds = Counter(type(o).__name__ for o in live)
    return dict(kinds)


def mode_memory(args: dict[str, Any]) -> dict[str, Any]:
    from desktop_app.domain.validation import StartForm

    total = int(args["cycles"])
    checkpoint = int(args["checkpoint"])
    trace = bool(args.get("tracemalloc"))
    db = str(Path(args["scratch_db"]))
    desk, http, desk_store = sandbox_desk(db, args["sandbox_url"])
    services = Services(db, desk)
    view, window = open_view(services)
    view.reload()
    started = {"n": 0}
    done = {"ok": 0, "failed": 0}
    samples: list[tuple[int, float]] = []
    marks: dict[str, Any] = {}

    def start_one() -> None:
        if started["n"] >= total:
            return
        n = started["n"]
        started["n"] += 1
        task = services.verification.send(StartForm(number=_number(n), brand="Bench", pin_code=PIN))
        task.on_success(on_sent).on_failure(on_failed)

    def on_sent(result: Any) -> None:
        check = services.verification.check(result.request_id, PIN)
        check.on_success(on_checked).on_failure(on_failed)

    def on_checked(_result: Any) -> None:
        done["ok"] += 1
        after_cycle()

    def on_failed(exc: Any) -> None:
        done["failed"] += 1
        marks.setdefault("first_error", repr(exc)[:300])
        after_cycle()

    def after_cycle() -> None:
        finished = done["ok"] + done["failed"]
        if finished % max(1, total // 40) == 0:
            samples.append((finished, rss_mb()))
        if finished == checkpoint:
            marks["checkpoint_pending"] = True
        start_one()

    t0 = time.perf_counter()
    for _ in range(CONCURRENCY):
        start_one()
    checkpoint_rss = None
    while done["ok"] + done["failed"] < total:
        app().processEvents()
        time.sleep(0.0005)
        if marks.pop("checkpoint_pending", False):
            spin(0.3)  # let the debounced reload and the runners settle, as at the end
            gc.collect()
            checkpoint_rss = rss_mb()
            marks["tasks_at_checkpoint"] = _task_count()
            if trace:
                tracemalloc.start(10)
                marks["snapshot"] = tracemalloc.take_snapshot()
    elapsed = time.perf_counter() - t0
    wait_until(lambda: services.runners.network.active_count() == 0, 30)
    spin(0.5)
    gc.collect()
    end_rss = rss_mb()
    result: dict[str, Any] = {
        "cycles": total,
        "checkpoint_cycles": checkpoint,
        "ok": done["ok"],
        "failed": done["failed"],
        "first_error": marks.get("first_error"),
        "rss_mb_at_checkpoint": checkpoint_rss,
        "rss_mb_end": end_rss,
        "growth_pct": round((end_rss / checkpoint_rss - 1) * 100, 2) if checkpoint_rss else None,
        "cycles_per_s": round(total / elapsed, 1),
        "rss_samples": samples,
        "tasks_at_checkpoint": marks.get("tasks_at_checkpoint"),
        "tasks_at_end": _task_count(),
        "runner_unfinished_at_end": services.runners.network.active_count(),
        "runner_in_flight_at_end": services.runners.network.running_count(),
        "model_rows_at_end": view.model.rowCount(),
    }
    if trace and "snapshot" in marks:
        diff = tracemalloc.take_snapshot().compare_to(marks["snapshot"], "lineno")
        result["tracemalloc_top_growth"] = [str(d)[:200] for d in diff[:8]]
    window.close()
    services.close()
    http.close()
    desk_store.close()
    return result
