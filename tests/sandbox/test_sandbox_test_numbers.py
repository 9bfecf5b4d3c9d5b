"""The sandbox plays the catalogue's outcomes exactly: callbacks, timings and the listing.

The engine runs without HTTP on a paused clock; callbacks are captured instead of POSTed.
(Every entry's outcome through the CLI and the SDKs: ``tests/scenarios/test_catalogue_outcomes``.)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from desktop_app.domain.lifecycle import V2Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.core import Sandbox

START = 1_000_000.0
AUTH = "Basic " + base64.b64encode(b"k:s").decode()


class Captured:
    """Stands in for the engine's callback sender."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def send(self, url: str, payload: dict[str, Any]) -> None:
        self.payloads.append(payload)

    def close(self) -> None:
        pass


@pytest.fixture
def engine() -> Iterator[Sandbox]:
    sandbox = Sandbox(
        api_key="k",
        api_secret="s",
        clock=SimClock(0, start=START),
        rate_limit=0,
        search_rate_limit=0,
    )
    sandbox.set_callback_url("http://127.0.0.1:9/callbacks")
    sandbox.state.callbacks.close()
    sandbox.state.callbacks = Captured()  # type: ignore[assignment]
    yield sandbox
    sandbox.close()


def callbacks(engine: Sandbox) -> list[dict[str, Any]]:
    return engine.state.callbacks.payloads  # type: ignore[attr-defined,no-any-return]


def start_v2(engine: Sandbox, *workflow: tuple[str, str], timeout: int = 300) -> str:
    channels = [{"channel": c, "to": to} for c, to in workflow]
    body = json.dumps({"brand": "Acme", "workflow": channels, "channel_timeout": timeout})
    answer = engine.v2.verify("start", body=body.encode(), authorization=AUTH)
    assert answer.status == 202 and answer.body is not None, answer
    return str(answer.body["request_id"])


def listing(engine: Sandbox, request_id: str) -> dict[str, Any]:
    return next(r for r in engine.requests()["requests"] if r["request_id"] == request_id)


def test_fraud_block_delivers_nothing_and_reports_blocked(engine: Sandbox) -> None:
    request_id = start_v2(engine, ("sms", "447700900600"), ("voice", "447700900600"))
    assert engine.messages()["messages"] == []
    view = listing(engine, request_id)
    assert (view["status"], view["v2_status"]) == ("FAILED", "blocked")
    (summary,) = callbacks(engine)
    assert summary["type"] == "summary" and summary["status"] == "blocked"
    assert [w["status"] for w in summary["workflow"]] == ["blocked", "blocked"]
    assert "network [ 23415 ]" in summary["workflow"][0]["reason"]


def test_silent_auth_fails_and_sms_takes_over_at_once(engine: Sandbox) -> None:
    request_id = start_v2(engine, ("silent_auth", "447700900620"), ("sms", "447700900620"))
    (message,) = engine.messages()["messages"]
    assert message["channel"] == "sms" and message["code"] == "1234"
    assert message["sent_at"].startswith("1970-01-12T13:46:40")  # START: no timeout waited
    (event,) = callbacks(engine)
    assert (event["type"], event["channel"], event["status"]) == ("event", "silent_auth", "failed")
    checked = engine.v2.verify("check", request_id, b'{"code": "1234"}', authorization=AUTH)
    assert checked.status == 200
    summary = callbacks(engine)[-1]
    assert [w["status"] for w in summary["workflow"]] == ["failed", "completed"]


def test_a_failing_middle_channel_stays_exact_across_one_clock_jump(
    engine: Sandbox,
) -> None:
    # sms to ...612 delivers (612 fails voice only), voice fails, email takes over at once.
    request_id = start_v2(
        engine, ("sms", "447700900612"), ("voice", "447700900612"), ("email", "pat@example.com"),
        timeout=60,
    )  # fmt: skip
    engine.advance_clock(1000)
    channels = [(m["channel"], m["sent_at"]) for m in engine.messages()["messages"]]
    assert [c for c, _ in channels] == ["sms", "email"]
    assert channels[1][1].endswith(":47:40.000Z")  # START + 60 s, when voice failed
    view = listing(engine, request_id)
    assert view["v2_status"] == "expired"
    assert [w["status"] for w in view["workflow"]] == ["expired", "failed", "expired"]


def test_lifecycle_failing_steps_rule() -> None:
    lifecycle = V2Lifecycle(
        0.0, lambda: "1234", channels=["sms", "voice"], channel_timeout=60, failing_steps={0}
    )
    assert [d.channel for d in lifecycle.deliveries] == ["sms", "voice"]
    assert lifecycle.failed_steps == [0] and lifecycle.is_live
    last = V2Lifecycle(0.0, lambda: "1234", channels=["sms"], channel_timeout=60, failing_steps={0})
    assert last.status is VerificationStatus.FAILED and last.finalized_at == 0.0


def _v1(engine: Sandbox, op: str, **params: str) -> dict[str, Any]:
    values = {"api_key": ["k"], "api_secret": ["s"], **{k: [v] for k, v in params.items()}}
    return engine.v1.verify(op, values, None)


def test_v1_fixed_code_follows_the_code_length(engine: Sandbox) -> None:
    started = _v1(engine, "start", number="447700900500", brand="Acme", code_length="6")
    (message,) = engine.messages("447700900500")["messages"]
    assert message["code"] == "123412"
    assert _v1(engine, "check", request_id=started["request_id"], code="123412")["status"] == "0"


def test_v1_busy_number_names_a_live_request_that_takes_the_fixed_code(
    engine: Sandbox,
) -> None:
    first = _v1(engine, "start", number="447700900510", brand="Acme")
    again = _v1(engine, "start", number="447700900510", brand="Acme")
    assert first["status"] == again["status"] == "10"
    assert first["request_id"] == again["request_id"] != ""
    assert _v1(engine, "check", request_id=first["request_id"], code="1234")["status"] == "0"
    # Verified, the number is free, and busy again at the next start.
    third = _v1(engine, "start", number="447700900510", brand="Acme")
    assert third["status"] == "10" and third["request_id"] != first["request_id"]


def test_v1_search_lags_a_minute_after_the_end(engine: Sandbox) -> None:
    started = _v1(engine, "start", number="447700900101", brand="Acme")
    rid = started["request_id"]
    assert _v1(engine, "search", request_id=rid)["status"] == "IN PROGRESS"  # live: searchable
    _v1(engine, "check", request_id=rid, code="1234")
    assert _v1(engine, "search", request_id=rid)["status"] == "101"
    engine.advance_clock(59.9)
    assert _v1(engine, "search", request_id=rid)["status"] == "101"
    engine.advance_clock(0.1)
    assert _v1(engine, "search", request_id=rid)["status"] == "SUCCESS"
