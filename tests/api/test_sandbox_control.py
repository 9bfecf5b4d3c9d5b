"""SandboxControl against a MockTransport."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from desktop_app.api.sandbox_control import ClockReading
from desktop_app.domain import errors as e
from desktop_app.domain.errors import ResponseFormatError
from tests.helpers.mock_api import Env

MESSAGES = {
    "messages": [
        {
            "request_id": "r1",
            "number": "447700900000",
            "channel": "sms",
            "code": "1234",
            "text": "Your Acme PIN is 1234",
            "sent_at": "2024-04-03 02:22:37",
        },
        {
            "request_id": "r1",
            "number": "447700900000",
            "channel": "tts",
            "code": "1234",
            "text": "call",
            "sent_at": "2024-04-03T02:24:38+02:00",
        },
    ]
}


def test_messages_filtered_by_number(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, json=MESSAGES))
    messages = env.sandbox.messages("447700900000")
    request = env.recorder.requests[0]
    assert request.method == "GET"
    assert request.url.path == "/sandbox/messages"
    assert request.url.params["number"] == "447700900000"
    assert [m.channel for m in messages] == ["sms", "tts"]
    assert messages[0].code == "1234" and messages[0].request_id == "r1"
    assert messages[0].sent_at == datetime(2024, 4, 3, 2, 22, 37, tzinfo=UTC)
    assert messages[1].sent_at == datetime(2024, 4, 3, 0, 24, 38, tzinfo=UTC)
    assert "1234" not in repr(messages[0])


def test_messages_without_number(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, json={"messages": []}))
    assert env.sandbox.messages() == ()
    assert env.recorder.requests[0].url.query == b""


def test_requests(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, json={"requests": [{"request_id": "r1", "n": 1}]}))
    assert env.sandbox.requests() == [{"request_id": "r1", "n": 1}]
    assert env.recorder.requests[0].url.path == "/sandbox/requests"


def test_set_latency_posts(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(204))
    assert env.sandbox.set_latency(0.25) is None
    request = env.recorder.requests[0]
    assert request.method == "POST" and request.url.path == "/sandbox/latency"
    assert env.recorder.form() == {"seconds": ["0.25"]}


@pytest.mark.parametrize(
    ("method", "arg", "path", "field", "value"),
    [
        ("advance_clock", 30, "/sandbox/clock/advance", "seconds", "30.0"),
        ("set_time_scale", 2.5, "/sandbox/clock/scale", "time_scale", "2.5"),
    ],
)
def test_clock_posts_return_the_new_clock(
    method: str, arg: float, path: str, field: str, value: str, make_env: Callable[..., Env]
) -> None:
    """A skip or speed change answers with the clock: the window's one clock takes it at once."""
    clock = {"now": "2024-04-03T02:22:37.500Z", "time_scale": 2.5}
    env = make_env(httpx.Response(200, json=clock))
    before = time.monotonic()
    reading = getattr(env.sandbox, method)(arg)
    assert isinstance(reading, ClockReading)
    assert reading.now == datetime(2024, 4, 3, 2, 22, 37, 500000, tzinfo=UTC).timestamp()
    assert reading.time_scale == 2.5 and before <= reading.taken <= time.monotonic()
    assert reading.at(reading.taken + 2) == reading.now + 5
    request = env.recorder.requests[0]
    assert request.method == "POST" and request.url.path == path
    assert env.recorder.form() == {field: [value]}


@pytest.mark.parametrize("body", [
    {}, {"now": "yesterday", "time_scale": 1}, {"now": "2024-04-03T02:22:37", "time_scale": 1},
    {"now": "2024-04-03T02:22:37Z", "time_scale": True},
    {"now": "2024-04-03T02:22:37Z", "time_scale": -1}, [1, 2],
])
def test_a_clock_answer_that_is_no_clock_is_refused(
    body: object, make_env: Callable[..., Env]
) -> None:
    env = make_env(httpx.Response(200, json=body))
    with pytest.raises(ResponseFormatError, match=r"not a sandbox clock|JSON object"):
        env.sandbox.clock()


def test_rejects_nonsense_seconds(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(204))
    with pytest.raises(e.ValidationFailed):
        env.sandbox.advance_clock(float("nan"))
    assert env.recorder.calls == 0


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (httpx.Response(200, json={"msgs": []}), e.ResponseFormatError),
        (httpx.Response(200, json={"messages": [{"code": 5.5}]}), e.ResponseFormatError),
        (httpx.Response(200, text="<html/>"), e.ResponseFormatError),
        (httpx.Response(500), e.ServerError),
        (httpx.ConnectError("refused"), e.ConnectError),
    ],
)
def test_failures(reply: object, expected: type[Exception], make_env: Callable[..., Env]) -> None:
    env = make_env(reply)
    with pytest.raises(expected):
        env.sandbox.messages()
