"""Fault injection: a per-run, per-endpoint plan of failures the sandbox plays on purpose.

A :class:`FaultPlan` holds :class:`FaultRule` objects. Each rule names an endpoint (a route
name, or ``*`` for every API route), a fault kind and a trigger: the next ``count`` requests,
every request (no count, no probability), or each request with probability ``p`` drawn from the
plan's seeded RNG (so a run is reproducible with ``--fault-seed``). For each API request the
handler asks :meth:`FaultPlan.draw`; the first rule (in the order added) that matches the route
and fires decides the fault. The sandbox's own ``/sandbox/...`` controls are never faulted.

Route names: ``start``, ``psd2``, ``check``, ``search``, ``control`` (Verify v1), ``balance``
(Account API) and ``v2_start``, ``v2_check``, ``v2_cancel``, ``v2_next_workflow``,
``v2_silent_auth`` (Verify v2).

Kinds and when they play (see the handler):

=====================  ======  ==============================================================
kind                   when    what the client gets
=====================  ======  ==============================================================
``latency:S``          before  the normal answer, S seconds late
``hang[:S]``           before  nothing until it gives up (or S seconds, default 120), then close
``http500/502/503``    before  that HTTP status with an HTML body (a gateway's error page)
``reset``              before  a TCP reset (``SO_LINGER`` 0) instead of an answer
``throttle``           before  v1 status "1" (Throttled); v2 and Account: HTTP 429
``internal_error``     before  v1 status "5" (Internal Error); v2 and Account: HTTP 500 JSON
``malformed_json``     after   HTTP 200 whose JSON body is cut mid-object (the call was done)
``truncated``          after   ``Content-Length`` larger than what is sent, then close
``drop_after_processing`` after  the call was done; the connection closes with no answer
=====================  ======  ==============================================================

"before" faults leave the sandbox's state untouched; "after" faults happen once the engine has
acted (a start created its request, a check consumed an attempt).

The text syntax (``--fault`` and the ``spec`` field of ``POST /sandbox/faults``)::

    ENDPOINT:KIND[:ARG][@COUNT|%PROB]

    search:http503@1          the next search answers 503 once
    start:drop_after_processing  every start is performed, then its answer is lost
    *:latency:0.5%0.25        a quarter of all API calls wait half a second (seeded RNG)
    check:hang:30@2           the next two checks hang (at most 30 s each)
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from desktop_app.sandbox.bounds import number, whole

__all__ = [
    "AFTER_KINDS",
    "BEFORE_KINDS",
    "DEFAULT_HANG_SECONDS",
    "ENDPOINTS",
    "FAULT_KINDS",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "parse_fault",
    "rule_from_fields",
]

#: Faults played before the engine sees the request (its state is untouched).
BEFORE_KINDS: Final = (
    "latency",
    "hang",
    "http500",
    "http502",
    "http503",
    "reset",
    "throttle",
    "internal_error",
)
#: Faults played after the engine acted (the request was processed; the answer goes wrong).
AFTER_KINDS: Final = ("malformed_json", "truncated", "drop_after_processing")
FAULT_KINDS: Final = BEFORE_KINDS + AFTER_KINDS
ENDPOINTS: Final = (
    "*",
    "start",
    "psd2",
    "check",
    "search",
    "control",
    "balance",
    "v2_start",
    "v2_check",
    "v2_cancel",
    "v2_next_workflow",
    "v2_silent_auth",
)
#: The longest a ``hang`` holds a connection when no bound is given.
DEFAULT_HANG_SECONDS: Final = 120.0
#: The most any latency or hang may last.
MAX_SECONDS: Final = 600.0
#: The most rules one plan keeps (a guard against a runaway control client).
MAX_RULES: Final = 100
#: The largest COUNT of a counted rule.
MAX_COUNT: Final = 1_000_000
#: The longest text form of a rule.
MAX_SPEC: Final = 200


@dataclass(frozen=True)
class Fault:
    """One fault drawn for one request: its kind and (latency, hang) its seconds."""

    kind: str
    seconds: float = 0.0

    @property
    def before(self) -> bool:
        """True when it plays before the engine processes the request."""
        return self.kind in BEFORE_KINDS


@dataclass
class FaultRule:
    """A rule of the plan.

    Attributes:
        endpoint: A route name (see :data:`ENDPOINTS`) or ``*``.
        kind: One of :data:`FAULT_KINDS`.
        seconds: Latency to add, or the bound of a hang (0 means the default 120 s).
        count: How many more requests it fires for; None when not counted.
        probability: The chance it fires on each matching request; None when not random.
        fired: How many times it fired so far.
    """

    endpoint: str
    kind: str
    seconds: float = 0.0
    count: int | None = None
    probability: float | None = None
    fired: int = 0

    def __post_init__(self) -> None:
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r} (one of {', '.join(ENDPOINTS)})")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (one of {', '.join(FAULT_KINDS)})")
        if not math.isfinite(self.seconds) or not 0 <= self.seconds <= MAX_SECONDS:
            raise ValueError(f"seconds must be between 0 and {MAX_SECONDS:g}")
        if self.kind == "latency" and self.seconds <= 0:
            raise ValueError("latency needs a number of seconds (e.g. search:latency:0.5)")
        if self.count is not None and self.probability is not None:
            raise ValueError("give a count or a probability, not both")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if self.probability is not None and not (
            math.isfinite(self.probability) and 0 <= self.probability <= 1
        ):
            raise ValueError("probability must be between 0 and 1")
        if self.kind == "hang" and self.seconds == 0:
            self.seconds = DEFAULT_HANG_SECONDS

    def matches(self, endpoint: str) -> bool:
        """True when the rule applies to this route."""
        return self.endpoint in ("*", endpoint)

    @property
    def exhausted(self) -> bool:
        """True for a counted rule that has fired its last time."""
        return self.count is not None and self.fired >= self.count

    def to_json(self) -> dict[str, Any]:
        """The rule as ``GET /sandbox/faults`` lists it."""
        return {
            "endpoint": self.endpoint,
            "kind": self.kind,
            "seconds": self.seconds,
            "count": self.count,
            "probability": self.probability,
            "fired": self.fired,
            "remaining": None if self.count is None else max(0, self.count - self.fired),
        }


def _number(text: str, what: str, high: float) -> float:
    """A number from 0 to ``high`` in ASCII digits (``0.5``, ``30``, ``1e-05``)."""
    value = number(text.strip(), 0.0, high)
    if value is None:
        raise ValueError(f"{what} must be a number from 0 to {high:g}, not {text[:40]!r}")
    return value


def _count(text: str, what: str) -> int:
    """A whole number from 1 to :data:`MAX_COUNT` in ASCII digits."""
    value = whole(text.strip(), 1, MAX_COUNT)
    if value is None:
        raise ValueError(f"{what} must be a whole number from 1 to {MAX_COUNT}, not {text[:40]!r}")
    return value


def parse_fault(spec: str) -> FaultRule:
    """Read ``ENDPOINT:KIND[:ARG][@COUNT|%PROB]`` (see the module doc).

    Raises:
        ValueError: The text does not follow the syntax, or a value is out of range.
    """
    text = spec.strip()
    if len(text) > MAX_SPEC:
        raise ValueError(f"a fault rule has at most {MAX_SPEC} characters")
    count: int | None = None
    probability: float | None = None
    if "@" in text:
        text, _, raw = text.rpartition("@")
        count = _count(raw, "COUNT")
    elif "%" in text:
        text, _, raw = text.rpartition("%")
        probability = _number(raw, "PROB", 1.0)
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"fault {spec[:60]!r} is not ENDPOINT:KIND[:ARG][@COUNT|%PROB]")
    endpoint, kind = parts[0].strip(), parts[1].strip().lower()
    seconds = _number(parts[2], "ARG", MAX_SECONDS) if len(parts) == 3 else 0.0
    if len(parts) == 3 and kind not in ("latency", "hang"):
        raise ValueError(f"fault kind {kind!r} takes no ARG (only latency and hang do)")
    return FaultRule(endpoint, kind, seconds, count, probability)


class FaultPlan:
    """The rules of one sandbox run, their RNG and the per-route counters. Thread-safe.

    Args:
        rules: The rules to start with (e.g. from ``--fault``).
        seed: Seeds the RNG of probability rules (None: a random seed).
    """

    def __init__(self, rules: tuple[FaultRule, ...] = (), *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._rng = random.Random(seed)
        self._hits: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()
        for rule in rules:
            self.add(rule)

    def add(self, rule: FaultRule) -> None:
        """Append a rule (it fires after the rules already there).

        Raises:
            ValueError: The plan already holds :data:`MAX_RULES` rules.
        """
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise ValueError(f"at most {MAX_RULES} fault rules; clear some first")
            self._rules.append(rule)

    def clear(self) -> int:
        """Remove every rule; returns how many there were (the counters are kept)."""
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def draw(self, endpoint: str) -> Fault | None:
        """Count a request to ``endpoint`` and return the fault it gets, if any."""
        with self._lock:
            self._hits[endpoint] += 1
            for rule in self._rules:
                if not rule.matches(endpoint) or rule.exhausted:
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                self._injected[f"{endpoint}:{rule.kind}"] += 1
                return Fault(rule.kind, rule.seconds)
            return None

    def hits(self, endpoint: str) -> int:
        """Requests seen on ``endpoint`` (faulted or not)."""
        with self._lock:
            return self._hits[endpoint]

    def to_json(self) -> dict[str, Any]:
        """``GET /sandbox/faults``: the rules, the seed and the per-route counters."""
        with self._lock:
            return {
                "rules": [rule.to_json() for rule in self._rules],
                "seed": self._seed,
                "hits": dict(self._hits),
                "injected": dict(self._injected),
            }


def rule_from_fields(fields: Mapping[str, Sequence[str]]) -> FaultRule:
    """Build a rule from ``POST /sandbox/faults`` fields (form or JSON object).

    ``spec`` (the text syntax) alone, or ``endpoint`` and ``kind`` with optional ``seconds``,
    ``count`` and ``probability``; each field at most once.

    Raises:
        ValueError: Missing, repeated or invalid fields.
    """

    def one(name: str) -> str | None:
        values = fields.get(name)
        if values and len(values) > 1:
            raise ValueError(f"give {name} once (it was sent {len(values)} times)")
        return values[0].strip() if values and values[0].strip() else None

    spec = one("spec")
    if spec is not None:
        return parse_fault(spec)
    endpoint, kind = one("endpoint"), one("kind")
    if endpoint is None or kind is None:
        raise ValueError("give 'endpoint' and 'kind' (or 'spec')")
    raw_count, raw_probability, raw_seconds = one("count"), one("probability"), one("seconds")
    return FaultRule(
        endpoint[:40],
        kind[:40].lower(),
        seconds=0.0 if raw_seconds is None else _number(raw_seconds, "seconds", MAX_SECONDS),
        count=None if raw_count is None else _count(raw_count, "count"),
        probability=(
            None if raw_probability is None else _number(raw_probability, "probability", 1.0)
        ),
    )
