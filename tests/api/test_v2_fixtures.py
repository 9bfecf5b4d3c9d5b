"""Every recorded Verify v2 answer, at the HTTP status SOURCES.md gives it, parses right.

Table-driven twice: through :func:`parse_v2_answer` directly, and through the client over a
MockTransport (so the transport, status handling and retries are the real ones).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from desktop_app.api.v2_parsing import parse_v2_answer
from desktop_app.domain import errors as e
from desktop_app.domain.v2 import SmsChannel, V2CheckResult, V2StartParams, V2StartResult
from tests.helpers.mock_api import V2, V2Env, v2_bytes

RID = "c11236f4-00bf-4b89-84ba-88b25df97315"

# (file, operation, HTTP status from SOURCES.md, expected type, extra checks)
TABLE: list[tuple[str, str, int, type[Any]]] = [
    ("verify_request.json", "start", 202, V2StartResult),
    ("verify_request_error.json", "start", 409, e.ConcurrentVerificationError),
    ("check_code.json", "check", 200, V2CheckResult),
    ("check_code_400.json", "check", 400, e.WrongCodeError),
    ("check_code_410.json", "check", 410, e.TooManyAttemptsError),
    ("trigger_next_workflow_error.json", "next_workflow", 409, e.NoMoreWorkflowsError),
    ("sdk3/create_request.json", "start", 202, V2StartResult),
    ("sdk3/create_request_silent_auth.json", "start", 202, V2StartResult),
    ("sdk3/error_conflict.json", "start", 409, e.ConcurrentVerificationError),
    ("sdk3/fraud_check_invalid_account.json", "start", 403, e.ForbiddenError),
    ("sdk3/invalid_email.json", "start", 422, e.InvalidParameterError),
    ("sdk3/invalid_sender.json", "start", 422, e.InvalidParameterError),
    ("sdk3/rate_limit.json", "start", 429, e.ThrottledError),
    ("sdk3/check_code.json", "check", 200, V2CheckResult),
    ("sdk3/invalid_code.json", "check", 400, e.WrongCodeError),
    ("sdk3/already_verified.json", "check", 404, e.RequestNotFoundError),
    ("sdk3/code_not_supported.json", "check", 409, e.CodeNotSupportedError),
    ("sdk3/too_many_code_attempts.json", "check", 410, e.TooManyAttemptsError),
    ("sdk3/request_not_found.json", "cancel", 404, e.RequestNotFoundError),
]


def test_table_covers_every_fixture_file() -> None:
    files = {str(p.relative_to(V2)) for p in V2.rglob("*.json")}
    assert files == {row[0] for row in TABLE}


@pytest.mark.parametrize(("name", "operation", "status", "expected"), TABLE)
def test_fixture_parses(name: str, operation: str, status: int, expected: type[Any]) -> None:
    content = v2_bytes(name)
    body = json.loads(content)
    if issubclass(expected, Exception):
        with pytest.raises(expected) as caught:
            parse_v2_answer(operation, status, content, request_id=RID)
        err = caught.value
        assert type(err) is expected and isinstance(err, e.ApiError)
        assert err.http_status == status and err.status == str(status)
        assert err.instance == body["instance"]
        assert err.title == body["title"]
        assert body["detail"] in err.error_text and body["detail"] in str(err)
        assert err.meaning and err.next_step
        if "request_id" in body:
            assert err.request_id == body["request_id"]  # the LIVE request on a 409
        else:
            assert err.request_id == RID
    else:
        result = parse_v2_answer(operation, status, content, request_id=RID)
        assert type(result) is expected and result is not None
        assert result.request_id == body["request_id"]
        if isinstance(result, V2StartResult):
            assert result.check_url == body.get("check_url")
        if isinstance(result, V2CheckResult):
            assert result.status == "completed"


def test_invalid_parameters_are_kept_on_the_error() -> None:
    with pytest.raises(e.InvalidParameterError) as caught:
        parse_v2_answer("start", 422, v2_bytes("sdk3/invalid_email.json"))
    err = caught.value
    assert err.invalid_parameters == (("workflow[0]", "`to` Email address is invalid"),)
    assert "workflow[0]: `to` Email address is invalid" in str(err)


PARAMS = V2StartParams("Acme", (SmsChannel("447911123456"),))


def _cancel(env: V2Env) -> None:
    env.client.cancel(RID)


def _next(env: V2Env) -> None:
    env.client.next_workflow(RID)


CALLS: dict[str, Callable[[V2Env], Any]] = {
    "start": lambda env: env.client.start(PARAMS),
    "check": lambda env: env.client.check(RID, "1234"),
    "cancel": _cancel,
    "next_workflow": _next,
}


@pytest.mark.parametrize(("name", "operation", "status", "expected"), TABLE)
def test_fixture_through_the_client(
    name: str, operation: str, status: int, expected: type[Any], make_v2_env: Callable[..., V2Env]
) -> None:
    env = make_v2_env(httpx.Response(status, content=v2_bytes(name)))
    if issubclass(expected, Exception):
        with pytest.raises(expected):
            CALLS[operation](env)
    else:
        assert type(CALLS[operation](env)) is expected
    # Start is never retried; a 429 on check/cancel/next would be (not in the table here).
    assert env.recorder.calls == (3 if expected is e.ThrottledError and operation != "start" else 1)


def test_cancel_204_and_next_workflow_200_without_body(make_v2_env: Callable[..., V2Env]) -> None:
    env = make_v2_env(httpx.Response(204), httpx.Response(200))
    env.client.cancel(RID)
    env.client.next_workflow(RID)
    assert [r.method for r in env.recorder.requests] == ["DELETE", "POST"]
    assert [r.url.path for r in env.recorder.requests] == [
        f"/v2/verify/{RID}",
        f"/v2/verify/{RID}/next_workflow",
    ]
