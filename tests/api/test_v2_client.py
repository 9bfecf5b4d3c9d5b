"""The Verify v2 client: what it sends, how it authenticates, retries and maps errors."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.v2 import VerifyV2Client, start_body
from desktop_app.api.v2_errors import HTTP_ERRORS
from desktop_app.api.v2_parsing import parse_v2_answer
from desktop_app.domain import errors as e
from desktop_app.domain.redact import SECRET_MASK
from desktop_app.domain.v2 import (
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2StartParams,
    VoiceChannel,
    WhatsAppChannel,
)
from tests.helpers.mock_api import API_KEY, CREDS, HOST, SECRET, V2Env, problem

RID = "2c59e3f4-a047-499f-a14f-819cd1989d2e"
NUMBER = "447911123456"
ACCEPTED = httpx.Response(202, json={"request_id": RID})


@pytest.fixture(scope="module")
def rsa_pem() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def test_start_sends_json_with_basic_auth_and_only_set_fields(
    make_v2_env: Callable[..., V2Env],
) -> None:
    env = make_v2_env(ACCEPTED)
    params = V2StartParams(
        "Acme",
        (
            SmsChannel(NUMBER, "Acme", app_hash="FA+9qCX9VSu"),
            WhatsAppChannel(NUMBER, "447911000111"),
            VoiceChannel(NUMBER),
            EmailChannel("a@example.com"),
        ),
        locale="en-gb",
        channel_timeout=60,
        code_length=6,
        code="123456",
        fraud_check=False,
    )
    assert env.client.start(params).request_id == RID
    request = env.recorder.requests[0]
    assert request.method == "POST" and str(request.url) == f"{HOST}/v2/verify"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    token = base64.b64encode(f"{API_KEY}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {token}"
    assert SECRET not in str(request.url) and SECRET not in request.content.decode()
    assert env.body() == {
        "brand": "Acme",
        "workflow": [
            {"channel": "sms", "to": NUMBER, "from": "Acme", "app_hash": "FA+9qCX9VSu"},
            {"channel": "whatsapp", "to": NUMBER, "from": "447911000111"},
            {"channel": "voice", "to": NUMBER},
            {"channel": "email", "to": "a@example.com"},
        ],
        "locale": "en-gb",
        "channel_timeout": 60,
        "code_length": 6,
        "code": "123456",
        "fraud_check": False,
    }


def test_fraud_check_true_and_defaults_are_omitted() -> None:
    body = start_body(V2StartParams("Acme", (SilentAuthChannel(NUMBER),), fraud_check=True))
    assert body == {"brand": "Acme", "workflow": [{"channel": "silent_auth", "to": NUMBER}]}


def test_check_sends_the_code_in_the_body_and_never_logs_it(
    make_v2_env: Callable[..., V2Env], caplog: pytest.LogCaptureFixture
) -> None:
    env = make_v2_env(httpx.Response(200, json={"request_id": RID, "status": "completed"}))
    with caplog.at_level(logging.DEBUG):
        result = env.client.check(RID, "98765")
    assert result.status == "completed"
    assert env.body() == {"code": "98765"}
    assert env.recorder.requests[0].url.path == f"/v2/verify/{RID}"
    assert "98765" not in caplog.text and SECRET not in caplog.text
    assert f"POST /v2/verify/{RID} -> HTTP 200" in caplog.text


def test_request_id_cannot_change_the_path(make_v2_env: Callable[..., V2Env]) -> None:
    env = make_v2_env(httpx.Response(204))
    env.client.cancel("../../account?x=1")
    assert env.recorder.requests[0].url.raw_path == b"/v2/verify/..%2F..%2Faccount%3Fx%3D1"
    with pytest.raises(e.ValidationFailed):
        env.client.cancel("  ")


@pytest.mark.parametrize(
    "params",
    [
        V2StartParams("Acme", (WhatsAppChannel(NUMBER, ""),)),
        V2StartParams("Acme", (SmsChannel(NUMBER), SilentAuthChannel(NUMBER))),
        V2StartParams("Acme", ()),
        V2StartParams("A" * 17, (SmsChannel(NUMBER),)),
    ],
)
def test_bad_params_are_refused_before_sending(
    params: V2StartParams, make_v2_env: Callable[..., V2Env]
) -> None:
    env = make_v2_env(ACCEPTED)
    with pytest.raises(e.ValidationFailed):
        env.client.start(params)
    assert env.recorder.calls == 0


def test_start_is_never_retried(make_v2_env: Callable[..., V2Env]) -> None:
    for reply in (
        problem(429, {"title": "Rate Limit Hit", "detail": "wait"}),
        httpx.ConnectError("refused"),
        httpx.Response(503),
    ):
        env = make_v2_env(reply)
        with pytest.raises(e.VerifyDeskError):
            env.client.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
        assert env.recorder.calls == 1 and env.sleeps == []


def test_check_retried_only_when_not_processed(make_v2_env: Callable[..., V2Env]) -> None:
    ok = httpx.Response(200, json={"request_id": RID, "status": "completed"})
    env = make_v2_env(problem(429, {"title": "Rate Limit Hit"}, {"Retry-After": "2"}), ok)
    assert env.client.check(RID, "1234").status == "completed"
    assert env.recorder.calls == 2 and len(env.sleeps) == 1
    env = make_v2_env(httpx.ReadTimeout("slow"))
    with pytest.raises(e.ApiTimeoutError):
        env.client.check(RID, "1234")
    assert env.recorder.calls == 1  # a timed-out check may have used an attempt
    env = make_v2_env(problem(429, {"title": "Rate Limit Hit"}, {"Retry-After": "7"}))
    with pytest.raises(e.ThrottledError) as caught:
        env.client.next_workflow(RID)
    assert env.recorder.calls == 3 and caught.value.retry_after >= 7


def test_the_table_is_the_field_guide() -> None:
    assert dict(HTTP_ERRORS) == {
        400: e.WrongCodeError,
        401: e.AuthError,
        402: e.QuotaExceededError,
        403: e.ForbiddenError,
        404: e.RequestNotFoundError,
        409: e.ConcurrentVerificationError,
        410: e.TooManyAttemptsError,
        422: e.InvalidParameterError,
        429: e.ThrottledError,
    }


def _raised(operation: str, status: int, body: Any) -> e.VerifyDeskError:
    content = body if isinstance(body, bytes) else httpx.Response(200, json=body).content
    with pytest.raises(e.VerifyDeskError) as caught:
        parse_v2_answer(operation, status, content, secret=SECRET, request_id=RID)
    return caught.value


@pytest.mark.parametrize(
    ("operation", "status", "body", "expected"),
    [
        ("start", 401, {"title": "Unauthorized", "detail": "bad creds"}, e.AuthError),
        ("start", 401, b"", e.AuthError),
        ("check", 402, {"title": "Low balance", "detail": "top up"}, e.QuotaExceededError),
        ("start", 400, {"title": "Bad Request", "detail": "bad json"}, e.InvalidParameterError),
        ("check", 400, {"title": "Invalid Code"}, e.WrongCodeError),
        # 409: the body decides; the call decides when the text is unknown.
        ("check", 409, {"title": "Conflict", "detail": "something new"}, e.CodeNotSupportedError),
        (
            "start",
            409,
            {"title": "Conflict", "detail": "something new"},
            e.ConcurrentVerificationError,
        ),
        ("next_workflow", 409, {"title": "Conflict", "detail": "new"}, e.NoMoreWorkflowsError),
        ("cancel", 409, {"title": "Conflict", "detail": "new"}, e.ControlRefusedError),
        (
            "check",
            409,
            {"detail": "Concurrent verifications to the same number"},
            e.ConcurrentVerificationError,
        ),
        ("start", 500, {"title": "Internal Error", "detail": "oops"}, e.ServerError),
        ("start", 502, b"<html>bad gateway</html>", e.ServerError),
        ("check", 404, b"<html>not found</html>", e.ServerError),
        ("check", 418, {"title": "Teapot", "detail": "short and stout"}, e.UnknownApiError),
        ("start", 429, b"", e.ThrottledError),
    ],
)
def test_statuses_map_into_the_v1_family(
    operation: str, status: int, body: Any, expected: type[e.VerifyDeskError]
) -> None:
    err = _raised(operation, status, body)
    assert type(err) is expected
    assert getattr(err, "http_status", None) == status
    assert err.user_message()


def test_type_is_never_used_to_decide() -> None:
    body = {"type": "https://developer.nexmo.com/api-errors#not-found", "title": "Invalid Code"}
    assert type(_raised("check", 400, body)) is e.WrongCodeError


def test_secret_is_scrubbed_from_every_text() -> None:
    body = {
        "title": f"echo {SECRET}",
        "detail": f"you sent {SECRET}",
        "instance": SECRET,
        "invalid_parameters": [{"name": SECRET, "reason": f"bad {SECRET}"}, "junk", {"x": 1}],
    }
    err = _raised("start", 422, body)
    assert isinstance(err, e.InvalidParameterError)
    everything = f"{err} {err.user_message()} {err.title} {err.instance} {err.invalid_parameters}"
    assert SECRET not in everything and SECRET_MASK in everything
    assert err.invalid_parameters == ((SECRET_MASK, f"bad {SECRET_MASK}"),)


def test_jwt_auth_signs_fresh_rs256_tokens(
    make_v2_env: Callable[..., V2Env], rsa_pem: tuple[str, Any]
) -> None:
    pem, public = rsa_pem
    auth = JwtAuth("app-123", pem, clock=lambda: 1_700_000_000)
    assert pem not in repr(auth)
    env = make_v2_env(ACCEPTED, auth=auth)
    env.client.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
    env.client.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
    tokens = [r.headers["authorization"] for r in env.recorder.requests]
    assert all(t.startswith("Bearer ") for t in tokens)
    claims = [
        jwt.decode(
            t.removeprefix("Bearer "), public, algorithms=["RS256"], options={"verify_exp": False}
        )
        for t in tokens
    ]
    assert claims[0]["application_id"] == "app-123"
    assert claims[0]["iat"] == 1_700_000_000 and claims[0]["exp"] == 1_700_000_000 + 900
    assert claims[0]["jti"] != claims[1]["jti"]
    assert "basic" not in tokens[0].lower()
    assert "auth='jwt'" in repr(env.client)


def test_jwt_auth_refuses_a_bad_key_before_sending() -> None:
    with pytest.raises(e.ValidationFailed) as caught:
        JwtAuth("app-123", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----")
    assert caught.value.errors[0].field == "private_key"
    assert "not a key" not in str(caught.value)
    with pytest.raises(e.ValidationFailed):
        JwtAuth("", "x")


def test_auth_must_be_basic_or_jwt() -> None:
    with httpx.Client() as http, pytest.raises(ValueError):
        VerifyV2Client(http, CREDS, auth="bearer")  # type: ignore[arg-type]
