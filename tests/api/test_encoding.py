"""What goes on the wire: paths, methods, form fields, credentials, headers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from desktop_app.api.http import DEFAULT_TIMEOUT, USER_AGENT, build_http_client
from desktop_app.domain.errors import ValidationFailed
from desktop_app.domain.models import Psd2Params, StartParams
from tests.helpers.mock_api import API_KEY, HOST, REST, SECRET, Env, fixture_bytes, json_reply

OK_START = httpx.Response(200, content=fixture_bytes("verify_request.json"))


def _assert_credentials_in_body(env: Env) -> None:
    request = env.recorder.requests[-1]
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.url.query == b""
    assert SECRET not in str(request.url)
    assert "authorization" not in request.headers
    form = env.recorder.form()
    assert form["api_key"] == [API_KEY]
    assert form["api_secret"] == [SECRET]


def test_start_sends_only_set_fields(make_env: Callable[..., Env]) -> None:
    env = make_env(OK_START)
    env.v1.start(StartParams(number="447700900000", brand="Acme", workflow_id=6))
    request = env.recorder.requests[0]
    assert str(request.url) == f"{HOST}/verify/json"
    _assert_credentials_in_body(env)
    assert env.recorder.form() == {
        "api_key": [API_KEY],
        "api_secret": [SECRET],
        "number": ["447700900000"],
        "brand": ["Acme"],
        "workflow_id": ["6"],
    }


def test_start_encodes_every_field(make_env: Callable[..., Env]) -> None:
    env = make_env(OK_START)
    env.v1.start(
        StartParams(
            number="447700900000",
            brand="Acme & Co",
            country="GB",
            sender_id="ACME",
            code_length=6,
            lg="en-gb",
            pin_expiry=600,
            next_event_wait=120,
            workflow_id=2,
            pin_code="0042",
        )
    )
    form = env.recorder.form()
    assert form["brand"] == ["Acme & Co"]
    assert form["code_length"] == ["6"]
    assert form["pin_expiry"] == ["600"]
    assert form["next_event_wait"] == ["120"]
    assert form["pin_code"] == ["0042"]
    assert form["country"] == ["GB"] and form["lg"] == ["en-gb"] and form["sender_id"] == ["ACME"]


def test_psd2_amount_is_plain_decimal(make_env: Callable[..., Env]) -> None:
    env = make_env(OK_START)
    env.v1.start_psd2(
        Psd2Params(number="447700900000", payee="Shop", amount=Decimal("1.5E+2"), code_length=4)
    )
    assert str(env.recorder.requests[0].url) == f"{HOST}/verify/psd2/json"
    _assert_credentials_in_body(env)
    form = env.recorder.form()
    assert form["amount"] == ["150"]
    assert form["payee"] == ["Shop"] and form["code_length"] == ["4"]
    assert "brand" not in form and "pin_code" not in form and "lg" not in form


def test_check_fields(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=fixture_bytes("check_code.json")))
    env.v1.check("abc", "0012")
    assert str(env.recorder.requests[0].url) == f"{HOST}/verify/check/json"
    _assert_credentials_in_body(env)
    form = env.recorder.form()
    assert form["request_id"] == ["abc"] and form["code"] == ["0012"]


def test_search_posts_single_request_id(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=fixture_bytes("search_request.json")))
    env.v1.search("cc121958d8fb4368aa3bb762bb9a0f74")
    assert str(env.recorder.requests[0].url) == f"{HOST}/verify/search/json"
    _assert_credentials_in_body(env)
    form = env.recorder.form()
    assert form["request_id"] == ["cc121958d8fb4368aa3bb762bb9a0f74"]
    assert "request_ids" not in form


def test_search_many_repeats_request_ids(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(200, content=fixture_bytes("search_request_list.json")))
    ids = ["a1", "b2", "c3"]
    env.v1.search_many(ids)
    _assert_credentials_in_body(env)
    body = env.recorder.requests[0].content.decode()
    assert body.count("request_ids=") == 3
    assert env.recorder.form()["request_ids"] == ids
    assert "request_id" not in env.recorder.form()


@pytest.mark.parametrize("count", [0, 11])
def test_search_many_bounds(count: int, make_env: Callable[..., Env]) -> None:
    env = make_env(json_reply({}))
    with pytest.raises(ValidationFailed) as info:
        env.v1.search_many([f"id{i}" for i in range(count)])
    assert info.value.errors[0].field == "request_ids"
    assert env.recorder.calls == 0


@pytest.mark.parametrize(
    ("method", "cmd"), [("cancel", "cancel"), ("trigger_next_event", "trigger_next_event")]
)
def test_control_fields(method: str, cmd: str, make_env: Callable[..., Env]) -> None:
    env = make_env(json_reply({"status": "0", "command": cmd}))
    result = getattr(env.v1, method)("rid-1")
    assert result.command == cmd
    assert str(env.recorder.requests[0].url) == f"{HOST}/verify/control/json"
    _assert_credentials_in_body(env)
    assert env.recorder.form()["cmd"] == [cmd]
    assert env.recorder.form()["request_id"] == ["rid-1"]


def test_balance_uses_basic_auth_not_query(make_env: Callable[..., Env]) -> None:
    env = make_env(json_reply({"value": 10.28, "autoReload": False}))
    balance = env.account.get_balance()
    assert balance.value == Decimal("10.28") and balance.auto_reload is False
    request = env.recorder.requests[0]
    assert request.method == "GET"
    assert str(request.url) == f"{REST}/account/get-balance"
    assert request.content == b""
    token = base64.b64encode(f"{API_KEY}:{SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {token}"


def test_http_client_settings() -> None:
    client = build_http_client()
    try:
        assert client.timeout == DEFAULT_TIMEOUT
        assert (client.timeout.connect, client.timeout.read) == (5.0, 15.0)
        assert (client.timeout.write, client.timeout.pool) == (10.0, 5.0)
        assert client.follow_redirects is False
        assert client.headers["User-Agent"] == USER_AGENT
        assert USER_AGENT.startswith("verify-desk/")
    finally:
        client.close()


def test_user_agent_sent_and_redirect_not_followed(make_env: Callable[..., Env]) -> None:
    env = make_env(httpx.Response(302, headers={"Location": "https://evil.invalid/"}))
    with pytest.raises(Exception) as info:
        env.v1.search("x")
    assert type(info.value).__name__ == "ServerError"
    assert env.recorder.calls == 1
    assert env.recorder.requests[0].headers["User-Agent"] == USER_AGENT


def test_api_host_trailing_slash(make_env: Callable[..., Env]) -> None:
    env = make_env(OK_START)
    from desktop_app.api.v1 import VerifyV1Client
    from tests.helpers.mock_api import CREDS

    client = VerifyV1Client(env.http, CREDS, api_host="https://h.invalid/")
    client.start(StartParams(number="447700900000", brand="A"))
    assert str(env.recorder.requests[0].url) == "https://h.invalid/verify/json"
