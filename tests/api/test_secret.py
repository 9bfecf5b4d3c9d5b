"""The API secret never shows up in a URL, a log record, a repr or an error's text."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.errors import VerifyDeskError
from desktop_app.domain.models import Psd2Params, StartParams
from desktop_app.domain.redact import SECRET_MASK
from tests.helpers.mock_api import CREDS, SECRET, Env

FORMS = (SECRET, quote_plus(SECRET), quote(SECRET, safe=""))


def _clean(text: str) -> bool:
    return not any(form in text for form in FORMS)


def _operations(v1: VerifyV1Client, account: AccountClient) -> dict[str, Callable[[], Any]]:
    return {
        "start": lambda: v1.start(
            StartParams(number="447700900000", brand="A", pin_code="98765")
        ),
        "psd2": lambda: v1.start_psd2(
            Psd2Params(number="447700900000", payee="P", amount=Decimal("9.99"))
        ),
        "check": lambda: v1.check("rid", "1234"),
        "search": lambda: v1.search("rid"),
        "search_many": lambda: v1.search_many(["rid", "rid2"]),
        "cancel": lambda: v1.cancel("rid"),
        "next": lambda: v1.trigger_next_event("rid"),
        "balance": account.get_balance,
    }


def _run_all(
    v1: VerifyV1Client, account: AccountClient, caplog: pytest.LogCaptureFixture
) -> list[BaseException]:
    raised: list[BaseException] = []
    for name, op in _operations(v1, account).items():
        try:
            result = op()
        except VerifyDeskError as exc:
            raised.append(exc)
        else:
            assert _clean(repr(result)), name
    for exc in raised:
        assert _clean(str(exc)), exc
        assert _clean(repr(exc)), exc
        assert _clean(exc.user_message()), exc
        assert all(_clean(str(arg)) for arg in exc.args), exc
        assert _clean(repr(vars(exc))), exc
    for record in caplog.records:
        assert _clean(record.getMessage()), record.name
        assert _clean(str(record.args)), record.name
    assert "98765" not in caplog.text  # the custom PIN is never logged either
    assert _clean(repr(v1)) and _clean(repr(account)) and _clean(repr(CREDS))
    return raised


def echo(request: httpx.Request) -> httpx.Response:
    """A hostile server: echoes the whole request body (secret included) in error_text."""
    body = request.content.decode()
    if request.url.path.startswith("/account"):
        return httpx.Response(500, text=f"error for {request.headers.get('authorization')}")
    status = "101" if "search" in request.url.path else "3"
    return httpx.Response(
        200,
        json={"status": status, "error_text": f"bad {body} {SECRET}", "request_id": SECRET},
    )


def success(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.startswith("/account"):
        return httpx.Response(200, json={"value": 1.5, "autoReload": False})
    if "search" in path:
        return httpx.Response(200, json={"request_id": "rid", "status": "SUCCESS"})
    if "control" in path:
        return httpx.Response(200, json={"status": "0", "command": "cancel"})
    if "check" in path:
        return httpx.Response(200, json={"status": "0", "request_id": "rid", "event_id": "e"})
    return httpx.Response(200, json={"status": "0", "request_id": "rid"})


@pytest.mark.parametrize(
    "handler",
    [
        success,
        echo,
        lambda _: (_ for _ in ()).throw(httpx.ConnectError(f"refused {SECRET}")),
        lambda _: (_ for _ in ()).throw(httpx.ReadTimeout(f"timeout {quote_plus(SECRET)}")),
        lambda _: httpx.Response(503, text=f"<html>{SECRET}</html>"),
        lambda _: httpx.Response(200, text=f"<html>{SECRET}</html>"),
    ],
    ids=["success", "echo", "refused", "timeout", "503", "html"],
)
def test_secret_never_leaks_mock(
    handler: Callable[[httpx.Request], httpx.Response],
    make_env: Callable[..., Env],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    env = make_env(handler)
    raised = _run_all(env.v1, env.account, caplog)
    if handler is success:
        assert raised == []
    else:
        assert len(raised) == 8
    for request in env.recorder.requests:
        assert _clean(str(request.url)) and _clean(repr(request))
        assert _clean(repr(request.headers))
    if handler is echo:
        assert any(SECRET_MASK in str(exc) for exc in raised)


class _EchoHandler(BaseHTTPRequestHandler):
    """A real loopback server, so httpcore's own loggers run too."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply({"value": "2.00", "autoReload": False})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if self.path.startswith("/verify/search"):
            self._reply({"status": "101", "error_text": f"No response found for {body}"})
        elif self.path == "/verify/json":
            self._reply({"status": "0", "request_id": "rid"})
        else:
            self._reply({"status": "3", "error_text": f"Invalid {body}"})


@pytest.fixture
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_secret_never_leaks_real_transport(loopback: str, caplog: pytest.LogCaptureFixture) -> None:
    # Set, not assumed: the records looked at below come from these libraries' own loggers.
    for name in ("", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    http = build_http_client()
    try:
        policy = RetryPolicy(attempts=1)
        v1 = VerifyV1Client(http, CREDS, api_host=loopback, retry=policy)
        account = AccountClient(http, CREDS, rest_host=loopback, retry=policy)
        raised = _run_all(v1, account, caplog)
    finally:
        http.close()
    assert len(raised) == 6  # start and balance succeed; the rest echo the body back
    names = {record.name for record in caplog.records}
    assert "httpx" in names and any(n.startswith("httpcore") for n in names)
