"""Retry decisions: starts never, search with capped jittered backoff, check only if unsent."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from desktop_app.api.retry import RetryPolicy
from desktop_app.domain import errors as e
from desktop_app.domain.models import Psd2Params, StartParams
from tests.helpers.mock_api import Env, fixture_bytes


def search_ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("search_request.json"))


def throttled(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": "1", "error_text": "Throttled"})


def html_503(_: httpx.Request) -> httpx.Response:
    return httpx.Response(503, content=b"<html>busy</html>")


def test_policy_delays_are_capped_and_jittered() -> None:
    low = RetryPolicy(attempts=10, base_delay=0.25, max_delay=4.0, rng=lambda: 0.0)
    high = RetryPolicy(attempts=10, base_delay=0.25, max_delay=4.0, rng=lambda: 0.999999)
    assert [low.delay(i) for i in range(6)] == [0.125, 0.25, 0.5, 1.0, 2.0, 2.0]
    assert all(high.delay(i) <= 4.0 for i in range(50))
    assert high.delay(100) == pytest.approx(4.0, abs=1e-5)
    assert high.delay(0) > low.delay(0)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("t"), httpx.ConnectError("refused"), html_503, throttled],
    ids=["timeout", "refused", "503", "status-1"],
)
@pytest.mark.parametrize("kind", ["start", "psd2"])
def test_start_is_never_retried(
    failure: object, kind: str, make_env: Callable[..., Env]
) -> None:
    env = make_env(failure, search_ok)
    with pytest.raises(e.VerifyDeskError):
        if kind == "start":
            env.v1.start(StartParams(number="447700900000", brand="A"))
        else:
            env.v1.start_psd2(Psd2Params(number="447700900000", payee="P", amount=Decimal(1)))
    assert env.recorder.calls == 1
    assert env.sleeps == []


def test_search_retries_with_backoff_then_succeeds(make_env: Callable[..., Env]) -> None:
    rolls = iter([0.0, 1.0 - 1e-9])
    policy = RetryPolicy(attempts=3, base_delay=0.25, max_delay=4.0, rng=lambda: next(rolls))
    env = make_env(httpx.ReadTimeout("t"), html_503, search_ok, policy=policy)
    record = env.v1.search("cc121958d8fb4368aa3bb762bb9a0f74")
    assert record.status == "EXPIRED"
    assert env.recorder.calls == 3
    # retry 0: step 0.25, jitter 0 -> 0.125; retry 1: step 0.5, jitter ~1 -> ~0.5
    assert env.sleeps[0] == pytest.approx(0.125)
    assert env.sleeps[1] == pytest.approx(0.5)


def test_search_gives_up_after_attempts(make_env: Callable[..., Env]) -> None:
    env = make_env(html_503)
    with pytest.raises(e.ServerError):
        env.v1.search("x")
    assert env.recorder.calls == 3 and len(env.sleeps) == 2


def test_search_delay_is_capped(make_env: Callable[..., Env]) -> None:
    policy = RetryPolicy(attempts=8, base_delay=1.0, max_delay=3.0, rng=lambda: 0.999)
    env = make_env(httpx.ConnectError("refused"), policy=policy)
    with pytest.raises(e.ConnectError):
        env.v1.search("x")
    assert env.recorder.calls == 8
    assert max(env.sleeps) <= 3.0
    assert env.sleeps == sorted(env.sleeps)


def test_search_throttled_waits_at_least_a_second(make_env: Callable[..., Env]) -> None:
    env = make_env(throttled)
    with pytest.raises(e.ThrottledError) as info:
        env.v1.search("x")
    assert env.recorder.calls == 3
    assert all(s >= 1.0 for s in env.sleeps)
    assert info.value.retry_after >= 1.0


def test_search_not_found_is_not_retried(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=fixture_bytes("search_request_error.json")))
    with pytest.raises(e.SearchNotFoundError):
        env.v1.search("x")
    assert env.recorder.calls == 1


def test_tls_and_format_errors_are_not_retried(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=b"<html>portal</html>"))
    with pytest.raises(e.ResponseFormatError):
        env.v1.search("x")
    assert env.recorder.calls == 1


def test_balance_retries(make_env: Callable[..., Env]) -> None:
    env = make_env(
        httpx.RemoteProtocolError("dropped"),
        lambda _: httpx.Response(200, json={"value": "3.5", "autoReload": True}),
    )
    balance = env.account.get_balance()
    assert balance.value == Decimal("3.5") and balance.auto_reload is True
    assert env.recorder.calls == 2 and len(env.sleeps) == 1


@pytest.mark.parametrize("op", ["check", "cancel", "next"])
@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.PoolTimeout("pool"), True),
        (throttled, True),
        (httpx.ReadTimeout("t"), False),
        (httpx.ReadError("reset"), False),
        (html_503, False),
    ],
    ids=["refused", "pool-timeout", "status-1", "read-timeout", "reset", "503"],
)
def test_non_idempotent_calls_retry_only_when_unsent(
    op: str, failure: object, retried: bool, make_env: Callable[..., Env]
) -> None:
    ok = {
        "check": lambda _: httpx.Response(200, content=fixture_bytes("check_code.json")),
        "cancel": lambda _: httpx.Response(200, json={"status": "0", "command": "cancel"}),
        "next": lambda _: httpx.Response(
            200, json={"status": "0", "command": "trigger_next_event"}
        ),
    }[op]
    env = make_env(failure, ok)
    call = {
        "check": lambda: env.v1.check("r", "1234"),
        "cancel": lambda: env.v1.cancel("r"),
        "next": lambda: env.v1.trigger_next_event("r"),
    }[op]
    if retried:
        call()
        assert env.recorder.calls == 2
    else:
        with pytest.raises(e.TransportError):
            call()
        assert env.recorder.calls == 1


def test_throttled_start_says_when_to_retry(make_env: Callable[..., Env]) -> None:
    env = make_env(throttled)
    with pytest.raises(e.ThrottledError) as info:
        env.v1.start(StartParams(number="447700900000", brand="A"))
    assert info.value.retry_after >= 1.0
    assert "Try again in" in info.value.user_message()
