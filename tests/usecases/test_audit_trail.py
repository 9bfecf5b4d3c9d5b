"""The audit trail from the use cases, on a real sandbox: one action per action, with its outcome.

Every action kind (start, check, cancel, next; a message; a code sent, checked and cancelled by
message) records exactly one ``actions`` row with the profile, the operator, the host, the time
and a stable outcome word, refusals included; nothing else (search, balance) records one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.messages import MessagesClient
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.audit import ActionEntry
from desktop_app.domain.errors import (
    ConcurrentVerificationError,
    ControlRefusedError,
    RequestNotFoundError,
    WrongCodeError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.messages import SMS, MessageRequest, Text
from desktop_app.domain.v2_validation import V2ChannelForm, V2Form
from desktop_app.domain.validation import StartForm
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store._audit import ACTION_COLUMNS
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import Started, VerifyDesk
from desktop_app.usecases.desk_v2 import open_desk_v2
from desktop_app.usecases.fallback import SessionHistory
from desktop_app.usecases.messages import MessageDesk
from desktop_app.usecases.recording import CallRecorder
from tests.helpers.desks import HOST, NO_RETRY, OPERATOR, PROFILE, SANDBOX_CREDS, make_desk
from tests.helpers.store_faults import add_row, read_only_copy

NUMBER = "447123450700"
OTHER = "447123450701"
#: Made by the injected code maker: it must never reach a history or audit column.
CANARY_CODE = "918273"


def _wrong(code: str) -> str:
    return "".join("1" if c != "1" else "2" for c in code)


def _trail(history: HistoryStore, history_id: int) -> list[tuple[str, str]]:
    actions = history.actions(history_id=history_id)
    for action in actions:
        assert (action.profile, action.user, action.host) == (PROFILE, OPERATOR, HOST)
        assert action.at.tzinfo is not None and action.history_id == history_id
    return [(a.kind, a.outcome) for a in actions]


def _verified_after_a_wrong_code(
    desk: VerifyDesk, code_for: Callable[[str], str]
) -> tuple[Started, str]:
    """Start, check a wrong code, then the right one; the start and the right code."""
    started = desk.start(StartForm(number=NUMBER, brand="Acme"))
    code = code_for(NUMBER)
    with pytest.raises(WrongCodeError):
        desk.check(started.request_id, _wrong(code))
    desk.check(started.request_id, code)
    return started, code


def _all_actions(history: HistoryStore) -> int:
    # White-box, through the store's own connection: SQLite or PostgreSQL alike.
    return int(history._db.query("SELECT count(*) FROM actions")[0][0])


@pytest.fixture
def messages(http: httpx.Client, sandbox: SandboxServer, desk: VerifyDesk) -> Iterator[MessageDesk]:
    yield MessageDesk(
        client=lambda: MessagesClient(http, SANDBOX_CREDS, api_host=sandbox.url),
        history=desk.session_history, profile=PROFILE, operator=OPERATOR, host=HOST,
        make_code=lambda length: CANARY_CODE[:length].ljust(length, "7"),
    )  # fmt: skip


def test_v1_start_wrong_and_right_check_record_three_actions(
    desk: VerifyDesk, history: HistoryStore,
    code_for: Callable[[str], str],
) -> None:  # fmt: skip
    started, _code = _verified_after_a_wrong_code(desk, code_for)
    desk.search([started.request_id])  # a read: not an action
    desk.balance()
    assert _trail(history, started.history_id) == [
        ("start", "ok"), ("check", "wrong_code"), ("check", "ok"),
    ]  # fmt: skip
    assert _all_actions(history) == 3
    action = history.actions(request_id=started.request_id)[0]
    assert action.request_id == started.request_id
    assert history.get(started.history_id).host == HOST


def test_v1_refusals_are_recorded_with_their_outcome(
    desk: VerifyDesk, history: HistoryStore, control: SandboxControl
) -> None:
    started = desk.start(StartForm(number=NUMBER, brand="Acme", workflow_id="6"))
    with pytest.raises(ControlRefusedError):
        desk.cancel(started.request_id)  # in the first 30 s
    with pytest.raises(ControlRefusedError):
        desk.trigger_next_event(started.request_id)  # workflow 6 has one event
    with pytest.raises(ConcurrentVerificationError):
        desk.start(StartForm(number=NUMBER, brand="Acme"))
    control.advance_clock(31)
    desk.cancel(started.request_id)
    assert _trail(history, started.history_id) == [
        ("start", "ok"), ("cancel", "refused"), ("next", "refused"), ("cancel", "ok"),
    ]  # fmt: skip
    refused_row = history.recent(RecentQuery(limit=1))[0]
    assert refused_row.id != started.history_id
    assert _trail(history, refused_row.id) == [("start", "concurrent")]


def test_v1_next_event_records_ok(desk: VerifyDesk, history: HistoryStore) -> None:
    started = desk.start(StartForm(number=OTHER, brand="Acme", workflow_id="2"))
    desk.trigger_next_event(started.request_id)
    assert _trail(history, started.history_id) == [("start", "ok"), ("next", "ok")]


def test_v2_start_check_next_cancel(
    http: httpx.Client, sandbox: SandboxServer, desk: VerifyDesk, history: HistoryStore,
    control: SandboxControl,
) -> None:  # fmt: skip
    v2 = open_desk_v2(desk, VerifyV2Client(http, SANDBOX_CREDS, api_host=sandbox.url,
                                           retry=NO_RETRY))  # fmt: skip
    form = V2Form(brand="Acme", channels=[V2ChannelForm("sms", NUMBER),
                                          V2ChannelForm("voice", NUMBER)])  # fmt: skip
    started = v2.start(form)
    code = control.messages(NUMBER)[-1].code
    with pytest.raises(WrongCodeError):
        v2.check(started.request_id, _wrong(code))
    v2.next_workflow(started.request_id)
    v2.cancel(started.request_id)
    with pytest.raises(RequestNotFoundError):
        v2.cancel(started.request_id)
    assert _trail(history, started.history_id) == [
        ("start", "ok"), ("check", "wrong_code"), ("next", "ok"), ("cancel", "ok"),
        ("cancel", "not_found"),
    ]  # fmt: skip


def test_messages_and_codes_by_message(
    messages: MessageDesk, history: HistoryStore
) -> None:
    sent = messages.send(MessageRequest(SMS, "447700900300", "Acme", Text("Hello")))
    with pytest.raises(ControlRefusedError):
        messages.next_event(sent.message_uuid)
    assert _trail(history, sent.history_id) == [("message", "ok"), ("next", "refused")]

    form = CodeForm(channel="sms", to="447700900301", from_="Acme", brand="Acme")
    code_sent = messages.send_code(form)
    with pytest.raises(ConcurrentVerificationError):
        messages.send_code(form)  # a live code: refused, recorded on the live message
    code = CANARY_CODE  # what the injected code maker made (6 digits by default)
    assert history.get(code_sent.history_id).code_length == len(code)
    with pytest.raises(WrongCodeError):
        messages.check_code(code_sent.message_uuid, _wrong(code))
    messages.check_code(code_sent.message_uuid, code)
    with pytest.raises(RequestNotFoundError):
        messages.cancel_code(code_sent.message_uuid)  # already used
    assert _trail(history, code_sent.history_id) == [
        ("code_send", "ok"), ("code_send", "concurrent"), ("code_check", "wrong_code"),
        ("code_check", "ok"), ("code_cancel", "not_found"),
    ]  # fmt: skip

    second = messages.send_code(
        CodeForm(channel="sms", to="447700900302", from_="Acme", brand="Acme")
    )
    messages.cancel_code(second.message_uuid)
    assert _trail(history, second.history_id) == [("code_send", "ok"), ("code_cancel", "ok")]
    assert _all_actions(history) == 9


def test_no_code_or_secret_in_any_audit_field(
    messages: MessageDesk, desk: VerifyDesk, history: HistoryStore,
    code_for: Callable[[str], str],
) -> None:  # fmt: skip
    _started, code = _verified_after_a_wrong_code(desk, code_for)
    sent = messages.send_code(
        CodeForm(channel="sms", to="447700900303", from_="Acme", brand="Acme")
    )
    with pytest.raises(WrongCodeError):
        messages.check_code(sent.message_uuid, "000000")
    messages.check_code(sent.message_uuid, CANARY_CODE)
    query = history._db.query  # white-box: either backend
    cells = [str(cell) for row in query(f"SELECT {ACTION_COLUMNS} FROM actions") for cell in row]
    words = [cell for row in query("SELECT kind, outcome, profile, operator, host FROM actions")
             for cell in row]  # fmt: skip
    hosts = [row[0] for row in query("SELECT host FROM requests ORDER BY id")]
    assert len(cells) == 9 * 6  # 6 actions of 9 columns
    for canary in (CANARY_CODE, code, _wrong(code), "000000", SANDBOX_CREDS.api_secret):
        assert canary not in cells, canary  # no column holds a code
        assert not any(canary in word for word in words), canary  # nor any text inside one
    # Ids, times and numbers are digits too: the secret (letters) is in none of them.
    assert not any(SANDBOX_CREDS.api_secret in cell for cell in cells)
    assert hosts == [HOST, HOST]


def test_actions_need_a_key(history: HistoryStore) -> None:
    with pytest.raises(ValueError, match="history_id or request_id"):
        history.actions()
    assert history.actions(request_id="nothing") == list[ActionEntry]()


@pytest.mark.expect_warnings(match="History file unusable")
def test_a_session_in_memory_keeps_its_audit_trail(
    http: httpx.Client, sandbox: SandboxServer, tmp_path: Path, code_for: Callable[[str], str]
) -> None:
    source = tmp_path / "rw.sqlite3"
    seed = HistoryStore(source)
    add_row(seed, brand="old row")
    seed.close()
    store = HistoryStore(read_only_copy(source, tmp_path / "ro.sqlite3"))
    try:
        desk = make_desk(http, sandbox.url, store, on_degraded=lambda _error: None)
        started = desk.start(StartForm(number=NUMBER, brand="Acme"))
        assert started.history_id < 0  # a session-only row
        with pytest.raises(WrongCodeError):
            desk.check(started.request_id, _wrong(code_for(NUMBER)))
        trail = desk.session_history.actions(history_id=started.history_id)
        assert [(a.kind, a.outcome, a.history_id) for a in trail] == [
            ("start", "ok", started.history_id), ("check", "wrong_code", started.history_id),
        ]  # fmt: skip
        assert [a.kind for a in desk.session_history.actions(request_id=started.request_id)] == [
            "start", "check",
        ]  # fmt: skip
    finally:
        desk.session_history.close()
        store.close()


def test_a_bug_mid_call_records_the_action_as_unknown(history: HistoryStore) -> None:
    session = SessionHistory(history)
    recorder = CallRecorder(session, profile=PROFILE, operator=OPERATOR, host=HOST)

    def broken() -> None:
        raise RuntimeError("a bug below the desk")

    with pytest.raises(RuntimeError):
        recorder.run("cancel", broken, request_id="r-bug")
    recorder.run("balance", lambda: None)  # a read: no action
    [action] = history.actions(request_id="r-bug")
    assert (action.kind, action.outcome, action.history_id) == ("cancel", "unknown", None)
