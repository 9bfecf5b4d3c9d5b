"""The sandbox server's public API: :class:`SandboxConfig` and :class:`SandboxServer`.

Example::

    cfg = SandboxConfig(port=0)
    with SandboxServer(cfg) as srv:      # listening once the block starts
        print(srv.url)                   # http://127.0.0.1:54321

Endpoints (Verify answers are HTTP 200 JSON with the real field names, as the real API):
``/verify/json``, ``/verify/psd2/json``, ``/verify/check/json``, ``/verify/search/json``,
``/verify/control/json``, ``/account/get-balance``; and the unauthenticated demo controls
``/sandbox/clock``, ``/sandbox/clock/advance``, ``/sandbox/clock/scale``, ``/sandbox/latency``,
``/sandbox/messages``, ``/sandbox/requests`` and ``/sandbox/callbacks`` (``url`` form field: where
Verify v2 callbacks go, loopback only; empty stops them), and ``/sandbox/faults`` (fault
injection: GET lists the rules and per-route hit counters, POST adds a rule, DELETE or
``POST /sandbox/faults/clear`` clears them; see :mod:`desktop_app.sandbox.faults`).

Messages API: ``POST /v1/messages`` (Basic, or a JWT of the application the sandbox was started
with; status webhooks to the message's ``webhook_url`` or ``status_url``) and the control
``POST /sandbox/inbound`` (a customer writes in); see
:mod:`desktop_app.sandbox.messages_engine`.

Verify v2 (JSON, RFC 7807 errors with real HTTP statuses): ``POST /v2/verify`` (start),
``POST /v2/verify/{id}`` (check), ``DELETE /v2/verify/{id}`` (cancel),
``POST /v2/verify/{id}/next_workflow`` and ``GET /v2/verify/{id}/silent-auth/redirect`` (the
silent auth ``check_url``); see :mod:`desktop_app.sandbox.v2_engine`. Verify v1 also answers
in XML on the spec's ``/verify/xml``, ``/verify/check/xml``, ``/verify/search/xml`` and
``/verify/control/xml``. Any other method on a known path is HTTP 405 with ``Allow``.

With ``tls_cert``/``tls_key`` the same port also speaks HTTPS (the first byte of each connection
decides) and accepts ``CONNECT`` as a tunnel to itself, for SDKs that build ``https://host``
URLs without a port (nexmo 2.5.2): point ``HTTPS_PROXY`` at the sandbox.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

from desktop_app.sandbox.callbacks import is_loopback
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.core import Sandbox
from desktop_app.sandbox.faults import FaultPlan, FaultRule, parse_fault
from desktop_app.sandbox.handler import SandboxHTTPServer
from desktop_app.sandbox.messages_engine import MessagesSettings


class RemoteBindRefused(ValueError):  # noqa: N818 - reads as what happened
    """The host is not a loopback address and ``allow_remote`` is off."""


@dataclass(frozen=True)
class SandboxConfig:
    """How to run the sandbox.

    Attributes:
        host: Address to listen on (loopback unless ``allow_remote``).
        port: TCP port; 0 picks a free one.
        api_key: The only account's key.
        api_secret: Its secret (never echoed, never in ``repr``).
        time_scale: Simulated seconds per real second.
        rate_limit: Verify calls per second per key before status 1 (0 disables).
        search_rate_limit: Search calls per second per key before status 1 (0 disables).
        latency: Real seconds added before every Verify/Account answer.
        allow_remote: Allow a non-loopback ``host``.
        allow_pin_code: Whether the account accepts a custom ``pin_code`` (else status 20).
        tls_cert: PEM certificate file; with ``tls_key`` the port also speaks HTTPS.
        tls_key: PEM private key file.
        verbose: Log method and path (never the query) of each request to stderr.
        callback_url: Where Verify v2 ``summary``/``event`` callbacks are POSTed as JSON
            (loopback http(s) URLs only); also settable at run time via ``/sandbox/callbacks``.
        allow_fraud_check_bypass: Accept v2 ``fraud_check: false`` (else HTTP 403).
        faults: Fault rules for this run: :class:`FaultRule` objects or their text form
            (``"search:http503@1"``; see :mod:`desktop_app.sandbox.faults`).
        fault_seed: Seeds the RNG of probability fault rules (None: random).
        messages_rate_limit: Messages API sends per second per sender before HTTP 429
            (0 disables).
        application_id: The application whose RS256 JWTs the Messages API accepts.
        public_key: That application's public key (PEM text; never in ``repr``).
        status_url: Where Messages status webhooks go when a message names no
            ``webhook_url`` (loopback only).
        inbound_url: Where inbound message webhooks go (loopback only).
        signature_secret: Signs every Messages webhook (HS256 JWT in ``Authorization`` with
            the body's ``payload_hash``); never in ``repr``.
        state_file: Keep the state (requests, handset, clock) in this file and share it with
            other processes using it (the built-in sandbox of the window and of
            ``verify-desk-cli --sandbox``); None keeps it in memory for this run only.
    """

    host: str = "127.0.0.1"
    port: int = 8899
    api_key: str = "sandbox"
    api_secret: str = field(default="sandbox-secret", repr=False)
    time_scale: float = 1.0
    rate_limit: float = 30.0
    search_rate_limit: float = 1.0
    latency: float = 0.0
    allow_remote: bool = False
    allow_pin_code: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    verbose: bool = False
    callback_url: str | None = None
    allow_fraud_check_bypass: bool = False
    faults: tuple[FaultRule | str, ...] = ()
    fault_seed: int | None = None
    messages_rate_limit: float = 30.0
    application_id: str | None = None
    public_key: str | None = field(default=None, repr=False)
    status_url: str | None = None
    inbound_url: str | None = None
    signature_secret: str | None = field(default=None, repr=False)
    state_file: str | None = None


def _fault_plan(config: SandboxConfig) -> FaultPlan:
    """A fresh plan from the config (rules are copied: a plan counts how often each fired)."""
    rules = tuple(
        parse_fault(rule) if isinstance(rule, str) else replace(rule, fired=0)
        for rule in config.faults
    )
    return FaultPlan(rules, seed=config.fault_seed)


class SandboxServer:
    """The sandbox on a daemon thread. Also a context manager (starts and stops).

    Args:
        config: How to run it.

    Raises:
        RemoteBindRefused: The host is not loopback and ``allow_remote`` is off.
        ValueError: A setting is out of range.
    """

    def __init__(self, config: SandboxConfig) -> None:
        if not config.allow_remote and not is_loopback(config.host):
            raise RemoteBindRefused(
                f"refusing to listen on non-loopback address {config.host!r}; "
                "the sandbox is a local demo tool (use --allow-remote to override)"
            )
        if not 0 <= config.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if bool(config.tls_cert) != bool(config.tls_key):
            raise ValueError("tls_cert and tls_key go together")
        self.config = config
        self.clock = SimClock(config.time_scale)
        #: The composed sandbox: shared state, Verify v1 and v2 engines (``.v1``, ``.v2``) and
        #: the Messages engine (``.messages_api``).
        self.engine = Sandbox(
            api_key=config.api_key,
            api_secret=config.api_secret,
            clock=self.clock,
            rate_limit=config.rate_limit,
            search_rate_limit=config.search_rate_limit,
            allow_pin_code=config.allow_pin_code,
            callback_url=config.callback_url,
            allow_fraud_check_bypass=config.allow_fraud_check_bypass,
            messages=MessagesSettings(
                rate_limit=config.messages_rate_limit,
                application_id=config.application_id,
                public_key=config.public_key,
                status_url=config.status_url,
                inbound_url=config.inbound_url,
                signature_secret=config.signature_secret,
            ),
            state_file=Path(config.state_file) if config.state_file else None,
        )
        self.engine.latency = config.latency
        #: The run's fault injection plan (also driven through ``/sandbox/faults``).
        self.faults = _fault_plan(config)
        self._ssl: ssl.SSLContext | None = None
        if config.tls_cert and config.tls_key:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(config.tls_cert, config.tls_key)
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def port(self) -> int:
        """The port listened on (meaningful once started)."""
        if self._httpd is None:
            return self.config.port
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (``https`` with TLS)."""
        host = self.config.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def open_connections(self) -> int:
        """How many client connections are open right now (0 when not serving)."""
        httpd = self._httpd
        return 0 if httpd is None else httpd.open_connections()

    def start(self) -> None:
        """Bind and serve on a daemon thread; returns once listening."""
        with self._lock:
            if self._httpd is not None:
                return
            if self._stopped:
                raise RuntimeError("a stopped sandbox cannot be restarted")
            host = self.config.host.strip("[]")
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._httpd = SandboxHTTPServer(
                (host, self.config.port),
                self.engine,
                ssl_context=self._ssl,
                verbose=self.config.verbose,
                family=family,
                faults=self.faults,
            )
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="sandbox-server",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every connection and join the threads. Idempotent."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._stopped = True
            self._httpd = self._thread = None
        self.engine.close()
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_all()
        if thread is not None:
            thread.join(5.0)
        self._closed_port = int(httpd.server_address[1])

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
