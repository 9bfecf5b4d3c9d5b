"""The official vonage 4.x SDK's Messages client, unchanged but for its host, on the sandbox.

With Basic auth (key and secret) and with a JWT application (application id and private key),
it sends SMS, WhatsApp text and template, Viber, Messenger and MMS, and a message with
failover; the spec's errors (401, 402, 422, 429) reach it as the SDK raises them. Like
``test_v2_sdk.py``, the sandbox serves HTTPS with a throwaway certificate the SDK trusts
through ``REQUESTS_CA_BUNDLE``. The sandbox clock is frozen; the tests jump it to see the
messages delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from vonage import Auth, HttpClientOptions, Vonage  # type: ignore[import-untyped]
from vonage_http_client import (  # type: ignore[import-untyped]
    AuthenticationError,
    HttpRequestError,
    RateLimitedError,
)
from vonage_messages import models as sdk  # type: ignore[import-untyped]

from desktop_app.sandbox.server import SandboxServer
from tests.helpers.messages_sandbox import (
    APPLICATION_ID,
    KEY,
    SECRET,
    advance,
    handset,
    inbound,
    rsa_keys,
)

UK, US, WABA, VIBER_ID, PAGE, PSID = (
    "447700900123",
    "14155550123",
    "447700900001",
    "16273",
    "1075224",
    "2871645",
)
URL = "https://example.com/media/a"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return rsa_keys()


@pytest.fixture
def make_tls_sandbox(
    make_sandbox: Callable[..., SandboxServer],
    trusted_tls: tuple[Path, Path],
    keys: tuple[str, str],
) -> Callable[..., SandboxServer]:
    """Messages sandboxes speaking HTTPS that the SDK trusts (``tls_sandbox`` plus the app)."""
    cert, key = trusted_tls

    def make(**overrides: Any) -> SandboxServer:
        options: dict[str, Any] = {
            "tls_cert": str(cert),
            "tls_key": str(key),
            "time_scale": 0.0,
            "messages_rate_limit": 0.0,
            "application_id": APPLICATION_ID,
            "public_key": keys[1],
        }
        return make_sandbox(**(options | overrides))

    return make


@pytest.fixture
def control_client(
    make_tls_sandbox: Callable[..., SandboxServer],
) -> Iterator[tuple[SandboxServer, Any]]:
    server = make_tls_sandbox()
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as http:
        yield server, http


def _messages(server: SandboxServer, auth: Auth) -> Any:
    options = HttpClientOptions(api_host=f"127.0.0.1:{server.port}", max_retries=0)
    return Vonage(auth, options).messages


def _auth(kind: str, keys: tuple[str, str]) -> Auth:
    if kind == "basic":
        return Auth(api_key=KEY, api_secret=SECRET)
    return Auth(application_id=APPLICATION_ID, private_key=keys[0])


@pytest.mark.parametrize("kind", ["basic", "jwt"])
def test_the_sdk_sends_on_every_channel(
    kind: str, control_client: tuple[SandboxServer, httpx.Client], keys: tuple[str, str]
) -> None:
    server, http = control_client
    messages = _messages(server, _auth(kind, keys))
    assert messages._auth_type == ("basic" if kind == "basic" else "jwt")  # the SDK's own pick
    inbound(http, UK)  # the customer wrote in: WhatsApp free-form text may go to them
    sent = {
        "sms": messages.send(sdk.Sms(to=UK, from_="Acme", text="SMS hello", client_ref="r1")),
        "whatsapp": messages.send(sdk.WhatsappText(to=UK, from_=WABA, text="WhatsApp hello")),
        "template": messages.send(
            sdk.WhatsappTemplate(
                to=UK,
                from_=WABA,
                template=sdk.WhatsappTemplateResource(name="acme:parcel", parameters=["A-12"]),
            )
        ),
        "viber_service": messages.send(
            sdk.ViberText(
                to=UK,
                from_=VIBER_ID,
                text="Viber hello",
                viber_service=sdk.ViberTextOptions(category="transaction", ttl=600),
            )
        ),
        "messenger": messages.send(
            sdk.MessengerText(
                to=PSID,
                from_=PAGE,
                text="Messenger hello",
                messenger=sdk.MessengerOptions(category="message_tag", tag="ACCOUNT_UPDATE"),
            )
        ),
        "mms": messages.send(
            sdk.MmsImage(to=US, from_="12015550100", image=sdk.MmsResource(url=URL + ".png"))
        ),
    }
    uuids = {name: answer.message_uuid for name, answer in sent.items()}
    assert all(len(u) == 36 and u.count("-") == 4 for u in uuids.values())
    assert len(set(uuids.values())) == len(uuids)
    assert all(answer.workflow_id is None for answer in sent.values())
    advance(http, 1)
    uk = {m["message_uuid"]: m for m in handset(http, UK)}
    assert (uk[uuids["sms"]]["channel"], uk[uuids["sms"]]["text"]) == ("sms", "SMS hello")
    assert uk[uuids["whatsapp"]]["channel"] == "whatsapp"
    assert uk[uuids["template"]]["text"] == "acme:parcel A-12"
    assert uk[uuids["viber_service"]]["channel"] == "viber_service"
    (messenger,) = handset(http, PSID)
    assert (messenger["message_uuid"], messenger["channel"]) == (uuids["messenger"], "messenger")
    (mms,) = handset(http, US)
    assert (mms["message_uuid"], mms["text"]) == (uuids["mms"], URL + ".png")


@pytest.mark.parametrize("kind", ["basic", "jwt"])
def test_the_sdk_sends_a_message_with_failover(
    kind: str, control_client: tuple[SandboxServer, httpx.Client], keys: tuple[str, str]
) -> None:
    server, http = control_client
    messages = _messages(server, _auth(kind, keys))
    to = "447700900777"  # never wrote in: the WhatsApp text is rejected, the SMS goes
    answer = messages.send(
        sdk.WhatsappText(to=to, from_=WABA, text="Your code is coming"),
        failover=[sdk.Sms(to=to, from_="Acme", text="Your code is coming")],
    )
    assert len(answer.message_uuid) == 36 and answer.workflow_id
    advance(http, 1)
    (delivered,) = handset(http, to)
    assert (delivered["message_uuid"], delivered["channel"]) == (answer.message_uuid, "sms")


def test_the_spec_errors_reach_the_sdk_as_it_raises_them(
    control_client: tuple[SandboxServer, httpx.Client], keys: tuple[str, str]
) -> None:
    server, http = control_client
    wrong = _messages(server, Auth(api_key=KEY, api_secret="not-the-secret"))
    with pytest.raises(AuthenticationError) as refused:
        wrong.send(sdk.Sms(to=UK, from_="Acme", text="Hello"))
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["Content-Type"] == "application/problem+json"
    assert {"type", "title", "detail", "instance"} <= refused.value.response.json().keys()

    messages = _messages(server, _auth("jwt", keys))
    with pytest.raises(HttpRequestError) as low:
        messages.send(sdk.Sms(to="447700904020", from_="Acme", text="Hello"))
    assert low.value.response.status_code == 402
    assert low.value.response.json()["title"] == "Low balance"

    # The SDK lets an MMS to a UK number through; the API (and the sandbox) refuses it.
    with pytest.raises(HttpRequestError) as invalid:
        messages.send(sdk.MmsImage(to=UK, from_=WABA, image=sdk.MmsResource(url=URL + ".png")))
    problem = invalid.value.response.json()
    assert invalid.value.response.status_code == 422
    assert problem["title"] == "Invalid recipient"
    assert [p["name"] for p in problem["invalid_parameters"]] == ["to"]
    assert handset(http, UK) == []  # refused with a 4xx: nothing reached the handset


def test_the_rate_limit_reaches_the_sdk_as_rate_limited(
    make_tls_sandbox: Callable[..., SandboxServer], keys: tuple[str, str]
) -> None:
    server = make_tls_sandbox(messages_rate_limit=0.001)  # one send, then none for 1000 s
    messages = _messages(server, _auth("basic", keys))
    messages.send(sdk.Sms(to=UK, from_="Acme", text="Hello"))
    with pytest.raises(RateLimitedError) as throttled:
        messages.send(sdk.Sms(to=UK, from_="Acme", text="Hello"))
    assert throttled.value.response.json()["type"].endswith("#1000")
    # Each sender has its own bucket: the application's first send still goes.
    assert _messages(server, _auth("jwt", keys)).send(sdk.Sms(to=UK, from_="Acme", text="Hi"))


def test_a_token_of_another_application_or_key_is_refused(
    control_client: tuple[SandboxServer, httpx.Client], keys: tuple[str, str]
) -> None:
    server, _ = control_client
    other_key = rsa_keys()[0]
    for auth in (
        Auth(application_id=APPLICATION_ID, private_key=other_key),  # signed with another key
        Auth(application_id="11111111-2222-3333-4444-555555555555", private_key=keys[0]),
    ):
        with pytest.raises(AuthenticationError):
            _messages(server, auth).send(sdk.Sms(to=UK, from_="Acme", text="Hello"))
