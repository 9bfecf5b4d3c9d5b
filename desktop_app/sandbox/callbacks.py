"""Verify v2 status callbacks: JSON POSTs to a loopback URL from one background thread.

The real service POSTs ``summary`` and ``event`` callbacks to the application's status URL
(field guide §2.5). The sandbox does the same to the URL set with ``POST /sandbox/callbacks``
or ``SandboxConfig(callback_url=...)``, but only to loopback addresses: it must never become a
way to make requests to other hosts. Callbacks are sent in order, off the request threads, with
up to three attempts (0.5 s then 1 s apart) on a connection failure or a non-2xx answer, and
without any proxy. Verify v2 callbacks are not signed (the real service signs them with the
account's signature secret); the Messages API's webhooks are, when the sandbox has a signature
secret (``authorize``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

__all__ = ["CallbackSender", "check_callback_url", "is_loopback"]

_ATTEMPT_WAITS = (0.5, 1.0)
_TIMEOUT = 5.0


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_callback_url(url: str) -> str:
    """Return ``url`` stripped if it is an ``http(s)://`` URL on a loopback host.

    Raises:
        ValueError: Any other URL.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError("callback url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("callback url must be an http:// or https:// URL")
    if not is_loopback(host):
        raise ValueError("callback url must be on a loopback address (127.0.0.1, ::1, localhost)")
    return text


class CallbackSender:
    """Sends JSON callbacks in order from one daemon thread (started on first use).

    Args:
        authorize: Given the exact body bytes, the ``Authorization`` header to send with them
            (the Messages API's signed webhooks); None sends none.
    """

    def __init__(self, authorize: Callable[[bytes], str] | None = None) -> None:
        self._authorize = authorize
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # No proxies: a callback goes straight to the loopback URL, whatever the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, url: str, payload: dict[str, Any]) -> None:
        """Queue one callback (ignored once closed)."""
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-callbacks", daemon=True
                )
                self._thread.start()
        self._queue.put((url, payload))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (callbacks still queued are dropped)."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            self._deliver(*item)

    def _deliver(self, url: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "VerifyDeskSandbox"}
        if self._authorize is not None:
            headers["Authorization"] = self._authorize(data)
        for wait in (*_ATTEMPT_WAITS, None):
            request = urllib.request.Request(url, data=data, method="POST", headers=headers)
            with (
                contextlib.suppress(OSError, ValueError),
                self._opener.open(request, timeout=_TIMEOUT) as response,
            ):
                if 200 <= response.status < 300:
                    return
            if wait is None or self._stop.wait(wait):
                return
