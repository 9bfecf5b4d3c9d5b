"""What VerifyDesk must never do: send bad input, lose a start, or store a code."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.domain.errors import (
    ApiTimeoutError,
    ConnectError,
    TooManyAttemptsError,
    ValidationFailed,
    WrongCodeError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from tests.helpers.desks import make_desk

NUMBER = "447123450100"
OTHER = "447123450101"
RID = "a" * 32

#: (operation, field the message must name).
BAD_INPUT: list[tuple[Callable[[VerifyDesk], object], str]] = [
    (lambda d: d.start(StartForm(number="", brand="Acme")), "number"),
    (lambda d: d.start(StartForm(number="12", brand="Acme")), "number"),
    (lambda d: d.start(StartForm(number="447700900123", brand="Acme")), "number"),  # unknown range
    (lambda d: d.start(StartForm(number=NUMBER, brand="")), "brand"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="B" * 19)), "brand"),
    (lambda d: d.start(StartForm(number="07123450100", brand="A", country="UK")), "country"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", sender_id="TOO-LONG-SENDER")),
     "sender_id"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", code_length="5")), "code_length"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", lg="xx-yy")), "lg"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", pin_expiry="30")), "pin_expiry"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", pin_expiry="250",
                                 next_event_wait="120")), "pin_expiry"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", next_event_wait="901")),
     "next_event_wait"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", workflow_id="8")), "workflow_id"),
    (lambda d: d.start(StartForm(number=NUMBER, brand="A", pin_code="12")), "pin_code"),
    (lambda d: d.start_psd2(Psd2Form(number=NUMBER, payee="", amount="1")), "payee"),
    (lambda d: d.start_psd2(Psd2Form(number=NUMBER, payee="Shop", amount="-3")), "amount"),
    (lambda d: d.start_psd2(Psd2Form(number=NUMBER, payee="Shop", amount="1", lg="en-us")), "lg"),
    (lambda d: d.check("", "1234"), "request_id"),
    (lambda d: d.check(RID, "12"), "code"),
    (lambda d: d.check(RID, "12 34"), "code"),
    (lambda d: d.search([]), "request_id"),
    (lambda d: d.search([f"{i:032x}" for i in range(11)]), "request_id"),
    (lambda d: d.search(["not an id!"]), "request_id"),
    (lambda d: d.cancel("x" * 33), "request_id"),
    (lambda d: d.trigger_next_event(""), "request_id"),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "field"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_sent(
    desk: VerifyDesk,
    history: HistoryStore,
    control: SandboxControl,
    operation: Callable[[VerifyDesk], object],
    field: str,
) -> None:
    desk.start(StartForm(number="447123450199", brand="Seed"))  # something to compare against
    before = (control.requests(), history.recent(), history.recent_calls())

    with pytest.raises(ValidationFailed) as refused:
        operation(desk)

    assert field in [e.field for e in refused.value.errors]
    assert field in str(refused.value) and field in refused.value.user_message()
    assert (control.requests(), history.recent(), history.recent_calls()) == before


def test_unknown_range_number_can_be_sent_when_confirmed(
    desk: VerifyDesk, history: HistoryStore
) -> None:
    with pytest.raises(ValidationFailed) as warned:
        desk.start(StartForm(number="447700900123", brand="Acme"))
    assert warned.value.only_overridable
    started = desk.start(StartForm(number="447700900123", brand="Acme"), allow_unknown_number=True)
    assert history.get(started.history_id).status is VerificationStatus.IN_PROGRESS


@pytest.fixture
def offline(history: HistoryStore) -> Iterator[Callable[[Exception], VerifyDesk]]:
    """A desk whose transport raises the given httpx error, after checking the rows exist."""
    clients: list[httpx.Client] = []
    seen: list[tuple[VerificationStatus, str]] = []

    def build(error: Exception) -> VerifyDesk:
        def handler(request: httpx.Request) -> httpx.Response:
            # The history rows must already exist when the request leaves.
            newest = history.recent(RecentQuery(limit=1))[0]
            seen.append((newest.status, history.recent_calls(1)[0].outcome))
            raise error

        client = build_http_client(transport=httpx.MockTransport(handler))
        clients.append(client)
        return make_desk(client, "https://api.invalid", history)

    yield build
    assert seen and all(s == (VerificationStatus.UNKNOWN, "pending") for s in seen)
    for client in clients:
        client.close()


def test_timeout_leaves_outcome_unknown(
    offline: Callable[[Exception], VerifyDesk], history: HistoryStore
) -> None:
    desk = offline(httpx.ReadTimeout("slow"))
    with pytest.raises(ApiTimeoutError) as failed:
        desk.start(StartForm(number=NUMBER, brand="Acme"))
    assert failed.value.outcome_unknown
    row = history.recent(RecentQuery(limit=1))[0]
    assert row.status is VerificationStatus.UNKNOWN
    assert row.request_id is None and row.finalized_at is None
    assert row.last_error
    (call,) = history.recent_calls(1)
    assert (call.operation, call.outcome) == ("start", "outcome_unknown")
    assert call.finished_at is not None


def test_connect_error_leaves_not_sent(
    offline: Callable[[Exception], VerifyDesk], history: HistoryStore
) -> None:
    desk = offline(httpx.ConnectError("refused"))
    with pytest.raises(ConnectError) as failed:
        desk.start(StartForm(number=NUMBER, brand="Acme"))
    assert not failed.value.outcome_unknown
    row = history.recent(RecentQuery(limit=1))[0]
    assert row.status is VerificationStatus.NOT_SENT
    assert history.recent_calls(1)[0].outcome == "transport_error"


def _without_ids(data: bytes) -> bytes:
    """The bytes minus request ids and phone numbers, which may hold any digit run by chance."""
    for number in (NUMBER, OTHER):
        data = data.replace(number.encode(), b"")
    return re.sub(rb"[0-9a-f]{32}", b"", data)


def test_codes_never_reach_the_history_file(
    http: httpx.Client,
    sandbox: SandboxServer,
    history_path: Path,
    control: SandboxControl,
    code_for: Callable[[str], str],
) -> None:
    pin = "73915864"  # a custom PIN (the fixture's sandbox allows them)
    wrong = ["50286419", "61397520", "84026173"]
    store = HistoryStore(history_path)
    desk = make_desk(http, sandbox.url, store)

    custom = desk.start(StartForm(number=NUMBER, brand="Acme", pin_code=pin))
    with pytest.raises(WrongCodeError):
        desk.check(custom.request_id, wrong[0])
    desk.check(custom.request_id, pin)
    desk.search([custom.request_id])  # search echoes the codes that were entered

    failing = desk.start(StartForm(number=OTHER, brand="Acme", code_length="6"))
    generated = code_for(OTHER)
    for code in wrong:
        with pytest.raises((WrongCodeError, TooManyAttemptsError)):
            desk.check(failing.request_id, code)
    desk.search([failing.request_id])
    store.close()

    files = [p for p in history_path.parent.iterdir() if p.name.startswith(history_path.name)]
    data = b"".join(p.read_bytes() for p in files)
    assert data, "the history file is empty"
    for code in [pin, *wrong]:
        assert code.encode() not in data
    # A generated code could appear inside a hex request id or a number by chance.
    assert generated.encode() not in _without_ids(data)
    assert len(control.requests()) == 2
