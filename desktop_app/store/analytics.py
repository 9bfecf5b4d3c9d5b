"""Analytics over the request history: SQL aggregates, folded in Python.

A page of figures (totals plus one group per day, country, channel...) needs, per group, the
count per status and price (so outcomes, conversion and exact cost) and the histogram of whole
seconds to verify (so the median). Neither needs a row in Python; which SQL answers them
depends on the question, so that a page over the whole history (a million rows) does not sort
a million rows (schema version 5 keeps what the fast paths read; see ``store/schema.py``;
PostgreSQL's version 3 keeps the same, ``store/pg_schema.py``):

* **day / hour** (``_timeline``): the counts come from ``analytics_hours`` (requests per UTC
  hour, profile, status and price, kept by triggers): a local day or hour is a union of UTC
  hours whenever the time zone's offsets are whole hours and the range starts and ends on an
  hour, which is every range the page asks in such a zone. The seconds come from the partial
  index ``ix_analytics_seconds`` (verified rows only, by time). Other zones and ranges take the
  general path;
* **country, channel, API, profile, operator** over most of the history (``_by_index``): the
  breakdown's covering index is already in ``GROUP BY`` order, so SQLite groups while walking
  it (no sort) and checks the range and profile from the index (PostgreSQL takes the same
  query and chooses its own plan: no index hints there, and it groups by hashing);
* **anything else** (a short range, a column without such an index): the general path, one
  aggregate over the ``(created_at, id)`` index range, run a day at a time for the day and hour
  breakdowns (``_spans``)::

    SELECT <group key>, status, currency, price, verify_seconds, count(*)
    FROM requests WHERE created_at >= ? AND created_at < ? [AND profile = ?]
    GROUP BY 1, 2, 3, 4, 5

Group keys are computed in SQL so that grouping happens in the scan:

* ``day`` / ``hour``: ``(created_at + local UTC offset) / bucket width``; the offset is a
  ``CASE`` over the range's daylight-saving changes (``utc_offset_changes``), so buckets follow
  local midnight all year;
* ``country``: the stored ``country_prefix`` (the number's first three digits, four for
  ``+1``), which fixes its calling code (and a North American area code); each prefix group is
  then named once by :func:`desktop_app.domain.phone.region_of_prefix` and groups of one region
  merged;
* ``channel``: the stored ``channel_key``, ``"v1:<workflow id>"`` (the API default, 1, when
  none was sent) or ``"v2:<channels>"``;
* any plain :class:`~desktop_app.domain.reports.Breakdown` column (``profile``, ``operator``,
  later ``host``): the column itself.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
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
from desktop_app.domain.phone import region_of_prefix
from desktop_app.domain.reports import Breakdown, breakdown
from desktop_app.store._connection import to_micros
from desktop_app.store._reports import read
from desktop_app.store.backend import Dialect, SqlConnection
from desktop_app.store.history import HistoryStore

__all__ = ["data_range", "run_analytics"]

_HOUR_US: Final = 3_600_000_000
_WIDTH_US: Final = {"day": 86_400_000_000, "hour": _HOUR_US}
#: The breakdowns with a stored key column and a covering index in their ``GROUP BY`` order.
_INDEXED: Final = {
    "country": ("country_prefix", "ix_analytics_country"),
    "channel": ("channel_key", "ix_analytics_channel"),
    "api": ("api_version", "ix_analytics_api"),
    "operator": ("operator", "ix_analytics_operator"),
    "profile": ("profile", "ix_analytics_profile"),
}
#: Walk a breakdown's whole index (no sort) once the range holds at least this share of the
#: history's time span; below it, read the range by time and let SQLite sort that part.
_INDEX_SHARE: Final = 0.25
_EPOCH_LOCAL: Final = datetime(1970, 1, 1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SPAN_US: Final = 86_400_000_000
#: Opens the one snapshot every query of a page reads (PostgreSQL's reads are autocommit, each
#: statement its own snapshot otherwise).
_BEGIN: Final[dict[Dialect, str]] = {
    "sqlite": "BEGIN", "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
}  # fmt: skip

#: ``(group key, status, currency, price, requests)`` and ``(group key, seconds, requests)``.
CountRow = tuple[Any, str, str, str | None, int]
SecondsRow = tuple[Any, int, int]
#: ``(from micros, UTC offset seconds)`` pairs, see ``utc_offset_changes``.
Offsets = tuple[tuple[int, int], ...]


def _dialect(conn: SqlConnection) -> Dialect:
    """The connection's SQL dialect (``PgConnection`` says; a ``sqlite3`` one does not)."""
    return "postgresql" if getattr(conn, "dialect", "sqlite") == "postgresql" else "sqlite"


def _indexed_by(conn: SqlConnection, index: str) -> str:
    """SQLite's index hint; PostgreSQL's planner has none and picks from its statistics."""
    return f" INDEXED BY {index}" if _dialect(conn) == "sqlite" else ""


def _offset_sql(utc_offsets: tuple[tuple[int, int], ...], moment: str = "created_at") -> str:
    """The local offset (micros) at ``moment`` (SQL), a ``CASE`` over the offset changes."""
    if not utc_offsets:
        return "0"
    if len(utc_offsets) == 1:
        return f"{int(utc_offsets[0][1]) * 1_000_000:d}"
    arms = " ".join(
        f"WHEN {moment} < {int(start):d} THEN {int(offset) * 1_000_000:d}"
        for (_, offset), (start, _) in itertools.pairwise(utc_offsets)
    )
    return f"(CASE {arms} ELSE {int(utc_offsets[-1][1]) * 1_000_000:d} END)"


def _offsets(query: AnalyticsQuery, first: int, last: int) -> Offsets:
    """The time zone's offsets over the rows ``[first, last]`` of the range.

    Not over all of the range: "All time" starts in 2000, and walking 27 years a day at a time
    takes a tenth of a second.
    """
    since = max(query.since, _EPOCH + timedelta(microseconds=first))
    until = min(query.until, _EPOCH + timedelta(microseconds=last + 1))
    return utc_offset_changes(since, until, query.tz)


def _bucket_sql(item: Breakdown, offsets: Offsets, moment: str = "created_at") -> str:
    return f"({moment} + {_offset_sql(offsets, moment)}) / {_WIDTH_US[item.name]:d}"


def _key_sql(item: Breakdown, offsets: Offsets) -> str:
    if item.name in _WIDTH_US:
        return _bucket_sql(item, offsets)
    if item.name in _INDEXED:
        return _INDEXED[item.name][0]
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

    def add(self, status: str, currency: str, price: str | None, n: int) -> None:
        self.started += n
        self.outcomes[status] += n
        if price is not None:
            self.cost[currency or ""] += Decimal(price) * n

    def figures(self) -> Figures:
        return Figures(
            started=self.started,
            outcomes=dict(self.outcomes),
            median_verify_s=median_of_histogram(self.seconds),
            cost=dict(self.cost),
        )


def _fold(
    item: Breakdown, counts: Iterable[CountRow], seconds: Iterable[SecondsRow]
) -> tuple[Figures, list[Group]]:
    totals = _Tally()
    groups: dict[object, _Tally] = {}
    tallies: dict[Any, _Tally] = {}  # raw SQL key -> its group's tally, named once per key

    def tally_of(raw: Any) -> _Tally:
        tally = tallies.get(raw)
        if tally is None:
            key = _group_key(item, raw)
            tally = groups.get(key)
            if tally is None:
                tally = groups[key] = _Tally()
            tallies[raw] = tally
        return tally

    for raw, status, currency, price, count in counts:
        n = int(count)  # PostgreSQL's sum() of the rollup's counts is a numeric
        tally_of(raw).add(status, currency, price, n)
        totals.add(status, currency, price, n)
    total_seconds = totals.seconds
    last_raw: Any = object()
    histogram = total_seconds
    for raw, secs, n in seconds:  # in key order: look the group up once per key
        if raw != last_raw:
            histogram, last_raw = tally_of(raw).seconds, raw
        histogram[secs] += n
        total_seconds[secs] += n
    ordered = sorted(groups.items(), key=lambda kv: _order(item, kv[0], kv[1]))
    return totals.figures(), [Group(key, tally.figures()) for key, tally in ordered]


def _split(rows: list[Any]) -> tuple[list[CountRow], list[SecondsRow]]:
    """Rows of ``(key, status, currency, price, seconds, n)`` as counts and seconds."""
    seconds = [(raw, int(secs), n) for raw, _s, _c, _p, secs, n in rows if secs is not None]
    return [(raw, status, cur, price, n) for raw, status, cur, price, _x, n in rows], seconds


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


def _spans(
    first: int, last: int, item: Breakdown, *, sorting: bool = True
) -> list[tuple[int, int]]:
    """``[first, last]`` cut into day-long spans for the time breakdowns, else whole.

    SQLite groups by sorting every input row; sorting a day's rows at a time keeps each sort
    small and in memory (several times faster over a year of history). The spans need not
    follow the buckets: ``_fold`` merges rows of one key from different spans. PostgreSQL
    groups by hashing (``sorting`` False): one span.
    """
    if not item.timeline or not sorting:
        return [(first, last + 1)]
    return [(start, min(start + _SPAN_US, last + 1)) for start in range(first, last + 1, _SPAN_US)]


def _hour_aligned(item: Breakdown, query: AnalyticsQuery, offsets: Offsets) -> bool:
    """Whether ``query``'s day or hour buckets are unions of whole UTC hours."""
    if item.name not in _WIDTH_US:
        return False
    moments = [to_micros(query.since), to_micros(query.until)]
    moments += [start for start, _ in offsets[1:]]
    return all(m % _HOUR_US == 0 and m >= 0 for m in moments) and all(
        offset % 3600 == 0 for _, offset in offsets
    )


def _timeline(
    conn: SqlConnection,
    item: Breakdown,
    query: AnalyticsQuery,
    offsets: Offsets,
    *,
    wide: bool,
) -> tuple[list[CountRow], list[SecondsRow]]:
    """Day or hour buckets: counts from ``analytics_hours``, seconds from their index.

    ``wide``: the range holds most of the history (the seconds are then read in value order).
    """
    _, profile_args = _where(query, bounds=False)
    profile = " AND profile = ?" if profile_args else ""
    since, until = to_micros(query.since), to_micros(query.until)
    hour_start = f"hour * {_HOUR_US:d}"
    counts = conn.execute(
        f"SELECT {_bucket_sql(item, offsets, hour_start)}, status, currency, nullif(price, ''),"
        f" sum(requests) FROM analytics_hours WHERE hour >= ? AND hour < ?{profile}"
        " GROUP BY 1, 2, 3, 4 HAVING sum(requests) > 0",
        [since // _HOUR_US, until // _HOUR_US, *profile_args],
    ).fetchall()
    if wide and item.name == "day":
        # Walked in seconds order and grouped by (seconds, bucket): the rows reach the sorter
        # already in that order (a third to half faster than by bucket first over a year).
        # Not for hours: their 600,000 groups sort no faster, and folding them out of bucket
        # order costs more in Python.
        index, select, group = "ix_analytics_seconds_by_value", "verify_seconds, {k}", "1, 2"
    else:
        index, select, group = "ix_analytics_seconds", "{k}, verify_seconds", "1, 2"
    rows = conn.execute(
        f"SELECT {select.format(k=_bucket_sql(item, offsets))}, count(*)"
        f" FROM requests{_indexed_by(conn, index)}"
        f" WHERE created_at >= ? AND created_at < ? AND verify_seconds IS NOT NULL{profile}"
        f" GROUP BY {group}",
        [since, until, *profile_args],
    ).fetchall()
    seconds = rows if index == "ix_analytics_seconds" else [(k, s, n) for s, k, n in rows]
    return counts, seconds


def _by_index(
    conn: SqlConnection, item: Breakdown, query: AnalyticsQuery
) -> tuple[list[CountRow], list[SecondsRow]]:
    """A breakdown with a covering index, walked whole in its order (no sort)."""
    column, index = _INDEXED[item.name]
    where, args = _where(query)
    rows = conn.execute(
        f"SELECT {column}, status, currency, price, verify_seconds, count(*)"
        f" FROM requests{_indexed_by(conn, index)} WHERE {where} GROUP BY 1, 2, 3, 4, 5",
        args,
    ).fetchall()
    return _split(rows)


def _general(
    conn: SqlConnection, item: Breakdown, query: AnalyticsQuery, first: int, last: int
) -> tuple[list[CountRow], list[SecondsRow]]:
    """Any breakdown over the rows ``[first, last]`` of the range, read by time."""
    # One range per query: given two, SQLite may walk the index over the wider one.
    span_where, span_args = _where(query, bounds=False)
    key = _key_sql(item, _offsets(query, first, last))
    # By time: left to itself SQLite may walk a breakdown's whole index to skip the sort,
    # which is the right trade only for most of the history (``_by_index``).
    index = "ix_requests_profile" if query.profile is not None else "ix_requests_created"
    sql = (
        f"SELECT {key} AS k, status, currency, price, verify_seconds, count(*)"
        f" FROM requests{_indexed_by(conn, index)}"
        f" WHERE created_at >= ? AND created_at < ?{span_where}"
        " GROUP BY 1, 2, 3, 4, 5"
    )
    rows: list[Any] = []
    for start, end in _spans(first, last, item, sorting=_dialect(conn) == "sqlite"):
        rows += conn.execute(sql, [start, end, *span_args]).fetchall()
    return _split(rows)


def _aggregate(
    conn: SqlConnection, item: Breakdown, query: AnalyticsQuery
) -> tuple[list[CountRow], list[SecondsRow]]:
    where, args = _where(query)
    conn.execute(_BEGIN[_dialect(conn)])  # one snapshot for the bounds and every query
    try:
        first, last = conn.execute(
            f"SELECT min(created_at), max(created_at) FROM requests WHERE {where}", args
        ).fetchone()
        if first is None:
            return [], []
        first, last = int(first), int(last)
        oldest, newest = conn.execute(
            "SELECT min(created_at), max(created_at) FROM requests"
        ).fetchone()
        wide = last - first >= _INDEX_SHARE * (newest - oldest)
        if item.timeline:
            offsets = _offsets(query, first, last)
            if _hour_aligned(item, query, offsets):
                return _timeline(conn, item, query, offsets, wide=wide)
        if item.name in _INDEXED and wide:
            return _by_index(conn, item, query)
        return _general(conn, item, query, first, last)
    finally:
        conn.execute("COMMIT")


def run_analytics(history: HistoryStore, query: AnalyticsQuery) -> AnalyticsReport:
    """Compute the figures of ``query`` (SQL aggregates; call it on a store thread).

    Raises:
        KeyError: ``query.by`` names no breakdown.
        StoreError: The database cannot be read.
    """
    item = breakdown(query.by)
    counts, seconds = read(history, lambda conn: _aggregate(conn, item, query))
    totals, groups = _fold(item, counts, seconds)
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
