"""The sandbox composed (issue 11, item 4): one shared state, engines as collaborators.

No HTTP: the engines are driven directly on a frozen clock. Covers the composition itself (no
mixin, no borrowed private attributes), a third engine plugging in the way the Messages API
will, the one code maker, the domain's language lists, plain data, and the journal that makes
every change all or nothing.
"""

from __future__ import annotations

import ast
import base64
import copy
import dataclasses
import itertools
import threading
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import desktop_app.sandbox as package
from desktop_app.domain import languages
from desktop_app.sandbox import v1_validation
from desktop_app.sandbox.clock import MAX_TIME, ClockState, SimClock
from desktop_app.sandbox.codes import CodeMaker
from desktop_app.sandbox.core import Sandbox
from desktop_app.sandbox.journal import Answer, Transaction
from desktop_app.sandbox.messages_engine import MessagesEngine
from desktop_app.sandbox.records import HandsetMessage
from desktop_app.sandbox.shared import SharedData, SharedState
from desktop_app.sandbox.v1_engine import V1Engine
from desktop_app.sandbox.v2_engine import V2Engine

START = 1_800_000_000.0
AUTH = "Basic " + base64.b64encode(b"k:s").decode()
SOURCES = Path(package.__file__).parent


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """A composed sandbox (state and engines, no server): not the ``sandbox`` server fixture."""
    box = Sandbox(
        api_key="k", api_secret="s", clock=SimClock(0, start=START), rate_limit=0,
        search_rate_limit=0,
    )  # fmt: skip
    yield box
    box.close()


def v1_start(box: Sandbox, number: str) -> dict[str, Any]:
    params = {"api_key": ["k"], "api_secret": ["s"], "number": [number], "brand": ["Acme"]}
    return box.v1.verify("start", params, None)


def v2_start(box: Sandbox, to: str) -> Any:
    body = f'{{"brand": "Acme", "workflow": [{{"channel": "sms", "to": "{to}"}}]}}'
    return box.v2.verify("start", body=body.encode(), authorization=AUTH)


# -- composition ---------------------------------------------------------------------------------


def test_the_engines_are_collaborators_of_one_state(box: Sandbox) -> None:
    assert V1Engine.__mro__ == (V1Engine, object)
    assert V2Engine.__mro__ == (V2Engine, object)
    assert MessagesEngine.__mro__ == (MessagesEngine, object)
    assert box.v1.state is box.v2.state is box.messages_api.state is box.state
    # The Messages engine keeps its WhatsApp windows in a table of its own beside its records.
    assert box.state.data.tables == {"v1": {}, "v2": {}, "messages": {}, "messages_windows": {}}
    assert not (SOURCES / "engine_v2.py").exists()  # the mixin's file is gone
    assert "Mixin" not in "".join(p.read_text() for p in SOURCES.glob("*.py"))


@pytest.mark.parametrize(
    "module", ["v1_engine.py", "v2_engine.py", "messages_engine.py", "core.py", "controls.py"]
)
def test_no_engine_borrows_private_attributes(module: str) -> None:
    """Only ``self._x`` is read: nothing private of the state or of another engine."""
    tree = ast.parse((SOURCES / module).read_text())
    borrowed = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert borrowed == []


def test_one_live_request_per_address_across_v1_and_v2(box: Sandbox) -> None:
    request_id = v1_start(box, "447700900001")["request_id"]
    conflict = v2_start(box, "447700900001")
    assert conflict.status == 409 and conflict.body["request_id"] == request_id
    other = v2_start(box, "447700900002").body["request_id"]
    assert v1_start(box, "447700900002")["request_id"] == other
    assert box.state.data.live == {"447700900001": request_id, "447700900002": other}


class Messages:
    """A stand-in for one more engine: its own records, handset messages, deadlines.

    (Named after the Messages API it once stood in for; the real one is family ``messages``.)
    """

    family = "stand_in"

    def __init__(self, state: SharedState) -> None:
        self.state = state
        self.records: dict[str, dict[str, Any]] = state.register(self)

    def send(self, to: str) -> str:
        with self.state.begin() as tx:
            message_id = f"m{len(self.records)}"
            tx.put(self.records, message_id, {"created": tx.now, "status": "submitted"})
            message = HandsetMessage(message_id, to, "sms", "", "Hello", tx.now)
            self.state.deliver(tx, message)
            self.state.schedule(tx, self.family, message_id, tx.now + 5)  # its status event
        return message_id

    def play_due(self, tx: Transaction, request_id: str) -> None:
        record = self.records[request_id]
        tx.put(record, "status", "delivered")
        self.state.emit(tx, {"message_uuid": request_id, "status": "delivered"})

    def listing(self) -> Iterable[tuple[float, dict[str, Any]]]:
        return [(r["created"], {"request_id": k, **r}) for k, r in self.records.items()]


def test_a_third_engine_plugs_in_with_its_own_messages_and_deadlines(box: Sandbox) -> None:
    messages = Messages(box.state)
    v1_start(box, "447700900001")
    message_id = messages.send("447700900009")
    assert [m["request_id"] for m in box.messages("447700900009")["messages"]] == [message_id]
    assert box.requests()["requests"][-1]["status"] == "submitted"
    box.advance_clock(5)  # the shared heap hands the due deadline to its family
    assert messages.records[message_id]["status"] == "delivered"
    assert [r["request_id"] for r in box.requests()["requests"]][-1] == message_id
    with pytest.raises(ValueError, match="registered already"):
        Messages(box.state)


def test_one_code_maker_serves_both_engines(box: Sandbox) -> None:
    drawn = itertools.count(1234)
    box.state.codes = CodeMaker(lambda n: next(drawn) % n)
    v1_start(box, "447700900001")
    v2_start(box, "447700900002")
    assert [m["code"] for m in box.messages()["messages"]] == ["1234", "1235"]
    makers = [p.name for p in SOURCES.glob("*.py") if "randbelow" in p.read_text()]
    assert makers == ["codes.py"]


def test_a_new_pin_never_repeats_the_last_one() -> None:
    values = iter([7, 7, 7, 8])
    make = CodeMaker(lambda n: next(values)).for_request(4)
    assert [make(), make()] == ["0007", "0008"]
    assert CodeMaker().for_request(6, fixed="ab12cd")() == "ab12cd"


def test_the_language_lists_are_the_domains() -> None:
    assert frozenset(languages.LANGUAGES) == v1_validation.START_LANGUAGES
    assert frozenset(languages.PSD2_LANGUAGES) == v1_validation.PSD2_LANGUAGES
    for path in SOURCES.glob("*.py"):
        assert '"yue-cn"' not in path.read_text() and '"ga-ie"' not in path.read_text(), path


# -- plain data, ready to be saved ---------------------------------------------------------------


def _plain(value: Any) -> bool:
    if isinstance(value, str | int | float | Decimal | type(None)):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return dataclasses.is_dataclass(value) and _plain(dataclasses.asdict(value))  # type: ignore[arg-type]


def test_the_shared_data_is_plain(box: Sandbox) -> None:
    v1_start(box, "447700900001")
    v2_start(box, "447700900002")
    box.latency = 0.5
    data = box.state.data
    for item in dataclasses.fields(SharedData):
        if item.name != "tables":  # the engines' records: their lifecycles hold a code source
            assert _plain(getattr(data, item.name)), item.name
    copied = copy.deepcopy(data)  # no lock, clock, socket or thread anywhere inside
    assert copied.live == data.live and copied.handset == data.handset


# -- the journal: all or nothing -----------------------------------------------------------------


def test_a_rolled_back_transaction_restores_everything() -> None:
    table: dict[str, int] = {"a": 1, "b": 2}
    items = [1, 2]
    heap = [(1.0, "v1", "x"), (2.0, "v1", "y")]

    class Record:
        def __init__(self) -> None:
            self.count = 1
            self.seen = ["first"]

    record = Record()
    sent: list[str] = []
    tx = Transaction(0.0)
    tx.put(table, "a", 10)
    tx.put(table, "c", 3)
    tx.delete(table, "b")
    tx.append(items, 3)
    tx.setattr(record, "count", 5)
    tx.edit(record).seen.append("second")
    assert tx.heap_pop(heap) == (1.0, "v1", "x")
    tx.after_commit(lambda: sent.append("callback"))
    tx.rollback()
    assert table == {"a": 1, "b": 2} and items == [1, 2]
    assert record.count == 1 and record.seen == ["first"]
    assert sorted(heap) == [(1.0, "v1", "x"), (2.0, "v1", "y")]
    assert sent == []


def test_an_error_rolls_back_and_an_answer_commits(box: Sandbox) -> None:
    state = box.state
    with pytest.raises(RuntimeError), state.begin() as tx:
        state.cool_down(tx, ["447700900001"], START + 10)
        raise RuntimeError("bug")
    assert state.data.cooldowns == {}

    class Refusal(Answer):
        pass

    with pytest.raises(Refusal), state.begin() as tx:
        state.cool_down(tx, ["447700900001"], START + 10)
        with state.begin() as inner:  # nested: the same transaction
            assert inner is tx
        raise Refusal("a refusal after a change keeps the change")
    assert state.data.cooldowns == {"447700900001": START + 10}


def test_an_engine_error_midway_leaves_no_trace(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1_start(box, "447700900001")
    before = copy.deepcopy((box.requests(), box.messages(), box.state.data.live))
    scheduled = dict(box.state.data.scheduled)
    sent: list[object] = []
    monkeypatch.setattr(box.state.callbacks, "send", lambda *a: sent.append(a))
    box.set_callback_url("http://127.0.0.1:9/cb")

    def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(box.state, "schedule", broken)
    with pytest.raises(RuntimeError):
        v2_start(box, "447700900002")
    with pytest.raises(RuntimeError):
        v1_start(box, "447700900003")
    assert (box.requests(), box.messages(), box.state.data.live) == before
    assert box.state.data.scheduled == scheduled and sent == []


def test_a_refused_jump_moves_nothing_and_the_clock_stops_at_its_end() -> None:
    clock = SimClock(1.0, start=MAX_TIME - 100, real_time=lambda: 0.0)
    with pytest.raises(ValueError, match="at most 100"):
        clock.advance(101)
    assert clock.now() == MAX_TIME - 100
    assert clock.advance(100) == MAX_TIME
    real = itertools.count(0.0, 1.0)
    running = SimClock(1_000_000, start=MAX_TIME - 2_500_000, real_time=lambda: next(real))
    for _ in range(5):
        running.now()
    assert running.now() == MAX_TIME  # running fast into the end, it stops there
    running.restore(ClockState(START, 0.0))
    assert running.now() == START and running.time_scale == 0.0
    with pytest.raises(ValueError):
        running.restore(ClockState(float("inf"), 1.0))


def test_state_advance_is_atomic(box: Sandbox) -> None:
    v1_start(box, "447700900001")
    before = (box.clock_info(), box.requests(), box.messages())
    with pytest.raises(ValueError):
        box.advance_clock(MAX_TIME)
    assert (box.clock_info(), box.requests(), box.messages()) == before


def test_an_error_while_playing_a_deadline_rolls_back_and_unlocks(box: Sandbox) -> None:
    messages = Messages(box.state)
    message_id = messages.send("447700900009")
    box.advance_clock(4)
    failing = True

    def play_due(tx: Transaction, request_id: str) -> None:
        tx.put(messages.records[request_id], "status", "half-done")
        if failing:
            raise RuntimeError("bug")

    messages.play_due = play_due  # type: ignore[method-assign]
    box.clock.set_time_scale(0)
    with pytest.raises(RuntimeError):
        box.advance_clock(1)  # the deadline comes due inside the jump
    assert messages.records[message_id]["status"] == "submitted"
    assert box.clock_info()["now"] == "2027-01-15T08:00:04.000Z"
    box.clock.restore(ClockState(START + 5, 0.0))  # now due on entering any operation
    with pytest.raises(RuntimeError):
        box.requests()
    assert messages.records[message_id]["status"] == "submitted"
    got: list[bool] = []

    def take_the_lock() -> None:
        lock = box.state._lock
        got.append(lock.acquire(timeout=5))
        lock.release()

    other = threading.Thread(target=take_the_lock)  # another thread gets the lock at once
    other.start()
    other.join(10)
    assert got == [True]
    failing = False
    box.requests()  # the deadline was kept: it plays now
    assert messages.records[message_id]["status"] == "half-done"
