"""A local receiver for signed Messages webhooks: the delivery lifecycle of sent messages.

On a live account the Messages API posts each message's status (submitted, delivered, read,
rejected, undeliverable) to the application's status URL, or to a message's ``webhook_url``. A
desktop app has no public address, so this receiver listens on **loopback only** and is meant
to sit behind a tunnel the user runs (``ngrok http 8787``, ``cloudflared tunnel``...): the
tunnel's public URL plus :data:`STATUS_PATH` is what goes in the Vonage dashboard. The built-in
sandbox posts to it directly.

Every webhook must be signed: ``Authorization: Bearer <HS256 JWT>`` made with the account's
signature secret, whose ``payload_hash`` is the SHA-256 of the exact body
(:func:`~desktop_app.domain.messages_signature.verify_webhook`). Anything else is refused with
401 and one log line saying why (never the token, the secret or the body): without a signature
any program on this computer, or a web page the browser shows, could post a fake "delivered".
So the receiver cannot start without a secret.

Answers: 200 once a status was handled (also for a message this app did not send: the API
would otherwise retry it for hours); 400 for a body that is not a status webhook; 401 refused
signature; 404 another path; 405 another method; 411 no ``Content-Length``; 413 a body over
64 KiB; 500 when the history could not be written (the API retries later). Inbound messages
(:data:`INBOUND_PATH`) are verified the same way and acknowledged; their text is never kept.

The server is the standard library's ``ThreadingHTTPServer`` on a daemon thread: Qt-free, so the
services, the command line and tests use it alike.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final

from desktop_app.domain.errors import FieldError, StoreError, ValidationFailed
from desktop_app.domain.messages_signature import WebhookSignatureError, verify_webhook
from desktop_app.domain.messages_status import MessageStatusEvent, parse_status_webhook
from desktop_app.store.history import HistoryStore

__all__ = [
    "INBOUND_PATH",
    "MAX_BODY",
    "STATUS_PATH",
    "DeliveryTracker",
    "StatusHandler",
    "WebhookReceiver",
    "items_number_of",
]

logger = logging.getLogger(__name__)

STATUS_PATH: Final = "/webhooks/status"
INBOUND_PATH: Final = "/webhooks/inbound"
#: The largest body read (a status webhook is well under 2 KiB).
MAX_BODY: Final = 64 * 1024
#: Handles one verified status: the event and its ``workflow.items_number`` (or None).
StatusHandler = Callable[[MessageStatusEvent, int | None], None]


def items_number_of(data: Mapping[str, Any]) -> int | None:
    """A failover webhook's ``workflow.items_number`` (its leg, from 1), or None."""
    workflow = data.get("workflow")
    if not isinstance(workflow, Mapping):
        return None
    raw = workflow.get("items_number")
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None


class DeliveryTracker:
    """Applies verified status webhooks to the history, then says which message changed.

    Args:
        store: The history file (the rows were written there when the messages were sent).
        on_change: Called with a ``message_uuid`` whose timeline gained a status (on the
            receiver's thread: a Qt service re-emits it as a signal).
    """

    def __init__(
        self, store: HistoryStore, on_change: Callable[[str], object] | None = None
    ) -> None:
        self._store = store
        self._on_change = on_change

    def __call__(self, event: MessageStatusEvent, items_number: int | None) -> None:
        """Record one status (idempotent, in lifecycle order).

        Raises:
            StoreError: The history file cannot be written (the webhook is answered 500).
        """
        applied = self._store.apply_message_event(event, items_number=items_number)
        if applied is None:
            logger.info("status %s for a message this app did not send", event.status.value)
            return
        if applied.recorded and self._on_change is not None:
            self._on_change(event.message_uuid)


class _Handler(BaseHTTPRequestHandler):
    """One webhook request; the receiver's settings are on ``self.server``."""

    server: _Server
    protocol_version = "HTTP/1.1"
    #: Seconds a connection may sit idle or trickle its request: a stalled sender (or a local
    #: program holding connections open) frees its thread instead of keeping it forever.
    timeout = 10
    #: Headers and body go out in two writes: without TCP_NODELAY each answer on a kept-alive
    #: connection waited for the sender's delayed ACK (45 ms a webhook, measured; 1.2 ms with).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver logs its own lines (the base writes every request to stderr)."""

    def _answer(self, status: int, text: str = "") -> None:
        body = json.dumps({"status": text or "ok"}).encode() if status < 300 else text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 300 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Only POST is served."""
        self._refuse_method()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET  # noqa: N815 - the base class's names

    def _refuse_method(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "POST")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isascii() or not length.strip().isdigit():
            self.close_connection = True
            self._answer(411, "Content-Length required")
            return None
        size = int(length)
        if size > MAX_BODY:
            self.close_connection = True
            self._answer(413, f"body over {MAX_BODY} bytes")
            return None
        return self.rfile.read(size)

    def do_POST(self) -> None:
        """Verify the signature, read the status, hand it on; answer as the module says."""
        path = self.path.split("?", 1)[0]
        if path not in (STATUS_PATH, INBOUND_PATH):
            self.close_connection = True
            self._answer(404, "unknown path")
            return
        body = self._body()
        if body is None:
            return
        try:
            verify_webhook(self.headers.get("Authorization"), body, self.server.secret)
        except WebhookSignatureError as refused:
            logger.warning("webhook refused (401): %s", refused)
            self._answer(401, "signature refused")
            return
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            if path == INBOUND_PATH:
                self._answer(200)
                return
            event = parse_status_webhook(data)
        except (ValueError, RecursionError, ValidationFailed) as bad:
            logger.warning("webhook refused (400): %s", type(bad).__name__)
            self._answer(400, "not a status webhook")
            return
        try:
            self.server.on_status(event, items_number_of(data))
        except StoreError as error:
            logger.warning("status webhook not recorded (500): %s", error)
            self._answer(500, "could not record it")
            return
        self._answer(200)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], secret: str, on_status: StatusHandler) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.secret = secret
        self.on_status = on_status
        super().__init__(address, _Handler)


class WebhookReceiver:
    """The receiver: a loopback HTTP server on a daemon thread. Also a context manager.

    Args:
        secret: The signature secret every webhook must be signed with.
        on_status: Handles each verified status (e.g. a :class:`DeliveryTracker`).
        host: A loopback address (``127.0.0.1``, ``::1``, ``localhost``).
        port: The port; 0 picks a free one.
        poll_interval: How often (seconds) the idle server looks for :meth:`stop`, which
            waits up to that long; a short-lived receiver (one per scenario file) uses less.

    Raises:
        ValidationFailed: No secret (field ``signature_secret``), or a host that is not
            loopback (field ``host``).
    """

    def __init__(
        self,
        *,
        secret: str,
        on_status: StatusHandler,
        host: str = "127.0.0.1",
        port: int = 0,
        poll_interval: float = 0.1,
    ) -> None:
        if not secret:
            rule = "required: webhooks are verified with it, and unsigned ones are refused"
            raise ValidationFailed([FieldError("signature_secret", rule)])
        if not _is_loopback(host):
            rule = "must be a loopback address (127.0.0.1, ::1, localhost): a tunnel exposes it"
            raise ValidationFailed([FieldError("host", rule)])
        if not 0 <= port <= 65535:
            raise ValidationFailed([FieldError("port", "must be from 0 to 65535")])
        self._address = (host, port)
        self._poll_interval = poll_interval
        self._secret = secret
        self._on_status = on_status
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WebhookReceiver(url={self.url!r})"

    @property
    def running(self) -> bool:
        """True between ``start`` and ``stop``."""
        return self._server is not None

    @property
    def url(self) -> str | None:
        """``http://host:port`` while running, else None."""
        server = self._server
        if server is None:
            return None
        host, port = self._address[0], server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def status_url(self) -> str | None:
        """Where status webhooks go (``url`` + :data:`STATUS_PATH`) while running."""
        url = self.url
        return None if url is None else url + STATUS_PATH

    def start(self) -> str:
        """Listen (idempotent); return the base URL.

        Raises:
            OSError: The port cannot be bound (in use, not allowed).
        """
        with self._lock:
            if self._server is None:
                server = _Server(self._address, self._secret, self._on_status)
                thread = threading.Thread(
                    target=server.serve_forever,
                    args=(self._poll_interval,),
                    name="webhook-receiver",
                    daemon=True,
                )
                thread.start()
                self._server, self._thread = server, thread
                logger.info("webhook receiver listening on port %d", server.server_address[1])
        url = self.url
        assert url is not None
        return url

    def stop(self) -> None:
        """Stop listening and wait for the server thread (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
