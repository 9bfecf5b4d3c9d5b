"""The ``/sandbox/...`` control endpoints: every parameter read into a bounded domain first.

Each control reads its parameters completely (ASCII digits only, explicit ranges, one value
per name) before it changes anything, and a change is all or nothing: a refused call (HTTP 400
with a one-sentence ``error``) leaves the clock, the data, the settings and the fault plan as
they were.

==========================  ======  ============================================================
path                        method  parameters (form, query or JSON object)
==========================  ======  ============================================================
``/sandbox/clock``          GET     --
``/sandbox/clock/advance``  POST    ``seconds``: 0 to :data:`MAX_TIME`, and never past it
``/sandbox/clock/scale``    POST    ``time_scale``: 0 to :data:`MAX_TIME_SCALE`
``/sandbox/latency``        GET     -- ; POST ``seconds``: 0 to :data:`MAX_LATENCY`
``/sandbox/messages``       GET     ``number`` (optional): 1 to 254 characters, no controls
``/sandbox/requests``       GET     --
``/sandbox/callbacks``      GET     -- ; POST ``url`` (optional; empty stops): loopback http(s)
``/sandbox/faults``         GET     -- ; POST a rule (see :mod:`~desktop_app.sandbox.faults`);
                                    DELETE clears
``/sandbox/faults/clear``   POST    --
==========================  ======  ============================================================

Numbers are written like JSON numbers without a sign (``30``, ``0.5``, ``1e-05``); the
control client sends ``repr(float)``.
"""

from __future__ import annotations

from typing import Any

from desktop_app.sandbox.bounds import number, plain_text
from desktop_app.sandbox.clock import MAX_TIME, MAX_TIME_SCALE
from desktop_app.sandbox.core import MAX_LATENCY, Sandbox
from desktop_app.sandbox.faults import FaultPlan, rule_from_fields
from desktop_app.sandbox.v1_validation import Params

__all__ = ["ControlError", "Controls"]

#: The longest ``number`` filter (an email address) and callback URL.
MAX_ADDRESS = 254
MAX_URL = 2048


class ControlError(ValueError):
    """A control call refused before anything changed; the message says which rule."""


def one(params: Params, name: str) -> str | None:
    """The single value sent for ``name`` (None when absent).

    Raises:
        ControlError: ``name`` was sent more than once.
    """
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ControlError(f"give {name} once (it was sent {len(values)} times)")
    return values[0]


def _seconds_like(params: Params, name: str, high: float, what: str) -> float:
    limit = f"{high:.0f}" if high == int(high) else f"{high:g}"
    raw = one(params, name)
    if raw is None or raw == "":
        raise ControlError(f"{name} is required: {what} from 0 to {limit}")
    value = number(raw, 0.0, high)
    if value is None:
        raise ControlError(
            f"{name} must be {what} from 0 to {limit}, in ASCII digits (like 30, 0.5 or 1e-05)"
        )
    return value


class Controls:
    """Answers the control endpoints of one sandbox and its fault plan.

    Args:
        sandbox: The composed sandbox (state, clock, settings).
        faults: The run's fault plan.
    """

    def __init__(self, sandbox: Sandbox, faults: FaultPlan) -> None:
        self.sandbox = sandbox
        self.faults = faults

    def answer(self, method: str, path: str, params: Params) -> dict[str, Any]:
        """The JSON body of a control call (the route and method were checked already).

        Raises:
            ControlError: A parameter is outside its domain; nothing changed.
            ValueError: The change itself was refused (a jump past the clock's end, a full
                fault plan); nothing changed.
        """
        sandbox = self.sandbox
        if path == "/sandbox/clock/advance":
            seconds = _seconds_like(params, "seconds", MAX_TIME, "a number of seconds")
            return sandbox.advance_clock(seconds)
        if path == "/sandbox/clock/scale":
            scale = _seconds_like(params, "time_scale", MAX_TIME_SCALE, "a speed")
            return sandbox.set_time_scale(scale)
        if path == "/sandbox/latency":
            if method == "POST":
                sandbox.latency = _seconds_like(params, "seconds", MAX_LATENCY, "seconds")
            return {"latency": sandbox.latency}
        if path == "/sandbox/messages":
            return sandbox.messages(self._address(params))
        if path == "/sandbox/requests":
            return sandbox.requests()
        if path == "/sandbox/callbacks":
            if method == "POST":
                sandbox.set_callback_url(self._url(params))
            return {"callback_url": sandbox.callback_url}
        if path.startswith("/sandbox/faults"):
            return self._faults(method, path, params)
        return sandbox.clock_info()

    @staticmethod
    def _address(params: Params) -> str | None:
        raw = one(params, "number")
        if raw is None:
            return None
        address = plain_text(raw, MAX_ADDRESS)
        if address is None:
            raise ControlError(
                f"number must be 1 to {MAX_ADDRESS} characters without control characters"
            )
        return address

    @staticmethod
    def _url(params: Params) -> str | None:
        raw = one(params, "url")
        if not raw:
            return None
        if plain_text(raw, MAX_URL) is None:
            raise ControlError(f"url must be at most {MAX_URL} characters, no control characters")
        return raw

    def _faults(self, method: str, path: str, params: Params) -> dict[str, Any]:
        """GET lists the plan, POST adds a rule, DELETE (or POST .../clear) clears it."""
        plan = self.faults
        if path == "/sandbox/faults/clear" or method == "DELETE":
            removed = plan.clear()
            return {**plan.to_json(), "removed": removed}
        if method == "POST":
            plan.add(rule_from_fields(params))
        return plan.to_json()
