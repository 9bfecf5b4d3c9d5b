"""Clock, throttle and parameter decoding in isolation (fake time, no server)."""

from __future__ import annotations

import pytest

from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.params import BadParametersError, basic_credentials, parse_body
from desktop_app.sandbox.throttle import Throttle


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_clock_scale_and_advance() -> None:
    real = FakeTime()
    clock = SimClock(2.0, start=1000.0, real_time=real)
    real.t += 5
    assert clock.now() == 1010.0
    clock.set_time_scale(0.0)
    real.t += 100
    assert clock.now() == 1010.0
    assert clock.advance(30) == 1040.0
    clock.set_time_scale(60.0)
    real.t += 1
    assert clock.now() == 1100.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set_time_scale(float("inf"))


def test_throttle_token_bucket_refills_on_real_time() -> None:
    real = FakeTime()
    bucket = Throttle(2.0, real)
    assert [bucket.allow("k") for _ in range(3)] == [True, True, False]
    assert bucket.allow("other")  # per key
    real.t += 0.5
    assert bucket.allow("k")
    assert not bucket.allow("k")
    assert all(Throttle(0, real).allow("k") for _ in range(1000))


def test_parameter_decoding() -> None:
    assert parse_body(
        b'{"number": 447700900001, "x": true, "ids": ["a", "b"]}', "application/json"
    ) == {
        "number": ["447700900001"],
        "x": ["true"],
        "ids": ["a", "b"],
    }
    assert parse_body(b"a=1&a=2&b=", "application/x-www-form-urlencoded") == {
        "a": ["1", "2"],
        "b": [""],
    }
    with pytest.raises(BadParametersError):
        parse_body(b"\xff", "")
    with pytest.raises(BadParametersError):
        parse_body(b"[" * 100_000, "application/json")
    assert basic_credentials("Basic c2FuZGJveDpzOmVjcmV0") == ("sandbox", "s:ecret")
    assert basic_credentials("Basic !!!") is None
    assert basic_credentials("Bearer abc") is None
