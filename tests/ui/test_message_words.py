"""How the window words a message row's status and its timeline lines (plain; codes in Details)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages_status import MessageStatus
from desktop_app.domain.models import HistoryEntry, VerificationStatus
from desktop_app.ui import message_words
from tests.helpers.clock import T0

UUID = "6f0c2d1e-0000-4000-8000-00000000abcd"


def message_row(make_entry: Callable[..., HistoryEntry], **overrides: Any) -> HistoryEntry:
    values: dict[str, Any] = {"api_version": "messages", "kind": "message", "request_id": UUID,
                              "channels": "whatsapp,sms", "workflow_id": None}  # fmt: skip
    values.update(overrides)
    return make_entry(**values)


@pytest.mark.parametrize(("status", "delivery", "words"), [
    (VerificationStatus.IN_PROGRESS, "", "Sent"),
    (VerificationStatus.SENT, "", "Sent"),
    (VerificationStatus.IN_PROGRESS, "submitted", "Sent"),
    (VerificationStatus.SUCCESS, "delivered", "Delivered"),
    (VerificationStatus.SUCCESS, "read", "Read"),
    (VerificationStatus.FAILED, "rejected", "Rejected"),
    (VerificationStatus.FAILED, "undeliverable", "Undeliverable"),
    (VerificationStatus.REFUSED, "", "Refused"),
    (VerificationStatus.UNKNOWN, "", "Outcome unknown"),
])  # fmt: skip
def test_a_message_rows_status_reads_plainly(
    make_entry: Callable[..., HistoryEntry], status: VerificationStatus, delivery: str, words: str
) -> None:
    row = message_row(make_entry, status=status, delivery_status=delivery)
    assert message_words.row_status_text(row) == words


def test_a_code_row_keeps_its_own_outcome_once_checked(
    make_entry: Callable[..., HistoryEntry],
) -> None:
    verified = message_row(make_entry, kind="code", status=VerificationStatus.SUCCESS,
                           delivery_status="delivered")  # fmt: skip
    assert message_words.row_status_text(verified) == "Verified"
    waiting = message_row(make_entry, kind="code", status=VerificationStatus.IN_PROGRESS,
                          delivery_status="read")  # fmt: skip
    assert message_words.row_status_text(waiting) == "Read"
    assert message_words.row_status_text(make_entry()) == "In progress"  # Verify: unchanged


def test_a_rejected_leg_is_worded_plainly_with_its_code_under_details() -> None:
    rejected = MessageEventEntry(UUID, 0, "whatsapp", MessageStatus.REJECTED, T0, T0,
                                 error_code=1340, error_title="Outside of the allowed window")
    line = message_words.leg_line(rejected, legs=2)
    assert line.startswith("WhatsApp (first try) · Rejected · ")
    assert "Outside of the allowed window" in line and "1340" not in line
    details = message_words.leg_details([rejected])
    assert "error 1340" in details and UUID in details
    masked = message_words.leg_details([rejected], mask=True)
    assert UUID not in masked and "error 1340" in masked
    delivered = MessageEventEntry(UUID, 1, "viber_service", MessageStatus.DELIVERED, T0, T0)
    assert message_words.leg_line(delivered, legs=2).startswith("Viber (failover 1) · Delivered")
    assert message_words.leg_line(delivered, legs=1).startswith("Viber · Delivered")
