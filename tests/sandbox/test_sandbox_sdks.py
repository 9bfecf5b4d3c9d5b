"""The official SDKs, unchanged, against the sandbox (HTTPS with a throwaway certificate).

Both SDKs build ``https://`` URLs. vonage 4.x takes ``api_host="127.0.0.1:PORT"``. nexmo 2.5.2
only accepts a bare host (port 443), so it reaches the sandbox through ``HTTPS_PROXY`` pointing
at the sandbox, which answers ``CONNECT`` by tunnelling to itself. The certificate is trusted
through ``REQUESTS_CA_BUNDLE``; no SDK code is patched.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from desktop_app.sandbox.server import SandboxServer

NUMBER = "447700900123"


def handset_code(server: SandboxServer) -> str:
    # The same port also answers plain HTTP (the first byte of a connection decides).
    messages = httpx.get(
        f"http://127.0.0.1:{server.port}/sandbox/messages", params={"number": NUMBER}, timeout=10
    ).json()["messages"]
    return str(messages[-1]["code"])


def advance(server: SandboxServer, seconds: float) -> None:
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/sandbox/clock/advance",
        data={"seconds": str(seconds)},
        timeout=10,
    )
    assert response.status_code == 200


@pytest.mark.slow
def test_vonage_4_verify_legacy(tls_sandbox: SandboxServer) -> None:
    from vonage import Auth, HttpClientOptions, Vonage
    from vonage_verify_legacy import VerifyError, VerifyRequest

    host = f"127.0.0.1:{tls_sandbox.port}"
    client = Vonage(
        Auth(api_key="sandbox", api_secret="sandbox-secret"),
        HttpClientOptions(api_host=host, rest_host=host),
    )
    verify = client.verify_legacy
    started = verify.start_verification(VerifyRequest(number=NUMBER, brand="Acme"))
    assert started.status == "0" and len(started.request_id) == 32
    with pytest.raises(VerifyError, match="'16'"):
        verify.check_code(started.request_id, "zzzz")
    checked = verify.check_code(started.request_id, handset_code(tls_sandbox))
    assert checked.status == "0" and checked.price == "0.05000000"
    found = verify.search(started.request_id)
    assert not isinstance(found, list)
    assert found.status == "SUCCESS" and found.checks is not None and len(found.checks) == 2

    second = verify.start_verification(VerifyRequest(number=NUMBER, brand="Acme", workflow_id=1))
    assert verify.trigger_next_event(second.request_id).command == "trigger_next_event"
    third = verify.start_verification(VerifyRequest(number="447700900124", brand="Acme"))
    advance(tls_sandbox, 31)
    assert verify.cancel_verification(third.request_id).command == "cancel"
    listed = verify.search([second.request_id, third.request_id])
    assert isinstance(listed, list)
    assert [r.status for r in listed] == ["IN PROGRESS", "CANCELLED"]
    assert client.account.get_balance().value == pytest.approx(10.45)


@pytest.mark.slow
def test_nexmo_2_5_2(tls_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import nexmo

    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tls_sandbox.port}")
    client = nexmo.Client(key="sandbox", secret="sandbox-secret")
    client.api_host("127.0.0.1")
    verify = nexmo.Verify(client)
    started: dict[str, Any] = verify.start_verification(number=NUMBER, brand="Acme")
    assert started["status"] == "0"
    request_id = started["request_id"]
    assert verify.check(request_id, code="zzzz")["status"] == "16"
    assert verify.check(request_id, code=handset_code(tls_sandbox))["status"] == "0"
    assert verify.search(request_id)["status"] == "SUCCESS"

    second = verify.start_verification(number=NUMBER, brand="Acme", workflow_id=6)["request_id"]
    assert verify.trigger_next_event(second) == {
        "status": "19",
        "error_text": (f"No more events are left to execute for the request ['{second}']"),
    }
    advance(tls_sandbox, 31)
    assert verify.cancel(second) == {"status": "0", "command": "cancel"}
    assert verify.search(second)["status"] == "CANCELLED"
    third = verify.start_verification(number=NUMBER, brand="Acme")["request_id"]
    assert verify.trigger_next_event(third) == {"status": "0", "command": "trigger_next_event"}
