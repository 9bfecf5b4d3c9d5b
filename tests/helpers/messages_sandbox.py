"""Helpers of the sandbox's Messages API tests: a webhook receiver, keys, bodies, credentials."""

from __future__ import annotations

import base64
import json
import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

KEY, SECRET = "sandbox", "sandbox-secret"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
APPLICATION_ID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
SIGNATURE_SECRET = "a-webhook-signature-secret-of-32-bytes+"
#: How long a test waits for a webhook before failing (a bound, not a timing assertion).
WAIT_S = 20.0


@dataclass(frozen=True)
class Received:
    """One webhook as the receiver got it."""

    path: str
    authorization: str | None
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.put(Received(self.path, self.headers.get("Authorization"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    received: queue.Queue[Received]


class WebhookReceiver:
    """A loopback HTTP server that keeps every POST it gets, in arrival order."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.received = queue.Queue()
        # serve_forever notices shutdown() only at its next poll: 0.05 s, not the default 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/status") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def next(self) -> Received:
        """The next webhook (waits for it, up to :data:`WAIT_S`)."""
        return self._server.received.get(timeout=WAIT_S)

    def take(self, count: int) -> list[Received]:
        return [self.next() for _ in range(count)]

    def pending(self) -> int:
        return self._server.received.qsize()

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def rsa_keys() -> tuple[str, str]:
    """A fresh RSA key pair: (private PKCS#8 PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def sms(to: str = "447700900123", **extra: Any) -> dict[str, Any]:
    return {
        "channel": "sms",
        "message_type": "text",
        "to": to,
        "from": "Acme",
        "text": "Hello",
    } | extra


def whatsapp_text(to: str = "447700900123", **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "whatsapp",
        "message_type": "text",
        "to": to,
        "from": "447700900001",
        "text": "Your parcel is on its way",
    }
    return body | extra


def whatsapp_template(to: str = "447700900123", **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "whatsapp",
        "message_type": "template",
        "to": to,
        "from": "447700900001",
        "template": {"name": "acme:parcel", "parameters": ["A-12"]},
        "whatsapp": {"policy": "deterministic", "locale": "en_GB"},
    }
    return body | extra


def post(
    http: httpx.Client, body: Any, *, authorization: str | None = BASIC, raw: bytes | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    content = raw if raw is not None else json.dumps(body).encode()
    return http.post("/v1/messages", content=content, headers=headers)


def inbound(http: httpx.Client, number: str, text: str = "Hi", channel: str = "whatsapp") -> str:
    answer = http.post(
        "/sandbox/inbound",
        json={"channel": channel, "from": number, "to": "447700900001", "text": text},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["message_uuid"])


def advance(http: httpx.Client, seconds: float) -> None:
    answer = http.post("/sandbox/clock/advance", data={"seconds": repr(float(seconds))})
    assert answer.status_code == 200, answer.text


def handset(http: httpx.Client, number: str) -> list[dict[str, Any]]:
    answer = http.get("/sandbox/messages", params={"number": number})
    assert answer.status_code == 200, answer.text
    return answer.json()["messages"]  # type: ignore[no-any-return]


def record(http: httpx.Client, message_uuid: str) -> dict[str, Any]:
    """The ``/sandbox/requests`` item of a message."""
    items = http.get("/sandbox/requests").json()["requests"]
    (found,) = [item for item in items if item["request_id"] == message_uuid]
    return found  # type: ignore[no-any-return]
