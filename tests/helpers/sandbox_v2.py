"""Our Verify v1 and v2 clients pointed at a running sandbox, for the sandbox's v2 tests."""

from __future__ import annotations

from typing import Any

import httpx

from desktop_app.api.http import build_http_client
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.sandbox.server import SandboxServer
from tests.helpers.desks import NO_RETRY, SANDBOX_CREDS

CREDS = SANDBOX_CREDS
NUMBER = "447911123456"
OTHER = "447911123457"


class V2Desk:
    """Our v1 and v2 clients plus a raw client for the sandbox's demo controls."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.http = build_http_client()
        self.v2 = VerifyV2Client(self.http, CREDS, api_host=server.url, retry=NO_RETRY)
        self.v1 = VerifyV1Client(self.http, CREDS, api_host=server.url, retry=NO_RETRY)
        self.raw = httpx.Client(base_url=server.url, timeout=10)

    def close(self) -> None:
        self.http.close()
        self.raw.close()

    def advance(self, seconds: float) -> None:
        response = self.raw.post("/sandbox/clock/advance", data={"seconds": str(seconds)})
        assert response.status_code == 200, response.text

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"number": to} if to else {}
        return self.raw.get("/sandbox/messages", params=params).json()["messages"]  # type: ignore[no-any-return]

    def code(self, to: str) -> str:
        return str(self.messages(to)[-1]["code"])

    def requests(self) -> list[dict[str, Any]]:
        return self.raw.get("/sandbox/requests").json()["requests"]  # type: ignore[no-any-return]

    def request(self, request_id: str) -> dict[str, Any]:
        (item,) = [r for r in self.requests() if r["request_id"] == request_id]
        return item

    def post_json(self, path: str, body: Any) -> httpx.Response:
        return self.raw.post(path, json=body, auth=(CREDS.api_key, CREDS.api_secret))
