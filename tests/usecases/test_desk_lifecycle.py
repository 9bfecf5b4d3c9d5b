"""VerifyDesk against a real sandbox: every operation, its API answer and its history rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import (
    ApiError,
    AuthError,
    ConcurrentVerificationError,
    ControlRefusedError,
    NonPermittedDestinationError,
    NumberBlockedError,
    QuotaExceededError,
    RequestNotFoundError,
    ThrottledError,
    TooManyAttemptsError,
    UnsupportedNetworkError,
    WrongCodeError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import ApiCredentials, VerificationStatus
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from desktop_app.store.history import HistoryStore, NewRequest
from desktop_app.usecases.desk import VerifyDesk
from tests.helpers.desks import OPERATOR, PROFILE, make_desk

NUMBER = "447123450100"
OTHER = "447123450101"


def _wrong(code: str) -> str:
    """A code of the same length that is certainly not ``code``."""
    return "".join("1" if c != "1" else "2" for c in code)


def test_wrong_then_right_code_is_success_with_two_checks(
    desk: VerifyDesk, history: HistoryStore, code_for: Callable[[str], str]
) -> None:
    started = desk.start(StartForm(number="+44 7123 450100", brand="Acme"))
    assert started.number == NUMBER
    row = history.get(started.history_id)
    assert (row.status, row.request_id, row.profile, row.operator, row.kind) == (
        VerificationStatus.IN_PROGRESS,
        started.request_id,
        PROFILE,
        OPERATOR,
        "start",
    )
    code = code_for(NUMBER)

    with pytest.raises(WrongCodeError) as wrong:
        desk.check(started.request_id, _wrong(code))
    assert wrong.value.status == "16"
    assert history.get(started.history_id).last_check_outcome == "INVALID"

    result = desk.check(started.request_id, code)
    assert result.request_id == started.request_id
    assert result.price is not None and result.price > 0

    (record,) = desk.search([started.request_id])
    assert record.status == "SUCCESS"
    assert [c.status for c in record.checks] == ["INVALID", "VALID"]

    row = history.get(started.history_id)
    assert row.status is VerificationStatus.SUCCESS
    assert row.checks_count == 2
    assert row.last_check_outcome == "VALID"
    assert row.price == result.price and row.currency == result.currency
    assert row.finalized_at is not None
    outcomes = [(c.operation, c.outcome) for c in history.calls(started.request_id)]
    assert outcomes == [("start", "ok"), ("check", "api_error"), ("check", "ok"), ("search", "ok")]


def test_second_check_after_success_is_not_found_and_recorded(
    desk: VerifyDesk, history: HistoryStore, code_for: Callable[[str], str]
) -> None:
    started = desk.start(StartForm(number=NUMBER, brand="Acme"))
    code = code_for(NUMBER)
    desk.check(started.request_id, code)
    with pytest.raises(RequestNotFoundError):
        desk.check(started.request_id, code)
    row = history.get(started.history_id)
    assert row.status is VerificationStatus.SUCCESS
    assert row.last_check_outcome == "NOT FOUND"


def test_concurrent_start_names_the_live_request(desk: VerifyDesk, history: HistoryStore) -> None:
    live = desk.start(StartForm(number=NUMBER, brand="Acme"))
    with pytest.raises(ConcurrentVerificationError) as refused:
        desk.start(StartForm(number=NUMBER, brand="Acme"))
    assert refused.value.request_id == live.request_id

    newest = history.recent(RecentQuery(limit=1))[0]
    assert newest.id != live.history_id
    assert newest.status is VerificationStatus.REFUSED
    assert newest.request_id is None  # the live id stays on the live request's row only
    assert live.request_id in newest.last_error
    assert history.get(live.history_id).status is VerificationStatus.IN_PROGRESS
    assert history.find(live.request_id) == history.get(live.history_id)


def test_three_wrong_codes_fail_the_request(
    desk: VerifyDesk, history: HistoryStore, code_for: Callable[[str], str]
) -> None:
    started = desk.start(StartForm(number=NUMBER, brand="Acme", code_length="6"))
    wrong = _wrong(code_for(NUMBER))
    for _ in range(2):
        with pytest.raises(WrongCodeError):
            desk.check(started.request_id, wrong)
    with pytest.raises(TooManyAttemptsError):
        desk.check(started.request_id, wrong)
    row = history.get(started.history_id)
    assert row.status is VerificationStatus.FAILED
    assert row.checks_count == 3
    assert row.last_check_outcome == "TOO MANY"
    assert row.finalized_at is not None
    assert desk.search([started.request_id])[0].status == "FAILED"


def test_cancel_is_refused_in_the_first_30_seconds_then_allowed(
    desk: VerifyDesk, history: HistoryStore, control: SandboxControl
) -> None:
    started = desk.start(StartForm(number=NUMBER, brand="Acme"))
    control.advance_clock(10)
    with pytest.raises(ControlRefusedError) as early:
        desk.cancel(started.request_id)
    assert early.value.status == "19"
    assert history.get(started.history_id).status is VerificationStatus.IN_PROGRESS

    control.advance_clock(30)
    assert desk.cancel(started.request_id).command == "cancel"
    row = history.get(started.history_id)
    assert row.status is VerificationStatus.CANCELLED
    assert row.finalized_at is not None
    assert desk.search([started.request_id])[0].status == "CANCELLED"
    assert [c.outcome for c in history.calls(started.request_id) if c.operation == "cancel"] == [
        "api_error",
        "ok",
    ]


def test_trigger_next_event(
    desk: VerifyDesk, history: HistoryStore, control: SandboxControl
) -> None:
    single = desk.start(StartForm(number=NUMBER, brand="Acme", workflow_id="6"))
    with pytest.raises(ControlRefusedError):
        desk.trigger_next_event(single.request_id)

    multi = desk.start(StartForm(number=OTHER, brand="Acme", workflow_id="2"))
    assert desk.trigger_next_event(multi.request_id).command == "trigger_next_event"
    assert len(control.messages(OTHER)) == 2
    assert [c.outcome for c in history.calls(multi.request_id) if c.operation == "next"] == ["ok"]


def test_pin_expiry_shows_expired_in_search_and_history(
    desk: VerifyDesk, history: HistoryStore, control: SandboxControl
) -> None:
    form = StartForm(
        number=NUMBER, brand="Acme", workflow_id="6", pin_expiry="60", next_event_wait="60"
    )
    started = desk.start(form)
    control.advance_clock(61)
    (record,) = desk.search([started.request_id])
    assert record.status == "EXPIRED"
    assert history.get(started.history_id).status is VerificationStatus.EXPIRED


@pytest.mark.parametrize(
    ("suffix", "error", "status"),
    [
        ("0007", NumberBlockedError, "7"),
        ("0009", QuotaExceededError, "9"),
        ("0015", UnsupportedNetworkError, "15"),
        ("0029", NonPermittedDestinationError, "29"),
    ],
)
def test_magic_numbers_raise_their_error_and_are_refused(
    desk: VerifyDesk, history: HistoryStore, suffix: str, error: type[ApiError], status: str
) -> None:
    with pytest.raises(error) as refused:
        desk.start(StartForm(number=f"44712345{suffix}", brand="Acme"))
    assert refused.value.status == status
    row = history.recent(RecentQuery(limit=1))[0]
    assert row.status is VerificationStatus.REFUSED
    assert row.request_id is None
    assert f"status {status}" in row.last_error
    (call,) = history.recent_calls(1)
    assert (call.operation, call.outcome, call.api_status) == ("start", "api_error", status)


def test_search_many_refreshes_every_row(
    desk: VerifyDesk,
    history: HistoryStore,
    control: SandboxControl,
    code_for: Callable[[str], str],
) -> None:
    first = desk.start(StartForm(number=NUMBER, brand="Acme"))
    second = desk.start(StartForm(number=OTHER, brand="Acme"))
    desk.check(first.request_id, code_for(NUMBER))
    control.advance_clock(40)
    desk.cancel(second.request_id)

    records = desk.search([first.request_id, second.request_id, first.request_id])
    assert {r.request_id: r.status for r in records} == {
        first.request_id: "SUCCESS",
        second.request_id: "CANCELLED",
    }
    assert history.get(first.history_id).status is VerificationStatus.SUCCESS
    assert history.get(second.history_id).status is VerificationStatus.CANCELLED
    (call,) = history.recent_calls(1)
    assert (call.operation, call.outcome) == ("search", "ok")


def test_psd2_start_records_the_payee(
    desk: VerifyDesk, history: HistoryStore, code_for: Callable[[str], str]
) -> None:
    started = desk.start_psd2(Psd2Form(number=NUMBER, payee="Shop Ltd", amount="12.50"))
    row = history.get(started.history_id)
    assert (row.kind, row.brand, row.status) == ("psd2", "Shop Ltd", VerificationStatus.IN_PROGRESS)
    desk.check(started.request_id, code_for(NUMBER))
    assert history.get(started.history_id).status is VerificationStatus.SUCCESS


def test_balance_and_history(desk: VerifyDesk, history: HistoryStore) -> None:
    balance = desk.balance()
    assert isinstance(balance.value, Decimal)
    (call,) = history.recent_calls(1)
    assert (call.operation, call.outcome, call.profile) == ("balance", "ok", PROFILE)

    desk.start(StartForm(number=NUMBER, brand="Acme"))
    history.add_request(NewRequest(
        profile="someone-else",
        operator="x",
        kind="start",
        number=OTHER,
        brand="B",
        workflow_id=None,
    ))
    assert [e.number for e in desk.history()] == [NUMBER]
    assert [e.number for e in desk.history(all_profiles=True)] == [OTHER, NUMBER]
    assert desk.history(RecentQuery(status=VerificationStatus.SUCCESS)) == []
    assert [e.number for e in desk.history(RecentQuery(text="450100"))] == [NUMBER]


def test_throttled_burst_of_starts(http: httpx.Client, history: HistoryStore) -> None:
    config = SandboxConfig(port=0, rate_limit=2, search_rate_limit=0)
    with SandboxServer(config) as throttled:
        desk = make_desk(http, throttled.url, history)
        with pytest.raises(ThrottledError):
            for i in range(10):
                desk.start(StartForm(number=f"4471234501{i:02d}", brand="Acme"))
    assert history.recent(RecentQuery(limit=1))[0].status is VerificationStatus.REFUSED
    assert history.recent_calls(1)[0].api_status == "1"


def test_wrong_credentials_are_an_auth_error(
    http: httpx.Client, sandbox: SandboxServer, history: HistoryStore
) -> None:
    desk = make_desk(http, sandbox.url, history, ApiCredentials("sandbox", "not-the-secret"))
    with pytest.raises(AuthError):
        desk.start(StartForm(number=NUMBER, brand="Acme"))
    with pytest.raises(AuthError):
        desk.balance()
    assert history.recent(RecentQuery(limit=1))[0].status is VerificationStatus.REFUSED
    assert [c.outcome for c in history.recent_calls(5)] == ["api_error", "api_error"]
