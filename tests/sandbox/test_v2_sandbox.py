"""The sandbox's Verify v2, driven through our own v2 client (and raw HTTP where needed).

No sleeps: time moves with ``POST /sandbox/clock/advance``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from desktop_app.api.v2_parsing import parse_v2_answer
from desktop_app.domain import errors as e
from desktop_app.domain.models import StartParams
from desktop_app.domain.v2 import (
    EmailChannel,
    SilentAuthChannel,
    SmsChannel,
    V2StartParams,
    VoiceChannel,
    WhatsAppChannel,
)
from desktop_app.domain.v2_validation import V2Form, validate_v2
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.sandbox_v2 import NUMBER, OTHER, V2Desk

SMS_THEN_VOICE = V2StartParams(
    "Acme", (SmsChannel(NUMBER), VoiceChannel(NUMBER)), channel_timeout=60
)


@pytest.fixture
def desk(sandbox: SandboxServer) -> Iterator[V2Desk]:
    d = V2Desk(sandbox)
    yield d
    d.close()


def test_sms_then_voice_by_timeout_with_one_code(desk: V2Desk) -> None:
    started = desk.v2.start(SMS_THEN_VOICE)
    assert started.check_url is None and len(started.request_id) == 36
    (sms,) = desk.messages(NUMBER)
    assert sms["channel"] == "sms" and sms["code"] in sms["text"]
    desk.advance(59)
    assert len(desk.messages(NUMBER)) == 1
    desk.advance(1)
    sms, voice = desk.messages(NUMBER)
    assert voice["channel"] == "voice" and voice["code"] == sms["code"]
    assert voice["request_id"] == started.request_id
    checked = desk.v2.check(started.request_id, voice["code"])
    assert (checked.request_id, checked.status) == (started.request_id, "completed")
    with pytest.raises(e.RequestNotFoundError) as caught:
        desk.v2.check(started.request_id, voice["code"])
    assert caught.value.http_status == 404 and caught.value.instance


def test_fallback_by_next_workflow_until_none_left(desk: V2Desk) -> None:
    started = desk.v2.start(SMS_THEN_VOICE)
    desk.v2.next_workflow(started.request_id)
    assert [m["channel"] for m in desk.messages(NUMBER)] == ["sms", "voice"]
    with pytest.raises(e.NoMoreWorkflowsError) as caught:
        desk.v2.next_workflow(started.request_id)
    assert isinstance(caught.value, e.ControlRefusedError) and caught.value.http_status == 409
    item = desk.request(started.request_id)
    assert item["api_version"] == "v2" and item["current_channel"] == "voice"
    assert [w["status"] for w in item["workflow"]] == ["expired", "action_pending"]


def test_last_channel_gets_its_full_timeout_then_expires(desk: V2Desk) -> None:
    started = desk.v2.start(SMS_THEN_VOICE)
    desk.advance(30)
    desk.v2.next_workflow(started.request_id)  # voice fires at 30 s
    desk.advance(59)
    assert desk.request(started.request_id)["status"] == "IN PROGRESS"
    desk.advance(1)
    item = desk.request(started.request_id)
    assert item["status"] == "EXPIRED" and item["v2_status"] == "expired"
    with pytest.raises(e.RequestNotFoundError):
        desk.v2.check(started.request_id, desk.code(NUMBER))
    desk.v2.start(SMS_THEN_VOICE)  # the number is free again


def test_whatsapp_without_from_is_refused_before_sending(desk: V2Desk) -> None:
    before = desk.requests()
    with pytest.raises(e.ValidationFailed) as caught:
        desk.v2.start(V2StartParams("Acme", (WhatsAppChannel(NUMBER, ""),)))
    assert caught.value.errors[0].field == "workflow[0].from"
    with pytest.raises(e.ValidationFailed):
        validate_v2(V2Form("Acme", [("whatsapp", "+" + NUMBER, "", {})]))
    assert desk.requests() == before == []


def test_whatsapp_and_email_are_delivered_to_the_handset(desk: V2Desk) -> None:
    started = desk.v2.start(
        V2StartParams(
            "Acme",
            (
                EmailChannel("pat@example.com", "noreply@acme.example"),
                WhatsAppChannel(NUMBER, OTHER),
            ),
            channel_timeout=15,
        )
    )
    (mail,) = desk.messages("pat@example.com")
    assert mail["channel"] == "email" and mail["number"] == "pat@example.com"
    assert mail["text"].startswith("Subject: Your Acme verification code")
    desk.advance(15)
    (whatsapp,) = desk.messages(NUMBER)
    assert whatsapp["channel"] == "whatsapp" and whatsapp["code"] == mail["code"]
    assert desk.v2.check(started.request_id, mail["code"]).status == "completed"


def test_silent_auth_completes_through_its_check_url(desk: V2Desk) -> None:
    started = desk.v2.start(
        V2StartParams(
            "Acme", (SilentAuthChannel(NUMBER, "https://app.example/done"), SmsChannel(NUMBER))
        )
    )
    assert started.check_url == (
        f"{desk.server.url}/v2/verify/{started.request_id}/silent-auth/redirect"
    )
    assert desk.messages(NUMBER) == []  # silent auth sends no message
    with pytest.raises(e.CodeNotSupportedError):
        desk.v2.check(started.request_id, "1234")
    assert desk.request(started.request_id)["wrong_attempts"] == 0
    opened = httpx.get(started.check_url, follow_redirects=False, timeout=10)
    assert opened.status_code == 302
    assert opened.headers["location"] == f"https://app.example/done#request_id={started.request_id}"
    assert desk.request(started.request_id)["v2_status"] == "completed"
    assert httpx.get(started.check_url, timeout=10).status_code == 404


def test_silent_auth_without_redirect_answers_200_and_falls_back_by_timeout(desk: V2Desk) -> None:
    first = desk.v2.start(V2StartParams("Acme", (SilentAuthChannel(NUMBER),)))
    assert first.check_url is not None
    answer = httpx.get(first.check_url, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"request_id": first.request_id, "status": "completed"}
    second = desk.v2.start(
        V2StartParams("Acme", (SilentAuthChannel(NUMBER), SmsChannel(NUMBER)), channel_timeout=20)
    )
    desk.advance(20)
    assert second.check_url is not None
    assert httpx.get(second.check_url, timeout=10).status_code == 409  # now on the SMS step
    assert desk.v2.check(second.request_id, desk.code(NUMBER)).status == "completed"


def test_concurrent_start_gives_the_live_id(desk: V2Desk) -> None:
    live = desk.v2.start(SMS_THEN_VOICE)
    with pytest.raises(e.ConcurrentVerificationError) as caught:
        desk.v2.start(V2StartParams("Other", (VoiceChannel(NUMBER),)))
    assert caught.value.request_id == live.request_id and caught.value.http_status == 409
    # Any channel's address counts.
    with pytest.raises(e.ConcurrentVerificationError):
        desk.v2.start(V2StartParams("Other", (EmailChannel("a@b.com"), SmsChannel(NUMBER))))


def test_one_live_request_per_number_across_v1_and_v2(desk: V2Desk) -> None:
    v1 = desk.v1.start(StartParams(NUMBER, "Acme"))
    with pytest.raises(e.ConcurrentVerificationError) as caught:
        desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
    assert caught.value.request_id == v1.request_id
    v2 = desk.v2.start(V2StartParams("Acme", (SmsChannel(OTHER),)))
    with pytest.raises(e.ConcurrentVerificationError) as caught_v1:
        desk.v1.start(StartParams(OTHER, "Acme"))
    assert caught_v1.value.status == "10" and caught_v1.value.request_id == v2.request_id
    listed = {r["request_id"]: r["api_version"] for r in desk.requests()}
    assert listed == {v1.request_id: "v1", v2.request_id: "v2"}


def test_cancel_then_a_short_cooldown(desk: V2Desk) -> None:
    started = desk.v2.start(SMS_THEN_VOICE)
    desk.v2.cancel(started.request_id)  # no 30 s rule in v2
    assert desk.request(started.request_id)["v2_status"] == "cancelled"
    with pytest.raises(e.RequestNotFoundError):
        desk.v2.cancel(started.request_id)
    with pytest.raises(e.ConcurrentVerificationError) as caught:
        desk.v2.start(SMS_THEN_VOICE)
    assert caught.value.request_id is None  # busy, but nothing is live
    with pytest.raises(e.ConcurrentVerificationError):
        desk.v1.start(StartParams(NUMBER, "Acme"))
    desk.advance(10)
    desk.v2.start(SMS_THEN_VOICE)


def test_three_wrong_codes_terminate_the_workflow(desk: V2Desk) -> None:
    started = desk.v2.start(SMS_THEN_VOICE)
    for _ in range(2):
        with pytest.raises(e.WrongCodeError):
            desk.v2.check(started.request_id, "zzzz")
    with pytest.raises(e.TooManyAttemptsError) as caught:
        desk.v2.check(started.request_id, "zzzz")
    assert caught.value.http_status == 410
    assert desk.request(started.request_id)["v2_status"] == "failed"
    with pytest.raises(e.RequestNotFoundError):
        desk.v2.check(started.request_id, desk.code(NUMBER))


def test_unknown_and_v1_ids_are_not_found(desk: V2Desk) -> None:
    v1 = desk.v1.start(StartParams(NUMBER, "Acme"))
    for request_id in ("2c59e3f4-a047-499f-a14f-819cd1989d2e", v1.request_id):
        with pytest.raises(e.RequestNotFoundError):
            desk.v2.check(request_id, "1234")
        with pytest.raises(e.RequestNotFoundError):
            desk.v2.next_workflow(request_id)


@pytest.mark.parametrize(
    ("workflow", "name", "reason"),
    [
        ([{"channel": "whatsapp", "to": NUMBER}], "workflow[0]", "`from` is required"),
        ([{"channel": "email", "to": "nope"}], "workflow[0]", "`to` Email address is invalid"),
        (
            [{"channel": "sms", "to": NUMBER}, {"channel": "silent_auth", "to": NUMBER}],
            "workflow[1]",
            "must be the first channel",
        ),
        ([{"channel": "sms", "to": "+44"}], "workflow[0]", "E.164"),
        ([{"channel": "sms", "to": NUMBER, "app_hash": "x"}], "workflow[0]", "app_hash"),
        ([], "workflow", "at least one"),
    ],
)
def test_invalid_parameters_come_back_as_422(
    desk: V2Desk, workflow: list[dict[str, str]], name: str, reason: str
) -> None:
    response = desk.post_json("/v2/verify", {"brand": "Acme", "workflow": workflow})
    assert response.status_code == 422
    with pytest.raises(e.InvalidParameterError) as caught:
        parse_v2_answer("start", response.status_code, response.content)
    params = dict(caught.value.invalid_parameters)
    assert reason in params[name] and caught.value.title == "Invalid params"
    assert desk.requests() == []


def test_other_start_refusals(desk: V2Desk, make_sandbox: Callable[..., SandboxServer]) -> None:
    body = {"brand": "Acme", "workflow": [{"channel": "sms", "to": NUMBER}]}
    assert desk.post_json("/v2/verify", {**body, "brand": "x" * 17}).status_code == 422
    assert desk.post_json("/v2/verify", {**body, "channel_timeout": 14}).status_code == 422
    assert (
        desk.post_json("/v2/verify", {**body, "code": "12345", "code_length": 4}).status_code == 422
    )
    bad_json = desk.raw.post(
        "/v2/verify",
        content=b"{nope",
        auth=("sandbox", "sandbox-secret"),
        headers={"Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400
    with pytest.raises(e.ForbiddenError):
        desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),), fraud_check=False))
    with pytest.raises(e.QuotaExceededError):
        desk.v2.start(V2StartParams("Acme", (SmsChannel("447911120009"),)))
    allowed = make_sandbox(allow_fraud_check_bypass=True)
    other = V2Desk(allowed)
    try:
        other.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),), fraud_check=False))
    finally:
        other.close()
    assert desk.post_json("/v2/verify/x/y", {}).status_code == 404
    # GET is not a method of /v2/verify: 405 naming the one that is (it was 404 before).
    wrong_method = desk.raw.get("/v2/verify")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


def test_custom_code_is_delivered(desk: V2Desk) -> None:
    started = desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),), code="Ab12Cd"))
    assert desk.code(NUMBER) == "Ab12Cd"
    assert desk.v2.check(started.request_id, "Ab12Cd").status == "completed"


def _unsigned_jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_auth_basic_or_bearer_jwt(desk: V2Desk) -> None:
    body = {"brand": "Acme", "workflow": [{"channel": "sms", "to": NUMBER}]}
    wrong = desk.raw.post("/v2/verify", json=body, auth=("sandbox", "wrong"))
    assert wrong.status_code == 401 and wrong.json()["title"] == "Unauthorized"
    assert "wrong" not in wrong.text and "sandbox-secret" not in wrong.text
    assert desk.raw.post("/v2/verify", json=body).status_code == 401
    no_app = {"Authorization": f"Bearer {_unsigned_jwt({'iat': 1})}"}
    assert desk.raw.post("/v2/verify", json=body, headers=no_app).status_code == 401
    app = {"Authorization": f"Bearer {_unsigned_jwt({'application_id': 'app-1', 'iat': 1})}"}
    started = desk.raw.post("/v2/verify", json=body, headers=app)
    assert started.status_code == 202
    request_id = started.json()["request_id"]
    assert desk.raw.delete(f"/v2/verify/{request_id}", headers=app).status_code == 204


def test_throttling_is_429(make_sandbox: Callable[..., SandboxServer]) -> None:
    desk = V2Desk(make_sandbox(rate_limit=1.0))
    try:
        desk.v2.start(V2StartParams("Acme", (SmsChannel(NUMBER),)))
        with pytest.raises(e.ThrottledError) as caught:
            desk.v2.start(V2StartParams("Acme", (SmsChannel(OTHER),)))
        assert caught.value.http_status == 429 and caught.value.title == "Rate Limit Hit"
    finally:
        desk.close()


def test_v1_behaviour_is_unchanged_by_v2(desk: V2Desk) -> None:
    first = desk.v1.start(StartParams(NUMBER, "Acme"))
    desk.advance(31)
    desk.v1.cancel(first.request_id)
    desk.v1.start(StartParams(NUMBER, "Acme"))  # no cooldown after a v1 cancel
    assert [m["channel"] for m in desk.messages(NUMBER)] == ["sms", "sms"]
