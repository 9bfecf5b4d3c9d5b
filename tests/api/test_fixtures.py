"""Every recorded v1 body, served as SOURCES.md says, parses into the right result or error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from desktop_app.api import parsing
from desktop_app.domain import errors as e
from desktop_app.domain.models import (
    CheckResult,
    ControlResult,
    Psd2Params,
    StartParams,
    StartResult,
    VerificationRecord,
)
from tests.helpers.mock_api import V1, Env, fixture_bytes, fixture_json

START = StartParams(number="447700900000", brand="Acme")
RID = "cc121958d8fb4368aa3bb762bb9a0f75"

Op = Callable[[Env], Any]
OPS: dict[str, Op] = {
    "start": lambda env: env.v1.start(START),
    "psd2": lambda env: env.v1.start_psd2(
        Psd2Params(number="447700900000", payee="Shop", amount=Decimal("10.5"))
    ),
    "check": lambda env: env.v1.check(RID, "1234"),
    "search": lambda env: env.v1.search(RID),
    "search_many": lambda env: env.v1.search_many([RID, "c5037cb8b47449158ed6611afde58990"]),
    "cancel": lambda env: env.v1.cancel(RID),
    "next": lambda env: env.v1.trigger_next_event(RID),
}


@dataclass(frozen=True)
class Case:
    file: str
    op: str
    expect: type[Any]
    check: Callable[[Any], None] = lambda _: None
    http_status: int = 200


def _record_expired(r: VerificationRecord) -> None:
    assert r.request_id == "cc121958d8fb4368aa3bb762bb9a0f74"
    assert r.status == "EXPIRED"
    assert r.account_id == "abcdef01"
    assert r.sender_id == "Acme Inc."
    assert r.price == Decimal("0") and r.currency == "EUR"
    assert r.estimated_price_messages_sent == Decimal("0.09350")
    assert r.date_submitted == datetime(2024, 4, 3, 2, 22, 37, tzinfo=UTC)
    assert r.date_finalized == datetime(2024, 4, 3, 2, 27, 38, tzinfo=UTC)
    assert r.last_event_date is not None and r.last_event_date.tzinfo is UTC
    assert len(r.checks) == 1
    assert r.checks[0].status == "INVALID" and r.checks[0].code == "1234"
    assert r.checks[0].ip_address == ""
    assert r.checks[0].date_received == datetime(2024, 4, 3, 2, 23, 4, tzinfo=UTC)
    assert [ev.type for ev in r.events] == ["sms", "sms"]
    assert r.events[0].id == "23f3a13d-6d03-4262-8f4d-67f12a56e1c8"


def _record_list(rs: tuple[VerificationRecord, ...]) -> None:
    assert [r.request_id for r in rs] == [
        "cc121958d8fb4368aa3bb762bb9a0f74",
        "c5037cb8b47449158ed6611afde58990",
    ]
    assert [r.status for r in rs] == ["EXPIRED", "SUCCESS"]
    assert rs[1].price == Decimal("0.05000000")
    assert rs[1].checks[0].status == "VALID"


def _record_sdk3(r: VerificationRecord) -> None:
    assert r.request_id == "xxx" and r.status == "IN PROGRESS"
    # Synthetic values outside the documented sets are kept verbatim, not rejected.
    assert r.checks[0].status == "abc123"
    assert r.checks[0].ip_address == "123.0.0.255"
    assert r.events[0].type == "abc123"
    assert r.price == Decimal("0.10000000")
    assert r.estimated_price_messages_sent == Decimal("0.03330000")


def _check(
    request_id: str, event_id: str, price: str, est: str
) -> Callable[[CheckResult], None]:
    def verify(r: CheckResult) -> None:
        assert r.request_id == request_id and r.event_id == event_id
        assert r.price == Decimal(price) and r.currency == "EUR"
        assert r.estimated_price_messages_sent == Decimal(est)

    return verify


def _api(
    status: str, request_id: str | None = None, network: str | None = None, text: str = ""
) -> Callable[[e.ApiError], None]:
    def verify(err: e.ApiError) -> None:
        assert err.status == status
        assert err.request_id == request_id
        assert err.network == network
        assert text in err.error_text
        assert err.meaning and err.next_step

    return verify


CASES = [
    Case("verify_request.json", "start", StartResult,
         lambda r: r == StartResult("abcdef0123456789abcdef0123456789")),
    Case("verify_request.json", "psd2", StartResult,
         lambda r: r == StartResult("abcdef0123456789abcdef0123456789")),
    Case("verify_request_error.json", "start", e.ConcurrentVerificationError,
         _api("10", "b6fc2b91d23c43f9b8ea05f9be64415c", None, "Concurrent")),
    Case("verify_request_error_with_network.json", "start", e.ConcurrentVerificationError,
         _api("10", "b6fc2b91d23c43f9b8ea05f9be64415c", "244523")),
    Case("check_code.json", "check", CheckResult,
         _check("c5037cb8b47449158ed6611afde58990", "390f7296-aeff-45ba-8931-84a13f3f76d7",
                "0.05000000", "0.04675")),
    Case("check_code_error.json", "check", e.WrongCodeError,
         _api("16", "cc121958d8fb4368aa3bb762bb9a0f74", None, "does not match")),
    Case("search_request.json", "search", VerificationRecord, _record_expired),
    Case("search_request_list.json", "search_many", tuple, _record_list),
    Case("search_request_error.json", "search", e.SearchNotFoundError,
         _api("101", None, None, "No response found")),
    Case("cancel_verification.json", "cancel", ControlResult,
         lambda r: r == ControlResult("cancel")),
    # The body has no request_id: the client fills in the id it asked about.
    Case("cancel_verification_error.json", "cancel", e.RequestNotFoundError,
         _api("6", RID, None, "no longer active")),
    Case("trigger_next_event.json", "next", ControlResult,
         lambda r: r == ControlResult("trigger_next_event")),
    Case("trigger_next_event_error.json", "next", e.ControlRefusedError,
         _api("19", RID, None, "No more events")),
    # Network unblock is not a call this client makes; its bodies must still fail typed.
    Case("network_unblock.json", "start", e.ResponseFormatError, http_status=202),
    Case("network_unblock_error.json", "start", e.ServerError,
         lambda err: err.http_status == 404, http_status=404),
    Case("sdk3/blocked_with_network.json", "start", e.NumberBlockedError,
         _api("7", None, "25503", "blacklisted")),
    Case("sdk3/blocked_with_network_and_request_id.json", "start", e.NumberBlockedError,
         _api("7", "12345678", "25503")),
    Case("sdk3/blocked_with_request_id.json", "start", e.NumberBlockedError,
         _api("7", "12345678", None)),
    Case("sdk3/cancel_verification.json", "cancel", ControlResult,
         lambda r: r.command == "cancel"),
    Case("sdk3/check_verification.json", "check", CheckResult,
         _check("abcdef0123456789abcdef0123456789", "0A00000012345678", "0.10000000",
                "0.03330000")),
    Case("sdk3/check_verification_error.json", "check", e.WrongCodeError,
         _api("16", "abcdef0123456789abcdef0123456789", None, "code inserted")),
    Case("sdk3/control_verification_error.json", "cancel", e.RequestNotFoundError,
         _api("6", RID, None, "'asdf'")),
    Case("sdk3/search_verification.json", "search", VerificationRecord, _record_sdk3),
    # status is a word but error_text is present: an error; the only per-id one is 101.
    Case("sdk3/search_verification_200_error.json", "search", e.SearchNotFoundError,
         _api("101", "xxx", None, "No response found")),
    # A bare list is not what the API sends for multi-search (synthetic fixture): rejected.
    Case("sdk3/search_verification_multiple.json", "search_many", e.ResponseFormatError),
    Case("sdk3/start_verification.json", "start", StartResult,
         lambda r: r.request_id == "abcdef0123456789abcdef0123456789"),
    Case("sdk3/start_verification_error.json", "start", e.MissingParameterError,
         _api("2", None, "244523", "mandatory parameter `number`")),
    Case("sdk3/trigger_next_event.json", "next", ControlResult,
         lambda r: r.command == "trigger_next_event"),
]


def test_every_v1_fixture_is_covered() -> None:
    on_disk = {p.relative_to(V1).as_posix() for p in V1.rglob("*.json")}
    assert on_disk == {case.file for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.file}-{c.op}")
def test_fixture_through_client(case: Case, make_env: Callable[..., Env]) -> None:
    body = fixture_bytes(case.file)
    env = make_env(
        httpx.Response(case.http_status, content=body,
                       headers={"Content-Type": "application/json"})
    )
    if issubclass(case.expect, Exception):
        with pytest.raises(case.expect) as info:
            OPS[case.op](env)
        assert type(info.value) is case.expect
        case.check(info.value)
    else:
        result = OPS[case.op](env)
        assert isinstance(result, case.expect)
        case.check(result)
    # None of these answers is worth a retry.
    assert env.recorder.calls == 1


PARSERS: dict[str, Callable[[Any], Any]] = {
    "start": parsing.parse_start,
    "psd2": parsing.parse_start,
    "check": lambda d: parsing.parse_check(d, request_id=RID),
    "search": parsing.parse_search,
    "search_many": parsing.parse_search_many,
    "cancel": lambda d: parsing.parse_control(d, command="cancel", request_id=RID),
    "next": lambda d: parsing.parse_control(d, command="trigger_next_event", request_id=RID),
}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.http_status == 200 or c.http_status == 202],
    ids=lambda c: f"{c.file}-{c.op}",
)
def test_fixture_through_parser(case: Case) -> None:
    data = fixture_json(case.file)
    if issubclass(case.expect, Exception):
        with pytest.raises(case.expect):
            PARSERS[case.op](data)
    else:
        assert isinstance(PARSERS[case.op](data), case.expect)


def test_single_search_object_accepted_by_search_many(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=fixture_bytes("search_request.json")))
    (record,) = env.v1.search_many(["cc121958d8fb4368aa3bb762bb9a0f74"])
    assert record.status == "EXPIRED"
