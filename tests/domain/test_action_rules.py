"""The one rule per action (check, cancel, next), against the lifecycle it is derived from.

Each case is checked twice: by what :func:`rules` says, and by what the state machine itself
(``Lifecycle`` / ``V2Lifecycle``, the sandbox's engine) answers when the action is tried at the
same moment, so the window never offers what the API would refuse, nor hides what it accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.domain.action_rules import (
    Blocker,
    RequestFacts,
    expires_at,
    facts_of,
    fired_by,
    rules,
)
from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, Lifecycle, V2Lifecycle
from desktop_app.domain.models import (
    DeliveryEvent,
    HistoryEntry,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.domain.workflows import WORKFLOWS

T0 = 1_800_000_000.0
IN_PROGRESS = VerificationStatus.IN_PROGRESS


def _v1(workflow: int = 1, wait: int = 300, expiry: int = 300,
        events: tuple[float, ...] = ()) -> RequestFacts:  # fmt: skip
    return RequestFacts(ApiFamily.V1, IN_PROGRESS, "a" * 32, T0, WORKFLOWS[workflow].steps, wait,
                        workflow, expiry, events)  # fmt: skip


def _v2(channels: tuple[str, ...] = ("sms", "voice"), timeout: int = 300) -> RequestFacts:
    return RequestFacts(ApiFamily.V2, IN_PROGRESS, "0b2c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", T0,
                        channels, timeout)  # fmt: skip


def _machine(workflow: int = 1, wait: int = 300, expiry: int = 300) -> Lifecycle:
    return Lifecycle(T0, lambda: "1234", workflow_id=workflow, pin_expiry=expiry,
                     next_event_wait=wait)  # fmt: skip


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
@pytest.mark.parametrize("offset", [0, 10, 29.9, 30, 120, 299.9, 300, 301, 599, 600, 899, 900,
                                    1200, 5000])  # fmt: skip
def test_v1_rules_agree_with_the_state_machine(workflow: int, offset: float) -> None:
    now = T0 + offset
    allowed = rules(_v1(workflow), now)
    for action, verdict in (("cancel", allowed.cancel), ("next", allowed.next),
                            ("check", allowed.check)):  # fmt: skip
        machine = _machine(workflow)
        if action == "cancel":
            accepted = machine.cancel(now) is ControlOutcome.OK
        elif action == "next":
            accepted = machine.trigger_next(now)[0] is ControlOutcome.OK
        else:
            accepted = machine.check("0000", now) is not CheckOutcome.NOT_ACTIVE
        assert (verdict is None) == accepted, (action, offset, verdict)


def test_v1_cancel_reasons() -> None:
    early = rules(_v1(), T0 + 10).cancel
    assert early is not None and early.why is Blocker.TOO_EARLY
    assert early.seconds == pytest.approx(20)
    assert rules(_v1(), T0 + 30).cancel is None
    # The second delivery is due by the schedule: refused at once, before any search says so.
    late = rules(_v1(), T0 + 300).cancel
    assert late is not None and late.why is Blocker.TOO_LATE
    # A search that saw a second event (triggered early) counts too.
    assert rules(_v1(events=(T0, T0 + 40)), T0 + 45).cancel.why is Blocker.TOO_LATE  # type: ignore[union-attr]


def test_fired_by_takes_the_known_events_then_the_schedule() -> None:
    facts = _v1(events=(T0, T0 + 40))
    assert fired_by(facts, T0 + 100) == [T0, T0 + 40]
    assert fired_by(facts, T0 + 340) == [T0, T0 + 40, T0 + 340]
    assert fired_by(facts, T0 + 5000) == [T0, T0 + 40, T0 + 340]


def test_expiry_closes_every_action() -> None:
    facts = _v1()
    end = expires_at(facts, T0)
    assert end == T0 + 900  # three steps of 300 s, each PIN living 300 s
    every = rules(facts, end)
    assert {every.check.why, every.cancel.why, every.next.why} == {Blocker.EXPIRED}  # type: ignore[union-attr]


@pytest.mark.parametrize("status", [s for s in VerificationStatus if s != IN_PROGRESS])
def test_a_finished_request_takes_nothing(status: VerificationStatus) -> None:
    facts = RequestFacts(ApiFamily.V1, status, "a" * 32, T0, ("sms",), 300)
    allowed = rules(facts, T0 + 60)
    for refusal in (allowed.check, allowed.cancel, allowed.next):
        assert refusal is not None and refusal.why is Blocker.FINISHED
        assert refusal.status == status


def test_no_request_and_no_id() -> None:
    assert rules(None, T0).cancel.why is Blocker.NO_REQUEST  # type: ignore[union-attr]
    facts = RequestFacts(ApiFamily.V1, IN_PROGRESS, "", T0, ("sms",), 300)
    assert rules(facts, T0).check.why is Blocker.NO_ID  # type: ignore[union-attr]


@pytest.mark.parametrize("offset", [0, 1, 299, 300, 301, 599, 600, 601])
def test_v2_rules_agree_with_its_state_machine(offset: float) -> None:
    now = T0 + offset
    allowed = rules(_v2(), now)
    cancel = V2Lifecycle(T0, lambda: "1234", channels=("sms", "voice"), channel_timeout=300)
    nxt = V2Lifecycle(T0, lambda: "1234", channels=("sms", "voice"), channel_timeout=300)
    check = V2Lifecycle(T0, lambda: "1234", channels=("sms", "voice"), channel_timeout=300)
    assert (allowed.cancel is None) == (cancel.cancel(now) is ControlOutcome.OK)
    assert (allowed.next is None) == (nxt.trigger_next(now)[0] is ControlOutcome.OK)
    assert (allowed.check is None) == (check.check("0000", now) is not CheckOutcome.NOT_ACTIVE)


def test_v2_has_no_30_s_rule_and_silent_auth_takes_no_code() -> None:
    assert rules(_v2(), T0 + 1).cancel is None
    silent = rules(_v2(("silent_auth", "sms")), T0 + 1)
    assert silent.check is not None and silent.check.why is Blocker.SILENT_AUTH
    assert rules(_v2(("silent_auth", "sms")), T0 + 301).check is None  # SMS now: a code


def _entry(**changes: object) -> HistoryEntry:
    at = datetime.fromtimestamp(T0, UTC)
    values: dict[str, object] = {
        "id": 1, "profile": "Sandbox", "operator": "ann", "api_version": "v1", "kind": "start",
        "number": "447700900123", "brand": "Acme", "workflow_id": 2, "request_id": "a" * 32,
        "status": IN_PROGRESS, "created_at": at, "updated_at": at, "pin_expiry": 120,
        "next_event_wait": 60,
    }  # fmt: skip
    values.update(changes)
    return HistoryEntry(**values)  # type: ignore[arg-type]


def test_facts_of_a_history_row_and_its_search() -> None:
    at = datetime.fromtimestamp(T0, UTC)
    facts = facts_of(_entry())
    assert (facts.family, facts.steps, facts.wait, facts.pin_expiry) == (
        ApiFamily.V1, WORKFLOWS[2].steps, 60, 120)
    record = VerificationRecord(
        "a" * 32, "IN PROGRESS", date_submitted=at + timedelta(hours=1),  # another clock
        first_event_date=at + timedelta(hours=1),
        last_event_date=at + timedelta(hours=1, seconds=50),
        events=(DeliveryEvent("sms", "e1"), DeliveryEvent("tts", "e2")),
    )
    facts = facts_of(_entry(), record)
    # The server's clock differs: its start counts, and its events are on that clock.
    assert facts.started_at == pytest.approx(T0 + 3600.5)
    assert facts.event_times == pytest.approx((T0 + 3600.5, T0 + 3650.5))
    # A row that ended here wins over a search cached before.
    assert facts_of(_entry(status=VerificationStatus.CANCELLED), record).status == "CANCELLED"
    v2 = facts_of(_entry(api_version="v2", request_id="0b2c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
                         channels="silent_auth,sms", next_event_wait=None))  # fmt: skip
    assert (v2.family, v2.steps, v2.wait) == (ApiFamily.V2, ("silent_auth", "sms"), 300)
