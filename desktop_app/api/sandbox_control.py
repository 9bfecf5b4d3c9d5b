"""A client for the built-in sandbox's control endpoints (no authentication).

The sandbox simulates the Verify API on loopback; these extra endpoints let tests and the
window read the "handset" (codes it delivered), list its requests, and drive its clock and
latency, and inject faults (``/sandbox/faults``). Errors map exactly like the Verify clients'
(TransportError family).

The sandbox's clock is simulated (sped up, skipped ahead): :meth:`SandboxControl.clock` reads
it as a :class:`ClockReading`, which tells the sandbox's time at any later moment without
asking again (it runs at a known speed).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from desktop_app.domain.errors import FieldError, ResponseFormatError, ValidationFailed
from desktop_app.domain.models import HandsetMessage

from .exchange import exchange
from .http import request_json
from .parsing import parse_messages, parse_sandbox_requests

__all__ = ["ClockReading", "SandboxControl"]


@dataclass(frozen=True)
class ClockReading:
    """The sandbox's clock as read once: its time then, its speed, and when it was read.

    Attributes:
        now: The sandbox's time (Unix seconds) when it was read.
        time_scale: Sandbox seconds per real second.
        taken: This machine's ``time.monotonic()`` at the reading.
    """

    now: float
    time_scale: float
    taken: float

    def at(self, monotonic: float) -> float:
        """The sandbox's time at the local ``time.monotonic()`` value ``monotonic``."""
        return self.now + (monotonic - self.taken) * self.time_scale


def _seconds(name: str, value: float, *, minimum: float = 0.0) -> str:
    """Encode a float form value, refusing NaN, infinity and values below ``minimum``."""
    number = float(value)
    if not math.isfinite(number) or number < minimum:
        raise ValidationFailed([FieldError(name, f"must be a finite number >= {minimum:g}")])
    return repr(number)


def _reading(body: dict[str, Any], taken: float) -> ClockReading:
    """The clock in a ``/sandbox/clock`` answer (``now`` ISO 8601, ``time_scale``)."""
    now, scale = body.get("now"), body.get("time_scale")
    try:
        moment = datetime.fromisoformat(now) if isinstance(now, str) else None
    except ValueError:
        moment = None
    if (moment is None or moment.tzinfo is None or isinstance(scale, bool)
            or not isinstance(scale, int | float) or not 0 <= scale < math.inf):
        raise ResponseFormatError(f"{ResponseFormatError.meaning} (not a sandbox clock).")
    return ClockReading(moment.timestamp(), float(scale), taken)


def _object(body: Any) -> dict[str, Any]:
    """A JSON object answer, else ResponseFormatError."""
    if not isinstance(body, dict):
        raise ResponseFormatError(f"{ResponseFormatError.meaning} (expected a JSON object).")
    return body


class SandboxControl:
    """Talks to the sandbox's ``/sandbox/...`` endpoints.

    Args:
        http: The app's shared client.
        base_url: The sandbox's scheme, host and port, e.g. ``http://127.0.0.1:8123``.
    """

    def __init__(self, http: httpx.Client, base_url: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"SandboxControl(base_url={self._base_url!r})"

    def messages(self, number: str | None = None) -> tuple[HandsetMessage, ...]:
        """The messages the sandbox delivered, optionally for one number only."""
        params = {"number": number} if number is not None else None
        body = request_json(self._http, "GET", f"{self._base_url}/sandbox/messages", params=params)
        return parse_messages(body)

    def requests(self) -> list[dict[str, object]]:
        """The sandbox's verification requests, as it reports them (raw JSON objects)."""
        body = request_json(self._http, "GET", f"{self._base_url}/sandbox/requests")
        return parse_sandbox_requests(body)

    def clock(self) -> ClockReading:
        """Read the sandbox's clock (its time and speed).

        Raises:
            ResponseFormatError: The answer is not a sandbox clock.
        """
        return self._clock_call("GET", "/sandbox/clock", None)

    def advance_clock(self, seconds: float) -> ClockReading:
        """Move the sandbox's clock forward by ``seconds``; returns the clock after the jump."""
        form = {"seconds": _seconds("seconds", seconds)}
        return self._clock_call("POST", "/sandbox/clock/advance", form)

    def set_time_scale(self, scale: float) -> ClockReading:
        """Make the sandbox's time run ``scale`` times faster than real time; returns the clock."""
        form = {"time_scale": _seconds("time_scale", scale)}
        return self._clock_call("POST", "/sandbox/clock/scale", form)

    def _clock_call(self, method: str, path: str, form: dict[str, str] | None) -> ClockReading:
        before = time.monotonic()
        body = request_json(self._http, method, f"{self._base_url}{path}", data=form)
        after = time.monotonic()
        return _reading(_object(body), (before + after) / 2)  # read halfway, as near as known

    def now(self) -> datetime:
        """The sandbox's simulated time (``GET /sandbox/clock``).

        Raises:
            ResponseFormatError: The answer has no readable ``now``.
        """
        body = _object(request_json(self._http, "GET", f"{self._base_url}/sandbox/clock"))
        try:
            return datetime.fromisoformat(str(body.get("now", "")).replace("Z", "+00:00"))
        except ValueError:
            raise ResponseFormatError(f"{ResponseFormatError.meaning} (no clock time).") from None

    def open_check_url(self, url: str) -> int:
        """Open a Verify v2 silent-auth ``check_url`` as the handset would; the HTTP status.

        A redirect is not followed (its target is the customer's site).

        Raises:
            ValidationFailed: The URL is not on this sandbox; nothing was sent.
            TransportError: The sandbox did not answer.
        """
        if not url.startswith(f"{self._base_url}/v2/verify/"):
            rule = f"must be a check URL of this sandbox ({self._base_url}/v2/verify/...)"
            raise ValidationFailed([FieldError("check_url", rule)])
        return exchange(self._http, "GET", url).status_code

    def inbound(self, channel: str, from_: str, to: str, text: str) -> str:
        """A customer writes in (``POST /sandbox/inbound``, a JSON body); the message's id.

        On WhatsApp it opens ``from_``'s 24-hour window.

        Raises:
            ValidationFailed: The sandbox refused a field (its 400 names it).
            TransportError: The sandbox did not answer.
            ResponseFormatError: The answer is not the sandbox's.
        """
        body = {"channel": channel, "from": from_, "to": to, "text": text}
        answer = exchange(self._http, "POST", f"{self._base_url}/sandbox/inbound", json_body=body)
        try:
            data = json.loads(answer.content)
        except (ValueError, RecursionError):
            data = None
        if answer.status_code == 400 and isinstance(data, dict):
            raise ValidationFailed([FieldError("inbound", str(data.get("error", "refused")))])
        if answer.status_code != 200 or not isinstance(data, dict):
            raise ResponseFormatError(
                f"{ResponseFormatError.meaning} (inbound: HTTP {answer.status_code})."
            )
        return str(data.get("message_uuid", ""))

    def set_latency(self, seconds: float) -> None:
        """Delay every sandbox answer by ``seconds``."""
        self._post("/sandbox/latency", {"seconds": _seconds("seconds", seconds)})

    def add_fault(
        self,
        endpoint: str,
        kind: str,
        *,
        count: int | None = None,
        probability: float | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        """Add a fault rule (see ``desktop_app.sandbox.faults``); returns the plan as listed.

        Args:
            endpoint: A route name (``"start"``, ``"search"``, ``"v2_check"``...) or ``"*"``.
            kind: ``"latency"``, ``"hang"``, ``"http503"``, ``"drop_after_processing"``...
            count: Only the next ``count`` requests (default: every request).
            probability: Each request with this probability (0..1), from the sandbox's seeded RNG.
            seconds: The latency, or the bound of a hang.

        Raises:
            ValidationFailed: A number is out of range; nothing was sent.
            ServerError: The sandbox refused the rule (HTTP 400 names the reason).
        """
        form = {"endpoint": endpoint, "kind": kind}
        if count is not None:
            if count < 1:
                raise ValidationFailed([FieldError("count", "must be at least 1")])
            form["count"] = str(int(count))
        if probability is not None:
            form["probability"] = _seconds("probability", probability)
        if seconds is not None:
            form["seconds"] = _seconds("seconds", seconds)
        return self._post_json("/sandbox/faults", form)

    def clear_faults(self) -> dict[str, Any]:
        """Remove every fault rule (the hit counters stay); returns the plan as listed."""
        return self._post_json("/sandbox/faults/clear", {})

    def faults(self) -> dict[str, Any]:
        """The fault rules, the seed and the per-route ``hits`` and ``injected`` counters."""
        body = request_json(self._http, "GET", f"{self._base_url}/sandbox/faults")
        return _object(body)

    def _post_json(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        body = request_json(self._http, "POST", f"{self._base_url}{path}", data=form)
        return _object(body)

    def _post(self, path: str, form: dict[str, str]) -> None:
        # The body is not needed; an empty one is fine, but a non-empty one must be JSON
        # (an HTML page means the address is not a sandbox).
        request_json(self._http, "POST", f"{self._base_url}{path}", data=form, allow_empty=True)
