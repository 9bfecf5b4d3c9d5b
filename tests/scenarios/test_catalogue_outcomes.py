"""Every catalogued test number produces its outcome: through the CLI and the official SDKs.

The tests iterate over :data:`desktop_app.domain.test_numbers.CATALOGUE`, so a new entry is
tested by construction. Each entry's probe (start, check the fixed code or a wrong one, cancel,
search, wait, the sandbox's own view) is played by a *driver*: ``verify-desk-cli`` commands
(``main`` in this process, ``--json``), the ``vonage`` 4.x SDK (Verify v1 and v2) or the
``nexmo`` 2.5.2 client (Verify v1 only), each on a fresh sandbox. The SDKs are unchanged: they
reach the sandbox over HTTPS with a throwaway certificate (see ``tests/sandbox/
test_sandbox_sdks.py``). The Messages API's entries run through the SDK's Messages client and
through ``verify-desk-cli message send --wait``; their ``delivery`` probe checks how the
message *ended* (its final status and error code), not only the 202: the command line prints
it and records it in its history (checked with ``message events``), the SDK's run reads the
sandbox's own record after moving its clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from desktop_app.cli.main import main
from desktop_app.domain.messages import WHATSAPP as MESSAGES_WHATSAPP
from desktop_app.domain.test_numbers import (
    API_V1,
    API_V2,
    CATALOGUE,
    CatalogueEntry,
    fixed_code,
    wrong_code,
)
from desktop_app.domain.v2 import EMAIL, SILENT_AUTH, SMS, VOICE, WHATSAPP
from desktop_app.sandbox.server import SandboxServer

KEY, SECRET = "sandbox", "sandbox-secret"
WABA = "14155550100"  # a WhatsApp Business sender both the SDK and the app accept


@dataclass(frozen=True)
class Answer:
    """What one call answered: the status (v1 ``status``, else HTTP) and the app's error kind."""

    status: str
    error: str = ""
    request_id: str | None = None


class Driver(Protocol):
    checks_error_kinds: bool

    def start(self, entry: CatalogueEntry) -> Answer: ...
    def check(self, entry: CatalogueEntry, request_id: str, code: str) -> Answer: ...
    def cancel(self, entry: CatalogueEntry, request_id: str) -> Answer: ...
    def search(self, entry: CatalogueEntry, request_id: str) -> Answer: ...
    def send(self, entry: CatalogueEntry) -> Answer: ...
    def delivery(self, entry: CatalogueEntry, message_uuid: str) -> Answer: ...


# -- the sandbox -------------------------------------------------------------------------------


def plain(server: SandboxServer) -> str:
    """The sandbox's plain-HTTP address (the same port also speaks HTTP)."""
    return f"http://127.0.0.1:{server.port}"


def sandbox_view(server: SandboxServer, request_id: str) -> dict[str, Any]:
    listing = httpx.get(f"{plain(server)}/sandbox/requests", timeout=10).json()["requests"]
    return next(item for item in listing if item["request_id"] == request_id)


def advance(server: SandboxServer, seconds: int) -> None:
    answer = httpx.post(
        f"{plain(server)}/sandbox/clock/advance", data={"seconds": str(seconds)}, timeout=10
    )
    assert answer.status_code == 200


def sender_for(entry: CatalogueEntry) -> str:
    """A sender the probe's channel takes (WhatsApp needs a business number)."""
    return WABA if entry.channels[0] == MESSAGES_WHATSAPP else "Acme"


# -- playing a probe ------------------------------------------------------------------------------


def play(entry: CatalogueEntry, driver: Driver, server: SandboxServer) -> None:
    request_id: str | None = None
    code = fixed_code(entry.code, 4) if entry.code else "0000"
    for number, probe in enumerate(entry.probe, start=1):
        where = f"{entry.number} ({entry.api}) step {number}: {probe.describe()}"
        if probe.action == "advance":
            advance(server, probe.seconds)
            continue
        if probe.action == "inspect":
            assert request_id is not None, where
            view = sandbox_view(server, request_id)
            seen = view.get("v2_status") if entry.api == API_V2 else view["status"]
            assert seen == probe.status, where
            continue
        if probe.action == "delivery":
            # How the message ended, whichever driver sent it: not an error kind, a code.
            assert request_id is not None, where
            ended = driver.delivery(entry, request_id)
            assert (ended.status, ended.error) == (probe.status, str(probe.error_code)), where
            continue
        if probe.action in ("start", "send"):
            answer = driver.start(entry) if probe.action == "start" else driver.send(entry)
            request_id = answer.request_id or request_id
        else:
            assert request_id is not None, where
            if probe.action == "check_right":
                answer = driver.check(entry, request_id, code)
            elif probe.action == "check_wrong":
                answer = driver.check(entry, request_id, wrong_code(code))
            elif probe.action == "cancel":
                answer = driver.cancel(entry, request_id)
            else:
                answer = driver.search(entry, request_id)
        assert answer.status == probe.status, f"{where}: answered {answer}"
        if driver.checks_error_kinds:
            assert answer.error == probe.error, f"{where}: answered {answer}"


def _channels(entry: CatalogueEntry) -> list[str]:
    return list(entry.channels)


# -- the command line ---------------------------------------------------------------------------


class CliDriver:
    """``verify-desk-cli --json`` commands on the sandbox (the run's own history file)."""

    checks_error_kinds = True

    def __init__(self, server: SandboxServer, history: Path, capsys: Any) -> None:
        self._base = ("--sandbox-url", plain(server), "--history-db", str(history), "--json")
        self._capsys = capsys
        self._ended: dict[str, dict[str, Any]] = {}

    def _run(self, *argv: str, success: str) -> Answer:
        self._capsys.readouterr()
        code = main([*self._base, *argv])
        body = json.loads(self._capsys.readouterr().out.splitlines()[-1])
        if code == 0:
            return Answer(success, "", body.get("request_id"))
        error = body["error"]
        return Answer(str(error["status"]), error["type"], error.get("request_id"))

    def start(self, entry: CatalogueEntry) -> Answer:
        common = ("--brand", "Acme", "--yes-unknown-number")
        if entry.api == API_V1:
            return self._run("start", "--number", entry.number, *common, success="0")
        channels = _channels(entry)
        options = ["--workflow", ",".join(channels)]
        if EMAIL in channels:
            options += ["--to-email", entry.number]
        else:
            options += ["--number", entry.number]
        if WHATSAPP in channels:
            options += ["--whatsapp-from", WABA]
        return self._run("start", "--api", "v2", *options, *common, success="202")

    def check(self, entry: CatalogueEntry, request_id: str, code: str) -> Answer:
        ok = "0" if entry.api == API_V1 else "200"
        return self._run("check", "--request-id", request_id, "--code", code, success=ok)

    def cancel(self, entry: CatalogueEntry, request_id: str) -> Answer:
        ok = "0" if entry.api == API_V1 else "204"
        return self._run("cancel", "--request-id", request_id, success=ok)

    def search(self, entry: CatalogueEntry, request_id: str) -> Answer:
        return self._run("search", "--request-id", request_id, success="0")

    def send(self, entry: CatalogueEntry) -> Answer:
        self._capsys.readouterr()
        code = main([*self._base, "message", "send", "--channel", entry.channels[0],
                     "--to", entry.number, "--from", sender_for(entry), "--text", "Hello",
                     "--wait", "10"])  # fmt: skip
        body = json.loads(self._capsys.readouterr().out.splitlines()[-1])
        if "error" in body:  # refused: nothing to wait for
            error = body["error"]
            return Answer(str(error["status"]), error["type"], error.get("request_id"))
        ended = body["delivery"]
        assert ended["final"], body
        # The exit status says how it ended: 0 delivered (or read), 1 rejected/undeliverable.
        assert code == (1 if ended["status"] in ("rejected", "undeliverable") else 0), body
        self._ended[body["message_uuid"]] = ended
        return Answer("202", "", body["message_uuid"])

    def delivery(self, entry: CatalogueEntry, message_uuid: str) -> Answer:
        printed = self._ended[message_uuid]
        # --wait also wrote the statuses into the history, which `message events` reads.
        self._capsys.readouterr()
        assert main([*self._base, "message", "events", "--id", message_uuid]) == 0
        recorded = json.loads(self._capsys.readouterr().out.splitlines()[-1])["events"]
        assert [e["status"] for e in recorded] == [e["status"] for e in printed["events"]]
        assert recorded[-1]["error_code"] == printed["error_code"]
        return Answer(printed["status"], str(printed["error_code"]))


@pytest.mark.slow
@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: f"{e.api}-{e.number}")
def test_every_number_through_the_cli(
    entry: CatalogueEntry,
    tls_sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VERIFY_DESK_HOME", str(tmp_path / "home"))
    play(entry, CliDriver(tls_sandbox, tmp_path / "history.sqlite3", capsys), tls_sandbox)


# -- vonage 4.x ----------------------------------------------------------------------------------


_V1_STATUS = re.compile(r"'status': '(\d+)'")
_V1_ID = re.compile(r"'request_id': '([0-9a-f]*)'")


class VonageDriver:
    """The official ``vonage`` 4.x SDK: ``verify_legacy`` for v1, ``verify`` for v2."""

    checks_error_kinds = False

    def __init__(self, server: SandboxServer) -> None:
        from vonage import Auth, HttpClientOptions, Vonage  # type: ignore[import-untyped]

        host = f"127.0.0.1:{server.port}"
        self._server = server
        self._client = Vonage(
            Auth(api_key=KEY, api_secret=SECRET), HttpClientOptions(api_host=host, rest_host=host)
        )

    @staticmethod
    def _v1(call: Any) -> Answer:
        from vonage_verify_legacy import VerifyError  # type: ignore[import-untyped]

        try:
            answer = call()
        except VerifyError as exc:  # the SDK puts the whole body in the message
            status = _V1_STATUS.search(str(exc))
            rid = _V1_ID.search(str(exc))
            return Answer(status.group(1) if status else "?", "", rid.group(1) if rid else None)
        return Answer("0", "", getattr(answer, "request_id", None) or None)

    @staticmethod
    def _v2(call: Any, ok: str, id_name: str = "request_id") -> Answer:
        from vonage_http_client import HttpRequestError  # type: ignore[import-untyped]

        try:
            answer = call()
        except HttpRequestError as exc:
            body = exc.response.json() if exc.response.content else {}
            return Answer(str(exc.response.status_code), "", body.get("request_id"))
        return Answer(ok, "", getattr(answer, id_name, None))

    def start(self, entry: CatalogueEntry) -> Answer:
        if entry.api == API_V1:
            from vonage_verify_legacy import VerifyRequest

            request = VerifyRequest(number=entry.number, brand="Acme")
            return self._v1(lambda: self._client.verify_legacy.start_verification(request))
        from vonage_verify import (  # type: ignore[import-untyped]
            EmailChannel,
            SilentAuthChannel,
            SmsChannel,
            VerifyRequest,
            VoiceChannel,
            WhatsappChannel,
        )

        make = {
            SMS: lambda: SmsChannel(to=entry.number),
            VOICE: lambda: VoiceChannel(to=entry.number),
            EMAIL: lambda: EmailChannel(to=entry.number),
            WHATSAPP: lambda: WhatsappChannel(to=entry.number, from_=WABA),
            SILENT_AUTH: lambda: SilentAuthChannel(to=entry.number),
        }
        workflow = [make[channel]() for channel in _channels(entry)]
        request = VerifyRequest(brand="Acme", workflow=workflow)
        return self._v2(lambda: self._client.verify.start_verification(request), "202")

    def check(self, entry: CatalogueEntry, request_id: str, code: str) -> Answer:
        if entry.api == API_V1:
            return self._v1(lambda: self._client.verify_legacy.check_code(request_id, code))
        return self._v2(lambda: self._client.verify.check_code(request_id, code), "200")

    def cancel(self, entry: CatalogueEntry, request_id: str) -> Answer:
        if entry.api == API_V1:
            return self._v1(lambda: self._client.verify_legacy.cancel_verification(request_id))
        return self._v2(lambda: self._client.verify.cancel_verification(request_id), "204")

    def search(self, entry: CatalogueEntry, request_id: str) -> Answer:
        return self._v1(lambda: self._client.verify_legacy.search(request_id))

    def send(self, entry: CatalogueEntry) -> Answer:
        from vonage_messages import Sms, WhatsappText  # type: ignore[import-untyped]

        kind = WhatsappText if entry.channels[0] == MESSAGES_WHATSAPP else Sms
        message = kind(to=entry.number, from_=sender_for(entry), text="Hello from a test")
        return self._v2(lambda: self._client.messages.send(message), "202", "message_uuid")

    def delivery(self, entry: CatalogueEntry, message_uuid: str) -> Answer:
        # The SDK only sends: how the message ended is the sandbox's record of the status
        # webhooks it posted, once its clock has passed every event (read comes 2.5 s in).
        advance(self._server, 10)
        view = sandbox_view(self._server, message_uuid)
        return Answer(view["status"], str(view["events"][-1]["error"]))


@pytest.mark.slow
@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: f"{e.api}-{e.number}")
def test_every_number_through_the_vonage_sdk(
    entry: CatalogueEntry, tls_sandbox: SandboxServer
) -> None:
    play(entry, VonageDriver(tls_sandbox), tls_sandbox)


# -- nexmo 2.5.2 ---------------------------------------------------------------------------------


class NexmoDriver:
    """The Nexmo-era ``nexmo`` 2.5.2 client (Verify v1 only): raw dicts, no exceptions."""

    checks_error_kinds = False

    def __init__(self, server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
        import nexmo  # type: ignore[import-untyped]

        # It only takes a bare host (port 443): the sandbox tunnels CONNECT to itself.
        monkeypatch.setenv("HTTPS_PROXY", plain(server))
        client = nexmo.Client(key=KEY, secret=SECRET)
        client.api_host("127.0.0.1")
        self._verify = nexmo.Verify(client)

    @staticmethod
    def _answer(body: dict[str, Any]) -> Answer:
        status = str(body.get("status", "?")) if "error_text" in body else "0"
        if "error_text" not in body and body.get("status") not in (None, "0"):
            status = "0"  # search: a record's status is a word, not an error
        return Answer(status, "", body.get("request_id") or None)

    def start(self, entry: CatalogueEntry) -> Answer:
        return self._answer(self._verify.start_verification(number=entry.number, brand="Acme"))

    def check(self, entry: CatalogueEntry, request_id: str, code: str) -> Answer:
        return self._answer(self._verify.check(request_id, code=code))

    def cancel(self, entry: CatalogueEntry, request_id: str) -> Answer:
        return self._answer(self._verify.cancel(request_id))

    def search(self, entry: CatalogueEntry, request_id: str) -> Answer:
        return self._answer(self._verify.search(request_id))

    def send(self, entry: CatalogueEntry) -> Answer:
        raise NotImplementedError("nexmo 2.5.2 has no Messages API v1")

    def delivery(self, entry: CatalogueEntry, message_uuid: str) -> Answer:
        raise NotImplementedError("nexmo 2.5.2 has no Messages API v1")


V1_ENTRIES = [e for e in CATALOGUE if e.api == API_V1]


@pytest.mark.slow
@pytest.mark.parametrize("entry", V1_ENTRIES, ids=lambda e: f"{e.api}-{e.number}")
def test_every_v1_number_through_nexmo_2_5_2(
    entry: CatalogueEntry, tls_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    play(entry, NexmoDriver(tls_sandbox, monkeypatch), tls_sandbox)
