"""The fault tests' world: a desk on a faulty sandbox, the expected behaviour per fault.

``EXPECTED`` is the behaviour table of docs/reliability.md ("Faults injected in the sandbox") in
code: what each fault raises, whether each operation retries it, and what the history records.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from desktop_app.api.account import AccountClient
from desktop_app.api.http import build_http_client
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.sandbox_control import SandboxControl
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.domain.errors import (
    ApiError,
    ApiTimeoutError,
    ConnectionLostError,
    InternalApiError,
    ResponseFormatError,
    ServerError,
    ThrottledError,
    VerifyDeskError,
)
from desktop_app.sandbox.server import SandboxServer
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from tests.helpers.desks import OPERATOR, SANDBOX_CREDS

CREDS = SANDBOX_CREDS
#: The client gives up on a hanging sandbox after this long (the app's default is 15 s).
READ_TIMEOUT = 1.0
#: Each fault kind as injected (latency and hang with their seconds).
KINDS: dict[str, str] = {
    "latency": "latency:0.2",
    "hang": "hang",
    "http500": "http500",
    "http502": "http502",
    "http503": "http503",
    "malformed_json": "malformed_json",
    "truncated": "truncated",
    "reset": "reset",
    "drop_after_processing": "drop_after_processing",
    "throttle": "throttle",
    "internal_error": "internal_error",
}
#: Desk operation -> the sandbox route it calls.
ENDPOINT = {
    "start": "start",
    "psd2": "psd2",
    "check": "check",
    "search": "search",
    "cancel": "control",
    "balance": "balance",
}
_ERROR: dict[str, type[VerifyDeskError]] = {
    "hang": ApiTimeoutError,
    "http500": ServerError,
    "http502": ServerError,
    "http503": ServerError,
    "malformed_json": ResponseFormatError,
    "truncated": ConnectionLostError,
    "reset": ConnectionLostError,
    "drop_after_processing": ConnectionLostError,
    "throttle": ThrottledError,
    "internal_error": InternalApiError,
}


def error_for(kind: str, op: str) -> type[VerifyDeskError] | None:
    """The error the desk raises for one fault on the first attempt (None: no error)."""
    if kind == "latency":
        return None
    if op == "balance" and kind == "internal_error":
        return ServerError  # the Account API answers HTTP 500, not a v1 status
    return _ERROR[kind]


def retried(kind: str, op: str) -> bool:
    """Whether the client tries again after this fault (docs/reliability.md, retry column)."""
    if kind == "latency" or op in ("start", "psd2"):
        return False
    if op in ("check", "cancel"):
        return kind == "throttle"  # only "certainly not processed" is retried
    return kind != "malformed_json"  # search, balance: everything transient


def call_outcome(error: type[VerifyDeskError] | None) -> str:
    """The call row's final outcome for an operation that raised ``error``."""
    if error is None:
        return "ok"
    return "api_error" if issubclass(error, ApiError) else "outcome_unknown"


@dataclass
class Sleeps:
    """Records the backoff waits instead of waiting (the retry loop runs at once)."""

    waits: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.waits.append(seconds)


@dataclass
class Env:
    """A desk on one sandbox, its history, control client and recorded backoff."""

    server: SandboxServer
    desk: VerifyDesk
    history: HistoryStore
    control: SandboxControl
    sleeps: Sleeps
    http: httpx.Client

    def hits(self, endpoint: str) -> int:
        return int(self.control.faults()["hits"].get(endpoint, 0))


def build_env(
    server: SandboxServer,
    history: HistoryStore,
    *,
    profile: str = "Faults",
    real_waits: bool = False,
) -> Env:
    """A VerifyDesk with the default retry policy (3 attempts) and a 1 s read timeout.

    The backoff is recorded, not waited, unless ``real_waits`` (then the worker threads sleep).
    """
    http = build_http_client(timeout=httpx.Timeout(5.0, read=READ_TIMEOUT))
    sleeps = Sleeps()
    policy = RetryPolicy()
    wait: Callable[[float], None] = time.sleep if real_waits else sleeps
    desk = VerifyDesk(
        client=VerifyV1Client(http, CREDS, api_host=server.url, retry=policy, sleep=wait),
        account=AccountClient(http, CREDS, rest_host=server.url, retry=policy, sleep=wait),
        history=history,
        profile=profile,
        operator=OPERATOR,
        default_region="GB",
    )
    return Env(server, desk, history, SandboxControl(http, server.url), sleeps, http)


class Figures:
    """Faults injected (read back from each sandbox) and faults whose handling was asserted."""

    injected: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    notes: list[str] = []

    @classmethod
    def absorb(cls, server: SandboxServer) -> None:
        for key, n in server.faults.to_json()["injected"].items():
            cls.injected[key.rpartition(":")[2]] += n
