"""Messages API rows in the history: migration 3, status timelines in order, codes' hashes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.history_writes import NewRequest, RequestChanges
from desktop_app.domain.message_codes import CodeVerdict, code_digest, new_salt
from desktop_app.domain.messages_status import (
    MessageStatus,
    MessageStatusEvent,
    StatusError,
    Usage,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.store import schema
from desktop_app.store.history import HistoryStore
from tests.helpers.clock import FakeClock
from tests.helpers.messages_fakes import T0

UUID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
TO = "447700900123"


@pytest.fixture
def clock_start() -> datetime:
    """The messages fakes' start (whole seconds), not the store tests' usual one."""
    return T0


def message_row(store: HistoryStore, *, kind: str = "message", channels: str = "sms") -> int:
    row = store.add_request(
        NewRequest(
            profile="p", operator="o", kind=kind, number=TO, brand="Acme", workflow_id=None,
            api_version="messages", channels=channels, message_type="text",
            client_ref="case-1", delivery_tracked=True,
        )
    )  # fmt: skip
    store.update_request(
        row, RequestChanges(request_id=UUID, status=VerificationStatus.IN_PROGRESS)
    )
    return row


def event(
    status: MessageStatus,
    channel: str = "sms",
    *,
    at: float = 0,
    price: str | None = "0.0070",
    code: int | None = None,
) -> MessageStatusEvent:
    error = None
    if code is not None:
        error = StatusError(f"https://developer.vonage.com/api-errors/messages#{code}", str(code))
    return MessageStatusEvent(
        message_uuid=UUID, to=TO, from_="Acme", timestamp=T0 + timedelta(seconds=at),
        channel=channel, status=status,
        usage=Usage(Decimal(price), "EUR") if price is not None else None, error=error,
    )  # fmt: skip


# -- migration ------------------------------------------------------------------------------


def test_a_version_2_file_gains_the_message_columns_and_keeps_its_rows(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for statements in schema.MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO requests (profile, operator, kind, number, brand, status, created_at,"
        " updated_at) VALUES ('p', 'o', 'start', '447700900001', 'B', 'SUCCESS', 1, 1)"
    )
    conn.close()
    store = HistoryStore(db_path)
    try:
        old = store.get(1)
        assert (old.number, old.status, old.api_version) == (
            "447700900001",
            VerificationStatus.SUCCESS,
            "v1",
        )
        assert (old.message_type, old.client_ref, old.delivery_status) == ("", "", "")
        assert (old.delivery_tracked, old.error_code, old.error_title) == (False, None, "")
    finally:
        store.close()
    with sqlite3.connect(db_path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        names = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    assert {"message_events", "message_codes", "ix_message_codes_live"} <= names


def test_a_message_row_keeps_what_it_was_sent_with(store: HistoryStore) -> None:
    row = message_row(store, channels="whatsapp,sms")
    entry = store.get(row)
    assert entry.api_version == "messages" and entry.request_id == UUID
    assert (entry.channels, entry.message_type, entry.client_ref) == ("whatsapp,sms", "text",
                                                                      "case-1")  # fmt: skip
    assert entry.delivery_tracked is True
    assert [e.id for e in store.recent(RecentQuery(text=UUID[:8]))] == [row]


# -- status webhooks ------------------------------------------------------------------------


def test_statuses_apply_in_lifecycle_order_and_a_repeat_changes_nothing(
    store: HistoryStore,
) -> None:
    row = message_row(store, channels="whatsapp")
    first = store.apply_message_event(event(MessageStatus.SUBMITTED, "whatsapp"))
    assert first is not None and first.recorded and first.shown
    store.apply_message_event(event(MessageStatus.READ, "whatsapp", at=3))
    late = store.apply_message_event(event(MessageStatus.DELIVERED, "whatsapp", at=1))
    assert late is not None and late.recorded and not late.shown
    again = store.apply_message_event(event(MessageStatus.READ, "whatsapp", at=3))
    assert again is not None and not again.recorded
    entry = store.get(row)
    assert entry.delivery_status == "read"
    assert entry.status is VerificationStatus.SUCCESS
    assert entry.finalized_at is not None
    assert entry.price == Decimal("0.0070") and entry.currency == "EUR"
    timeline = store.message_events(UUID)
    assert [e.status for e in timeline] == [
        MessageStatus.SUBMITTED,
        MessageStatus.DELIVERED,
        MessageStatus.READ,
    ]


def test_a_late_submitted_never_hides_delivered(store: HistoryStore) -> None:
    row = message_row(store)
    store.apply_message_event(event(MessageStatus.DELIVERED, at=1))
    store.apply_message_event(event(MessageStatus.SUBMITTED))
    assert store.get(row).delivery_status == "delivered"
    assert store.get(row).status is VerificationStatus.SUCCESS


def test_a_failover_shows_both_legs_and_ends_on_the_second(store: HistoryStore) -> None:
    row = message_row(store, channels="whatsapp,sms")
    store.apply_message_event(event(MessageStatus.REJECTED, "whatsapp", price="0", code=1340))
    rejected = store.get(row)
    assert rejected.status is VerificationStatus.IN_PROGRESS  # a leg is left
    assert (rejected.delivery_status, rejected.error_code) == ("rejected", 1340)
    assert rejected.error_title == "Outside of the allowed window"
    assert "Trying the failover message by sms" in rejected.last_error
    store.apply_message_event(event(MessageStatus.SUBMITTED, "sms", at=1, price="0.0070"))
    store.apply_message_event(event(MessageStatus.DELIVERED, "sms", at=2, price="0.0070"))
    delivered = store.get(row)
    assert (delivered.delivery_status, delivered.delivery_leg) == ("delivered", 1)
    assert delivered.status is VerificationStatus.SUCCESS
    assert (delivered.error_code, delivered.error_title) == (None, "")
    assert delivered.price == Decimal("0.0070")
    legs = [(e.leg, e.channel, e.status.value) for e in store.message_events(UUID)]
    assert legs == [(0, "whatsapp", "rejected"), (1, "sms", "submitted"), (1, "sms", "delivered")]


def test_the_last_leg_failing_fails_the_row_with_its_code(store: HistoryStore) -> None:
    row = message_row(store)
    store.apply_message_event(event(MessageStatus.SUBMITTED))
    store.apply_message_event(event(MessageStatus.UNDELIVERABLE, at=1, code=1260))
    entry = store.get(row)
    assert entry.status is VerificationStatus.FAILED
    assert (entry.delivery_status, entry.error_code) == ("undeliverable", 1260)
    assert entry.last_error.startswith("The sms message was undeliverable (error 1260)")


def test_workflow_items_number_names_the_leg_when_a_channel_repeats(store: HistoryStore) -> None:
    row = message_row(store, channels="sms,sms")
    store.apply_message_event(event(MessageStatus.REJECTED, code=1330), items_number=1)
    store.apply_message_event(event(MessageStatus.SUBMITTED, at=1), items_number=2)
    entry = store.get(row)
    assert (entry.delivery_status, entry.delivery_leg) == ("submitted", 1)


def test_a_sent_row_is_not_reopened_but_learns_its_end(store: HistoryStore) -> None:
    row = message_row(store)
    store.update_request(row, RequestChanges(status=VerificationStatus.SENT))
    store.apply_message_event(event(MessageStatus.SUBMITTED))
    assert store.get(row).status is VerificationStatus.SENT
    assert store.get(row).delivery_status == "submitted"
    store.apply_message_event(event(MessageStatus.DELIVERED, at=1))
    assert store.get(row).status is VerificationStatus.SUCCESS


def test_a_status_for_an_unknown_message_waits_aside(store: HistoryStore) -> None:
    assert store.apply_message_event(event(MessageStatus.DELIVERED)) is None
    assert store.message_events(UUID) == []  # not on any timeline
    assert store.adopt_message_events(UUID) == 0  # no row has the id yet


def test_statuses_that_beat_the_answer_are_applied_when_the_id_is_recorded(
    store: HistoryStore,
) -> None:
    row = store.add_request(
        NewRequest(profile="p", operator="o", kind="message", number=TO, brand="Acme",
                   workflow_id=None, api_version="messages", channels="whatsapp,sms")
    )  # fmt: skip
    early = event(MessageStatus.REJECTED, "whatsapp", price="0", code=1340)
    assert store.apply_message_event(early, items_number=1) is None
    assert store.apply_message_event(event(MessageStatus.SUBMITTED, "sms", at=1)) is None
    store.update_request(
        row, RequestChanges(request_id=UUID, status=VerificationStatus.IN_PROGRESS)
    )
    store.apply_message_event(event(MessageStatus.DELIVERED, "sms", at=2))  # after the id
    assert store.adopt_message_events(UUID) == 2
    assert store.adopt_message_events(UUID) == 0
    legs = [(e.leg, e.channel, e.status.value) for e in store.message_events(UUID)]
    assert legs == [(0, "whatsapp", "rejected"), (1, "sms", "submitted"), (1, "sms", "delivered")]
    entry = store.get(row)
    assert (entry.delivery_status, entry.delivery_leg, entry.status) == (
        "delivered", 1, VerificationStatus.SUCCESS,
    )  # fmt: skip


def test_prices_add_up_over_the_legs(store: HistoryStore) -> None:
    row = message_row(store, channels="viber_service,sms")
    store.apply_message_event(event(MessageStatus.SUBMITTED, "viber_service", price="0.0100"))
    store.apply_message_event(
        event(MessageStatus.UNDELIVERABLE, "viber_service", at=1, price="0.0100", code=1260)
    )
    store.apply_message_event(event(MessageStatus.SUBMITTED, "sms", at=2, price="0.0070"))
    assert store.get(row).price == Decimal("0.0170")


# -- codes ------------------------------------------------------------------------------------


def reserve(store: HistoryStore, now: datetime, *, seconds: int = 300) -> tuple[int, bytes]:
    salt = new_salt()
    code_id, live = store.reserve_code(
        profile="p", number=TO, salt=salt, digest=code_digest("482913", salt),
        expires_at=now + timedelta(seconds=seconds), now=now,
    )  # fmt: skip
    assert live is None and code_id > 0
    return code_id, salt


def test_one_live_code_per_number_and_an_expired_one_makes_way(store: HistoryStore) -> None:
    code_id, _ = reserve(store, T0)
    row = message_row(store, kind="code")
    store.attach_code(code_id, history_id=row, message_uuid=UUID)
    salt = new_salt()
    _, live = store.reserve_code(
        profile="p", number=TO, salt=salt, digest=code_digest("1", salt),
        expires_at=T0 + timedelta(seconds=600), now=T0 + timedelta(seconds=10),
    )  # fmt: skip
    assert live is not None and live.message_uuid == UUID
    later = T0 + timedelta(seconds=301)
    new_id, _ = reserve(store, later)
    assert new_id != code_id
    old = store.find_code(UUID)
    assert old is not None and old.ended == "EXPIRED" and old.salt == b"" and old.digest == b""
    assert store.get(row).status is VerificationStatus.EXPIRED


def test_checks_follow_verify_rules_and_wipe_the_hash(store: HistoryStore) -> None:
    code_id, salt = reserve(store, T0)
    row = message_row(store, kind="code")
    store.attach_code(code_id, history_id=row, message_uuid=UUID)
    wrong = code_digest("000000", salt)
    verdicts = [store.settle_code_check(code_id, wrong, T0)[0] for _ in range(3)]
    assert verdicts == [CodeVerdict.WRONG, CodeVerdict.WRONG, CodeVerdict.TOO_MANY]
    entry = store.get(row)
    assert (entry.status, entry.checks_count, entry.last_check_outcome) == (
        VerificationStatus.FAILED,
        3,
        "TOO MANY",
    )
    right = code_digest("482913", salt)
    assert store.settle_code_check(code_id, right, T0)[0] is CodeVerdict.ENDED
    stored = store.find_code(UUID)
    assert stored is not None
    assert (stored.salt, stored.digest, stored.ended) == (b"", b"", "FAILED")


def test_the_right_code_succeeds_once(store: HistoryStore) -> None:
    code_id, salt = reserve(store, T0)
    row = message_row(store, kind="code")
    store.attach_code(code_id, history_id=row, message_uuid=UUID)
    right = code_digest("482913", salt)
    assert store.settle_code_check(code_id, right, T0)[0] is CodeVerdict.VALID
    assert store.get(row).status is VerificationStatus.SUCCESS
    assert store.settle_code_check(code_id, right, T0)[0] is CodeVerdict.ENDED
    assert store.get(row).last_check_outcome == "NOT FOUND"


def test_a_code_message_failing_on_its_last_leg_ends_the_code(store: HistoryStore) -> None:
    code_id, _ = reserve(store, T0)
    row = message_row(store, kind="code", channels="viber_service")
    store.attach_code(code_id, history_id=row, message_uuid=UUID)
    store.apply_message_event(event(MessageStatus.DELIVERED, "viber_service"))
    assert store.get(row).status is VerificationStatus.IN_PROGRESS  # a code row waits for its code
    store.apply_message_event(event(MessageStatus.UNDELIVERABLE, "viber_service", at=1, code=1260))
    assert store.get(row).status is VerificationStatus.FAILED
    stored = store.find_code(UUID)
    assert stored is not None and stored.ended == "FAILED" and stored.digest == b""


def test_pruning_takes_timelines_and_codes_too(store: HistoryStore, clock: FakeClock) -> None:
    code_id, _ = reserve(store, T0)
    row = message_row(store, kind="code")
    store.attach_code(code_id, history_id=row, message_uuid=UUID)
    store.apply_message_event(event(MessageStatus.DELIVERED))
    assert store.find_code(UUID) is not None and store.message_events(UUID)
    clock.advance(86_400)
    assert store.prune(T0 + timedelta(seconds=3600)) == 1
    assert store.message_events(UUID) == []
    assert store.find_code(UUID) is None
    assert store.count() == 0
