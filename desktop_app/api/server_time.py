"""How far each server's clock is from this machine's, learned from the ``Date`` of its answers.

Every answer passes :func:`~desktop_app.api.exchange.exchange`, which hands the ``Date`` header
and the call's start and end (this machine's wall clock) to the client's :class:`ServerTime`.
A ``Date`` is whole seconds, so one answer says only that, somewhere between sending and
receiving, the server's clock read between ``D`` and ``D + 1``: the offset lies in
``[D - received, D + 1 - sent]``. Each answer narrows that interval (an intersection); an answer
outside it means the server's clock jumped, and the estimate starts over from that answer. The
offset given is the middle of the interval, so after a few answers it is within a fraction of a
second, without any extra call.

Servers are told apart by origin (scheme, host and port): the Verify and REST hosts of a live
profile, a loopback sandbox (whose ``Date`` is the real time, not its simulated clock).
"""

from __future__ import annotations

import functools
import threading
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

__all__ = ["ServerTime", "origin_of"]

#: The most origins remembered (a profile has two hosts; a session rarely sees more).
_MAX_ORIGINS = 32


@functools.lru_cache(maxsize=256)  # every answer asks; a session calls a handful of URLs
def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower case ("" when it does not parse)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme.lower()}://{host}{suffix}"


@functools.lru_cache(maxsize=16)  # a Date changes once a second: parsed once, not per answer
def _seconds(date_header: str) -> float | None:
    try:
        moment = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None  # "-0000": not a real time zone, as RFC 5322 reads it
    return moment.timestamp()


class ServerTime:
    """The clock offset of each server this client talked to (thread-safe).

    The offset is the server's time minus this machine's (seconds; positive when the server is
    ahead).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bounds: dict[str, tuple[float, float]] = {}

    def observe(self, url: str, date_header: str | None, sent: float, received: float) -> None:
        """Learn from one answer's ``Date`` (wall-clock ``sent`` and ``received``, seconds)."""
        if not date_header or received < sent:
            return
        date = _seconds(date_header)
        origin = origin_of(url)
        if date is None or not origin:
            return
        low, high = date - received, date + 1.0 - sent
        with self._lock:
            known = self._bounds.pop(origin, None)
            if known is not None and known[0] <= high and low <= known[1]:
                low, high = max(low, known[0]), min(high, known[1])
            self._bounds[origin] = (low, high)  # newest last: the oldest is dropped first
            if len(self._bounds) > _MAX_ORIGINS:
                del self._bounds[next(iter(self._bounds))]

    def offset(self, url: str) -> float | None:
        """The estimated offset of ``url``'s server, or None before it answered once."""
        with self._lock:
            bounds = self._bounds.get(origin_of(url))
        return None if bounds is None else (bounds[0] + bounds[1]) / 2
