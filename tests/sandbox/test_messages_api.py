"""The sandbox's ``/v1/messages`` over raw HTTP: answers, problems, magic numbers, handset, limits.

Every rule of the client's validation is a 422 here naming the same field path; magic
recipients (``4220`` rejected 1330, ``4290`` undeliverable 1260, ``4020`` HTTP 402); the
handset shows what was delivered and never what a 4xx refused; the rate limit; JWT expiry by
the real clock whatever the simulated one says.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest

from desktop_app.sandbox.clock import ClockState
from desktop_app.sandbox.server import SandboxConfig, SandboxServer
from tests.helpers.messages_sandbox import (
    APPLICATION_ID,
    BASIC,
    advance,
    handset,
    inbound,
    post,
    record,
    rsa_keys,
    sms,
    whatsapp_template,
    whatsapp_text,
)

UK = "447700900123"
URL = "https://example.com/media/a"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return rsa_keys()


@pytest.fixture
def server(make_sandbox: Callable[..., SandboxServer], keys: tuple[str, str]) -> SandboxServer:
    return make_sandbox(
        time_scale=0.0,
        messages_rate_limit=0.0,
        application_id=APPLICATION_ID,
        public_key=keys[1],
    )


@pytest.fixture
def wire(server: SandboxServer) -> Iterator[httpx.Client]:
    """Plain httpx on the test's Messages sandbox (not the app's client: that is ``http``)."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _token(private_key: str, **claims: Any) -> str:
    now = int(time.time())
    base = {
        "application_id": APPLICATION_ID,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "exp": now + 900,
    }
    encoded = jwt.encode({**base, **claims}, private_key, algorithm="RS256")
    return f"Bearer {encoded}"


# -- answers -------------------------------------------------------------------------------


def test_an_accepted_message_is_202_with_a_canonical_uuid(wire: httpx.Client) -> None:
    answer = post(wire, sms(UK))
    assert answer.status_code == 202
    assert answer.headers["Content-Type"].startswith("application/json")
    message_uuid = answer.json()["message_uuid"]
    assert str(uuid.UUID(message_uuid)) == message_uuid and answer.json().keys() == {"message_uuid"}


def test_problems_carry_the_four_members_as_problem_json(wire: httpx.Client) -> None:
    for answer in (
        post(wire, sms(UK), authorization=None),
        post(wire, None, raw=b'{"channel": "sms",'),
        post(wire, sms("447700904020")),
        post(wire, sms(UK, text="")),
    ):
        assert answer.headers["Content-Type"] == "application/problem+json", answer.status_code
        problem = answer.json()
        assert {"type", "title", "detail", "instance"} <= problem.keys()
        assert all(isinstance(problem[k], str) and problem[k] for k in ("title", "instance"))
    assert post(wire, None, raw=b"{").json()["type"].endswith("#invalid-json")
    assert post(wire, None, raw=b"[1, 2]").json()["invalid_parameters"][0]["name"] == "body"


def test_only_post_is_allowed_on_the_endpoint(wire: httpx.Client) -> None:
    answer = wire.get("/v1/messages")
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")
    assert answer.json()["title"] == "Method Not Allowed"


def test_the_sdks_extra_fields_are_accepted(wire: httpx.Client) -> None:
    body = sms(UK, ttl=600, webhook_version="v1", client_ref="r-1", trusted_recipient=True)
    body["webhook_url"] = "http://127.0.0.1:9/status"  # nobody listens: still accepted
    assert post(wire, body).status_code == 202


def test_a_webhook_url_off_loopback_is_refused_by_name(wire: httpx.Client) -> None:
    body = whatsapp_text(
        UK,
        webhook_url="https://example.com/hook",
        failover=[sms(UK, webhook_url="http://10.1.1.1/x")],
    )
    problem = post(wire, body).json()
    assert [p["name"] for p in problem["invalid_parameters"]] == [
        "webhook_url",
        "failover[0].webhook_url",
    ]
    assert "loopback" in problem["invalid_parameters"][0]["reason"]


# -- 422: every rule of the client's validation, by its field path ------------------------

MESSENGER = {"channel": "messenger", "message_type": "text", "to": "2871645", "from": "1075224"}
VIBER = {"channel": "viber_service", "message_type": "text", "to": UK, "from": "16273"}
VIBER_TTL = "viber_service.ttl"
RULES: list[tuple[str, dict[str, Any], str]] = [
    ("sms text length", sms(UK, text="x" * 1001), "text"),
    ("whatsapp text length", whatsapp_text(UK, text="x" * 4097), "text"),
    ("viber text length", VIBER | {"text": "x" * 1001}, "text"),
    ("messenger text length", MESSENGER | {"text": "x" * 641}, "text"),
    ("empty text", sms(UK, text=" "), "text"),
    (
        "mms outside US and Canada",
        {"channel": "mms", "message_type": "image", "to": UK, "from": "12015550100",
         "image": {"url": URL + ".png"}},
        "to",
    ),
    ("messenger id length", MESSENGER | {"text": "Hi", "to": "1" * 51}, "to"),
    ("messenger sender id length", MESSENGER | {"text": "Hi", "from": ""}, "from"),
    (
        "messenger tag with message_tag",
        MESSENGER | {"text": "Hi", "messenger": {"category": "message_tag"}},
        "messenger.tag",
    ),
    ("viber ttl low", VIBER | {"text": "Hi", "viber_service": {"ttl": 29}}, VIBER_TTL),
    ("viber ttl high", VIBER | {"text": "Hi", "viber_service": {"ttl": 259201}}, VIBER_TTL),
    (
        "viber action text",
        VIBER | {"text": "Hi", "viber_service": {"action": {"url": URL, "text": "x" * 31}}},
        "viber_service.action.text",
    ),
    ("client_ref length", sms(UK, client_ref="r" * 101), "client_ref"),
    ("E.164 with plus", sms("+447700900123"), "to"),
    ("E.164 letters", sms("44770090012a"), "to"),
    ("whatsapp sender", whatsapp_text(UK, **{"from": "Acme"}), "from"),
    (
        "media url https",
        {"channel": "whatsapp", "message_type": "image", "to": UK, "from": "447700900001",
         "image": {"url": "http://example.com/a.png"}},
        "image.url",
    ),
    ("failover text", whatsapp_text(UK, failover=[sms(UK, text="x" * 1001)]), "failover[0].text"),
    ("failover to", whatsapp_text(UK, failover=[sms("+44")]), "failover[0].to"),
    ("channel", sms(UK, channel="telegram"), "channel"),
    (
        "message type for channel",
        sms(UK, message_type="image", image={"url": URL + ".png"}),
        "message_type",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("body", "name"), [pytest.param(b, n, id=i) for i, b, n in RULES])
def test_each_rule_is_a_422_naming_its_field(wire: httpx.Client, body: Any, name: str) -> None:
    answer = post(wire, body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert name in [p["name"] for p in problem["invalid_parameters"]], problem
    assert all(p["reason"] for p in problem["invalid_parameters"])
    assert problem["type"].startswith("https://developer.vonage.com/api-errors/messages#")
    assert wire.get("/sandbox/requests").json()["requests"] == []  # nothing was accepted


@pytest.mark.parametrize(
    ("body", "title"),
    [
        (sms("+447700900123"), "Invalid recipient"),
        (whatsapp_text(UK, **{"from": "Acme"}), "Invalid sender"),
        (sms(UK, client_ref="r" * 101), "Invalid client reference"),
        (VIBER | {"text": "Hi", "viber_service": {"ttl": 29}}, "Invalid channel parameters"),
        ({"channel": "sms"}, "Missing params"),
        (sms("+447700900123", text="x" * 1001), "Invalid params"),
    ],
)
def test_a_422_is_titled_by_the_kind_of_its_fields(
    wire: httpx.Client, body: Any, title: str
) -> None:
    assert post(wire, body).json()["title"] == title


# -- magic recipients, the handset, the listing --------------------------------------------


def test_magic_recipients(wire: httpx.Client) -> None:
    rejected = post(wire, sms("447700904220")).json()["message_uuid"]
    undeliverable = post(wire, sms("447700904290")).json()["message_uuid"]
    low = post(wire, sms("447700904020"))
    assert (low.status_code, low.json()["title"]) == (402, "Low balance")
    failover = whatsapp_template("447700904220", failover=[sms("447700904220")])
    both_rejected = post(wire, failover).json()["message_uuid"]
    advance(wire, 1)
    assert [(e["status"], e["error"]) for e in record(wire, rejected)["events"]] == [
        ("rejected", 1330)
    ]
    assert [(e["status"], e["error"]) for e in record(wire, undeliverable)["events"]] == [
        ("submitted", None),
        ("undeliverable", 1260),
    ]
    assert [(e["channel"], e["status"]) for e in record(wire, both_rejected)["events"]] == [
        ("whatsapp", "rejected"),
        ("sms", "rejected"),
    ]
    for number in ("447700904220", "447700904290", "447700904020"):
        assert handset(wire, number) == []  # nothing delivered, nothing refused reaches it
    assert len(wire.get("/sandbox/requests").json()["requests"]) == 3  # the 402 left no record


def test_an_undeliverable_leg_fails_over_too(wire: httpx.Client) -> None:
    body = whatsapp_template("447700904290", failover=[sms("447700904291")])
    message_uuid = post(wire, body).json()["message_uuid"]
    advance(wire, 2)
    events = record(wire, message_uuid)["events"]
    assert [(e["channel"], e["status"]) for e in events] == [
        ("whatsapp", "submitted"),
        ("whatsapp", "undeliverable"),
        ("sms", "submitted"),
        ("sms", "delivered"),
    ]
    assert [m["channel"] for m in handset(wire, "447700904291")] == ["sms"]


def test_the_handset_lists_what_was_delivered(wire: httpx.Client) -> None:
    viber = post(wire, VIBER | {"text": "Viber hi"}).json()["message_uuid"]
    messenger = post(wire, MESSENGER | {"text": "Messenger hi"}).json()["message_uuid"]
    post(wire, sms(UK, text="x" * 1001))  # 422: never reaches the handset
    assert handset(wire, UK) == []  # frozen clock: submitted, not yet delivered
    advance(wire, 1)
    (on_viber,) = handset(wire, UK)
    assert on_viber["message_uuid"] == on_viber["request_id"] == viber
    assert (on_viber["channel"], on_viber["text"], on_viber["code"]) == (
        "viber_service",
        "Viber hi",
        "",
    )
    assert "T" in on_viber["sent_at"] and on_viber["sent_at"].endswith("Z")
    (on_messenger,) = handset(wire, "2871645")  # Messenger: the recipient id is the number
    assert (on_messenger["message_uuid"], on_messenger["channel"]) == (messenger, "messenger")


def test_the_listing_shows_each_message_and_its_timeline(wire: httpx.Client) -> None:
    written = inbound(wire, UK)
    sent = post(wire, whatsapp_text(UK, client_ref="ref-1")).json()["message_uuid"]
    advance(wire, 3)
    item = record(wire, sent)
    assert item["api_version"] == "messages" and item["kind"] == "message"
    assert (item["channel"], item["to"], item["client_ref"]) == ("whatsapp", UK, "ref-1")
    assert [e["status"] for e in item["events"]] == ["submitted", "delivered", "read"]
    assert item["status"] == "read" and item["next_event_at"] is None
    assert "text" not in item  # a text may hold a code: the listing never shows one
    assert record(wire, written)["kind"] == "inbound"


def test_inbound_is_refused_by_field(wire: httpx.Client) -> None:
    for body, word in (
        ({"channel": "whatsapp", "from": UK, "to": "447700900001"}, "text"),
        ({"channel": "fax", "from": UK, "to": "447700900001", "text": "Hi"}, "channel"),
        ({"channel": "whatsapp", "from": "+44", "to": "447700900001", "text": "Hi"}, "from"),
        ([1], "JSON object"),
    ):
        answer = wire.post("/sandbox/inbound", json=body)
        assert answer.status_code == 400 and word in answer.json()["error"], answer.text
    assert wire.get("/sandbox/requests").json()["requests"] == []


# -- authentication and the rate limit -----------------------------------------------------


def test_credentials_are_checked(wire: httpx.Client, keys: tuple[str, str]) -> None:
    assert post(wire, sms(UK), authorization=None).status_code == 401
    assert post(wire, sms(UK), authorization="Basic eDp5").status_code == 401
    assert post(wire, sms(UK), authorization=_token(keys[0])).status_code == 202
    forged = _token(keys[0], application_id="another-app")
    assert "application_id" in post(wire, sms(UK), authorization=forged).json()["detail"]
    unsigned = "Bearer " + jwt.encode({"application_id": APPLICATION_ID, "iat": 1}, "k" * 32)
    assert post(wire, sms(UK), authorization=unsigned).status_code == 401  # HS256 is not RS256
    no_iat = jwt.encode({"application_id": APPLICATION_ID}, keys[0], algorithm="RS256")
    assert post(wire, sms(UK), authorization=f"Bearer {no_iat}").status_code == 401


def test_jwt_expiry_is_judged_by_the_real_clock(
    server: SandboxServer, wire: httpx.Client, keys: tuple[str, str]
) -> None:
    now = int(time.time())
    expired = _token(keys[0], iat=now - 1000, exp=now - 10)
    valid = _token(keys[0], exp=now + 600)
    no_exp_old = "Bearer " + jwt.encode(
        {"application_id": APPLICATION_ID, "iat": now - 901}, keys[0], algorithm="RS256"
    )
    assert post(wire, sms(UK), authorization=expired).json()["detail"] == "The token has expired."
    assert post(wire, sms(UK), authorization=no_exp_old).status_code == 401  # iat + 15 min
    server.clock.restore(ClockState(now - 3600.0, 0.0))  # the simulated clock an hour back
    assert post(wire, sms(UK), authorization=expired).status_code == 401
    advance(wire, 2 * 86400)  # ... and two days on
    assert post(wire, sms(UK), authorization=expired).status_code == 401
    assert post(wire, sms(UK), authorization=valid).status_code == 202


def test_bearer_without_an_application_is_refused(
    make_sandbox: Callable[..., SandboxServer], keys: tuple[str, str]
) -> None:
    plain = make_sandbox(messages_rate_limit=0.0)
    with httpx.Client(base_url=plain.url, timeout=10) as client:
        answer = post(client, sms(UK), authorization=_token(keys[0]))
    assert answer.status_code == 401 and "--application-id" in answer.json()["detail"]


def test_the_rate_limit(make_sandbox: Callable[..., SandboxServer]) -> None:
    limited = make_sandbox(messages_rate_limit=0.001)  # one send, then none for 1000 s
    with httpx.Client(base_url=limited.url, timeout=10) as client:
        assert post(client, sms(UK)).status_code == 202
        throttled = post(client, sms(UK))
        assert throttled.status_code == 429
        assert throttled.json()["title"] == "Rate Limit Hit"
        assert post(client, sms(UK), authorization=None).status_code == 401  # auth first
    unlimited = make_sandbox(messages_rate_limit=0.0)
    with httpx.Client(base_url=unlimited.url, timeout=10) as client:
        assert {post(client, sms(UK)).status_code for _ in range(40)} == {202}


def test_the_default_rate_limit_is_30_per_second() -> None:
    assert SandboxConfig().messages_rate_limit == 30.0


def test_settings_are_checked_at_start(keys: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(SandboxConfig(port=0, status_url="https://example.com/status"))
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(SandboxConfig(port=0, inbound_url="http://10.0.0.1/in"))
    with pytest.raises(ValueError, match="together"):
        SandboxServer(SandboxConfig(port=0, application_id=APPLICATION_ID))
    with pytest.raises(ValueError, match="PEM"):
        SandboxServer(SandboxConfig(port=0, application_id=APPLICATION_ID, public_key="nope"))
    config = SandboxConfig(public_key=keys[1], signature_secret="s3cret-value")
    assert "s3cret" not in repr(config) and "PUBLIC" not in repr(config)


def test_basic_header_is_what_the_sdk_sends() -> None:
    assert BASIC == "Basic c2FuZGJveDpzYW5kYm94LXNlY3JldA=="


def test_the_apps_own_client_reads_the_sandbox(
    server: SandboxServer, keys: tuple[str, str]
) -> None:
    from desktop_app.api.http import build_http_client
    from desktop_app.api.jwt_auth import JwtAuth
    from desktop_app.api.messages import MessagesClient
    from desktop_app.domain.errors import AuthError, InvalidParameterError
    from desktop_app.domain.messages import SMS, MessageRequest, Text
    from desktop_app.domain.models import ApiCredentials

    message = MessageRequest(SMS, UK, "Acme", Text("Hello"))
    with build_http_client() as client:
        jwt_client = MessagesClient(
            client, None, api_host=server.url, auth=JwtAuth(APPLICATION_ID, keys[0])
        )
        assert len(jwt_client.send(message).message_uuid) == 36
        basic = MessagesClient(
            client, ApiCredentials("sandbox", "sandbox-secret"), api_host=server.url
        )
        # A rule only the sandbox has (webhooks to loopback only) comes back on its field.
        with pytest.raises(InvalidParameterError) as refused:
            basic.send(
                MessageRequest(SMS, UK, "Acme", Text("Hi"), webhook_url="https://example.com/h")
            )
        assert [name for name, _ in refused.value.invalid_parameters] == ["webhook_url"]
        wrong = MessagesClient(client, ApiCredentials("sandbox", "wrong"), api_host=server.url)
        with pytest.raises(AuthError):
            wrong.send(message)
