"""Every fault on every Verify v1 / Account operation, through the real VerifyDesk.

Each case runs one operation against an in-process sandbox whose plan faults the operation's
route once (``@1``), injected either through ``SandboxConfig(faults=...)`` or through
``POST /sandbox/faults``, and asserts: the error the caller gets (or the success after a retry),
how many requests reached the sandbox (the retry count), the backoff waited, and the history rows
(the call row's final outcome, never "pending"; the start row's status and advice).
The behaviour table is docs/reliability.md, "Faults injected in the sandbox".
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from desktop_app.domain.errors import (
    ApiError,
    ConcurrentVerificationError,
    ConnectionLostError,
    ServerError,
    ThrottledError,
    TransportError,
)
from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.recording import LOST_START_ADVICE
from tests.helpers.desks import uk_number
from tests.helpers.faults import (
    ENDPOINT,
    KINDS,
    READ_TIMEOUT,
    Env,
    Figures,
    call_outcome,
    error_for,
    retried,
)

# A fault-injection sweep: left out of the quick loop (scripts/test --quick).
pytestmark = pytest.mark.slow

_numbers = itertools.count(1)
OPERATIONS = ("start", "psd2", "check", "search", "cancel", "balance")
HOW = ("config", "endpoint")


def _send_start(env: Env, op: str, number: str) -> Any:
    if op == "psd2":
        return env.desk.start_psd2(Psd2Form(number=f"+{number}", payee="Shop", amount="10.50"))
    return env.desk.start(StartForm(number=f"+{number}", brand="Acme"))


def _prepare(env: Env, op: str) -> tuple[Callable[[], Any], str]:
    """The operation as a call (with its live request set up first), and its number."""
    number = uk_number(next(_numbers))
    if op in ("start", "psd2"):
        return (lambda: _send_start(env, op, number)), number
    if op == "balance":
        return env.desk.balance, number
    rid = _send_start(env, "start", number).request_id
    if op == "check":
        code = next(m.code for m in env.control.messages() if m.request_id == rid)
        return (lambda: env.desk.check(rid, code)), number
    if op == "search":
        return (lambda: env.desk.search([rid])), number
    env.control.advance_clock(31)  # cancel is refused in the first 30 s
    return (lambda: env.desk.cancel(rid)), number


def _make(make_env: Callable[..., Env], how: str, kind: str, endpoint: str) -> Env:
    if how == "config":
        return make_env(faults=(f"{endpoint}:{KINDS[kind]}@1",))
    return make_env()


def _inject_now(env: Env, how: str, kind: str, endpoint: str) -> None:
    if how == "endpoint":
        spec = KINDS[kind]
        seconds = float(spec.split(":")[1]) if ":" in spec else None
        plan = env.control.add_fault(endpoint, kind, count=1, seconds=seconds)
        assert plan["rules"][-1]["remaining"] == 1


def httpx_client(env: Env) -> Any:
    import httpx

    return httpx.Client(base_url=env.server.url, timeout=httpx.Timeout(5.0, read=60.0))


def _calls(history: HistoryStore) -> list[Any]:
    return history.recent_calls(1000)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_operation_under_fault(
    kind: str, op: str, how: str, make_env: Callable[..., Env], history: HistoryStore
) -> None:
    endpoint = ENDPOINT[op]
    env = _make(make_env, how, kind, endpoint)
    call, number = _prepare(env, op)
    _inject_now(env, how, kind, endpoint)
    hits_before, calls_before = env.hits(endpoint), len(_calls(history))
    error = error_for(kind, op)
    again = retried(kind, op)

    t0 = time.perf_counter()
    if error is None or again:
        call()
        raised = None
    else:
        with pytest.raises(error) as info:
            call()
        raised = info.value
    elapsed = time.perf_counter() - t0

    # Retries: one more request reached the sandbox, after one capped, jittered backoff.
    assert env.hits(endpoint) - hits_before == (2 if again else 1)
    if again:
        (wait,) = env.sleeps.waits
        low = 1.0 if (kind == "throttle" and op == "search") else 0.125
        assert low <= wait <= max(low, 0.25)
    else:
        assert env.sleeps.waits == []
    if kind == "hang":
        assert elapsed >= READ_TIMEOUT * 0.9

    # The history: exactly one call row for the operation, finished, with the right outcome.
    rows = _calls(history)[: len(_calls(history)) - calls_before]
    assert len(rows) == 1
    (row,) = rows
    assert row.operation == op and row.finished_at is not None
    assert row.outcome == call_outcome(None if again else error)
    assert all(c.outcome != "pending" for c in _calls(history))
    if isinstance(raised, ApiError):
        assert row.api_status == raised.status

    if op in ("start", "psd2"):
        (entry,) = [e for e in history.recent(RecentQuery(limit=100)) if e.number == number]
        if raised is None:
            assert entry.status is VerificationStatus.IN_PROGRESS and entry.request_id
        elif isinstance(raised, ApiError):
            assert entry.status is VerificationStatus.REFUSED and entry.request_id is None
            assert str(raised) in entry.last_error
        else:
            assert isinstance(raised, TransportError) and raised.outcome_unknown
            assert entry.status is VerificationStatus.UNKNOWN and entry.request_id is None
            assert entry.last_error.endswith(LOST_START_ADVICE)
    if raised is not None:
        message = raised.user_message()
        if isinstance(raised, ThrottledError):  # says for how long instead of the next step
            assert raised.retry_after >= 1.0 and message.endswith("Try again in 1 s.")
        else:
            assert message.endswith(raised.next_step)
    Figures.handled[kind] += 1


def test_search_gives_up_after_three_attempts_with_capped_jittered_backoff(
    make_env: Callable[..., Env], history: HistoryStore
) -> None:
    env = make_env(faults=("search:http503",))
    rid = _send_start(env, "start", uk_number(900)).request_id
    with pytest.raises(ServerError) as info:
        env.desk.search([rid])
    assert info.value.http_status == 503
    assert env.hits("search") == 3
    first, second = env.sleeps.waits
    assert 0.125 <= first <= 0.25 and 0.25 <= second <= 0.5  # equal jitter, doubling
    assert history.recent_calls(1)[0].outcome == "outcome_unknown"
    Figures.handled["http503"] += 1


def test_backoff_is_capped() -> None:
    from desktop_app.api.retry import RetryPolicy

    policy = RetryPolicy(attempts=10, base_delay=0.25, max_delay=4.0, rng=lambda: 0.999)
    waits = [policy.delay(i) for i in range(9)]
    assert max(waits) <= 4.0 and waits[-1] > 3.9


def test_throttled_search_backs_off_at_least_a_second_and_says_how_long(
    make_env: Callable[..., Env], history: HistoryStore
) -> None:
    env = make_env(faults=("search:throttle",))
    rid = _send_start(env, "start", uk_number(901)).request_id
    with pytest.raises(ThrottledError) as info:
        env.desk.search([rid])
    assert env.hits("search") == 3
    assert all(wait >= 1.0 for wait in env.sleeps.waits) and len(env.sleeps.waits) == 2
    assert info.value.retry_after >= 1.0
    assert info.value.user_message() == (
        "Too many requests were sent too quickly (throttled). (status 1: Throttled) "
        "Try again in 1 s."
    )
    assert history.recent_calls(1)[0].outcome == "api_error"
    Figures.handled["throttle"] += 1


@pytest.mark.parametrize("op", ["start", "psd2"])
@pytest.mark.parametrize("kind", ["drop_after_processing", "truncated", "malformed_json"])
@pytest.mark.parametrize("how", HOW)
def test_lost_start_is_unknown_then_status_10_adopts_the_live_request(
    how: str, kind: str, op: str, make_env: Callable[..., Env], history: HistoryStore
) -> None:
    """The sandbox created the request but the answer was lost: the row waits for status 10."""
    env = _make(make_env, how, kind, op)
    _inject_now(env, how, kind, op)
    number = uk_number(next(_numbers))
    with pytest.raises(TransportError) as lost:
        _send_start(env, op, number)
    assert lost.value.outcome_unknown
    (live,) = [r for r in env.control.requests() if r.get("number") == number]
    (entry,) = history.recent(RecentQuery(limit=10))
    assert entry.status is VerificationStatus.UNKNOWN and entry.request_id is None
    assert entry.last_error.endswith(LOST_START_ADVICE)

    with pytest.raises(ConcurrentVerificationError) as again:
        _send_start(env, op, number)
    assert again.value.request_id == live["request_id"]
    adopted = history.get(entry.id)
    assert adopted.request_id == live["request_id"]
    assert adopted.status is VerificationStatus.IN_PROGRESS
    assert env.hits(op) == 2
    assert all(c.outcome != "pending" for c in history.recent_calls(100))
    Figures.handled[kind] += 1


@pytest.mark.parametrize("kind", ["hang", "reset", "http502", "throttle", "internal_error"])
def test_start_faulted_before_processing_creates_nothing(
    kind: str, make_env: Callable[..., Env], history: HistoryStore
) -> None:
    """Faults before processing leave the sandbox untouched: the next start is accepted."""
    env = make_env(faults=(f"start:{KINDS[kind]}@1",))
    number = uk_number(next(_numbers))
    with pytest.raises((TransportError, ApiError)):
        _send_start(env, "start", number)
    assert env.control.requests() == []
    started = _send_start(env, "start", number)
    assert started.request_id
    statuses = sorted(e.status.value for e in history.recent(RecentQuery(limit=10)))
    first = "REFUSED" if kind in ("throttle", "internal_error") else "OUTCOME UNKNOWN"
    assert statuses == sorted(["IN PROGRESS", first])


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    """Wait for a condition, re-checking every 10 ms (an Event that is never set is the tick)."""
    tick, deadline = threading.Event(), time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.01)
    return True


def test_a_hang_ends_when_the_client_gives_up(make_sandbox: Callable[..., Any]) -> None:
    """The sandbox notices the client closed and frees the connection (no 120 s hold)."""
    import httpx

    server = make_sandbox(faults=("balance:hang",))  # bounded at 120 s by default
    short = httpx.Timeout(5.0, read=0.3)
    with httpx.Client(base_url=server.url, timeout=short) as raw, pytest.raises(httpx.ReadTimeout):
        raw.get("/account/get-balance")
    assert server.faults.to_json()["rules"][0]["seconds"] == 120.0
    assert _wait_for(lambda: server.open_connections() == 0, timeout=2.0)


def test_a_hang_is_interrupted_by_server_stop(make_env: Callable[..., Env]) -> None:
    env = make_env(faults=("search:hang",))
    with httpx_client(env) as raw:
        done = threading.Event()

        def hang() -> None:
            with contextlib.suppress(Exception):
                raw.post("/verify/search/json", data={"request_id": "x"})
            done.set()

        threading.Thread(target=hang, daemon=True).start()
        assert _wait_for(lambda: env.server.open_connections() >= 1, timeout=2.0)
        t0 = time.perf_counter()
        env.server.stop()
        assert time.perf_counter() - t0 < 2.0
        assert done.wait(2.0)


def test_a_hang_is_bounded_by_its_seconds(make_sandbox: Callable[..., Any]) -> None:
    import httpx

    server = make_sandbox(faults=("balance:hang:0.3",))
    with httpx.Client(base_url=server.url, timeout=10) as raw:
        t0 = time.perf_counter()
        with pytest.raises(httpx.RemoteProtocolError):
            raw.get("/account/get-balance", params={"api_key": "sandbox", "api_secret": "x"})
        assert 0.25 <= time.perf_counter() - t0 < 5.0


def test_connection_reset_is_a_tcp_reset(make_sandbox: Callable[..., Any]) -> None:
    import socket
    from urllib.parse import urlsplit

    server = make_sandbox(faults=("search:reset",))
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /verify/search/json?request_id=x HTTP/1.1\r\nHost: a\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            while sock.recv(1024):
                pass
    Figures.handled["reset"] += 1


def test_truncated_body_promises_more_than_it_sends(make_sandbox: Callable[..., Any]) -> None:
    import socket
    from urllib.parse import urlsplit

    server = make_sandbox(faults=("search:truncated",))
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /verify/search/json?request_id=x HTTP/1.1\r\nHost: a\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                 .split(b":")[1])  # fmt: skip
    assert 0 < len(body) < length


def test_drop_after_processing_on_check_consumes_the_check(
    make_env: Callable[..., Env], history: HistoryStore
) -> None:
    """The check happened (the request is verified) though the caller only saw a lost answer."""
    env = make_env(faults=("check:drop_after_processing@1",))
    number = uk_number(next(_numbers))
    rid = _send_start(env, "start", number).request_id
    code = next(m.code for m in env.control.messages() if m.request_id == rid)
    with pytest.raises(ConnectionLostError):
        env.desk.check(rid, code)
    (state,) = [r for r in env.control.requests() if r["request_id"] == rid]
    assert state["status"] == "SUCCESS"
    (record,) = env.desk.search([rid])
    assert record.status == "SUCCESS"
    assert history.find(rid).status is VerificationStatus.SUCCESS  # type: ignore[union-attr]
