"""Analytics: every figure of every breakdown equals a hand computation over the same rows.

On both backends (``history_backend``): SQLite's schema version 5 and PostgreSQL's version 3
keep the same key columns, indexes and hourly rollup, and the same queries read them.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from desktop_app.domain.analytics import (
    AnalyticsQuery,
    Figures,
    median_of_histogram,
    utc_offset_changes,
)
from desktop_app.domain.phone import region_of_prefix
from desktop_app.domain.reports import BREAKDOWNS, breakdown
from desktop_app.store import analytics, pg_schema
from desktop_app.store.analytics import data_range, run_analytics
from desktop_app.store.history import HistoryStore
from tests.helpers.history import open_test_history
from tests.helpers.report_rows import T0, Row, execute_all, fill, micros

# Valid numbers whose region is their calling code's main region (or, for +1, their area's).
NUMBERS = (
    "447400123456",
    "12025550143",
    "14165550123",
    "4915112345678",
    "33612345678",
    "918123456789",
    "61412345678",
)
STATUSES = (
    "SUCCESS",
    "SUCCESS",
    "SUCCESS",
    "FAILED",
    "EXPIRED",
    "CANCELLED",
    "IN PROGRESS",
    "OUTCOME UNKNOWN",
    "REFUSED",
    "NOT SENT",
)
PRICES = (Decimal("0.05000000"), Decimal("0.0467"), Decimal("0.1"), None)
CURRENCIES = ("EUR", "EUR", "USD", "")


def _generated_rows(count: int = 240) -> list[Row]:
    rows: list[Row] = []
    for i in range(count):
        status = STATUSES[(i * 7) % len(STATUSES)]
        created = T0 + timedelta(
            hours=5 * i,
            minutes=(i * 13) % 60,
            seconds=(i * 17) % 60,
            microseconds=(i * 12345) % 1_000_000,
        )
        final = status not in ("IN PROGRESS", "OUTCOME UNKNOWN")
        # Durations with fractions of a second and repeats, so "whole seconds" matters.
        duration = timedelta(seconds=5 + (i * 37) % 290, microseconds=(i * 777_777) % 1_000_000)
        v2 = i % 5 == 0
        price_index = i % len(PRICES)
        rows.append(
            Row(
                created_at=created,
                status=status,
                profile=("Sandbox", "Production", "Staging")[i % 3],
                operator=("ann", "bob", "chen", "dana")[(i // 2) % 4],
                api_version="v2" if v2 else "v1",
                number=NUMBERS[(i * 3) % len(NUMBERS)],
                workflow_id=None if v2 or i % 7 == 0 else 1 + i % 7,
                channels=("sms,voice", "whatsapp", "sms")[i % 3] if v2 else "",
                finalized_at=created + duration if final else None,
                price=PRICES[price_index] if final else None,
                currency=CURRENCIES[price_index],
            )
        )
    return rows


ROWS = _generated_rows()


@pytest.fixture(scope="module")
def store(
    request: pytest.FixtureRequest, history_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HistoryStore]:
    """The generated rows on the module's backend (SQLite, then PostgreSQL)."""
    path = tmp_path_factory.mktemp("analytics") / "h.sqlite3"
    history = fill(open_test_history(request, history_backend, path), ROWS)
    yield history
    history.close()


def _region(number: str) -> str:
    parsed = phonenumbers.parse("+" + number)
    assert phonenumbers.is_valid_number(parsed)
    region = phonenumbers.region_code_for_number(parsed)
    return str(region)


def _hand_key(by: str, row: Row, tz: tzinfo) -> object:
    local = row.created_at.astimezone(tz).replace(tzinfo=None)
    if by == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if by == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    if by == "country":
        return _region(row.number)
    if by == "channel":
        return f"v2:{row.channels}" if row.api_version == "v2" else f"v1:{row.workflow_id or 1}"
    return {"api": row.api_version, "profile": row.profile, "operator": row.operator}[by]


def _hand_figures(rows: list[Row]) -> Figures:
    outcomes = Counter(row.status for row in rows)
    seconds = [
        int((row.finalized_at - row.created_at).total_seconds())  # whole seconds, floor
        for row in rows
        if row.status == "SUCCESS" and row.finalized_at is not None
    ]
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.price is not None:
            cost[row.currency] += row.price
    return Figures(
        started=len(rows),
        outcomes=dict(outcomes),
        median_verify_s=float(statistics.median(seconds)) if seconds else None,
        cost=dict(cost),
    )


def _in_range(
    since: datetime, until: datetime, profile: str | None = None, rows: list[Row] = ROWS
) -> list[Row]:
    return [r for r in rows if since <= r.created_at < until and profile in (None, r.profile)]


LONDON, KOLKATA = ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")
MIDNIGHT = T0.replace(hour=0)
#: Ranges the page asks (local midnights) and ones it does not, each with its time zone. The
#: history spans 50 days across London's switch to summer time.
CASES: dict[str, tuple[datetime, datetime, tzinfo]] = {
    "most of it, UTC": (MIDNIGHT + timedelta(days=3), MIDNIGHT + timedelta(days=40), UTC),
    "all time, London": (
        datetime(2000, 1, 1, tzinfo=LONDON),
        datetime(2030, 1, 1, tzinfo=LONDON),
        LONDON,
    ),
    "a week, UTC": (MIDNIGHT + timedelta(days=10), MIDNIGHT + timedelta(days=17), UTC),
    "half-hour zone": (
        datetime(2026, 3, 4, tzinfo=KOLKATA),
        datetime(2026, 4, 10, tzinfo=KOLKATA),
        KOLKATA,
    ),
    "not on the hour": (
        MIDNIGHT + timedelta(days=3, minutes=17),
        MIDNIGHT + timedelta(days=40),
        UTC,
    ),
}
#: Which SQL answers each case (``store/analytics.py``): the hourly rollup for days and hours
#: whose buckets are whole UTC hours, a breakdown's own index over most of the history, and
#: the general query otherwise. Every path is held to the same hand computation.
TIMELINE_PATH = {"half-hour zone": "general", "not on the hour": "general"}
INDEX_PATH = {"a week, UTC": "general"}


def _expected_path(case: str, by: str) -> str:
    if by in ("day", "hour"):
        by_value = by == "day" and case != "a week, UTC"
        return TIMELINE_PATH.get(case, "timeline by value" if by_value else "timeline by time")
    if by in analytics._INDEXED:
        return INDEX_PATH.get(case, "index")
    return "general"


def _spy_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    used: list[str] = []
    for name, path in (("_timeline", "timeline"), ("_by_index", "index"), ("_general", "general")):
        real = getattr(analytics, name)

        def spy(*args: object, _real: Any = real, _path: str = path, **kwargs: Any) -> Any:
            if "wide" in kwargs:  # the timeline's seconds: by value (wide days) or by time
                wide = kwargs["wide"] and args[1] == breakdown("day")
                _path += " by value" if wide else " by time"
            used.append(_path)
            return _real(*args, **kwargs)

        monkeypatch.setattr(analytics, name, spy)
    return used


def _assert_hand_computed(
    history: HistoryStore, rows: list[Row], query: AnalyticsQuery, tz: tzinfo
) -> None:
    report = run_analytics(history, query)
    chosen = _in_range(query.since, query.until, query.profile, rows)
    groups: dict[object, list[Row]] = defaultdict(list)
    for row in chosen:
        groups[_hand_key(query.by, row, tz)].append(row)
    assert report.totals == _hand_figures(chosen)
    assert {g.key: g.figures for g in report.groups} == {
        k: _hand_figures(v) for k, v in groups.items()
    }
    keys = [g.key for g in report.groups]
    if query.by in ("day", "hour"):
        assert keys == sorted(keys)
    else:
        assert keys == sorted(keys, key=lambda k: (-len(groups[k]), str(k)))
    assert report.totals.conversion == report.totals.verified / len(chosen)


@pytest.mark.parametrize("by", [b.name for b in BREAKDOWNS])
@pytest.mark.parametrize("profile", [None, "Production"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_figure_equals_the_hand_computation(
    store: HistoryStore, by: str, profile: str | None, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    since, until, tz = CASES[case]
    rows = _in_range(since, until, profile)
    assert 10 < len(rows) <= len(ROWS)
    if not case.startswith("all time"):
        assert len(_in_range(since, until)) < len(ROWS), "the range leaves rows out"
    used = _spy_paths(monkeypatch)
    _assert_hand_computed(
        store, ROWS, AnalyticsQuery(since, until, by=by, profile=profile, tz=tz), tz
    )
    assert used == [_expected_path(case, by)]


def test_the_hourly_counts_follow_updates_and_deletes(
    report_history: Callable[[list[Row]], HistoryStore],
) -> None:
    """``analytics_hours`` is kept by triggers: every kind of change lands in the figures."""
    history = report_history(ROWS)
    rows = {i + 1: row for i, row in enumerate(ROWS)}
    changes: list[tuple[str, tuple[object, ...]]] = []
    for row_id in range(1, 241, 7):  # outcome, price and finish change (the refresher)
        changes.append((
            "UPDATE requests SET status = 'SUCCESS', price = '0.3', currency = 'GBP',"
            " finalized_at = created_at + 61500000 WHERE id = ?", (row_id,),
        ))  # fmt: skip
        old = rows[row_id]
        rows[row_id] = replace(
            old, status="SUCCESS", price=Decimal("0.3"), currency="GBP",
            finalized_at=old.created_at + timedelta(seconds=61.5),
        )  # fmt: skip
    for row_id in range(2, 241, 11):  # moved to another profile and another hour
        changes.append((
            "UPDATE requests SET profile = 'Moved', created_at = created_at + 5400000000,"
            " finalized_at = finalized_at + 5400000000 WHERE id = ?", (row_id,),
        ))  # fmt: skip
        old = rows[row_id]
        moved = old.finalized_at + timedelta(hours=1.5) if old.finalized_at else None
        rows[row_id] = replace(
            old, profile="Moved", created_at=old.created_at + timedelta(hours=1.5),
            finalized_at=moved,
        )  # fmt: skip
    changes.append(("UPDATE requests SET status = status WHERE id < 50", ()))  # no change
    for row_id in range(3, 241, 13):
        changes.append(("DELETE FROM requests WHERE id = ?", (row_id,)))
        del rows[row_id]
    execute_all(history, changes)
    changed = list(rows.values())
    since, until, tz = CASES["all time, London"]
    for item in BREAKDOWNS:
        for profile in (None, "Moved", "Sandbox"):
            query = AnalyticsQuery(since, until, by=item.name, profile=profile, tz=tz)
            _assert_hand_computed(history, changed, query, tz)


def test_days_follow_local_midnight_across_daylight_saving(
    report_history: Callable[[list[Row]], HistoryStore],
) -> None:
    london = ZoneInfo("Europe/London")  # UTC+0 until 2026-03-29 01:00 UTC, then UTC+1
    moments = [
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 23, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 22, 59, tzinfo=UTC),
        datetime(2026, 3, 30, 23, 0, tzinfo=UTC),
    ]
    history = report_history([Row(created_at=m) for m in moments])
    query = AnalyticsQuery(
        datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC), by="day", tz=london
    )
    report = run_analytics(history, query)
    assert {g.key: g.figures.started for g in report.groups} == {
        datetime(2026, 3, 28): 1,  # 23:30 UTC is 23:30 GMT
        datetime(2026, 3, 30): 2,  # 00:30 BST and 23:59 BST
        datetime(2026, 3, 31): 1,  # 23:00 UTC is midnight BST
    }


def test_utc_offset_changes_find_the_switch_to_the_second() -> None:
    london = ZoneInfo("Europe/London")
    since, until = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    changes = utc_offset_changes(since, until, london)
    switch = [datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=m) for m, _ in changes]
    assert [o for _, o in changes] == [0, 3600, 0]
    assert switch[1:] == [
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
    ]
    assert utc_offset_changes(since, until, UTC) == ((changes[0][0], 0),)


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        ({}, None),
        ({5: 1}, 5.0),
        ({1: 1, 9: 1}, 5.0),
        ({1: 2, 3: 1}, 1.0),
        ({2: 1, 4: 2, 10: 1}, 4.0),
        ({1: 1, 2: 1, 3: 1, 100: 1}, 2.5),
    ],
)
def test_median_of_histogram_is_the_median_of_the_values(
    histogram: dict[int, int], expected: float | None
) -> None:
    assert median_of_histogram(histogram) == expected
    values = list(itertools.chain.from_iterable([v] * n for v, n in histogram.items()))
    assert expected == (statistics.median(values) if values else None)


@pytest.mark.parametrize(
    ("prefix", "region"),
    [
        ("447", "GB"),
        ("1202", "US"),
        ("1416", "CA"),
        ("1876", "JM"),
        ("491", "DE"),
        ("331", "FR"),
        ("800", None),
        ("999", None),
        ("", None),
        ("4x", None),
    ],
)
def test_region_of_prefix(prefix: str, region: str | None) -> None:
    assert region_of_prefix(prefix) == region


def test_data_range_and_an_empty_range(store: HistoryStore) -> None:
    assert data_range(store) == (micros(ROWS[0].created_at), micros(ROWS[-1].created_at))
    assert data_range(store, profile="Nobody") is None
    empty = run_analytics(store, AnalyticsQuery(T0 - timedelta(days=9), T0 - timedelta(days=8)))
    assert empty.groups == () and empty.totals == Figures()
    assert empty.totals.conversion is None


def test_a_shared_history_migrated_from_before_analytics_gets_the_same_figures(
    pg_url: str, pg_password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL step 3 on a history with rows: stored key columns and the rollup backfilled."""
    with monkeypatch.context() as before:
        before.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:2])
        before.setattr(pg_schema, "SCHEMA_VERSION", 2)
        old = HistoryStore(pg_url, password=pg_password)
        old_rows = ROWS[:120]
        try:
            fill(old, old_rows)
        finally:
            old.close()
    history = HistoryStore(pg_url, password=pg_password)
    try:
        since, until, tz = CASES["all time, London"]
        for item in BREAKDOWNS:
            query = AnalyticsQuery(since, until, by=item.name, tz=tz)
            _assert_hand_computed(history, old_rows, query, tz)
    finally:
        history.close()
