"""A team's shared history on PostgreSQL at 10,000,000 rows, beside SQLite's embedded one.

A throw-away cluster (``tests.helpers.postgres``: the distribution's ``initdb``/``pg_ctl``, as the
``postgres`` user when run as root) gets the app's schema through ``HistoryStore`` (migrations,
``pg_trgm`` GIN index, NOTIFY trigger, analytics columns and rollup), then ``ROWS`` generated
requests and one audit action each: the indexes and triggers are dropped, the rows written by
server-side ``INSERT ... SELECT`` (random numbers of four countries, 30 brands with a skewed
spread, an md5 request id, weighted statuses and profiles, 40 hosts, a fifth of them Verify v2
with channels, one request three seconds apart over a year), the hourly rollup filled, the
indexes built again and the database vacuumed and analysed. Generated on
the server, because 10M rows through the client would take longer than everything measured.

Figures (medians of interleaved rounds, through ``HistoryStore.recent`` so row mapping counts):

* first page: the newest 200 rows;
* substring filters: part of a number, part of a request id, a common brand ("Acme"), a term
  found nowhere (the trigram index answers it: no scan);
* NOTIFY latency: from just before ``add_request`` on one store to the notification on another
  connection's listener thread (``HistoryStore.listen``), p50 and p99 of ``NOTIFY_ROUNDS``;
* export and analytics (``_pg_reports``): the newest ``EXPORT_ROWS`` rows exported by the
  window's child process (rows/s, the child's peak memory), and every analytics breakdown over
  all time and the last 30 days.

Baseline: the same calls on the SQLite history of ``history_scale`` (1,000,000 rows, the largest
kept; ``_history_gen``), interleaved with the PostgreSQL rounds. ``--quick``: 200,000 rows in
PostgreSQL, 100,000 in SQLite. Load average is recorded before and after (the machine is shared).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from benchmarks import register, result
from benchmarks._history_gen import history_file
from benchmarks._pg_reports import analytics_figures, export_figures, rollup_against_scan

NAME = "pg_history"
ROWS: Final = 10_000_000
ROUNDS: Final = 7
NOTIFY_ROUNDS: Final = 300
#: The export figures' rows: the newest million of each history (a full 10M export is minutes).
EXPORT_ROWS: Final = 1_000_000
TARGETS_MS: Final = {"first_page": 100.0, "substring": 200.0, "notify_p99": 200.0}
_FILTERS: Final = {"number": "7700 90", "request_id": "3f2a9c", "brand": "Acme",
                   "nowhere": "zzqzzq"}  # fmt: skip

_FILL: Final = """
INSERT INTO requests (profile, operator, host, api_version, kind, number, brand, workflow_id,
    code_length, pin_expiry, next_event_wait, request_id, status, created_at, updated_at,
    finalized_at, price, currency, checks_count, channels)
SELECT
    (ARRAY['Sandbox','Production','Production','Staging'])[1 + (mod(i, 4))],
    (ARRAY['ann','bob','chen','dana','emil','fatima','gus','hiro'])[1 + (mod(i, 8))],
    'desk-' || lpad(mod(i * 13, 40)::text, 2, '0'),
    CASE WHEN mod(i, 5) = 0 THEN 'v2' ELSE 'v1' END, 'start',
    (ARRAY['447','1415','4915','336'])[1 + mod(i * 7, 4)]
        || lpad((mod(i::bigint * 2654435761, 1000000000))::text, 9, '0'),
    (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark Pay','Wayne Bank','Tyrell',
           'Cyberdyne','Soylent','Wonka','Gringotts','Oceanic','Massive Dyn','Vandelay',
           'Pied Piper','Aviato','Nakatomi','Monarch','Duff','Krusty','Sirius','Virtucon',
           'Prestige','Dunder','Bluth Co','Sterling','Wernham','Lunar Ind','Veidt'])
        [1 + floor(30 * power((mod(i::bigint * 40503, 65536)) / 65536.0, 3))::int],
    1 + (mod(i, 7)), 4, 300, 300,
    md5(i::text),
    CASE WHEN mod(i, 100) < 71 THEN 'SUCCESS' WHEN mod(i, 100) < 83 THEN 'EXPIRED'
         WHEN mod(i, 100) < 90 THEN 'FAILED' WHEN mod(i, 100) < 95 THEN 'CANCELLED'
         WHEN mod(i, 100) < 97 THEN 'OUTCOME UNKNOWN' ELSE 'REFUSED' END,
    %(start)s + i::bigint * 3000000,
    %(start)s + i::bigint * 3000000 + (5 + mod(i * 37, 290)) * 1000000::bigint,
    %(start)s + i::bigint * 3000000 + (5 + mod(i * 37, 290)) * 1000000::bigint,
    (ARRAY['0.05000000','0.0467','0.1'])[1 + mod(i, 3)], 'EUR', mod(i, 4),
    CASE WHEN mod(i, 5) = 0 THEN (ARRAY['sms','sms,voice','whatsapp'])[1 + mod(i / 5, 3)]
         ELSE '' END
FROM generate_series(1, %(rows)s) AS i
"""
#: The audit trail: one start per request, by its operator on its host.
_ACTIONS: Final = """
INSERT INTO actions (history_id, request_id, kind, outcome, profile, operator, host, acted_at)
SELECT id, request_id, 'start', 'ok', profile, operator, host, created_at FROM requests
"""
_SPACING_US: Final = 3_000_000


def _fill(server: Any, dbname: str, rows: int) -> dict[str, float]:
    """Load ``rows`` requests and their actions with the indexes dropped, then rebuild them."""
    import psycopg

    from desktop_app.store import _ddl, pg_schema

    steps = [statement for step in pg_schema.MIGRATIONS for statement in step]
    indexes = [s for s in steps if s.startswith(("CREATE INDEX ix_requests",
                                                 "CREATE INDEX ix_analytics",
                                                 "CREATE INDEX ix_actions"))]  # fmt: skip
    timings: dict[str, float] = {}
    with psycopg.connect(server.admin_dsn(dbname), autocommit=True) as conn:
        for statement in indexes:
            conn.execute(f"DROP INDEX {statement.split()[2]}".encode())
        conn.execute(b"ALTER TABLE actions DROP CONSTRAINT actions_uuid_key")
        conn.execute(b"ALTER TABLE requests DISABLE TRIGGER USER")  # NOTIFY and the rollup
        conn.execute(b"SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        start_us = int(time.time() * 1_000_000) - rows * _SPACING_US
        conn.execute(_FILL.encode(), {"start": start_us, "rows": rows})
        timings["insert_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute(_ACTIONS.encode())
        timings["actions_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute(b"TRUNCATE analytics_hours")
        conn.execute(_ddl.ANALYTICS_BACKFILL.encode())
        timings["rollup_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for statement in indexes:
            conn.execute(statement.encode())
        conn.execute(b"ALTER TABLE actions ADD CONSTRAINT actions_uuid_key UNIQUE (uuid)")
        timings["indexes_s"] = round(time.perf_counter() - started, 1)
        conn.execute(b"ALTER TABLE requests ENABLE TRIGGER USER")
        started = time.perf_counter()
        conn.execute(b"VACUUM ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - started, 1)
        size = conn.execute(b"SELECT pg_database_size(current_database())").fetchone()
        timings["database_mb"] = round(int(size[0] if size else 0) / 2**20, 1)
        timings["start_us"] = start_us
    return timings


def _ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _notify_latencies(store: Any, rounds: int) -> list[float]:
    """Milliseconds from a write's start to its notification on another connection."""
    from desktop_app.domain.history_writes import NewRequest

    heard = threading.Event()
    listener = store.listen(lambda _row: heard.set(), lambda _up: None)
    assert listener is not None and listener.wait_listening(10)
    latencies = []
    try:
        for n in range(rounds):
            heard.clear()
            new = NewRequest(profile="Bench", operator="bench", kind="start",
                             number=f"4477009{n:05d}", brand="Acme", workflow_id=None)  # fmt: skip
            started = time.perf_counter()
            store.add_request(new)
            if not heard.wait(5):
                raise RuntimeError("no notification within 5 s")
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        listener.stop()
    return latencies


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@register(NAME)
def run(quick: bool) -> dict[str, Any]:
    """Shared history on PostgreSQL at 10M rows: first page, substring filters, NOTIFY latency."""
    from desktop_app.domain.history_query import RecentQuery
    from desktop_app.domain.reports import HistoryFilter
    from desktop_app.store._connection import from_micros
    from desktop_app.store.history import HistoryStore
    from tests.helpers.postgres import start_server

    rows = 200_000 if quick else ROWS
    rounds = 3 if quick else ROUNDS
    export_rows = 100_000 if quick else EXPORT_ROWS
    load_before = os.getloadavg()
    sqlite_path, sqlite_gen = history_file(100_000 if quick else 1_000_000)
    server = start_server()
    try:
        dbname = server.new_database("bench")
        url = server.url(dbname)
        HistoryStore(url, password=server.password).close()  # the app's schema
        fill = _fill(server, dbname, rows)
        pg = HistoryStore(url, password=server.password)
        lite = HistoryStore(sqlite_path)
        samples: dict[str, list[float]] = {}
        try:
            calls: dict[str, Callable[[HistoryStore], object]] = {
                "first_page": lambda s: s.recent(RecentQuery(limit=200)),
                **{f"filter_{k}": (lambda s, t=t: s.recent(RecentQuery(limit=200, text=t)))
                   for k, t in _FILTERS.items()},
            }  # fmt: skip
            for _ in range(rounds):
                for key, call in calls.items():
                    for side, store in (("pg", pg), ("sqlite", lite)):
                        took = _ms(lambda c=call, s=store: c(s))  # type: ignore[misc]
                        samples.setdefault(f"{side}_{key}", []).append(took)
            notify = _notify_latencies(pg, 30 if quick else NOTIFY_ROUNDS)
            analytics = analytics_figures({"pg": pg, "sqlite": lite}, 1 if quick else 3)
            rollup = rollup_against_scan(pg)
            newest = int(fill["start_us"]) + (rows - export_rows) * _SPACING_US
            exports = {
                "pg": export_figures(pg, url, HistoryFilter(since=from_micros(newest))),
                "sqlite": export_figures(lite, str(sqlite_path), HistoryFilter()),
            }
        finally:
            pg.close()
            lite.close()
    finally:
        server.remove()
    med = {key: round(statistics.median(v), 2) for key, v in samples.items()}
    notify_ms = {"p50": round(statistics.median(notify), 2), "p99": round(_p99(notify), 2),
                 "max": round(max(notify), 2)}  # fmt: skip
    worst_filter = max(med[f"pg_filter_{k}"] for k in _FILTERS)
    met = {
        "first_page": med["pg_first_page"] < TARGETS_MS["first_page"],
        "substring": worst_filter < TARGETS_MS["substring"],
        "notify_p99": notify_ms["p99"] < TARGETS_MS["notify_p99"],
    }
    return result(
        NAME,
        metric=f"ms to the first page of {rows:,} PostgreSQL history rows",
        value=med["pg_first_page"],
        baseline=med["sqlite_first_page"],
        ratio=round(med["pg_first_page"] / med["sqlite_first_page"], 2),
        target="first page < 100 ms, substring filter < 200 ms, NOTIFY latency p99 < 200 ms",
        met=all(met.values()),
        details={
            "rows": rows, "fill": fill, "sqlite": sqlite_gen, "median_ms": med,
            "notify_ms": notify_ms, "met": met, "analytics_ms": analytics,
            "rollup_against_scan": rollup, "export": exports, "load_before": load_before,
            "load_after": os.getloadavg(),
        },
    )
