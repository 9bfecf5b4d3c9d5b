"""The network transports under the shared client: where a request may go, and for how long.

Three rules hold below httpx, where no URL check can be bypassed:

* **Plain http only to this computer, decided by the address connected to.** The ``http://``
  transport checks the peer address of every new connection *before a byte is written*; a host
  name that resolves anywhere but loopback (``api.localhost`` pointed elsewhere, a DNS trick) is
  refused with a ``ConnectError`` and nothing is sent.
* **Proxies from the environment never see plain http.** The client ignores the environment
  (``trust_env=False``); only ``HTTPS_PROXY`` (or ``https_proxy``) is honoured, and only for
  ``https://`` hosts, where the proxy relays an encrypted tunnel and never sees the secret.
  ``NO_PROXY`` host names are reached directly. ``HTTP_PROXY`` and ``ALL_PROXY`` are ignored:
  the only plain-http host allowed is the local sandbox, which no proxy should relay.
* **A deadline for the whole call.** httpx's timeouts are per socket operation, so a server
  that drips one byte every few seconds (headers or body) would keep a call alive forever.
  Inside :func:`deadline_scope` every read, write, connect and TLS handshake gets at most the
  time left until the call's deadline, whatever the per-phase timeout says.

:class:`GuardedTransport` is httpx's ``HTTPTransport`` with its connection pool built over
:class:`GuardedBackend`; httpx offers no parameter for a network backend, so the pool is built
here with the same settings httpx would use.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any, Final

import httpcore
import httpx

from desktop_app.domain.errors import FieldError, ValidationFailed

__all__ = [
    "GuardedBackend",
    "GuardedTransport",
    "deadline_scope",
    "https_proxy_from",
    "no_proxy_mounts",
    "ssl_context_from",
]

#: The pool sizes httpx uses by default.
_POOL_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

_monotonic = time.monotonic


class _CallState(threading.local):
    """This thread's call deadline (``None`` outside a call).

    A class default rather than ``getattr(..., None)``: it is read on every socket operation.
    """

    deadline: float | None = None


_state = _CallState()


class deadline_scope:  # noqa: N801 - used as a function: ``with deadline_scope(30) as deadline``
    """Give every network operation of this thread at most ``seconds`` in total.

    The synchronous client does all of a request's I/O on the calling thread, so a
    thread-local deadline reaches exactly the operations of this one call. Scopes nest: the
    outer deadline is back when the inner one ends. A plain class rather than a generator
    context manager: it is entered once per call (benchmarks/client_overhead.py).

    Entering gives the deadline on the ``time.monotonic()`` clock.
    """

    __slots__ = ("_previous", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._previous: float | None = None

    def __enter__(self) -> float:
        self._previous = _state.deadline
        deadline = _state.deadline = _monotonic() + self._seconds
        return deadline

    def __exit__(self, *exc_info: object) -> None:
        _state.deadline = self._previous


def _bounded(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` cut to the time left before this thread's deadline (if one is set)."""
    deadline = _state.deadline
    if deadline is None:
        return timeout
    left = deadline - _monotonic()
    if left <= 0:
        raise expired("the call's overall deadline passed")
    return left if timeout is None or left < timeout else timeout


def _is_loopback(address: Any) -> bool:
    """True for a peer address (``getpeername()``) on this computer's loopback interface."""
    host = address[0] if isinstance(address, tuple) and address else address
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class _GuardedStream(httpcore.NetworkStream):
    """A network stream whose every operation respects the thread's call deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:  # the end of a body is written as b"", which touches no socket
            self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _GuardedStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with the call deadline, and optionally loopback only.

    Args:
        loopback_only: Refuse (before writing anything) a connection whose peer address is
            not loopback.
        inner: The real backend (tests pass a fake one).
    """

    def __init__(self, *, loopback_only: bool, inner: httpcore.NetworkBackend | None = None):
        self._loopback_only = loopback_only
        self._inner = inner if inner is not None else httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        """Connect within the deadline; with ``loopback_only`` check the peer before any write."""
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        if self._loopback_only:
            peer = stream.get_extra_info("server_addr")
            if not _is_loopback(peer):
                stream.close()
                shown = peer[0] if isinstance(peer, tuple) and peer else "an unknown address"
                raise httpcore.ConnectError(
                    f"plain http is allowed only to this computer, and {host} is {shown}; "
                    "nothing was sent"
                )
        return _GuardedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        """Refused: the app never talks over Unix sockets."""
        raise httpcore.ConnectError("Unix sockets are not used by Verify Desk")

    def sleep(self, seconds: float) -> None:
        """Wait as the real backend does (httpcore's connect retries)."""
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` over a :class:`GuardedBackend` (TLS verification always on).

    Args:
        ssl_context: The verifying context (see :func:`ssl_context_from`).
        loopback_only: For ``http://``: connect only to loopback addresses.
        proxy: An ``http(s)://`` proxy for ``https://`` hosts, or None.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        *,
        loopback_only: bool,
        proxy: httpx.Proxy | None = None,
    ) -> None:
        # super().__init__ is not called: it would build a pool without our network backend.
        backend = GuardedBackend(loopback_only=loopback_only)
        sizes: dict[str, Any] = {
            "max_connections": _POOL_LIMITS.max_connections,
            "max_keepalive_connections": _POOL_LIMITS.max_keepalive_connections,
            "keepalive_expiry": _POOL_LIMITS.keepalive_expiry,
        }
        if proxy is None:
            self._pool = httpcore.ConnectionPool(
                ssl_context=ssl_context, network_backend=backend, **sizes
            )
            return
        self._pool = httpcore.HTTPProxy(
            proxy_url=httpcore.URL(
                scheme=proxy.url.raw_scheme,
                host=proxy.url.raw_host,
                port=proxy.url.port,
                target=proxy.url.raw_path,
            ),
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=ssl_context,
            proxy_ssl_context=proxy.ssl_context,
            network_backend=backend,
            **sizes,
        )


def ssl_context_from(environ: Mapping[str, str]) -> ssl.SSLContext:
    """A verifying TLS context; ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` may name the trusted CAs.

    Raises:
        ValidationFailed: The named certificate file or folder cannot be used.
    """
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        value = environ.get(name, "")
        if not value:
            continue
        try:
            if name == "SSL_CERT_FILE":
                return ssl.create_default_context(cafile=value)
            return ssl.create_default_context(capath=value)
        except (OSError, ssl.SSLError, ValueError) as exc:
            rule = f"cannot be used as trusted certificates ({type(exc).__name__})"
            raise ValidationFailed([FieldError(name, rule)]) from None
    return httpx.create_ssl_context(verify=True, trust_env=False)


def https_proxy_from(environ: Mapping[str, str]) -> httpx.Proxy | None:
    """The proxy for ``https://`` hosts from ``https_proxy`` / ``HTTPS_PROXY``, if any.

    Raises:
        ValidationFailed: The variable is not an ``http://`` or ``https://`` proxy URL (its
            value is not repeated: it may hold the proxy's password).
    """
    for name in ("https_proxy", "HTTPS_PROXY"):
        value = environ.get(name, "").strip()
        if not value:
            continue
        text = value if "://" in value else f"http://{value}"
        try:
            url = httpx.URL(text)
            ok = url.scheme in ("http", "https") and bool(url.host)
        except (httpx.InvalidURL, ValueError, UnicodeError):
            ok = False
        if not ok:
            rule = "must be the URL of an http:// or https:// proxy (SOCKS is not supported)"
            raise ValidationFailed([FieldError(name, rule)])
        return httpx.Proxy(url)
    return None


def no_proxy_mounts(
    environ: Mapping[str, str], direct: httpx.BaseTransport
) -> dict[str, httpx.BaseTransport]:
    """Mounts sending ``https://`` hosts named in ``no_proxy`` / ``NO_PROXY`` direct.

    ``example.com`` covers the host and its subdomains; ``*`` covers every host. This computer
    (``localhost``, ``127.0.0.1``, ``::1``: the sandbox in HTTPS mode) is always direct: no
    proxy can reach it.
    """
    value = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    mounts: dict[str, httpx.BaseTransport] = {
        f"https://{host}": direct for host in ("localhost", "127.0.0.1", "[::1]")
    }
    for entry in value.split(","):
        host = entry.strip().lower().lstrip(".")
        if not host or "/" in host or not host.isascii() or not host.isprintable():
            continue
        if host == "*":
            return {"https://": direct}
        for key in (f"https://{host}", f"https://*.{host}"):
            try:
                httpx.URL(key)
            except (httpx.InvalidURL, ValueError, UnicodeError):
                continue  # not a host name httpx can match: skipped, as curl skips it
            mounts[key] = direct
    return mounts
