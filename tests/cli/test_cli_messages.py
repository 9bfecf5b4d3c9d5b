"""verify-desk-cli's ``message`` commands against a stand-in Messages API (at the transport)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api import http as api_http
from desktop_app.cli import connection
from desktop_app.domain.models import VerificationStatus
from desktop_app.store.history import HistoryStore
from tests.helpers.cli import Cli, Run
from tests.helpers.messages_fakes import FakeMessagesApi, problem

TO = "447700900123"
HOST = "https://api.test.invalid"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeMessagesApi:
    """Every command's HTTP client talks to this stand-in; the credentials are the env's."""
    fake = FakeMessagesApi()
    real = api_http.build_http_client

    def build(*_: Any, **kwargs: Any) -> httpx.Client:
        return real(httpx.MockTransport(fake), **kwargs)

    monkeypatch.setattr(connection, "build_http_client", build)
    monkeypatch.setenv("VERIFY_DESK_API_KEY", "key-4f2a")
    monkeypatch.setenv("VERIFY_DESK_API_SECRET", "Zk9!SEKRIT/pa+ss=w0rd")
    return fake


@pytest.fixture
def msg(run: Cli, db: Path, api: FakeMessagesApi) -> Cli:
    def call(*argv: str) -> Run:
        return run("--api-host", HOST, "--history-db", str(db), *argv)

    return call


def rows(db: Path) -> list[Any]:
    store = HistoryStore(db)
    try:
        return store.recent()
    finally:
        store.close()


def test_send_an_sms_and_see_it_in_the_history(msg: Cli, api: FakeMessagesApi, db: Path) -> None:
    sent = msg("--json", "message", "send", "--channel", "sms", "--to", TO, "--from", "Acme",
               "--text", "Your parcel is on its way", "--client-ref", "case-7")  # fmt: skip
    assert sent.code == 0, sent.err
    data = sent.json()
    assert (data["ok"], data["command"], data["action"]) == (True, "message", "send")
    assert data["message_uuid"] == api.accepted[0] and data["channels"] == ["sms"]
    assert api.bodies[0] == {
        "channel": "sms", "message_type": "text", "to": TO, "from": "Acme",
        "text": "Your parcel is on its way", "client_ref": "case-7",
    }  # fmt: skip
    listed = msg("history")
    assert listed.code == 0
    assert "message sms: status not tracked" in listed.out and api.accepted[0] in listed.out
    as_json = msg("--json", "history").json()["entries"][0]
    assert (as_json["api_version"], as_json["kind"], as_json["client_ref"]) == (
        "messages", "message", "case-7",
    )  # fmt: skip


def test_send_whatsapp_template_with_an_sms_failover(msg: Cli, api: FakeMessagesApi) -> None:
    sent = msg("message", "send", "--channel", "whatsapp", "--to", TO, "--from", "447700900001",
               "--template", "acme:parcel", "--param", "42", "--param", "today",
               "--locale", "en_GB", "--failover-channel", "sms", "--failover-text", "Parcel 42",
               "--failover-from", "Acme")  # fmt: skip
    assert sent.code == 0, sent.err
    assert "via whatsapp → sms" in sent.out
    body = api.bodies[0]
    assert body["template"] == {"name": "acme:parcel", "parameters": ["42", "today"]}
    assert body["whatsapp"]["locale"] == "en_GB"
    assert body["failover"][0] == {"channel": "sms", "message_type": "text", "to": TO,
                                   "from": "Acme", "text": "Parcel 42"}  # fmt: skip


def test_numbers_written_with_plus_and_spaces_go_as_the_apis_digits(
    msg: Cli, api: FakeMessagesApi
) -> None:
    sent = msg("message", "send", "--channel", "whatsapp", "--to", "+44 7700 900 123",
               "--from", "0044 (7700) 900-001", "--text", "Hi", "--failover-channel", "sms",
               "--failover-text", "Hi", "--failover-from", "+44 7700 900002")  # fmt: skip
    assert sent.code == 0, sent.err
    body = api.bodies[0]
    assert (body["to"], body["from"]) == ("447700900123", "447700900001")
    assert (body["failover"][0]["to"], body["failover"][0]["from"]) == (
        "447700900123", "447700900002",
    )  # fmt: skip
    national = msg("message", "send", "--channel", "sms", "--to", "07700 900123",
                   "--from", "Acme", "--text", "Hi")  # fmt: skip
    assert national.code == 2 and "to: must be the number in international format" in national.err
    assert len(api.bodies) == 1


def test_viber_messenger_and_mms_images(msg: Cli, api: FakeMessagesApi) -> None:
    for argv in (
        ("--channel", "viber", "--to", TO, "--from", "AcmeViber", "--text", "Hi"),
        ("--channel", "messenger", "--to", "1234567890", "--from", "9876543210", "--text", "Hi"),
        ("--channel", "mms", "--to", "14155550100", "--from", "14155550101",
         "--image-url", "https://example.com/a.png", "--caption", "A"),
    ):
        assert msg("message", "send", *argv).code == 0
    assert [b["channel"] for b in api.bodies] == ["viber_service", "messenger", "mms"]
    assert api.bodies[2]["image"] == {"url": "https://example.com/a.png", "caption": "A"}


def test_bad_input_is_refused_before_sending(msg: Cli, api: FakeMessagesApi, db: Path) -> None:
    bad = msg("--json", "message", "send", "--channel", "mms", "--to", "447700900123",
              "--from", "Acme", "--image-url", "http://example.com/a.png")  # fmt: skip
    assert bad.code == 2
    fields = {f["field"] for f in bad.json()["error"]["fields"]}
    assert {"to", "from", "image.url"} <= fields
    both = msg("message", "send", "--channel", "sms", "--to", TO, "--from", "Acme",
               "--text", "a", "--template", "t")  # fmt: skip
    assert both.code == 2 and "exactly one of --text, --template, --image-url" in both.err
    half = msg("message", "send", "--channel", "sms", "--to", TO, "--from", "Acme",
               "--text", "a", "--failover-channel", "sms")  # fmt: skip
    assert half.code == 2 and "go together" in half.err
    unknown = msg("message", "send", "--channel", "telegram", "--to", TO, "--text", "a")
    assert unknown.code == 2 and "unknown channel" in unknown.err
    assert api.bodies == []
    assert not db.exists() or rows(db) == []


def test_refusals_and_lost_answers_keep_their_exit_statuses(
    msg: Cli, api: FakeMessagesApi, db: Path
) -> None:
    args = ("message", "send", "--channel", "sms", "--to", TO, "--from", "Acme", "--text", "x")
    api.replies.append(problem(422, invalid_parameters=[{"name": "to", "reason": "Bad number"}]))
    refused = msg("--json", *args)
    assert refused.code == 1
    assert refused.json()["error"]["fields"] == [
        {"field": "to", "message": "Bad number", "overridable": False}
    ]
    api.replies.append(httpx.ReadTimeout("no answer"))
    lost = msg("--json", *args)
    assert lost.code == 3 and lost.json()["error"]["outcome_unknown"] is True
    assert [r.status for r in rows(db)] == [VerificationStatus.UNKNOWN,
                                            VerificationStatus.REFUSED]  # fmt: skip


def test_a_code_by_message_across_commands(msg: Cli, api: FakeMessagesApi, db: Path) -> None:
    sent = msg("--json", "message", "code", "send", "--channel", "viber", "--to", TO,
               "--from", "AcmeViber", "--brand", "Acme", "--expiry", "120")  # fmt: skip
    assert sent.code == 0, sent.err
    data = sent.json()
    assert data["action"] == "code send" and data["channels"] == ["viber_service"]
    code = api.code()
    assert code not in sent.out and code not in sent.err
    uuid = data["message_uuid"]
    again = msg("--json", "message", "code", "send", "--channel", "sms", "--to", TO,
                "--from", "Acme", "--brand", "Acme")  # fmt: skip
    assert again.code == 1 and again.json()["error"]["request_id"] == uuid
    assert "already running" in again.err and uuid in again.err
    wrong = "".join("1" if c != "1" else "2" for c in code)
    bad = msg("message", "code", "check", "--id", uuid, "--code", wrong)
    assert bad.code == 1 and "does not match" in bad.err
    good = msg("--json", "message", "code", "check", "--id", uuid, "--code", code)
    assert good.code == 0 and good.json()["status"] == "SUCCESS"
    [row] = rows(db)
    assert (row.kind, row.status, row.checks_count) == ("code", VerificationStatus.SUCCESS, 2)
    for run in (sent, again, bad, good):
        assert code not in run.out + run.err


def test_the_generic_check_and_cancel_follow_the_message_row(
    msg: Cli, api: FakeMessagesApi
) -> None:
    sent = msg("--json", "message", "code", "send", "--channel", "messenger",
               "--to", "1234567890", "--from", "9876543210", "--brand", "Acme")  # fmt: skip
    uuid = sent.json()["message_uuid"]
    cancelled = msg("--json", "cancel", "--request-id", uuid)
    assert cancelled.code == 0, cancelled.err
    assert cancelled.json()["status"] == "CANCELLED"
    late = msg("check", "--request-id", uuid, "--code", api.code())
    assert late.code == 1 and "no longer active" in late.err
    events = msg("message", "events", "--id", uuid)
    assert events.code == 0 and "No status has arrived" in events.out
    nothing = msg("message", "code", "cancel", "--id", uuid)
    assert nothing.code == 1


def test_code_form_errors_name_their_option(msg: Cli, api: FakeMessagesApi) -> None:
    bad = msg("--json", "message", "code", "send", "--channel", "sms", "--to", TO,
              "--from", "Acme", "--brand", "Acme", "--text", "no placeholder")  # fmt: skip
    assert bad.code == 2
    assert bad.json()["error"]["fields"][0]["field"] == "template"
    assert api.bodies == []




def test_keyring_stores_and_forgets_a_profiles_messages_items(
    run: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.cli import messages_keyring as cli_messages
    from desktop_app.settings.credentials import SessionCredentialStore
    from desktop_app.settings.paths import AppPaths
    from desktop_app.settings.profiles import Profile, ProfileStore

    ProfileStore(AppPaths.default().settings_file).save(Profile(name="live", api_key="k"))
    store = SessionCredentialStore()
    monkeypatch.setattr(cli_messages, "secret_store", lambda: store)
    secret = "whsec-0123456789abcdef"
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    stored = run("--json", "--profile", "live", "message", "keyring", "--set", "signature_secret")
    assert stored.code == 0, stored.err
    assert stored.json()["stored"] is True and secret not in stored.out + stored.err
    assert store.get_item("live", "signature_secret") == secret
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    empty = run("--profile", "live", "message", "keyring", "--set", "application_id")
    assert empty.code == 2 and "application_id: required" in empty.err
    gone = run("--profile", "live", "message", "keyring", "--delete", "signature_secret")
    assert gone.code == 0 and store.get_item("live", "signature_secret") is None
    sandbox = run("--profile", "Sandbox", "message", "keyring", "--delete", "private_key")
    assert sandbox.code == 2 and "built-in sandbox" in sandbox.err
