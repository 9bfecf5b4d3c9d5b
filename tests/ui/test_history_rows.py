"""HistoryRows without Qt: paging, merges, upserts, sorting, and the diffs that describe them.

Every diff is also replayed on a plain list (``_replay``), step by step, checking that each
step's rows exist when it is applied: what a Qt model's begin/end signals would announce.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.domain.models import (
    CheckAttempt,
    HistoryEntry,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.ui.history_rows import (
    Change,
    HistoryRows,
    Inserted,
    Removed,
    Resorted,
    Updated,
    store_order,
)

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def entry(n: int, **overrides: object) -> HistoryEntry:
    """Entry ``n``: the higher ``n``, the newer (one minute apart)."""
    values: dict[str, object] = {
        "id": n, "profile": "Sandbox", "operator": "ann", "api_version": "v1", "kind": "start",
        "number": f"4477009{n:05d}", "brand": f"Brand {n % 3}", "workflow_id": 1,
        "request_id": f"req{n:029d}", "status": VerificationStatus.IN_PROGRESS,
        "created_at": T0 + timedelta(minutes=n), "updated_at": T0 + timedelta(minutes=n),
    }  # fmt: skip
    values.update(overrides)
    return HistoryEntry(**values)  # type: ignore[arg-type]


def newest_first(*numbers: int) -> list[HistoryEntry]:
    return [entry(n) for n in sorted(numbers, reverse=True)]


def ids(entries: list[HistoryEntry]) -> list[int]:
    return [e.id for e in entries]


def _replay(rows: HistoryRows, changes: list[Change]) -> list[HistoryEntry]:
    """Apply ``changes`` to a copy of the rows as a view would see them; return the result."""
    shown = rows.entries()
    for change in changes:
        if isinstance(change, Removed):
            assert change.first >= 0 and change.last < len(shown)
            del shown[change.first : change.last + 1]
        elif isinstance(change, Inserted):
            assert 0 <= change.first <= len(shown) and change.entries
            shown[change.first : change.first] = change.entries
        elif isinstance(change, Updated):
            assert shown[change.row] is change.old
            shown[change.row] = change.new
        rows.apply(change)
        if isinstance(change, Resorted):
            shown = rows.entries()  # a permutation (checked in the sort tests)
        assert ids(shown) == ids(rows.entries())
    return shown


def loaded(*numbers: int, more: bool = True) -> HistoryRows:
    rows = HistoryRows()
    rows.apply_all(rows.replace(newest_first(*numbers), more=more))
    return rows


def test_the_module_needs_no_qt() -> None:
    code = (
        "import sys, desktop_app.ui.history_rows; "
        "assert not any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- paging -------------------------------------------------------------------------------


def test_paging_asks_for_the_page_older_than_the_oldest_row_once_at_a_time() -> None:
    rows = HistoryRows()
    assert not rows.can_fetch_more() and rows.fetch_more() is None
    rows.apply_all(rows.replace(newest_first(10, 9, 8), more=True))
    assert rows.can_fetch_more()
    assert rows.fetch_more() == (entry(8).created_at, 8)
    assert rows.fetch_more() is None  # one page at a time
    changes = rows.append_page(newest_first(8, 7, 6), more=False)  # 8 moved between pages
    assert changes == [Inserted(3, (entry(7), entry(6)))]
    assert ids(_replay(rows, changes)) == [10, 9, 8, 7, 6]
    assert not rows.can_fetch_more()
    assert rows.row_of(entry(6).request_id or "") == 4


def test_a_cancelled_fetch_can_be_asked_again() -> None:
    rows = loaded(10, 9)
    assert rows.fetch_more() is not None
    rows.set_has_more(rows.more)  # the owner dropped the page it was loading
    assert rows.fetch_more() == (entry(9).created_at, 9)


def test_sorted_rows_still_page_from_the_oldest_row() -> None:
    rows = loaded(10, 9, 8)
    rows.apply_all(rows.sort(lambda e: -e.id, descending=True))  # oldest first
    assert ids(rows.entries()) == [8, 9, 10]
    assert rows.fetch_more() == (entry(8).created_at, 8)
    changes = rows.append_page(newest_first(7, 6), more=True)
    assert changes == [Inserted(3, (entry(7), entry(6))), Resorted()]
    assert ids(_replay(rows, changes)) == [6, 7, 8, 9, 10]


# --- replace and merge ----------------------------------------------------------------------


def test_the_same_rows_again_change_nothing() -> None:
    rows = loaded(5, 4, 3)
    assert rows.replace(newest_first(5, 4, 3), more=True) == []
    assert rows.merge_head(newest_first(5, 4, 3), more=True) == []


def test_a_new_query_removes_and_inserts_runs_and_keeps_the_common_rows() -> None:
    rows = loaded(9, 8, 7, 6, 5)
    kept = rows[1]
    changes = rows.replace(newest_first(10, 8, 5, 4), more=False)
    assert changes == [
        Removed(2, 2),  # 7, 6 (bottom-up)
        Removed(0, 1),  # 9
        Inserted(0, (entry(10),)),
        Inserted(3, (entry(4),)),
    ]
    assert ids(_replay(rows, changes)) == [10, 8, 5, 4]
    assert rows[1] is kept  # not re-created: its selection and cached text stay
    assert not rows.more


def test_many_scattered_changes_become_remove_all_insert_all() -> None:
    rows = loaded(*range(0, 40, 2))
    target = newest_first(*range(1, 40, 2), *range(0, 40, 8))
    changes = rows.replace(target, more=True)
    assert changes == [Removed(0, 20), Inserted(0, tuple(target))]
    assert ids(_replay(rows, changes)) == ids(target)


def test_merge_head_updates_inserts_on_top_and_keeps_older_pages() -> None:
    rows = loaded(9, 8)
    rows.apply_all(rows.append_page(newest_first(7, 6), more=True))
    changed = entry(9, checks_count=3)
    changes = rows.merge_head([entry(10), changed, entry(8)], more=True)
    assert changes == [Updated(0, rows[0], changed), Inserted(0, (entry(10),))]
    assert ids(_replay(rows, changes)) == [10, 9, 8, 7, 6]
    assert rows.more


def test_merge_head_drops_rows_the_page_no_longer_holds() -> None:
    # A status filter: request 8 is no longer in progress, so the new page skips it.
    rows = loaded(9, 8)
    rows.apply_all(rows.append_page(newest_first(7, 6), more=True))
    changes = rows.merge_head(newest_first(9, 7), more=True)
    assert changes == [Removed(1, 1)]
    assert ids(_replay(rows, changes)) == [9, 7, 6]


def test_merge_head_past_every_loaded_row_replaces_them() -> None:
    # The history moved on by more than a page: keeping the old rows would leave a gap.
    rows = loaded(3, 2)
    changes = rows.merge_head(newest_first(9, 8), more=True)
    assert ids(_replay(rows, changes)) == [9, 8]


def test_merge_head_of_the_whole_history_replaces() -> None:
    rows = loaded(9, 8)
    rows.apply_all(rows.append_page(newest_first(7, 6), more=True))
    changes = rows.merge_head(newest_first(9), more=False)
    assert ids(_replay(rows, changes)) == [9]
    assert not rows.more


# --- upsert and search results --------------------------------------------------------------


def test_upsert_inserts_on_top_or_updates_in_place() -> None:
    rows = loaded(5, 4)
    new = entry(6)
    assert rows.upsert(new) == [Inserted(0, (new,))]
    rows.apply_all(rows.upsert(new))
    cancelled = dataclasses.replace(new, status=VerificationStatus.CANCELLED)
    changes = rows.upsert(cancelled)
    assert changes == [Updated(0, new, cancelled)]
    assert _replay(rows, changes)[0].status is VerificationStatus.CANCELLED
    assert rows.upsert(cancelled) == []  # nothing new


def test_upsert_finds_a_row_without_request_id_by_its_history_id() -> None:
    unsent = entry(5, request_id=None, status=VerificationStatus.UNKNOWN)
    rows = HistoryRows()
    rows.apply_all(rows.replace([unsent], more=False))
    stored = dataclasses.replace(unsent, request_id="abc", status=VerificationStatus.IN_PROGRESS)
    changes = rows.upsert(stored)
    assert changes == [Updated(0, unsent, stored)]
    rows.apply_all(changes)
    assert rows.row_of("abc") == 0


def test_search_results_update_loaded_rows_only() -> None:
    rows = loaded(5, 4)
    record = VerificationRecord(
        request_id=entry(4).request_id or "", status="SUCCESS", number="", price=Decimal("0.05"),
        currency="EUR", date_finalized=T0,
        checks=(CheckAttempt(T0, "INVALID"), CheckAttempt(T0, "VALID")),
    )  # fmt: skip
    other = dataclasses.replace(record, request_id="not-loaded")
    changes = rows.apply_records([record, other])
    assert [type(c) for c in changes] == [Updated]
    updated = _replay(rows, changes)[1]
    assert (updated.status, updated.price, updated.checks_count, updated.last_check_outcome) == (
        VerificationStatus.SUCCESS, Decimal("0.05"), 2, "VALID",
    )  # fmt: skip
    assert rows.apply_records([record]) == []  # already says so


# --- sorting ----------------------------------------------------------------------------------


def test_sort_returns_where_each_row_went_and_ties_keep_the_store_order() -> None:
    rows = loaded(6, 5, 4, 3)  # brands: 0, 2, 1, 0
    changes = rows.sort(lambda e: e.brand, descending=False)
    assert changes == [Resorted()]
    moved = rows.apply(changes[0])
    assert ids(rows.entries()) == [6, 3, 4, 5]  # Brand 0 (6 newer than 3), Brand 1, Brand 2
    assert moved == [0, 3, 2, 1]
    assert rows.row_of(entry(5).request_id or "") == 3
    rows.apply_all(rows.sort(None, descending=False))
    assert ids(rows.entries()) == [6, 5, 4, 3]


def test_sorted_rows_resort_only_when_a_key_changed() -> None:
    rows = loaded(6, 5, 4)
    rows.apply_all(rows.sort(lambda e: e.checks_count, descending=True))
    same_key = dataclasses.replace(rows[2], status=VerificationStatus.FAILED)
    assert [type(c) for c in rows.upsert(same_key)] == [Updated]
    new_key = dataclasses.replace(rows[2], checks_count=5)
    changes = rows.upsert(new_key)
    assert [type(c) for c in changes] == [Updated, Resorted]
    assert _replay(rows, changes)[0] == new_key


# --- the diffs always lead to the target --------------------------------------------------------

_numbers = st.lists(st.integers(0, 60), max_size=30, unique=True)


@settings(max_examples=150, deadline=None)
@given(old=_numbers, new=_numbers, older=_numbers, sort=st.sampled_from([None, "brand", "id"]))
def test_any_diff_replays_to_its_target(
    old: list[int], new: list[int], older: list[int], sort: str | None
) -> None:
    rows = HistoryRows()
    rows.apply_all(rows.replace(newest_first(*old), more=True))
    rows.apply_all(rows.append_page(newest_first(*(n - 100 for n in older)), more=True))
    keys = {None: None, "brand": lambda e: e.brand, "id": lambda e: e.id % 7}
    rows.apply_all(rows.sort(keys[sort], descending=sort == "id"))
    before = rows.entries()
    page = newest_first(*new)
    shown = _replay(rows, rows.merge_head(page, more=True))
    expected = set(new)
    if page and before and store_order(page[-1]) <= max(store_order(e) for e in before):
        expected |= {e.id for e in before if e.id < min(new)}  # older pages stay
    assert set(ids(shown)) == expected
    ordered = sorted(shown, key=store_order, reverse=True)
    if sort is not None:
        ordered.sort(key=keys[sort], reverse=sort == "id")  # type: ignore[arg-type]
    assert ids(shown) == ids(ordered)
