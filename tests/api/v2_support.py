"""Helpers for the Verify v2 api tests: a MockTransport-backed v2 client and the fixtures."""

from __future__ import annotations

import json
from typing import Any

import httpx

from desktop_app.api.http import build_http_client
from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v2 import VerifyV2Client

from .helpers import CREDS, DATA, HOST, Handler, Recorder, Reply

V2 = DATA / "v2"


def v2_bytes(relative: str) -> bytes:
    return (V2 / relative).read_bytes()


def problem(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class V2Env:
    """A recorder plus a v2 client wired to it; sleeps are recorded, never slept."""

    def __init__(self, *replies: Reply | Handler, auth: JwtAuth | None = None) -> None:
        self.recorder = Recorder(list(replies))
        self.sleeps: list[float] = []
        self.http = build_http_client(httpx.MockTransport(self.recorder))
        self.client = VerifyV2Client(
            self.http,
            CREDS,
            api_host=HOST,
            auth=auth if auth is not None else "basic",
            retry=RetryPolicy(rng=lambda: 0.5),
            sleep=self.sleeps.append,
        )

    def body(self, index: int = -1) -> Any:
        return json.loads(self.recorder.requests[index].content)

    def close(self) -> None:
        self.http.close()
