"""The Messages client: what it sends, how it authenticates, maps refusals, and never re-sends."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from desktop_app.api.http import build_http_client
from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.messages import MessagesClient
from desktop_app.api.messages_errors import messages_error, retry_after_of
from desktop_app.domain import errors as e
from desktop_app.domain.messages import (
    SMS,
    WHATSAPP,
    MessageAccepted,
    MessageRequest,
    Text,
)
from desktop_app.domain.messages_fields import api_field_errors
from desktop_app.domain.messages_hosts import MESSAGES_HOSTS, MESSAGES_SANDBOX_HOST
from desktop_app.domain.messages_wire import message_body
from desktop_app.domain.models import ApiCredentials
from tests.domain.test_messages_rules import REFUSALS
from tests.helpers.mock_api import API_KEY, CREDS, HOST, SECRET, Recorder

UUID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
TO = "447700900123"
TEXT = "Your code is 918273"
SMS_MESSAGE = MessageRequest(SMS, TO, "Acme", Text(TEXT), client_ref="case-17")
ACCEPTED = httpx.Response(202, json={"message_uuid": UUID})


class MessagesEnv:
    """A recorder and a Messages client wired to it through the app's http client."""

    def __init__(
        self,
        *replies: Any,
        auth: JwtAuth | None = None,
        credentials: ApiCredentials | None = CREDS,
        host: str = HOST,
    ) -> None:
        self.recorder = Recorder(list(replies))
        self.http = build_http_client(httpx.MockTransport(self.recorder))
        self.client = MessagesClient(
            self.http, credentials, api_host=host, auth=auth if auth is not None else "basic"
        )

    def body(self, index: int = -1) -> Any:
        return json.loads(self.recorder.requests[index].content)


@pytest.fixture
def make() -> Iterator[Callable[..., MessagesEnv]]:
    envs: list[MessagesEnv] = []

    def factory(*replies: Any, **kwargs: Any) -> MessagesEnv:
        env = MessagesEnv(*replies, **kwargs)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        env.http.close()


@pytest.fixture(scope="module")
def rsa_pem() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def problem(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers={"Content-Type": "application/problem+json", **(headers or {})}
    )


# -- nothing is sent when a rule is broken --------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "path"), [pytest.param(r, p, id=i) for i, r, p, _ in REFUSALS]
)
def test_every_rule_refuses_before_sending(
    make: Callable[..., MessagesEnv], request_: MessageRequest, path: str
) -> None:
    env = make(ACCEPTED)
    with pytest.raises(e.ValidationFailed) as caught:
        env.client.send(request_)
    assert path in {error.field for error in caught.value.errors}
    assert env.recorder.calls == 0


# -- what is sent ---------------------------------------------------------------------------


def test_send_posts_the_json_body_with_basic_auth(make: Callable[..., MessagesEnv]) -> None:
    env = make(ACCEPTED)
    assert env.client.send(SMS_MESSAGE) == MessageAccepted(UUID)
    request = env.recorder.requests[0]
    assert request.method == "POST" and str(request.url) == f"{HOST}/v1/messages"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("verify-desk/")
    expected = base64.b64encode(f"{API_KEY}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert env.body() == message_body(SMS_MESSAGE)
    assert SECRET not in str(request.url) and SECRET not in request.content.decode()


def test_a_failover_answer_keeps_its_workflow_id(make: Callable[..., MessagesEnv]) -> None:
    env = make(httpx.Response(202, json={"message_uuid": UUID, "workflow_id": "wf-1"}))
    message = MessageRequest(WHATSAPP, TO, "447700900001", Text("Hi"), failover=(SMS_MESSAGE,))
    assert env.client.send(message) == MessageAccepted(UUID, "wf-1")
    assert [leg["channel"] for leg in env.body()["failover"]] == [SMS]


@pytest.mark.parametrize("host", [h.url for h in MESSAGES_HOSTS] + ["http://127.0.0.1:8055/"])
def test_every_selectable_host_gets_the_same_path(
    make: Callable[..., MessagesEnv], host: str
) -> None:
    env = make(ACCEPTED, host=host)
    env.client.send(SMS_MESSAGE)
    assert str(env.recorder.requests[0].url) == f"{host.rstrip('/')}/v1/messages"
    assert env.client.api_host == host.rstrip("/")


def test_the_hosts_offered_are_the_regions_and_the_sandbox() -> None:
    urls = [h.url for h in MESSAGES_HOSTS]
    assert urls[0] == "https://api.nexmo.com"
    assert {
        "https://api-eu.vonage.com",
        "https://api-us.vonage.com",
        "https://api-ap.vonage.com",
        MESSAGES_SANDBOX_HOST,
    } <= set(urls)
    assert MESSAGES_SANDBOX_HOST == "https://messages-sandbox.nexmo.com"


def test_jwt_auth_signs_a_fresh_rs256_token_per_send(
    make: Callable[..., MessagesEnv], rsa_pem: tuple[str, Any]
) -> None:
    pem, public = rsa_pem
    auth = JwtAuth("app-123", pem, clock=lambda: 1_700_000_000)
    env = make(ACCEPTED, ACCEPTED, auth=auth, credentials=None)
    env.client.send(SMS_MESSAGE)
    env.client.send(SMS_MESSAGE)
    tokens = []
    for request in env.recorder.requests:
        scheme, token = request.headers["authorization"].split(" ", 1)
        assert scheme == "Bearer"
        claims = jwt.decode(token, public, algorithms=["RS256"], options={"verify_exp": False})
        assert claims["application_id"] == "app-123"
        assert claims["exp"] - claims["iat"] == 15 * 60 and claims["jti"]
        tokens.append(claims["jti"])
    assert tokens[0] != tokens[1]
    assert env.client.auth_kind == "jwt"
    assert pem.splitlines()[1] not in repr(env.client) and "BEGIN" not in repr(auth)


def test_basic_auth_needs_credentials_and_auth_must_be_known() -> None:
    with httpx.Client() as http:
        with pytest.raises(ValueError, match="key and secret"):
            MessagesClient(http, None)
        with pytest.raises(ValueError, match="basic"):
            MessagesClient(http, CREDS, auth="jwt")  # type: ignore[arg-type]
        client = MessagesClient(http, CREDS)
        assert SECRET not in repr(client) and API_KEY in repr(client)


# -- refusals -------------------------------------------------------------------------------

UNAUTHORIZED = {
    "type": "https://developer.nexmo.com/api-errors/#unathorized",
    "title": "You did not provide correct credentials.",
    "detail": "Check that you're using the correct credentials",
    "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
}
LOW_BALANCE = {
    "type": "https://developer.nexmo.com/api-errors/#low-balance",
    "title": "Low balance",
    "detail": "This request could not be performed due to your account balance being low.",
    "instance": "i-402",
}
INVALID = {
    "type": "https://developer.nexmo.com/api-errors/messages-olympus#1150",
    "title": "Invalid params",
    "detail": "The value of one or more parameters is invalid.",
    "instance": "i-422",
    "invalid_parameters": [
        {"name": "messenger.tag", "reason": "is required"},
        {"name": "failover[0].text", "reason": "too long"},
        "not an object",
    ],
}
SENDER = {
    "type": "https://developer.nexmo.com/api-errors/messages-olympus#1120",
    "title": "Invalid sender",
    "detail": "The `from` parameter is invalid for the given channel.",
    "instance": "i-sender",
}
THROTTLED = {
    "type": "https://developer.nexmo.com/api-errors/messages-olympus#1000",
    "title": "Rate Limit Hit",
    "detail": "Please wait, then retry your request",
    "instance": "i-429",
}


@pytest.mark.parametrize(
    ("reply", "cls", "status"),
    [
        (problem(401, UNAUTHORIZED), e.AuthError, 401),
        (httpx.Response(401), e.AuthError, 401),
        (problem(402, LOW_BALANCE), e.QuotaExceededError, 402),
        (problem(422, SENDER), e.InvalidParameterError, 422),
        (
            problem(400, {"title": "Bad Request", "detail": "Invalid JSON"}),
            e.InvalidParameterError,
            400,
        ),
        (problem(429, THROTTLED), e.ThrottledError, 429),
        (problem(403, {"title": "Forbidden", "detail": "Unprovisioned"}), e.UnknownApiError, 403),
        (problem(409, {"title": "Conflict", "detail": "concurrent"}), e.UnknownApiError, 409),
    ],
)
def test_each_refusal_maps_to_its_typed_error_and_keeps_the_problem(
    make: Callable[..., MessagesEnv], reply: httpx.Response, cls: type[e.ApiError], status: int
) -> None:
    env = make(reply)
    with pytest.raises(e.ApiError) as caught:
        env.client.send(SMS_MESSAGE)
    error = caught.value
    assert type(error) is cls and error.http_status == status
    body = json.loads(reply.content or b"{}")
    if body.get("title"):
        assert error.title == body["title"]
    assert error.instance == body.get("instance")
    assert env.recorder.calls == 1


def test_a_422_attaches_each_reason_to_its_field_path(make: Callable[..., MessagesEnv]) -> None:
    env = make(problem(422, INVALID))
    with pytest.raises(e.InvalidParameterError) as caught:
        env.client.send(SMS_MESSAGE)
    error = caught.value
    assert error.invalid_parameters == (
        ("messenger.tag", "is required"),
        ("failover[0].text", "too long"),
    )
    fields = api_field_errors(error.invalid_parameters)
    assert [(f.field, f.message) for f in fields] == [
        ("messenger.tag", "is required"),
        ("failover[0].text", "too long"),
    ]
    assert "messenger.tag: is required" in str(error)
    assert api_field_errors([("", "")])[0].field == "body"


@pytest.mark.parametrize(
    ("headers", "body", "wait"),
    [
        ({"Retry-After": "7"}, THROTTLED, 7.0),
        ({}, {**THROTTLED, "retry_after": 3}, 3.0),
        ({"Retry-After": "2"}, {**THROTTLED, "retry_after": 30}, 2.0),
        ({}, THROTTLED, 1.0),
        ({"Retry-After": "soon"}, THROTTLED, 1.0),
    ],
)
def test_a_429_carries_the_wait_the_api_asked_for(
    make: Callable[..., MessagesEnv], headers: dict[str, str], body: Any, wait: float
) -> None:
    env = make(problem(429, body, headers))
    with pytest.raises(e.ThrottledError) as caught:
        env.client.send(SMS_MESSAGE)
    assert caught.value.retry_after == wait
    assert env.recorder.calls == 1


def test_a_retry_after_date_is_read_as_seconds_from_now() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_of("Wed, 01 May 2024 12:00:09 GMT", b"", now=now) == 9.0
    assert retry_after_of("Wed, 01 May 2024 11:00:00 GMT", b"", now=now) == 0.0
    assert retry_after_of(None, b"<html>", now=now) is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_reported_not_retried(
    make: Callable[..., MessagesEnv], status: int
) -> None:
    env = make(problem(status, {"title": "Internal error", "detail": "Platform error"}))
    with pytest.raises(e.ServerError) as caught:
        env.client.send(SMS_MESSAGE)
    assert caught.value.http_status == status and "Platform error" in str(caught.value)
    assert env.recorder.calls == 1


def test_a_wrong_host_page_is_a_server_error_naming_the_status(
    make: Callable[..., MessagesEnv],
) -> None:
    env = make(httpx.Response(404, text="<html>Not Found</html>"))
    with pytest.raises(e.ServerError) as caught:
        env.client.send(SMS_MESSAGE)
    assert caught.value.http_status == 404 and "API host" in str(caught.value)


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(202, json={"uuid": UUID}),
        httpx.Response(202, json={"message_uuid": " "}),
        httpx.Response(202, json=[UUID]),
        httpx.Response(202, text="<html>accepted</html>"),
        httpx.Response(202, content=b""),
    ],
)
def test_an_unreadable_acceptance_is_a_format_error(
    make: Callable[..., MessagesEnv], reply: httpx.Response
) -> None:
    env = make(reply)
    with pytest.raises(e.ResponseFormatError):
        env.client.send(SMS_MESSAGE)
    assert env.recorder.calls == 1


# -- a lost answer is never re-sent ---------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "cls", "unknown"),
    [
        (httpx.ReadTimeout("timed out"), e.ApiTimeoutError, True),
        (httpx.WriteTimeout("timed out"), e.ApiTimeoutError, True),
        (httpx.RemoteProtocolError("peer closed connection"), e.ConnectionLostError, True),
        (httpx.ReadError("connection reset by peer"), e.ConnectionLostError, True),
        (httpx.ConnectError("connection refused"), e.ConnectError, False),
    ],
)
def test_a_send_whose_answer_was_lost_is_not_sent_again(
    make: Callable[..., MessagesEnv], failure: Exception, cls: type[e.TransportError], unknown: bool
) -> None:
    env = make(failure, ACCEPTED)
    with pytest.raises(e.TransportError) as caught:
        env.client.send(SMS_MESSAGE)
    assert type(caught.value) is cls and caught.value.outcome_unknown is unknown
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert env.recorder.calls == 1


# -- secrets and texts stay out of errors and logs ------------------------------------------


def test_the_secret_is_scrubbed_from_echoed_problem_text(make: Callable[..., MessagesEnv]) -> None:
    echo = {"title": f"bad {SECRET}", "detail": f"api_secret={SECRET}", "instance": "i"}
    env = make(problem(401, echo))
    with pytest.raises(e.AuthError) as caught:
        env.client.send(SMS_MESSAGE)
    assert SECRET not in str(caught.value) and SECRET not in caught.value.title
    assert SECRET not in caught.value.user_message()


def test_an_unknown_status_is_scrubbed_too() -> None:
    error = messages_error(
        418, json.dumps({"title": SECRET, "detail": SECRET}).encode(), secret=SECRET
    )
    assert isinstance(error, e.UnknownApiError) and SECRET not in str(error) + error.title


def test_logs_hold_method_path_and_status_only(
    make: Callable[..., MessagesEnv], caplog: pytest.LogCaptureFixture
) -> None:
    env = make(ACCEPTED, httpx.ReadTimeout(f"timed out sending {TEXT}"))
    with caplog.at_level(logging.DEBUG):
        env.client.send(SMS_MESSAGE)
        with pytest.raises(e.ApiTimeoutError):
            env.client.send(SMS_MESSAGE)
    ours = [r.getMessage() for r in caplog.records if r.name == "desktop_app.api.messages"]
    assert ours == ["POST /v1/messages -> HTTP 202", "POST /v1/messages failed: ApiTimeoutError"]
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert TEXT not in everything and SECRET not in everything and "case-17" not in everything
