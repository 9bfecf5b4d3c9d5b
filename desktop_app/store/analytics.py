"""Analytics over the request history: one SQL aggregate per question, folded in Python.

A page of figures (totals plus one group per day, country, channel...) is one aggregate query
over the date range (run a day at a time for the day and hour breakdowns, see ``_spans``),
answered from the ``(created_at, id)`` index range::

    SELECT <group key>, status, currency, price, <whole seconds to verify>, count(*)
    FROM requests WHERE created_at >= ? AND created_at < ? [AND profile = ?]
    GROUP BY 1, 2, 3, 4, 5

Its answer is small (groups x statuses x distinct prices, plus one row per distinct second of
verification time for verified rows) and is folded here into :class:`Figures`: counts per
status, exact decimal cost per currency, and the median from the seconds histogram. One scan
therefore serves every figure of the page, and no figure needs a row in Python.

Group keys are computed in SQL so that grouping happens in the scan:

* ``day`` / ``hour``: ``(created_at + local UTC offset) / bucket width``; the offset is a
  ``CASE`` over the range's daylight-saving changes (``utc_offset_changes``), so buckets follow
  local midnight all year;
* ``country``: the number's first three digits (four for ``+1``), which fix its calling code
  (and a North American area code); each prefix group is then named once by
  :func:`desktop_app.domain.phone.region_of_prefix` and groups of one region merged. No country
  column is needed, so no migration;
* ``channel``: ``"v1:<workflow id>"`` (the API default, 1, when none was sent) or
  ``"v2:<channels>"``;
* any plain :class:`~desktop_app.domain.reports.Breakdown` column (``profile``, ``operator``,
  later ``host``): the column itself.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from desktop_app.domain.analytics import (
    AnalyticsQuery,
    AnalyticsReport,
    Figures,
    Group,
    median_of_histogram,
    utc_offset_changes,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.phone import region_of_prefix
from desktop_app.domain.reports import Breakdown, breakdown
from desktop_app.store._connection import to_micros
from desktop_app.store._reports import read
from desktop_app.store.history import HistoryStore

__all__ = ["data_range", "run_analytics"]

_WIDTH_US: Final = {"day": 86_400_000_000, "hour": 3_600_000_000}
_COUNTRY_KEY: Final = (
    "CASE WHEN substr(number, 1, 1) = '1' THEN substr(number, 1, 4) ELSE substr(number, 1, 3) END"
)
_CHANNEL_KEY: Final = (
    "CASE WHEN api_version = 'v2' THEN 'v2:' || channels ELSE 'v1:' || coalesce(workflow_id, 1) END"
)
_SUCCESS: Final = VerificationStatus.SUCCESS.value
_SECONDS: Final = (
    f"CASE WHEN status = '{_SUCCESS}' AND finalized_at IS NOT NULL"
    " THEN max(0, finalized_at - created_at) / 1000000 END"
)
_EPOCH_LOCAL: Final = datetime(1970, 1, 1)
_SPAN_US: Final = 86_400_000_000


def _offset_sql(utc_offsets: tuple[tuple[int, int], ...]) -> str:
    """The local offset (micros) of ``created_at``, as a ``CASE`` over the offset changes."""
    if not utc_offsets:
        return "0"
    if len(utc_offsets) == 1:
        return f"{int(utc_offsets[0][1]) * 1_000_000:d}"
    arms = " ".join(
        f"WHEN created_at < {int(start):d} THEN {int(offset) * 1_000_000:d}"
        for (_, offset), (start, _) in itertools.pairwise(utc_offsets)
    )
    return f"(CASE {arms} ELSE {int(utc_offsets[-1][1]) * 1_000_000:d} END)"


def _key_sql(item: Breakdown, query: AnalyticsQuery) -> str:
    if item.name in _WIDTH_US:
        offsets = utc_offset_changes(query.since, query.until, query.tz)
        return f"(created_at + {_offset_sql(offsets)}) / {_WIDTH_US[item.name]:d}"
    if item.name == "country":
        return _COUNTRY_KEY
    if item.name == "channel":
        return _CHANNEL_KEY
    if not item.column.isidentifier():
        raise ValueError(f"breakdown {item.name!r} names no column")
    return item.column


def _group_key(item: Breakdown, raw: Any) -> object:
    """The group's key as :class:`~desktop_app.domain.analytics.Group` documents it."""
    if item.name in _WIDTH_US:
        return _EPOCH_LOCAL + timedelta(microseconds=int(raw) * _WIDTH_US[item.name])
    if item.name == "country":
        return region_of_prefix(str(raw or "")) or ""
    return "" if raw is None else raw


class _Tally:
    """The running sums of one group while the query's rows are folded."""

    def __init__(self) -> None:
        self.started = 0
        self.outcomes: dict[str, int] = defaultdict(int)
        self.seconds: dict[int, int] = defaultdict(int)
        self.cost: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, status: str, currency: str, price: str | None, secs: int | None, n: int) -> None:
        self.started += n
        self.outcomes[status] += n
        if secs is not None:
            self.seconds[int(secs)] += n
        if price is not None:
            self.cost[currency or ""] += Decimal(price) * n

    def figures(self) -> Figures:
        return Figures(
            started=self.started,
            outcomes=dict(self.outcomes),
            median_verify_s=median_of_histogram(self.seconds),
            cost=dict(self.cost),
        )


def _fold(item: Breakdown, rows: Iterable[tuple[Any, ...]]) -> tuple[Figures, list[Group]]:
    totals = _Tally()
    groups: dict[object, _Tally] = {}
    keys: dict[Any, object] = {}  # raw SQL key -> group key, named once per raw key
    for raw, status, currency, price, secs, n in rows:
        if raw not in keys:
            keys[raw] = _group_key(item, raw)
        key = keys[raw]
        tally = groups.get(key)
        if tally is None:
            tally = groups[key] = _Tally()
        tally.add(status, currency, price, secs, n)
        totals.add(status, currency, price, secs, n)
    ordered = sorted(groups.items(), key=lambda kv: _order(item, kv[0], kv[1]))
    return totals.figures(), [Group(key, tally.figures()) for key, tally in ordered]


def _order(item: Breakdown, key: object, tally: _Tally) -> tuple[Any, ...]:
    """Time buckets in time order; other groups biggest first, then by key."""
    if item.timeline:
        return (key,)
    return (-tally.started, str(key))


def _where(query: AnalyticsQuery, *, bounds: bool = True) -> tuple[str, list[object]]:
    """The range (unless ``bounds`` is False) and profile terms, and their arguments."""
    where = "created_at >= ? AND created_at < ?" if bounds else ""
    args: list[object] = [to_micros(query.since), to_micros(query.until)] if bounds else []
    if query.profile is not None:
        where += " AND profile = ?"
        args.append(query.profile)
    return where, args


def _spans(first: int, last: int, item: Breakdown) -> list[tuple[int, int]]:
    """``[first, last]`` cut into day-long spans for the time breakdowns, else whole.

    SQLite groups by sorting every input row; sorting a day's rows at a time keeps each sort
    small and in memory (several times faster over a year of history). The spans need not
    follow the buckets: ``_fold`` merges rows of one key from different spans.
    """
    if not item.timeline:
        return [(first, last + 1)]
    return [(start, min(start + _SPAN_US, last + 1)) for start in range(first, last + 1, _SPAN_US)]


def _aggregate(conn: sqlite3.Connection, item: Breakdown, query: AnalyticsQuery) -> list[Any]:
    where, args = _where(query)
    conn.execute("BEGIN")  # one snapshot for the bounds and every span
    try:
        first, last = conn.execute(
            f"SELECT min(created_at), max(created_at) FROM requests WHERE {where}", args
        ).fetchone()
        if first is None:
            return []
        # One range per query: given two, SQLite may walk the index over the wider one.
        span_where, span_args = _where(query, bounds=False)
        sql = (
            f"SELECT {_key_sql(item, query)} AS k, status, currency, price, {_SECONDS} AS s,"
            f" count(*) FROM requests WHERE created_at >= ? AND created_at < ?{span_where}"
            " GROUP BY 1, 2, 3, 4, 5"
        )
        rows: list[Any] = []
        for start, end in _spans(int(first), int(last), item):
            rows += conn.execute(sql, [start, end, *span_args]).fetchall()
        return rows
    finally:
        conn.execute("COMMIT")


def run_analytics(history: HistoryStore, query: AnalyticsQuery) -> AnalyticsReport:
    """Compute the figures of ``query`` (SQL aggregates; call it on a store thread).

    Raises:
        KeyError: ``query.by`` names no breakdown.
        StoreError: The database cannot be read.
    """
    item = breakdown(query.by)
    rows = read(history, lambda conn: _aggregate(conn, item, query))
    totals, groups = _fold(item, rows)
    return AnalyticsReport(query=query, totals=totals, groups=tuple(groups))


def data_range(history: HistoryStore, profile: str | None = None) -> tuple[int, int] | None:
    """``(first, last)`` ``created_at`` micros of the history (of ``profile``), None if empty.

    Two index look-ups, for the page's "All time" range.
    """
    where, args = ("WHERE profile = ?", [profile]) if profile is not None else ("", [])
    sql = f"SELECT min(created_at), max(created_at) FROM requests {where}"
    row = read(history, lambda conn: conn.execute(sql, args).fetchone())
    if row is None or row[0] is None:
        return None
    return int(row[0]), int(row[1])
