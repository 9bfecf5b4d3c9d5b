"""Round trips, updates, filters, paging and retention of the history store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_writes import CallEnd, NewCall
from desktop_app.domain.models import HistoryEntry
from desktop_app.domain.models import VerificationStatus as S
from desktop_app.store import history
from desktop_app.store.history import UNSET, HistoryStore, NewRequest, RequestChanges, utc_now


def _add(h: HistoryStore, number: str = "447700900001", **kw: object) -> int:
    values: dict[str, object] = dict(
        profile="Sandbox", operator="alice", kind="start", number=number, brand="Acme",
        workflow_id=6,
    )  # fmt: skip
    values.update(kw)
    return h.add_request(NewRequest(**values))  # type: ignore[arg-type]


def test_add_request_round_trips_every_field_and_starts_unknown(store, clock) -> None:
    row = store.add_request(NewRequest(
        profile="prod", operator="bob", kind="psd2", number="447700900123", brand="Payee Ltd",
        workflow_id=7, code_length=6, pin_expiry=240, next_event_wait=120, api_version="v2",
    ))  # fmt: skip
    entry = store.get(row)
    assert entry == HistoryEntry(
        id=row, profile="prod", operator="bob", api_version="v2", kind="psd2",
        number="447700900123", brand="Payee Ltd", workflow_id=7, request_id=None,
        status=S.UNKNOWN, created_at=clock.start, updated_at=clock.start, finalized_at=None,
        price=None,
        currency="", checks_count=0, last_check_outcome="", last_error="", code_length=6,
        pin_expiry=240, next_event_wait=120,
    )  # fmt: skip
    assert entry.created_at.tzinfo is not None


def test_update_changes_only_given_fields(store, clock) -> None:
    row = _add(store)
    clock.advance(5)
    store.update_request(row, RequestChanges(request_id="abc123", status=S.IN_PROGRESS))
    e = store.get(row)
    assert (e.request_id, e.status, e.updated_at, e.created_at) == (
        "abc123", S.IN_PROGRESS, clock.start + timedelta(seconds=5), clock.start,
    )  # fmt: skip
    assert e.finalized_at is None and e.price is None and e.last_error == ""
    clock.advance(5)
    store.update_request(row, RequestChanges(last_error="timeout"))
    e2 = store.get(row)
    assert (e2.request_id, e2.status, e2.last_error) == ("abc123", S.IN_PROGRESS, "timeout")
    # None means NULL, UNSET means untouched
    store.update_request(row, RequestChanges(request_id=None))
    assert store.get(row).request_id is None
    assert UNSET is not None


def test_update_sets_price_currency_and_finalized(store, clock) -> None:
    row = _add(store)
    done = datetime(2024, 5, 1, 12, 5, tzinfo=UTC)
    store.update_request(
        row,
        RequestChanges(
            status=S.SUCCESS, finalized_at=done, price=Decimal("0.05000000"), currency="EUR"
        ),
    )
    e = store.get(row)
    assert e.price == Decimal("0.05000000") and str(e.price) == "0.05000000"
    assert (e.currency, e.finalized_at, e.status) == ("EUR", done, S.SUCCESS)
    store.update_request(row, RequestChanges(price=None))
    assert store.get(row).price is None


def test_a_final_status_stamps_finalized_once(store, clock) -> None:
    row = _add(store)
    clock.advance(10)
    store.update_request(row, RequestChanges(status=S.REFUSED))
    stamped = store.get(row).finalized_at
    assert stamped == clock.start + timedelta(seconds=10)
    clock.advance(10)
    store.update_request(row, RequestChanges(status=S.FAILED))
    assert store.get(row).finalized_at == stamped
    store.update_request(row, RequestChanges(status=S.IN_PROGRESS, finalized_at=None))
    assert store.get(row).finalized_at is None


def test_naive_datetimes_are_taken_as_utc(store) -> None:
    row = _add(store)
    store.update_request(row, RequestChanges(finalized_at=datetime(2024, 1, 2, 3, 4, 5, 6)))
    assert store.get(row).finalized_at == datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_missing_rows(store) -> None:
    with pytest.raises(KeyError):
        store.get(999)
    with pytest.raises(KeyError):
        store.update_request(999, RequestChanges(status=S.FAILED))
    assert store.find("nope") is None
    assert store.update_by_request_id("nope", RequestChanges(status=S.FAILED)) is False
    store.record_check("nope", "VALID")  # a no-op
    assert store.count() == 0


def test_update_by_request_id(store, clock) -> None:
    row = _add(store)
    store.update_request(row, RequestChanges(request_id="r-1", status=S.IN_PROGRESS))
    clock.advance()
    assert store.update_by_request_id("r-1", RequestChanges(status=S.EXPIRED, last_error=""))
    found = store.find("r-1")
    assert found is not None and found.id == row and found.status == S.EXPIRED
    assert found.finalized_at == clock.now


def test_record_check(store, clock) -> None:
    row = _add(store)
    store.update_request(row, RequestChanges(request_id="r-2", status=S.IN_PROGRESS))
    store.record_check("r-2", "INVALID")
    e = store.get(row)
    assert (e.checks_count, e.last_check_outcome, e.status) == (1, "INVALID", S.IN_PROGRESS)
    clock.advance(3)
    paid = RequestChanges(status=S.SUCCESS, price=Decimal("0.10"), currency="EUR")
    store.record_check("r-2", "VALID", paid)
    e = store.get(row)
    assert (e.checks_count, e.last_check_outcome, e.status) == (2, "VALID", S.SUCCESS)
    assert (e.price, e.currency, e.finalized_at) == (Decimal("0.10"), "EUR", clock.now)


def test_unknown_is_left_behind_when_no_update_happens(db_path, clock) -> None:
    h = HistoryStore(db_path, clock=clock)
    row = _add(h)
    call = h.begin_call(NewCall(profile="Sandbox", operator="alice", operation="start"))
    h.close()  # the "crash": the answer never arrived
    reopened = HistoryStore(db_path)
    try:
        assert reopened.get(row).status == S.UNKNOWN
        assert reopened.get(row).status.value == "OUTCOME UNKNOWN"
        (c,) = reopened.recent_calls()
        assert (c.id, c.outcome, c.finished_at) == (call, "pending", None)
    finally:
        reopened.close()


def test_calls_round_trip_and_order(store, clock) -> None:
    first = store.begin_call(NewCall(profile="p", operator="o", operation="start"))
    clock.advance()
    store.end_call(first, CallEnd(outcome="ok", api_status="0", request_id="r-9"))
    second = store.begin_call(
        NewCall(profile="p", operator="o", operation="check", request_id="r-9")
    )
    clock.advance()
    store.end_call(second, CallEnd(outcome="api_error", api_status="16", error_text="wrong code"))
    other = store.begin_call(NewCall(profile="p", operator="o", operation="balance"))
    calls = store.calls("r-9")
    assert [c.id for c in calls] == [first, second]
    assert (calls[0].operation, calls[0].started_at, calls[0].finished_at) == (
        "start", clock.start, clock.start + timedelta(seconds=1),
    )  # fmt: skip
    assert (calls[1].outcome, calls[1].api_status, calls[1].error_text) == (
        "api_error", "16", "wrong code",
    )  # fmt: skip
    assert [c.id for c in store.recent_calls()] == [other, second, first]
    assert [c.id for c in store.recent_calls(limit=1)] == [other]


def test_prune_deletes_old_requests_and_calls(
    store, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "_PRUNE_BATCH", 3)
    old = [_add(store) for _ in range(7)]
    store.begin_call(NewCall(profile="p", operator="o", operation="start"))
    cutoff = clock.advance(60)
    keep = _add(store)
    kept_call = store.begin_call(NewCall(profile="p", operator="o", operation="check"))
    assert store.prune(cutoff) == len(old)
    assert [e.id for e in store.recent()] == [keep]
    assert [c.id for c in store.recent_calls()] == [kept_call]
    assert store.prune(cutoff) == 0


def test_close_is_idempotent_and_later_use_is_a_store_error(db_path) -> None:
    h = HistoryStore(db_path)
    h.recent()  # opens this thread's reader too
    h.close()
    h.close()
    with pytest.raises(StoreError, match="closed"):
        _add(h)
    with pytest.raises(StoreError, match="closed"):
        h.recent()


def test_default_clock_is_aware_utc(db_path: Path) -> None:
    assert utc_now().tzinfo is UTC
    h = HistoryStore(db_path)
    try:
        created = h.get(_add(h)).created_at
        assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    finally:
        h.close()


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_timestamps_are_sortable_integers(store, db_path: Path) -> None:
    _add(store)
    conn = sqlite3.connect(db_path)
    try:
        (kind,) = conn.execute("SELECT typeof(created_at) FROM requests").fetchone()
        (price_kind,) = conn.execute("SELECT typeof(price) FROM requests").fetchone()
    finally:
        conn.close()
    assert (kind, price_kind) == ("integer", "null")


def test_write_objects_name_the_store_columns_and_copy_an_entry(store, clock) -> None:
    row = store.add_request(NewRequest(
        profile="prod", operator="bob", kind="start", number="447700900123", brand="Acme",
        workflow_id=None, code_length=4, next_event_wait=60, api_version="v2",
        channels="sms,voice",
    ))  # fmt: skip
    store.update_request(row, RequestChanges(
        request_id="r-9", status=S.SUCCESS, price=Decimal("0.05"), currency="EUR",
        last_error="late", finalized_at=datetime(2024, 1, 2, tzinfo=UTC),
    ))  # fmt: skip
    old = store.get(row)
    copy = store.add_request(NewRequest.like(old))
    store.update_request(copy, RequestChanges.like(old))
    new = store.get(copy)
    skip = {"id", "created_at", "updated_at"}
    assert {k: v for k, v in vars(new).items() if k not in skip} == {
        k: v for k, v in vars(old).items() if k not in skip
    }
    assert RequestChanges().given() == {}
    assert RequestChanges(price=None).given() == {"price": None}


def test_the_request_id_is_the_key_of_updates_by_request_id(store) -> None:
    row = _add(store)
    store.update_request(row, RequestChanges(request_id="r-3"))
    with pytest.raises(ValueError, match="request id"):
        store.update_by_request_id("r-3", RequestChanges(request_id="other"))
    with pytest.raises(ValueError, match="request id"):
        store.record_check("r-3", "INVALID", RequestChanges(request_id="other"))
    assert store.get(row).request_id == "r-3"
