"""The api tests' fake network: a recording MockTransport, clients wired to it, recorded answers.

``Env`` wires the v1 and Account clients (and the sandbox control client) to a :class:`Recorder`;
``V2Env`` does the same for the Verify v2 client. Backoff sleeps are recorded, never slept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs

import httpx

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.models import ApiCredentials

DATA = Path(__file__).resolve().parent.parent / "data" / "verify"
V1 = DATA / "v1"
V2 = DATA / "v2"
API_KEY = "key-4f2a"
#: Recognisable, and with characters that URL-encoding changes.
SECRET = "Zk9!SEKRIT/pa+ss=w0rd"
CREDS = ApiCredentials(API_KEY, SECRET)
HOST = "https://api.test.invalid"
REST = "https://rest.test.invalid"

Reply = httpx.Response | Exception
Handler = Callable[[httpx.Request], Reply]


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


def closing_each(build: Callable[..., C]) -> Iterator[Callable[..., C]]:
    """A fixture body: yield a factory calling ``build``, then close everything it built."""
    built: list[C] = []

    def make(*args: Any, **kwargs: Any) -> C:
        item = build(*args, **kwargs)
        built.append(item)
        return item

    yield make
    for item in built:
        item.close()


def fixture_json(relative: str) -> Any:
    return json.loads((V1 / relative).read_text(encoding="utf-8"))


def fixture_bytes(relative: str) -> bytes:
    return (V1 / relative).read_bytes()


def v2_bytes(relative: str) -> bytes:
    return (V2 / relative).read_bytes()


def json_reply(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def problem(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class Recorder:
    """A MockTransport handler that records requests and plays replies in order.

    The last reply repeats when the list runs out. A reply may be an exception to raise.
    """

    replies: list[Reply | Handler] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        reply = self.replies[index]
        if callable(reply) and not isinstance(reply, httpx.Response | Exception):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        return reply

    @property
    def calls(self) -> int:
        return len(self.requests)

    def form(self, index: int = -1) -> dict[str, list[str]]:
        body = self.requests[index].content.decode()
        return parse_qs(body, keep_blank_values=True, strict_parsing=bool(body))


class Env:
    """A recorder plus clients wired to it; sleeps are recorded, never slept."""

    def __init__(self, *replies: Reply | Handler, policy: RetryPolicy | None = None) -> None:
        self.recorder = Recorder(list(replies))
        self.sleeps: list[float] = []
        self.http = build_http_client(httpx.MockTransport(self.recorder))
        self.policy = policy or RetryPolicy(rng=lambda: 0.5)
        self.v1 = VerifyV1Client(
            self.http, CREDS, api_host=HOST, retry=self.policy, sleep=self.sleeps.append
        )
        self.account = AccountClient(
            self.http, CREDS, rest_host=REST, retry=self.policy, sleep=self.sleeps.append
        )
        self.sandbox = SandboxControl(self.http, "http://sandbox.test.invalid:8080/")

    def close(self) -> None:
        self.http.close()


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
