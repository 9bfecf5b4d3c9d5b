"""RequestActions and RecordCache: each task's outcome goes back to the request it was about.

The context (which request, which words) travels in the task's handlers, so tasks finishing in
any order still speak for their own request. The services are fakes; the test ends each task.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from desktop_app.domain.errors import ConnectError, ThrottledError
from desktop_app.ui import messages
from desktop_app.ui.request_actions import RecordCache, RequestActions

A = "a" * 32
B = "b" * 32


@pytest.fixture
def world(qtbot: Any, fake_verification: Any, make_entry: Any, clock: Any) -> dict[str, Any]:
    host = QWidget()
    qtbot.addWidget(host)
    records = RecordCache(fake_verification)
    chosen: dict[str, Any] = {"entry": None}
    actions = RequestActions(host, fake_verification, records, lambda: chosen["entry"], clock)
    said: list[str] = []
    actions.message.connect(said.append)

    def select(request_id: str) -> None:
        chosen["entry"] = make_entry(request_id=request_id)
        actions.update()

    return {"actions": actions, "records": records, "select": select, "said": said}


def test_controls_finishing_out_of_order_refresh_their_own_request(
    world: dict[str, Any], fake_verification: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *_args: True)
    actions = world["actions"]
    world["select"](A)
    actions.next.trigger()
    world["select"](B)
    actions.next.trigger()
    first, second = fake_verification.calls("next_event")
    assert (first.args, second.args) == ((A,), (B,))

    second.succeed(None)
    first.succeed(None)
    # Each outcome speaks only for its own request: A's comes while B is selected, so it is
    # not said under B (both requests are searched again all the same).
    assert world["said"] == [messages.NEXT_EVENT_TRIGGERED]
    assert [t.args for t in fake_verification.calls("search")] == [((B,),), ((A,),)]
    world["select"](A)  # B's outcome is withdrawn as soon as another request is selected
    assert world["said"] == [messages.NEXT_EVENT_TRIGGERED, ""]


def test_a_failed_control_is_described_and_handled(
    world: dict[str, Any], fake_verification: Any
) -> None:
    world["select"](A)
    world["actions"].next.trigger()
    (task,) = fake_verification.calls("next_event")
    task.fail(ConnectError())
    assert world["said"] == [messages.describe(ConnectError())]
    assert task.unhandled == []  # the view handled it: the window's default report stays out
    assert fake_verification.calls("search") == []


def test_the_cache_keeps_one_search_per_id_and_retries_only_the_throttled_one(
    qtbot: Any, world: dict[str, Any], fake_verification: Any, make_record: Any
) -> None:
    records: RecordCache = world["records"]
    failures: list[str] = []
    records.failed.connect(lambda _rid, message: failures.append(message))
    records.fetch(A)
    records.fetch(B)
    records.fetch(A)  # already running: not searched twice
    search_a, search_b = fake_verification.calls("search")
    assert (search_a.args, search_b.args) == (((A,),), ((B,),))

    search_b.succeed((make_record(B),))
    assert records.get(B) is not None and records.get(A) is None
    search_a.fail(ThrottledError(status="1", error_text="Throttled", retry_after=1.0))
    assert failures == []  # our own throttling is not news: asked again a second later
    qtbot.waitUntil(lambda: len(fake_verification.calls("search")) == 3, timeout=3000)
    retry = fake_verification.calls("search")[-1]
    assert retry.args == ((A,),)
    retry.fail(ConnectError())
    assert failures == [messages.describe(ConnectError())]
    records.fetch(A)  # the failed search is over: a new one may start
    assert len(fake_verification.calls("search")) == 4
