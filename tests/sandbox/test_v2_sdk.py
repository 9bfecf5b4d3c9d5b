"""The official vonage 4.x SDK's Verify v2 client, unchanged but for its host, on the sandbox.

Like ``test_sandbox_sdks.py``: the sandbox serves HTTPS with a throwaway certificate that the
SDK trusts through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import httpx
import pytest

from desktop_app.sandbox.server import SandboxServer

NUMBER = "447700900123"


def _messages(server: SandboxServer, to: str) -> list[dict[str, str]]:
    answer = httpx.get(
        f"http://127.0.0.1:{server.port}/sandbox/messages", params={"number": to}, timeout=10
    )
    return answer.json()["messages"]  # type: ignore[no-any-return]


def test_vonage_4_verify_v2(tls_sandbox: SandboxServer) -> None:
    from vonage import Auth, HttpClientOptions, Vonage  # type: ignore[import-untyped]
    from vonage_http_client import (  # type: ignore[import-untyped]
        HttpRequestError,
        NotFoundError,
    )
    from vonage_verify import (  # type: ignore[import-untyped]
        EmailChannel,
        SilentAuthChannel,
        SmsChannel,
        VerifyRequest,
    )

    host = f"127.0.0.1:{tls_sandbox.port}"
    verify = Vonage(
        Auth(api_key="sandbox", api_secret="sandbox-secret"), HttpClientOptions(api_host=host)
    ).verify
    started = verify.start_verification(
        VerifyRequest(brand="Acme", workflow=[SmsChannel(to=NUMBER)], code_length=6)
    )
    assert len(started.request_id) == 36 and started.check_url is None
    with pytest.raises(HttpRequestError) as wrong:
        verify.check_code(started.request_id, "zzzzzz")
    assert wrong.value.response.status_code == 400
    code = _messages(tls_sandbox, NUMBER)[-1]["code"]
    assert len(code) == 6
    checked = verify.check_code(started.request_id, code)
    assert (checked.request_id, checked.status) == (started.request_id, "completed")
    with pytest.raises(NotFoundError):
        verify.check_code(started.request_id, code)

    second = verify.start_verification(
        VerifyRequest(
            brand="Acme",
            workflow=[SmsChannel(to=NUMBER), EmailChannel(to="pat@example.com")],
            channel_timeout=60,
        )
    )
    with pytest.raises(HttpRequestError) as conflict:
        verify.start_verification(VerifyRequest(brand="Acme", workflow=[SmsChannel(to=NUMBER)]))
    assert conflict.value.response.status_code == 409
    assert conflict.value.response.json()["request_id"] == second.request_id
    verify.trigger_next_workflow(second.request_id)
    assert _messages(tls_sandbox, "pat@example.com")[-1]["channel"] == "email"
    verify.cancel_verification(second.request_id)

    silent = verify.start_verification(
        VerifyRequest(brand="Acme", workflow=[SilentAuthChannel(to="447700900124")])
    )
    assert silent.check_url == (
        f"https://{host}/v2/verify/{silent.request_id}/silent-auth/redirect"
    )
