"""A stand-in Messages API (at the httpx transport) and a message desk on a throw-away history."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from desktop_app.api.http import build_http_client
from desktop_app.api.messages import MessagesClient
from desktop_app.domain.messages_signature import sign_webhook
from desktop_app.domain.messages_status import (
    MessageStatus,
    MessageStatusEvent,
    StatusError,
    Usage,
    status_webhook_body,
)
from desktop_app.domain.models import ApiCredentials
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.fallback import SessionHistory
from desktop_app.usecases.messages import UNTRACKED, MessageDesk, StatusRoute
from tests.helpers.clock import FakeClock

HOST = "https://api.test.invalid"
CREDS = ApiCredentials("key-4f2a", "Zk9!SEKRIT/pa+ss=w0rd")
PROFILE = "qa"
OPERATOR = "tester"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
SIGNATURE_SECRET = "sig-secret-for-tests-0123456789"

Reply = httpx.Response | Exception


@dataclass
class FakeMessagesApi:
    """Accepts every send with a fresh ``message_uuid`` unless a reply is queued."""

    replies: list[Reply] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.read()))
        if self.replies:
            reply = self.replies.pop(0)
            if isinstance(reply, Exception):
                raise reply
            return reply
        message_uuid = str(uuid.uuid4())
        self.accepted.append(message_uuid)
        return httpx.Response(202, json={"message_uuid": message_uuid})

    def code(self, index: int = -1) -> str:
        """The code in a sent message, as the handset would show it."""
        body = self.bodies[index]
        if "custom" in body:
            return str(body["custom"]["template"]["components"][0]["parameters"][0]["text"])
        found = re.search(r"\d{4,10}", str(body["text"]))
        assert found is not None, "no code in the message"
        return found.group(0)


def problem(status: int, **extra: Any) -> httpx.Response:
    body = {"type": "https://developer.vonage.com/api-errors#x", "title": "Refused",
            "detail": "refused", "instance": "i-1", **extra}  # fmt: skip
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


@dataclass
class MessagesEnv:
    """A desk wired to a fake API and a history file."""

    api: FakeMessagesApi
    store: HistoryStore
    history: SessionHistory
    desk: MessageDesk
    clock: FakeClock
    route: list[StatusRoute]


def open_env(
    path: Path,
    *,
    make_code: Callable[[int], str] | None = None,
) -> Iterator[MessagesEnv]:
    """Yield an environment; closes the store and the http client afterwards."""
    api = FakeMessagesApi()
    http = build_http_client(httpx.MockTransport(api))
    store = HistoryStore(path)
    history = SessionHistory(store)
    clock = FakeClock(T0)
    route = [UNTRACKED]
    extra: dict[str, Any] = {} if make_code is None else {"make_code": make_code}
    desk = MessageDesk(
        client=lambda: MessagesClient(http, CREDS, api_host=HOST),
        history=history,
        profile=PROFILE,
        operator=OPERATOR,
        route=lambda: route[0],
        clock=clock,
        **extra,
    )
    try:
        yield MessagesEnv(api, store, history, desk, clock, route)
    finally:
        http.close()
        store.close()


def status_body(
    message_uuid: str,
    status: MessageStatus,
    *,
    channel: str = "sms",
    to: str = "447700900123",
    at: float = 0,
    error_code: int | None = None,
) -> bytes:
    """A status webhook's exact bytes, as the API posts them."""
    error = None
    if error_code is not None:
        error = StatusError(
            f"https://developer.vonage.com/api-errors/messages#{error_code}", str(error_code)
        )
    event = MessageStatusEvent(
        message_uuid=message_uuid, to=to, from_="Acme",
        timestamp=T0 + timedelta(seconds=at), channel=channel, status=status,
        usage=Usage(Decimal("0.0070"), "EUR"), error=error,
    )  # fmt: skip
    return json.dumps(status_webhook_body(event)).encode()


def post_webhook(
    url: str, body: bytes, *, secret: str | None = SIGNATURE_SECRET, **headers: str
) -> httpx.Response:
    """Post a webhook to a receiver as the API would (signed unless ``secret`` is None)."""
    sent = dict(headers)
    if secret is not None:
        sent.setdefault("Authorization", sign_webhook(body, secret))
    with httpx.Client(trust_env=False, timeout=10) as client:
        return client.post(url, content=body, headers=sent)
