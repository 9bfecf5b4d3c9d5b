"""The sandbox that remembers (issue 9, item 3): its state in a file, shared by processes.

Driven without HTTP on a settable clock, except where a real server is the point. Covers the
round trip (requests, handset, clock, balance; a code delivered before a restart checks after
it), the file itself (versioned, 0600, atomic, no secret, unreadable ones moved aside), time
going on while nobody holds the sandbox, a failed save rolling the change back, another
process's changes seen at once, and two processes writing at the same time losing nothing.
"""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.domain.lifecycle import Lifecycle, V2Lifecycle
from desktop_app.sandbox import persist
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.codes import CodeMaker
from desktop_app.sandbox.core import Sandbox
from desktop_app.sandbox.messages_engine import MessagesSettings
from desktop_app.sandbox.persist import FORMAT, VERSION, StateFile
from desktop_app.sandbox.persist_records import record_codecs
from desktop_app.sandbox.server import SandboxConfig, SandboxServer

START = 1_800_000_000.0
AUTH = "Basic " + base64.b64encode(b"k:s").decode()
BASIC = "Basic " + base64.b64encode(b"sandbox:sandbox-secret").decode()
ROOT = Path(__file__).resolve().parents[2]


class Wall:
    """A settable real wall clock (what the file's ``wall`` stamp is read against)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _box(path: Path, *, start: float = START, scale: float = 0.0, secret: str = "s") -> Sandbox:
    return Sandbox(api_key="k", api_secret=secret, clock=SimClock(scale, start=start),
                   rate_limit=0, search_rate_limit=0, state_file=path)  # fmt: skip


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "sandbox-state.json"


@pytest.fixture
def box(state_file: Path) -> Iterator[Sandbox]:
    sandbox = _box(state_file)
    yield sandbox
    sandbox.close()


def v1_start(box: Sandbox, number: str, secret: str = "s") -> str:
    params = {"api_key": ["k"], "api_secret": [secret], "number": [number], "brand": ["Acme"]}
    return str(box.v1.verify("start", params, None)["request_id"])


def v1_check(box: Sandbox, request_id: str, code: str) -> dict[str, Any]:
    params = {"api_key": ["k"], "api_secret": ["s"], "request_id": [request_id], "code": [code]}
    return box.v1.verify("check", params, None)


def v2_start(box: Sandbox, to: str) -> str:
    body = json.dumps({"brand": "Acme", "workflow": [{"channel": "sms", "to": to},
                                                     {"channel": "voice", "to": to}]})
    return str(box.v2.verify("start", body=body.encode(), authorization=AUTH).body["request_id"])


def _codes(box: Sandbox, request_id: str) -> list[str]:
    return [m["code"] for m in box.messages()["messages"] if m["request_id"] == request_id]


# -- the round trip ---------------------------------------------------------------------------


def test_requests_handset_and_clock_survive_a_restart(state_file: Path) -> None:
    first = _box(state_file)
    v1 = v1_start(first, "447700900001")
    v2 = v2_start(first, "447700900002")
    first.advance_clock(300)  # v1's 2nd delivery (a call, new PIN); v2's voice channel
    before = first.requests()["requests"], first.messages()["messages"], first.clock_info()
    first.close()

    second = _box(state_file, start=START + 86_400)  # a new process, another clock
    try:
        assert (second.requests()["requests"], second.messages()["messages"],
                second.clock_info()) == before  # fmt: skip
        assert v1_check(second, v1, _codes(second, v1)[-1])["status"] == "0"
        answer = second.v2.verify("check", v2, body=json.dumps({"code": _codes(second, v2)[0]})
                                  .encode(), authorization=AUTH)  # fmt: skip
        assert answer.status == 200 and answer.body == {"request_id": v2, "status": "completed"}
        assert second.state.data.live == {}
    finally:
        second.close()
    third = _box(state_file)
    try:
        statuses = {r["request_id"]: r["status"] for r in third.requests()["requests"]}
        assert statuses == {v1: "SUCCESS", v2: "SUCCESS"}
        assert third.state.data.balance < first.state.data.balance  # the checks were charged
    finally:
        third.close()


def test_a_restored_request_plays_on_as_it_would_have(state_file: Path) -> None:
    """Deadlines, later PINs and the wrong-code count carry over; nothing fires twice."""
    first = _box(state_file)
    request_id = v1_start(first, "447700900001")
    assert v1_check(first, request_id, "0000" if _codes(first, request_id)[0] != "0000"
                    else "1111")["status"] == "16"  # fmt: skip
    first.close()
    second = _box(state_file)
    try:
        record = second.v1.requests[request_id]
        assert record.lifecycle.wrong_attempts == 1 and len(record.lifecycle.deliveries) == 1
        second.advance_clock(600)  # two more deliveries, each with a PIN unlike the last
        codes = _codes(second, request_id)
        assert len(codes) == 3 and codes[1] != codes[0] and codes[2] != codes[1]
        assert len(record.event_ids) == 3
        assert second.requests()["requests"][0]["next_event_at"] is None
    finally:
        second.close()


@pytest.mark.parametrize("kind", [Lifecycle, V2Lifecycle])
def test_a_lifecycle_snapshot_restores_the_same_lifecycle(kind: type[Lifecycle]) -> None:
    codes = iter(["1111", "2222", "3333"])
    if kind is V2Lifecycle:  # its first channel cannot deliver: the voice call came at once
        original: Lifecycle = V2Lifecycle(START, lambda: next(codes), channels=("sms", "voice"),
                                          channel_timeout=60, failing_steps={0})  # fmt: skip
        assert original.snapshot().failed_steps == (0,)  # type: ignore[attr-defined]
    else:
        original = Lifecycle(START, lambda: next(codes), workflow_id=1, pin_expiry=120,
                             next_event_wait=60)  # fmt: skip
    original.check("9999", START + 1)
    restored = kind.restore(original.snapshot(), lambda: next(codes))
    assert type(restored) is kind and restored.snapshot() == original.snapshot()
    assert restored.countdown() == original.countdown()
    with pytest.raises(ValueError, match="at least one"):
        kind.restore(replace(original.snapshot(), deliveries=()), lambda: "0")


def test_a_restored_code_source_never_repeats_the_code_held() -> None:
    values = iter([7, 7, 8])
    make = CodeMaker(lambda n: next(values)).for_request(4, last="0007")
    assert make() == "0008"


def test_every_table_of_the_composed_sandbox_has_a_codec(box: Sandbox) -> None:
    """A new engine must say how its records are saved (Verify v1, v2, the Messages API)."""
    assert set(box.state.data.tables) == set(record_codecs())


def test_a_message_its_due_events_and_whatsapp_windows_survive_a_restart(
    state_file: Path,
) -> None:
    def messages_box() -> Sandbox:
        return Sandbox(api_key="sandbox", api_secret="sandbox-secret",
                       clock=SimClock(0, start=START), rate_limit=0,
                       messages=MessagesSettings(rate_limit=0), state_file=state_file)  # fmt: skip

    first = messages_box()
    first.messages_api.inbound(json.dumps({"channel": "whatsapp", "from": "447700900123",
                                           "to": "447700900001", "text": "Hi"}).encode())
    answer = first.messages_api.send(json.dumps(
        {"channel": "whatsapp", "message_type": "text", "to": "447700900123",
         "from": "447700900001", "text": "Your code is 2468"}).encode(), BASIC)  # fmt: skip
    assert answer.status == 202
    message_uuid = answer.body["message_uuid"]
    first.close()
    second = messages_box()
    try:
        record = second.state.data.tables["messages"][message_uuid]
        assert [e.status for e in record.events] == ["submitted"]
        assert [e.status for e in record.planned] == ["delivered", "read"]
        assert second.state.data.tables["messages_windows"] == {"447700900123": START}
        second.advance_clock(5)  # the restored message plays on
        assert [e.status for e in record.events] == ["submitted", "delivered", "read"]
        assert [m["text"] for m in second.messages("447700900123")["messages"]] == [
            "Your code is 2468"
        ]
    finally:
        second.close()


# -- the file ---------------------------------------------------------------------------------


def test_the_file_is_versioned_private_atomic_and_holds_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    box = _box(path, secret="Very-Secret-0x9f")
    try:
        v1_start(box, "447700900001", secret="Very-Secret-0x9f")
    finally:
        box.close()
    saved = json.loads(path.read_text())
    assert (saved["format"], saved["version"]) == (FORMAT, VERSION)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Very-Secret-0x9f" not in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.lock"]
    assert set(saved["tables"]) == set(record_codecs()) and len(saved["tables"]["v1"]) == 1


@pytest.mark.expect_warnings(match="cannot be read")
def test_an_unreadable_file_is_moved_aside_and_the_sandbox_starts_empty(state_file: Path) -> None:
    state_file.write_text('{"format": "something else"}')
    box = _box(state_file)
    try:
        assert box.requests() == {"requests": []}
        assert json.loads(state_file.read_text())["format"] == FORMAT
    finally:
        box.close()
    aside = state_file.with_name(state_file.name + ".unreadable")
    assert json.loads(aside.read_text()) == {"format": "something else"}


@pytest.mark.expect_warnings(match="cannot be read")
@pytest.mark.parametrize("damage", [
    lambda s: s.update(version=VERSION + 1),
    lambda s: s.update(balance="lots"),
    lambda s: s["clock"].update(now="soon"),
    lambda s: s["handset"].append({"request_id": 1}),
    lambda s: next(iter(s["tables"]["v1"].values()))["spec"].update(code_length="4"),
    lambda s: next(iter(s["tables"]["v1"].values()))["lifecycle"].update(status="BORED"),
])
def test_a_damaged_file_never_half_loads(state_file: Path, damage: Any) -> None:
    box = _box(state_file)
    v1_start(box, "447700900001")
    box.close()
    saved = json.loads(state_file.read_text())
    damage(saved)
    state_file.write_text(json.dumps(saved))
    again = _box(state_file)
    try:
        assert again.requests() == {"requests": []} and again.state.data.live == {}
    finally:
        again.close()


def test_a_newer_versions_records_are_written_back_as_read(state_file: Path) -> None:
    box = _box(state_file)
    box.close()
    saved = json.loads(state_file.read_text())
    saved["tables"]["future"] = {"f1": {"anything": [1, 2]}}
    saved["deadlines"].append([START + 50, "future", "f1"])
    state_file.write_text(json.dumps(saved))
    again = _box(state_file)
    try:
        v1_start(again, "447700900001")  # a save
        again.advance_clock(100)  # the future deadline is not this version's to play
    finally:
        again.close()
    resaved = json.loads(state_file.read_text())
    assert resaved["tables"]["future"] == {"f1": {"anything": [1, 2]}}
    assert [START + 50, "future", "f1"] in resaved["deadlines"]


def test_time_goes_on_while_nobody_holds_the_sandbox(state_file: Path) -> None:
    wall, frozen = Wall(), Wall()  # the wall clock, and a monotonic clock that stands still
    box = Sandbox(api_key="k", api_secret="s",
                  clock=SimClock(0, start=START, real_time=frozen))  # fmt: skip
    box.state.persist_to(StateFile(state_file, record_codecs(), wall_time=wall))
    box.set_time_scale(2.0)
    box.close()
    wall.now += 100  # the window was closed for 100 real seconds at 2x

    again = Sandbox(api_key="k", api_secret="s",
                    clock=SimClock(1, start=START - 10_000, real_time=frozen))  # fmt: skip
    again.state.persist_to(StateFile(state_file, record_codecs(), wall_time=wall))
    try:
        reading = again.state.clock.state()
        assert (reading.now, reading.time_scale) == (START + 200, 2.0)
    finally:
        again.close()


def test_a_failed_save_rolls_the_change_back(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: StateFile, state: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(StateFile, "save", refuse)
    with pytest.raises(OSError, match="No space"):
        v1_start(box, "447700900001")
    assert box.state.data.live == {} and box.v1.requests == {} and box.messages()["messages"] == []
    monkeypatch.undo()
    assert len(v1_start(box, "447700900001")) == 32  # and the lock was let go


# -- two holders ------------------------------------------------------------------------------


def test_another_holders_changes_are_seen_at_once(state_file: Path) -> None:
    window, cli = _box(state_file), _box(state_file)
    try:
        request_id = v1_start(cli, "447700900001")
        code = _codes(window, request_id)[0]  # the other holder's delivery
        window.advance_clock(40)
        assert cli.clock_info() == window.clock_info()  # the skip reached the other holder
        assert v1_check(window, request_id, code)["status"] == "0"
        assert cli.requests()["requests"][0]["status"] == "SUCCESS"
        assert v1_start(window, "447700900001") != request_id  # the number is free again
    finally:
        window.close()
        cli.close()


def test_a_speed_change_is_saved_and_shared(state_file: Path) -> None:
    one, two = _box(state_file), _box(state_file)
    try:
        assert one.set_time_scale(60)["time_scale"] == 60
        assert two.clock_info()["time_scale"] == 60
        with pytest.raises(ValueError):
            two.set_time_scale(-1)
        assert one.clock_info()["time_scale"] == 60
    finally:
        one.close()
        two.close()


_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from desktop_app.sandbox.clock import SimClock
    from desktop_app.sandbox.core import Sandbox

    path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    box = Sandbox(api_key="k", api_secret="s", clock=SimClock(1), rate_limit=0,
                  search_rate_limit=0, state_file=path)
    for i in range(count):
        params = {"api_key": ["k"], "api_secret": ["s"], "number": [f"4477009{tag}{i:03d}1"],
                  "brand": ["Acme"]}
        assert box.v1.verify("start", params, None)["status"] == "0"
        if i % 10 == 0:
            box.advance_clock(1)
    box.close()
""")


def test_two_processes_writing_at_once_lose_nothing(state_file: Path) -> None:
    count = 60
    children = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(state_file), tag, str(count)],
                         cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for tag in ("1", "2")
    ]
    try:
        errors = [child.communicate(timeout=120)[1] for child in children]
    finally:
        for child in children:
            child.kill()
            child.wait()
    assert [child.returncode for child in children] == [0, 0], errors
    box = _box(state_file)
    try:
        numbers = {r["number"] for r in box.requests()["requests"]}
        assert len(numbers) == 2 * count
        assert len(box.messages()["messages"]) == len(box.state.data.live) == 2 * count
    finally:
        box.close()


def test_a_real_server_restarted_on_the_same_file_checks_the_old_code(state_file: Path) -> None:
    config = SandboxConfig(port=0, rate_limit=0, search_rate_limit=0, state_file=str(state_file))
    form = {"api_key": "sandbox", "api_secret": "sandbox-secret", "number": "447700900001",
            "brand": "Acme"}  # fmt: skip
    with SandboxServer(config) as server:
        request_id = httpx.post(f"{server.url}/verify/json", data=form).json()["request_id"]
        code = httpx.get(f"{server.url}/sandbox/messages").json()["messages"][0]["code"]
    with SandboxServer(config) as server:
        check = {**form, "request_id": request_id, "code": code}
        answer = httpx.post(f"{server.url}/verify/check/json", data=check).json()
    assert answer["status"] == "0"


def test_the_file_keeps_live_requests_and_the_newest_finished_ones(
    state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persist, "KEEP_FINISHED", 2)
    box = _box(state_file)
    finished = []
    for i in range(4):
        request_id = v1_start(box, f"44770090000{i}")
        assert v1_check(box, request_id, _codes(box, request_id)[0])["status"] == "0"
        box.advance_clock(1)  # each one ends a second after the one before
        finished.append(request_id)
    live = v1_start(box, "447700900051")
    box.close()
    again = _box(state_file)
    try:
        assert set(again.v1.requests) == {live, *finished[2:]}
        assert {m["request_id"] for m in again.messages()["messages"]} == {live, *finished[2:]}
    finally:
        again.close()
