"""Message status webhooks and the Messages error code table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.messages import MESSENGER, MMS, SMS, VIBER, WHATSAPP
from desktop_app.domain.messages_errors import MESSAGE_ERRORS, error_code_info
from desktop_app.domain.messages_status import (
    ERROR_TYPE_BASE,
    MessageStatus,
    MessageStatusEvent,
    StatusError,
    Usage,
    error_code_of,
    format_timestamp,
    parse_status_webhook,
    status_webhook_body,
)

SPEC = Path(__file__).resolve().parent.parent / "data" / "messages-olympus.yml"
UUID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"

DELIVERED = {
    "message_uuid": UUID,
    "to": "447700900000",
    "from": "447700900001",
    "timestamp": "2020-01-01T14:00:00.000Z",
    "status": "delivered",
    "channel": "sms",
    "usage": {"currency": "EUR", "price": "0.0333"},
    "client_ref": "order-17",
    "sms": {"count_total": "1"},
}

REJECTED = {
    "message_uuid": UUID,
    "to": "447700900000",
    "from": "447700900001",
    "timestamp": "2024-05-06T07:08:09.123+00:00",
    "status": "rejected",
    "channel": "whatsapp",
    "error": {
        "type": f"{ERROR_TYPE_BASE}#1340",
        "title": "1340",
        "detail": "Outside of the allowed window",
        "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
    },
}


def test_a_delivered_webhook_is_read_with_price_and_client_ref() -> None:
    event = parse_status_webhook(DELIVERED)
    assert event.message_uuid == UUID and event.to == "447700900000"
    assert event.from_ == "447700900001" and event.channel == SMS
    assert event.status is MessageStatus.DELIVERED
    assert event.timestamp == datetime(2020, 1, 1, 14, 0, tzinfo=UTC)
    assert event.usage == Usage(Decimal("0.0333"), "EUR")
    assert event.client_ref == "order-17" and event.error is None


def test_a_rejected_webhook_carries_its_error_code_and_meaning() -> None:
    event = parse_status_webhook(REJECTED)
    assert event.status is MessageStatus.REJECTED and event.status.failed
    assert event.error is not None and event.error.code == 1340
    assert event.error.instance == "bf0ca0bf927b3b52e3cb03217e1a1ddf"
    info = event.error.info
    assert info is not None and "24 hours" in info.meaning
    assert event.timestamp.microsecond == 123000


def test_writing_then_reading_a_webhook_gives_the_same_event() -> None:
    event = MessageStatusEvent(
        UUID,
        "447700900000",
        "447700900001",
        datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        VIBER,
        MessageStatus.UNDELIVERABLE,
        client_ref="c",
        usage=Usage(Decimal("0.01"), "EUR"),
        error=StatusError(f"{ERROR_TYPE_BASE}#1260", "1260", "Destination unreachable", "i-1"),
    )
    body = status_webhook_body(event)
    assert body["timestamp"] == "2024-01-02T03:04:05.678Z"
    assert body["error"]["title"] == "1260" and body["usage"]["price"] == "0.01"
    assert parse_status_webhook(body) == event


def test_a_minimal_submitted_event_has_no_optional_keys() -> None:
    event = MessageStatusEvent(
        UUID, "1", "2", datetime(2024, 1, 1, tzinfo=UTC), MESSENGER, MessageStatus.SUBMITTED
    )
    assert set(status_webhook_body(event)) == {
        "message_uuid", "to", "from", "timestamp", "channel", "status"
    }  # fmt: skip


def test_timestamps_are_utc_with_t_and_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2024, 1, 1, 13, 0, tzinfo=paris)) == "2024-01-01T12:00:00.000Z"
    assert format_timestamp(datetime(2024, 1, 1, 12, 0)) == "2024-01-01T12:00:00.000Z"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"message_uuid": None}, "message_uuid"),
        ({"to": 447700900000}, "to"),
        ({"usage": {"price": "lots"}}, "usage.price"),
        ({"error": "bad"}, "error"),
    ],
)
def test_a_malformed_webhook_is_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_status_webhook({**DELIVERED, **change})
    assert field in {e.field for e in caught.value.errors}


def test_a_webhook_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        parse_status_webhook(["delivered"])


def test_the_lifecycle_order_and_what_is_final() -> None:
    s = MessageStatus
    assert s.SUBMITTED.rank < s.DELIVERED.rank < s.READ.rank == s.REJECTED.rank
    assert not s.SUBMITTED.is_final(SMS)
    assert s.DELIVERED.is_final(SMS) and s.DELIVERED.is_final(MMS)
    assert not s.DELIVERED.is_final(WHATSAPP) and s.READ.is_final(WHATSAPP)
    assert s.UNDELIVERABLE.is_final(VIBER) and not s.DELIVERED.failed


@pytest.mark.parametrize(
    ("type_", "title", "code"),
    [
        (f"{ERROR_TYPE_BASE}#1330", "1330", 1330),
        (f"{ERROR_TYPE_BASE}#1330", "Unknown", 1330),
        ("", "1000", 1000),
        ("https://developer.vonage.com/api-errors#throttled", "Throttled", None),
    ],
)
def test_the_error_code_comes_from_the_title_or_the_type(
    type_: str, title: str, code: int | None
) -> None:
    assert error_code_of(type_, title) == code


def test_the_error_table_has_exactly_the_specs_codes() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    codes = {int(code) for code in spec["x-errors"]}
    assert set(MESSAGE_ERRORS) == codes
    for code, entry in MESSAGE_ERRORS.items():
        assert entry.code == code and entry.title and entry.meaning.endswith(".")
        # The table's title is the spec's own name for the code.
        spec_title = spec["x-errors"][str(code)]["description"].split(" - ")[0].split("  ")[0]
        first_word = re.match(r"[a-z]+", entry.title.lower())
        assert first_word is not None and first_word.group(0) in spec_title.lower()
    assert error_code_info(1340) is MESSAGE_ERRORS[1340]
    assert error_code_info(9999) is None
    assert MESSAGE_ERRORS[1000].temporary and not MESSAGE_ERRORS[1340].temporary


@pytest.mark.parametrize(
    ("channel", "schema", "status"),
    [
        (SMS, "messageStatusSMS", MessageStatus.DELIVERED),
        (MMS, "messageStatusMMS", MessageStatus.REJECTED),
        (WHATSAPP, "messageStatusWhatsApp", MessageStatus.READ),
        (MESSENGER, "messageStatusMessenger", MessageStatus.READ),
        (VIBER, "messageStatusViber", MessageStatus.UNDELIVERABLE),
    ],
)
def test_written_webhooks_are_valid_against_the_spec(
    channel: str, schema: str, status: MessageStatus
) -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    # A defect of the spec: messageStatusBase's `status` enum lacks `read`, and the WhatsApp,
    # Messenger and Viber schemas add it in an allOf, which can only narrow, never widen. The
    # channels' own enums are kept; the base's gains `read`.
    spec["components"]["schemas"]["messageStatusBase"]["properties"]["status"]["enum"].append(
        "read"
    )
    validator = jsonschema.Draft4Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": spec["components"]}
    )
    error = None
    if status.failed:
        error = StatusError(f"{ERROR_TYPE_BASE}#1330", "1330", "Unknown", "i-1")
    event = MessageStatusEvent(
        UUID,
        "447700900000" if channel != MESSENGER else "2871645",
        "447700900001" if channel != MESSENGER else "1075224",
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        channel,
        status,
        client_ref="c-1",
        usage=Usage(Decimal("0.0333"), "EUR"),
        error=error,
    )
    body = status_webhook_body(event)
    assert [e.message for e in validator.iter_errors(body)] == []
    assert list(validator.iter_errors({**body, "status": "lost"}))
