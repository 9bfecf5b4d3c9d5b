"""Pure tests of desktop_app.domain.lifecycle (no server, no clock)."""

from __future__ import annotations

import itertools

import pytest

from desktop_app.domain.lifecycle import (
    CheckOutcome,
    ControlOutcome,
    Lifecycle,
    effective_pin_expiry,
    predict,
)
from desktop_app.domain.models import VerificationStatus


def make(workflow_id: int = 1, pin_expiry: int = 300, next_event_wait: int = 300) -> Lifecycle:
    counter = itertools.count(1)
    return Lifecycle(
        0.0,
        lambda: f"{next(counter):04d}",
        workflow_id=workflow_id,
        pin_expiry=pin_expiry,
        next_event_wait=next_event_wait,
    )


@pytest.mark.parametrize(
    ("pin_expiry", "wait", "codes", "new_pins"),
    [
        (360, 120, ["0001", "0001", "0001"], [True, False, False]),  # same code for all 3
        (240, 120, ["0001", "0001", "0002"], [True, False, True]),  # 3rd attempt new code
        (120, 120, ["0001", "0002", "0003"], [True, True, True]),  # new code every attempt
    ],
)
def test_field_guide_timing_examples(
    pin_expiry: int, wait: int, codes: list[str], new_pins: list[bool]
) -> None:
    lc = make(1, pin_expiry, wait)
    fired = lc.advance(240.0)
    assert [d.at for d in lc.deliveries] == [0.0, 120.0, 240.0]
    assert [d.channel for d in lc.deliveries] == ["sms", "tts", "tts"]
    assert [d.at for d in fired] == [120.0, 240.0]
    assert [d.code for d in lc.deliveries] == codes
    assert [d.new_pin for d in lc.deliveries] == new_pins
    assert lc.is_live


def test_pin_expiry_not_a_multiple_is_forced_to_next_event_wait() -> None:
    assert effective_pin_expiry(250, 120) == 120
    assert effective_pin_expiry(600, 300) == 600
    lc = make(1, 250, 120)
    assert lc.pin_expiry == 120
    lc.advance(120.0)
    assert [d.code for d in lc.deliveries] == ["0001", "0002"]


def test_wrong_codes_16_16_17_then_failed() -> None:
    lc = make()
    assert lc.check("9999", 1.0) is CheckOutcome.WRONG
    assert lc.attempts_left == 2
    assert lc.check("9998", 2.0) is CheckOutcome.WRONG
    assert lc.check("9997", 3.0) is CheckOutcome.TOO_MANY
    assert lc.status is VerificationStatus.FAILED
    assert lc.finalized_at == 3.0
    assert lc.check("0001", 4.0) is CheckOutcome.NOT_ACTIVE
    assert [c.valid for c in lc.checks] == [False, False, False]


def test_right_code_succeeds_and_a_later_check_is_not_active() -> None:
    lc = make()
    assert lc.check("1234", 5.0) is CheckOutcome.WRONG
    assert lc.check("0001", 6.0) is CheckOutcome.MATCH
    assert lc.status is VerificationStatus.SUCCESS
    assert lc.next_deadline() is None
    assert lc.check("0001", 7.0) is CheckOutcome.NOT_ACTIVE
    assert len(lc.checks) == 2


def test_wrong_attempts_are_counted_per_pin() -> None:
    lc = make(1, 120, 120)
    assert lc.check("x000", 10.0) is CheckOutcome.WRONG
    assert lc.check("x001", 11.0) is CheckOutcome.WRONG
    # The 2nd event at 120 s generates a new PIN: the counter restarts.
    assert lc.check("0001", 130.0) is CheckOutcome.WRONG  # the old code no longer matches
    assert lc.current_code == "0002"
    assert lc.check("x002", 131.0) is CheckOutcome.WRONG
    assert lc.check("x003", 132.0) is CheckOutcome.TOO_MANY


def test_cancel_windows() -> None:
    lc = make()
    assert lc.cancel(10.0) is ControlOutcome.TOO_EARLY
    assert lc.cancel(29.9) is ControlOutcome.TOO_EARLY
    assert lc.cancel(30.0) is ControlOutcome.OK
    assert lc.status is VerificationStatus.CANCELLED
    assert lc.cancel(40.0) is ControlOutcome.NOT_ACTIVE

    late = make()  # the 2nd event fires at 300 s
    assert late.cancel(299.0) is ControlOutcome.OK
    later = make()
    assert later.cancel(300.0) is ControlOutcome.TOO_LATE
    assert later.is_live

    triggered = make()
    assert triggered.trigger_next(5.0)[0] is ControlOutcome.OK
    assert triggered.cancel(40.0) is ControlOutcome.TOO_LATE


def test_trigger_next_restarts_the_schedule_and_runs_out() -> None:
    lc = make(1, 360, 120)
    outcome, delivery = lc.trigger_next(50.0)
    assert outcome is ControlOutcome.OK
    assert delivery is not None and delivery.at == 50.0 and delivery.channel == "tts"
    assert lc.next_event_at == 170.0
    assert lc.trigger_next(60.0)[0] is ControlOutcome.OK
    assert lc.events_left == 0
    assert lc.trigger_next(61.0) == (ControlOutcome.NO_MORE_EVENTS, None)
    assert lc.is_live

    single = make(6)
    assert single.trigger_next(1.0) == (ControlOutcome.NO_MORE_EVENTS, None)


def test_expiry_when_pin_expired_and_no_event_left() -> None:
    single = make(6, 300, 300)
    single.advance(299.9)
    assert single.is_live
    single.advance(300.0)
    assert single.status is VerificationStatus.EXPIRED
    assert single.finalized_at == 300.0
    assert single.check("0001", 301.0) is CheckOutcome.NOT_ACTIVE

    same_pin = make(1, 360, 120)  # last event at 240, PIN from 0 expires at 360
    same_pin.advance(359.0)
    assert same_pin.is_live
    same_pin.advance(10_000.0)
    assert same_pin.status is VerificationStatus.EXPIRED
    assert same_pin.finalized_at == 360.0

    new_pin = make(1, 240, 120)  # the 3rd event at 240 makes a new PIN valid until 480
    new_pin.advance(479.0)
    assert new_pin.is_live
    new_pin.advance(480.0)
    assert new_pin.finalized_at == 480.0


def test_a_code_whose_pin_expired_between_events_is_wrong() -> None:
    lc = make(1, 120, 120)
    lc.trigger_next(10.0)  # same PIN (not expired yet); next event at 130
    assert lc.check("0001", 125.0) is CheckOutcome.WRONG
    assert lc.is_live


@pytest.mark.parametrize(
    ("workflow_id", "pin_expiry", "wait", "now"),
    [(1, 360, 120, 0.0), (1, 240, 120, 250.0), (2, 120, 120, 130.0), (6, 300, 300, 10.0)],
)
def test_predict_agrees_with_the_machine(
    workflow_id: int, pin_expiry: int, wait: int, now: float
) -> None:
    lc = make(workflow_id, pin_expiry, wait)
    lc.advance(now)
    lc.check("zzzz", now)
    c = predict(
        0.0,
        workflow_id,
        pin_expiry,
        wait,
        [d.at for d in lc.deliveries],
        [chk.at for chk in lc.checks if not chk.valid],
    )
    assert c == lc.countdown()
    assert c.next_event_at == lc.next_event_at
    assert c.pin_expires_at == lc.pin_expires_at
    assert c.attempts_left == lc.attempts_left == 2
    assert c.cancel_allowed_from == 30.0
    # The predicted expiry is when the machine really expires if left alone.
    lc.advance(c.expires_at - 0.001)
    assert lc.is_live
    lc.advance(c.expires_at)
    assert lc.status is VerificationStatus.EXPIRED


def test_predict_example() -> None:
    c = predict(1000.0, 1, 240, 120, [1000.0, 1120.0])
    assert c.next_event_at == 1240.0
    assert c.pin_expires_at == 1240.0
    assert c.cancel_allowed_from == 1030.0
    assert c.cancel_allowed_until == 1120.0
    assert c.events_left == 1
    assert c.attempts_left == 3
    assert c.expires_at == 1480.0
    only = predict(0.0, 7, 300, 300)
    assert only.next_event_at is None
    assert only.cancel_allowed_until is None
    assert only.expires_at == 300.0
