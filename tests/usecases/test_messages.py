"""Sending messages through the desk: rows before the call, outcomes, routes, the facade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.domain import errors as e
from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.message_delivery import NOT_TRACKED, delivery_text
from desktop_app.domain.messages import (
    SMS,
    WHATSAPP,
    MessageRequest,
    Template,
    Text,
)
from desktop_app.domain.models import VerificationStatus
from desktop_app.settings.credentials import (
    APPLICATION_ID,
    PRIVATE_KEY,
    SessionCredentialStore,
)
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.messages import LOST_MESSAGE_ADVICE, StatusRoute
from desktop_app.usecases.messages_session import messages_auth
from desktop_app.usecases.session import open_desk
from tests.helpers.messages_fakes import (
    CREDS,
    HOST,
    FakeMessagesApi,
    MessagesEnv,
    open_env,
    problem,
)

TO = "447700900123"
SMS_MESSAGE = MessageRequest(SMS, TO, "Acme", Text("Your parcel is on its way"))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[MessagesEnv]:
    yield from open_env(tmp_path / "history.sqlite3")


def test_a_sent_message_is_a_row_before_and_after_the_call(env: MessagesEnv) -> None:
    sent = env.desk.send(SMS_MESSAGE)
    assert sent.message_uuid == env.api.accepted[0]
    entry = env.store.get(sent.history_id)
    assert (entry.api_version, entry.kind, entry.number, entry.brand) == (
        "messages", "message", TO, "Acme",
    )  # fmt: skip
    assert (entry.request_id, entry.status) == (sent.message_uuid, VerificationStatus.SENT)
    assert sent.status is VerificationStatus.SENT  # accepted; nothing more will be heard
    assert (entry.channels, entry.message_type, entry.delivery_tracked) == ("sms", "text", False)
    assert delivery_text(entry) == NOT_TRACKED
    [call] = env.store.recent_calls()
    assert (call.operation, call.outcome, call.request_id) == ("message", "ok", sent.message_uuid)
    assert env.api.bodies[0]["text"] == "Your parcel is on its way"


def test_a_refusal_is_recorded_as_refused(env: MessagesEnv) -> None:
    env.api.replies.append(
        problem(422, invalid_parameters=[{"name": "to", "reason": "Invalid number"}])
    )
    with pytest.raises(e.InvalidParameterError) as refused:
        env.desk.send(SMS_MESSAGE)
    assert refused.value.invalid_parameters == (("to", "Invalid number"),)
    [entry] = env.store.recent()
    assert entry.status is VerificationStatus.REFUSED and entry.request_id is None
    assert env.store.recent_calls()[0].outcome == "api_error"


def test_a_lost_answer_stays_outcome_unknown_and_is_not_sent_again(env: MessagesEnv) -> None:
    env.api.replies.append(httpx.ReadTimeout("no answer"))
    with pytest.raises(e.TransportError) as lost:
        env.desk.send(SMS_MESSAGE)
    assert lost.value.outcome_unknown
    assert len(env.api.bodies) == 1
    [entry] = env.store.recent()
    assert entry.status is VerificationStatus.UNKNOWN
    assert LOST_MESSAGE_ADVICE in entry.last_error


def test_a_refused_connection_is_not_sent(env: MessagesEnv) -> None:
    env.api.replies.append(httpx.ConnectError("refused"))
    with pytest.raises(e.ConnectError):
        env.desk.send(SMS_MESSAGE)
    assert env.store.recent()[0].status is VerificationStatus.NOT_SENT


def test_bad_input_sends_and_records_nothing(env: MessagesEnv) -> None:
    bad = MessageRequest(WHATSAPP, "+44 7700", "Acme", Text("x" * 5000))
    with pytest.raises(e.ValidationFailed) as refused:
        env.desk.send(bad)
    assert {error.field for error in refused.value.errors} >= {"to", "text"}
    assert env.api.bodies == [] and env.store.recent() == [] and env.store.recent_calls() == []


def test_the_route_gives_the_webhook_url_and_the_tracking(env: MessagesEnv) -> None:
    env.route[0] = StatusRoute(tracked=True, webhook_url="https://tunnel.example/webhooks/status")
    sent = env.desk.send(SMS_MESSAGE)
    assert env.api.bodies[0]["webhook_url"] == "https://tunnel.example/webhooks/status"
    entry = env.store.get(sent.history_id)
    assert entry.delivery_tracked and delivery_text(entry) == "waiting for its first status"
    assert entry.status is VerificationStatus.IN_PROGRESS  # its webhooks will settle it


def test_a_failover_message_records_both_channels(env: MessagesEnv) -> None:
    request = MessageRequest(
        WHATSAPP, TO, "447700900001", Template("acme:parcel", ("42",)), client_ref="case-9",
        failover=(MessageRequest(SMS, TO, "Acme", Text("Parcel 42 is on its way")),),
    )  # fmt: skip
    sent = env.desk.send(request)
    entry = env.store.get(sent.history_id)
    assert (entry.channels, entry.message_type, entry.client_ref) == (
        "whatsapp,sms", "template", "case-9",
    )  # fmt: skip
    assert sent.channels == ("whatsapp", "sms")
    assert env.api.bodies[0]["failover"][0]["channel"] == "sms"


def test_next_is_refused_and_search_answers_from_the_history(env: MessagesEnv) -> None:
    sent = env.desk.send(SMS_MESSAGE)
    with pytest.raises(e.ControlRefusedError):
        env.desk.next_event(sent.message_uuid)
    [record] = env.desk.search([sent.message_uuid.upper(), sent.message_uuid])
    assert (record.request_id, record.status, record.number) == (
        sent.message_uuid, "SENT", TO,
    )  # fmt: skip
    assert env.desk.search(["aaaaaaaa-bbbb-cccc-dddd-000000000000"]) == ()
    with pytest.raises(e.ValidationFailed):
        env.desk.search(["not-a-uuid"])
    assert len(env.api.bodies) == 1  # search made no call


# -- the facade -----------------------------------------------------------------------------


def test_the_facade_routes_message_rows_to_the_messages_desk(tmp_path: Path) -> None:
    api = FakeMessagesApi()
    store = HistoryStore(tmp_path / "h.sqlite3")
    http = build_http_client(httpx.MockTransport(api))
    try:
        profile = Profile(name="live", api_host=HOST, api_key=CREDS.api_key)
        ops = open_desk(profile, CREDS, store, http, operator="tester")
        assert ops.messages is not None
        sent = ops.messages.send(SMS_MESSAGE)
        assert ops.family_of(sent.message_uuid) is ApiFamily.MESSAGES
        assert [r.status for r in ops.search([sent.message_uuid])] == ["SENT"]
        with pytest.raises(e.ControlRefusedError):
            ops.next_event(sent.message_uuid)
        with pytest.raises(e.RequestNotFoundError, match="no code was sent"):
            ops.check(sent.message_uuid, "123456")
        with pytest.raises(e.ControlRefusedError, match="cannot be recalled"):
            ops.cancel(sent.message_uuid)
        assert len(api.bodies) == 1
    finally:
        http.close()
        store.close()


def test_jwt_is_used_when_the_profile_has_an_application(rsa_pem: str) -> None:
    secrets = SessionCredentialStore()
    profile = Profile(name="live", api_key="k")
    assert messages_auth(profile, secrets) == "basic"
    secrets.set_item("live", APPLICATION_ID, "app-1")
    assert messages_auth(profile, secrets) == "basic"  # the key is missing too
    secrets.set_item("live", PRIVATE_KEY, rsa_pem)
    auth = messages_auth(profile, secrets)
    assert auth != "basic" and auth.application_id == "app-1"
    assert rsa_pem not in repr(auth)
    sandbox = Profile(name="Sandbox", api_host="", rest_host="", is_sandbox=True)
    secrets.set_item("Sandbox", APPLICATION_ID, "app-2")
    secrets.set_item("Sandbox", PRIVATE_KEY, rsa_pem)
    assert messages_auth(sandbox, secrets) == "basic"  # the sandbox's own key and secret


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
