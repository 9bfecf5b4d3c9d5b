"""Unit tests of the v2 pieces that need no server: lifecycle, routing, auth decoding, URLs."""

from __future__ import annotations

import base64
import itertools

import pytest

from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, V2Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.callbacks import check_callback_url
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.core import Sandbox
from desktop_app.sandbox.handler import v2_route
from desktop_app.sandbox.params import bearer_claims


def codes() -> itertools.count[int]:
    return itertools.count(1000)


def make(channels: tuple[str, ...] = ("sms", "voice", "email"), timeout: int = 60) -> V2Lifecycle:
    counter = codes()
    return V2Lifecycle(0.0, lambda: str(next(counter)), channels=channels, channel_timeout=timeout)


def test_channels_fire_in_order_with_one_code() -> None:
    lc = make()
    assert [d.channel for d in lc.deliveries] == ["sms"] and lc.current_code == "1000"
    assert lc.next_event_at == 60 and lc.pin_expires_at == 180
    fired = lc.advance(125)
    assert [(d.channel, d.at, d.code, d.new_pin) for d in fired] == [
        ("voice", 60, "1000", False),
        ("email", 120, "1000", False),
    ]
    assert lc.advance(179.9) == [] and lc.is_live
    lc.advance(180)
    assert lc.status is VerificationStatus.EXPIRED and lc.finalized_at == 180


def test_next_workflow_restarts_the_schedule_and_extends_the_end() -> None:
    lc = make(("sms", "voice"))
    outcome, delivery = lc.trigger_next(10)
    assert outcome is ControlOutcome.OK and delivery is not None and delivery.at == 10
    assert lc.pin_expires_at == 70
    assert lc.trigger_next(11)[0] is ControlOutcome.NO_MORE_EVENTS
    assert lc.check("1000", 69) is CheckOutcome.MATCH


def test_three_wrong_codes_fail_and_cancel_any_time() -> None:
    lc = make()
    assert [lc.check("x", 1) for _ in range(3)] == [
        CheckOutcome.WRONG,
        CheckOutcome.WRONG,
        CheckOutcome.TOO_MANY,
    ]
    assert lc.status is VerificationStatus.FAILED
    other = make()
    assert other.cancel(0.5) is ControlOutcome.OK  # no 30 s rule in v2
    assert other.cancel(1) is ControlOutcome.NOT_ACTIVE
    assert other.countdown().cancel_allowed_until is None


def test_silent_auth_takes_no_code() -> None:
    lc = make(("silent_auth", "sms"))
    assert lc.check("1000", 1) is CheckOutcome.CODE_NOT_SUPPORTED and lc.wrong_attempts == 0
    assert lc.complete_silent_auth(2) and lc.status is VerificationStatus.SUCCESS
    late = make(("silent_auth", "sms"))
    late.advance(60)
    assert not late.complete_silent_auth(61)
    assert late.check("1000", 61) is CheckOutcome.MATCH


def test_v1_lifecycle_still_refuses_unknown_workflows() -> None:
    from desktop_app.domain.lifecycle import Lifecycle

    with pytest.raises(ValueError):
        Lifecycle(0, lambda: "1234", workflow_id=9)
    with pytest.raises(ValueError):
        V2Lifecycle(0, lambda: "1234", channels=(), channel_timeout=60)


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("POST", "/v2/verify", ("start", "")),
        ("POST", "/v2/verify/abc", ("check", "abc")),
        ("DELETE", "/v2/verify/abc", ("cancel", "abc")),
        ("POST", "/v2/verify/abc/next_workflow", ("next_workflow", "abc")),
        ("GET", "/v2/verify/abc/silent-auth/redirect", ("silent_auth", "abc")),
        ("GET", "/v2/verify", None),
        ("GET", "/v2/verify/abc", None),
        ("POST", "/v2/verify/abc/other", None),
    ],
)
def test_v2_routes(method: str, path: str, route: tuple[str, str] | None) -> None:
    assert v2_route(method, path) == route


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HEAD = _b64("{}")
APP = _b64('{"application_id": "a"}')


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        (f"Bearer {HEAD}.{APP}.sig", {"application_id": "a"}),
        (f"bearer {HEAD}.{_b64('[1]')}.sig", None),
        (f"Bearer {HEAD}.%%%.sig", None),
        ("Bearer onlyonepart", None),
        ("Basic c2FuZGJveDpzZWNyZXQ=", None),
        (None, None),
    ],
)
def test_bearer_claims_are_read_unverified(header: str | None, claims: object) -> None:
    assert bearer_claims(header) == claims


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x", "https://localhost/cb", "http://[::1]:8080/"]
)
def test_loopback_callback_urls(url: str) -> None:
    assert check_callback_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://example.com/", "file:///etc/passwd", "http://127.0.0.1:99999/", "127.0.0.1"]
)
def test_other_callback_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        check_callback_url(url)


def test_engine_answers_v2_without_http() -> None:
    sandbox = Sandbox(api_key="k", api_secret="s", clock=SimClock(0, start=1_000_000))
    try:
        auth = "Basic " + base64.b64encode(b"k:s").decode()
        body = b'{"brand": "Acme", "workflow": [{"channel": "sms", "to": "447911123456"}]}'
        started = sandbox.v2.verify("start", body=body, authorization=auth)
        assert started.status == 202 and started.body is not None
        request_id = started.body["request_id"]
        (message,) = sandbox.messages("447911123456")["messages"]
        checked = sandbox.v2.verify(
            "check", request_id, f'{{"code": "{message["code"]}"}}'.encode(), authorization=auth
        )
        assert checked == (200, {"request_id": request_id, "status": "completed"}, None)
        missing = sandbox.v2.verify("check", request_id, b"{}", authorization=auth)
        assert missing.status == 422
        with pytest.raises(ValueError):
            sandbox.v2.verify("search")
    finally:
        sandbox.close()
