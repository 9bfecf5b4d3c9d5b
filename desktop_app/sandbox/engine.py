"""The sandbox's state and the behaviour of each Verify v1 / Account operation.

Transport-free: the HTTP layer hands in the decoded parameters (every name maps to the list of
values sent) and the Basic credentials, and gets back a JSON-ready body. One lock guards all
state; delivery events and expiries are played out lazily (a deadline heap) on every call, so no
background thread is needed and the clock can jump.

Magic numbers (last four digits): ``0007`` status 7 (blocked, network ``25503``), ``0009``
status 9, ``0015`` status 15, ``0029`` status 29. Every other valid number follows the normal
lifecycle.

Verify v2 lives in :class:`~desktop_app.sandbox.engine_v2.V2Mixin` on the same state: one live
request per number across v1 and v2 (``_live``), one handset inbox, one deadline heap.
"""

from __future__ import annotations

import heapq
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.callbacks import CallbackSender, check_callback_url
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.engine_v2 import V2Mixin
from desktop_app.sandbox.state import CURRENCY, VERIFY_PRICE, HandsetMessage, SandboxRequest, iso
from desktop_app.sandbox.throttle import Throttle
from desktop_app.sandbox.v2_state import V2Request
from desktop_app.sandbox.validation import (
    Params,
    Refused,
    StartSpec,
    first,
    parse_check,
    parse_control,
    parse_search,
    parse_start,
)

JsonBody = dict[str, Any]
#: The network code status 10 reports for the sandbox's simulated numbers.
SANDBOX_NETWORK = "23410"
MAGIC_NUMBERS: dict[str, tuple[str, str, str | None]] = {
    "0007": ("7", "The number you are trying to verify is blacklisted for verification.", "25503"),
    "0009": ("9", "Partner quota exceeded", None),
    "0015": ("15", "The destination number is not in a supported network", None),
    "0029": (
        "29",
        "Your Vonage account is still in demo mode. While in demo mode you must add target "
        "numbers to the approved list for your account. Add funds to your account to remove "
        "this limitation.",
        None,
    ),
}
CONCURRENT_TEXT = "Concurrent verifications to the same number are not allowed"
WRONG_CODE_TEXT = "The code provided does not match the expected value"
TOO_MANY_TEXT = "The wrong code was provided too many times. Request terminated"
PIN_CODE_TEXT = "This account does not support the parameter: pin_code."
ACCOUNT_401 = {"error-code": "401", "error-code-label": "authentication failed"}


def _check_not_found(request_id: str) -> str:
    return (
        "The Vonage platform was unable to process this message for the following reason: "
        f"Request '{request_id}' was not found or it has been verified already."
    )


def _control_text(outcome: ControlOutcome, request_id: str) -> tuple[str, str]:
    if outcome is ControlOutcome.TOO_EARLY:
        return "19", (
            f"Verification request ['{request_id}'] can't be cancelled within the first 30 seconds."
        )
    if outcome is ControlOutcome.TOO_LATE:
        return "19", (
            f"Verification request  ['{request_id}'] can't be cancelled now. Too many attempts "
            "to re-deliver have already been made."
        )
    if outcome is ControlOutcome.NO_MORE_EVENTS:
        return "19", f"No more events are left to execute for the request ['{request_id}']"
    return "6", f"The requestId '{request_id}' does not exist or its no longer active."


class SandboxEngine(V2Mixin):
    """All sandbox state: one account, its requests, the handsets' inboxes and the balance.

    Args:
        api_key: The account's key (also the search ``account_id``).
        api_secret: The account's secret.
        clock: The simulated clock every time stamp comes from.
        rate_limit: Verify calls per second per key (0 disables throttling).
        search_rate_limit: Search calls per second per key (0 disables).
        allow_pin_code: Whether the account accepts a custom ``pin_code`` (else status 20).
        balance: The starting account balance in EUR.
        real_time: Monotonic real time for the throttles (injectable for tests).
        callback_url: Where Verify v2 callbacks are POSTed (loopback only; None = none).
        allow_fraud_check_bypass: Whether v2 ``fraud_check: false`` is allowed (else 403).
    """

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        clock: SimClock,
        rate_limit: float = 30.0,
        search_rate_limit: float = 1.0,
        allow_pin_code: bool = False,
        balance: Decimal = Decimal("10.5"),
        real_time: Callable[[], float] = time.monotonic,
        callback_url: str | None = None,
        allow_fraud_check_bypass: bool = False,
    ) -> None:
        self._key = api_key.encode()
        self._secret = api_secret.encode()
        self.clock = clock
        self.allow_pin_code = allow_pin_code
        self._throttle = Throttle(rate_limit, real_time)
        self._search_throttle = Throttle(search_rate_limit, real_time)
        self._lock = threading.RLock()
        self._requests: dict[str, SandboxRequest] = {}
        self._live: dict[str, str] = {}
        self._messages: list[HandsetMessage] = []
        self._heap: list[tuple[float, str]] = []
        self._scheduled: dict[str, float] = {}
        self._balance = balance
        self._latency = 0.0
        self._v2_requests: dict[str, V2Request] = {}
        self._cooldown: dict[str, float] = {}
        self._callbacks = CallbackSender()
        self.allow_fraud_check_bypass = allow_fraud_check_bypass
        self.callback_url: str | None = None
        if callback_url:
            self.set_callback_url(callback_url)

    # -- settings ----------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Real seconds added before every Verify/Account answer."""
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not 0 <= seconds <= 60:
            raise ValueError("latency must be between 0 and 60 seconds")
        with self._lock:
            self._latency = seconds

    def set_callback_url(self, url: str | None) -> None:
        """Send Verify v2 callbacks to ``url`` from now on (``None`` or ``""`` stops them).

        Raises:
            ValueError: Not an http(s) URL on a loopback address.
        """
        checked = check_callback_url(url) if url else None
        with self._lock:
            self.callback_url = checked

    def close(self) -> None:
        """Stop the callback thread (the engine keeps answering, without callbacks)."""
        self._callbacks.close()

    # -- Verify v1 ---------------------------------------------------------------------------

    def verify(self, op: str, params: Params, basic: tuple[str, str] | None) -> JsonBody:
        """Answer one Verify call; ``op`` is start, psd2, check, search or control."""
        request_id = ""
        try:
            key = self._authenticate(params, basic)
            bucket = self._search_throttle if op == "search" else self._throttle
            if not bucket.allow(key):
                raise Refused("1", "Throttled")
            if op in ("start", "psd2"):
                return self._start(parse_start(params, psd2=op == "psd2"), key)
            if op == "check":
                request_id = first(params, "request_id") or ""
                return self._check(*parse_check(params))
            if op == "control":
                return self._control(*parse_control(params))
            if op == "search":
                return self._search(*parse_search(params))
            raise ValueError(f"unknown operation {op!r}")
        except Refused as refusal:
            body: JsonBody = {"status": refusal.status, "error_text": refusal.error_text}
            if op in ("start", "psd2"):
                body = {"request_id": "", **body}
            elif op == "check" and request_id:
                body = {"request_id": request_id[:32], **body}
            return body

    def _authenticate(self, params: Params, basic: tuple[str, str] | None) -> str:
        key, secret = first(params, "api_key"), first(params, "api_secret")
        if key is None and secret is None and basic is not None:
            key, secret = basic
        if not key:
            raise Refused("2", "Missing api_key")
        if not secret:
            raise Refused("2", "Missing api_secret")
        key_ok = hmac.compare_digest(key.encode(), self._key)
        secret_ok = hmac.compare_digest(secret.encode(), self._secret)
        if not (key_ok and secret_ok):
            raise Refused("4", "Bad credentials")
        return key

    def _start(self, spec: StartSpec, account_id: str) -> JsonBody:
        if spec.pin_code is not None and not self.allow_pin_code:
            raise Refused("20", PIN_CODE_TEXT)
        magic = MAGIC_NUMBERS.get(spec.number[-4:])
        if magic is not None:
            status, text, network = magic
            body: JsonBody = {"status": status, "error_text": text}
            if network:
                body["network"] = network
            return body if network else {"request_id": "", **body}
        with self._lock:
            now = self.clock.now()
            self._tick(now)
            live_id = self._live.get(spec.number)
            if live_id is not None or self._cooldown.get(spec.number, 0.0) > now:
                # After a v2 cancel the number stays busy a few seconds with nothing live.
                return {
                    "request_id": live_id or "",
                    "status": "10",
                    "error_text": CONCURRENT_TEXT,
                    "network": SANDBOX_NETWORK,
                }
            request_id = uuid.uuid4().hex
            lifecycle = Lifecycle(
                now,
                self._code_maker(spec),
                workflow_id=spec.workflow_id,
                pin_expiry=spec.pin_expiry,
                next_event_wait=spec.next_event_wait,
            )
            req = SandboxRequest(request_id, spec, account_id, now, lifecycle)
            self._requests[request_id] = req
            self._live[spec.number] = request_id
            self._sync(req)
            return {"request_id": request_id, "status": "0"}

    def _check(self, request_id: str, code: str) -> JsonBody:
        with self._lock:
            now = self.clock.now()
            self._tick(now)
            req = self._requests.get(request_id)
            if req is None:
                raise Refused("6", _check_not_found(request_id))
            outcome = req.lifecycle.check(code, now)
            self._sync(req)
            if outcome is CheckOutcome.MATCH:
                delivery = req.lifecycle.current_delivery
                return {
                    "request_id": request_id,
                    "status": "0",
                    "event_id": req.event_ids[delivery.index],
                    "price": f"{VERIFY_PRICE}",
                    "currency": CURRENCY,
                    "estimated_price_messages_sent": f"{req.messages_cost():.5f}",
                }
            if outcome is CheckOutcome.WRONG:
                raise Refused("16", WRONG_CODE_TEXT)
            if outcome is CheckOutcome.TOO_MANY:
                raise Refused("17", TOO_MANY_TEXT)
            raise Refused("6", _check_not_found(request_id))

    def _control(self, request_id: str, cmd: str) -> JsonBody:
        with self._lock:
            now = self.clock.now()
            self._tick(now)
            req = self._requests.get(request_id)
            if req is None:
                outcome = ControlOutcome.NOT_ACTIVE
            elif cmd == "cancel":
                outcome = req.lifecycle.cancel(now)
            else:
                outcome, _ = req.lifecycle.trigger_next(now)
            if req is not None:
                self._sync(req)
            if outcome is ControlOutcome.OK:
                return {"status": "0", "command": cmd}
            raise Refused(*_control_text(outcome, request_id))

    def _search(self, ids: list[str], several: bool) -> JsonBody:
        with self._lock:
            self._tick(self.clock.now())
            found = [self._requests[i].search_record() for i in ids if i in self._requests]
        if several and found:
            return {"verification_requests": found}
        if found:
            return found[0]
        body: JsonBody = {"status": "101", "error_text": "No response found"}
        return body if several else {"request_id": ids[0], **body}

    # -- Account -----------------------------------------------------------------------------

    def balance(self, params: Params, basic: tuple[str, str] | None) -> tuple[int, JsonBody]:
        """``GET /account/get-balance``: HTTP 401 on missing or wrong credentials."""
        try:
            self._authenticate(params, basic)
        except Refused:
            return 401, dict(ACCOUNT_401)
        with self._lock:
            self._tick(self.clock.now())
            return 200, {"value": float(self._balance), "autoReload": False}

    # -- sandbox control ---------------------------------------------------------------------

    def messages(self, number: str | None = None) -> JsonBody:
        """Every handset message (or those sent to ``number``), oldest first."""
        with self._lock:
            self._tick(self.clock.now())
            items = [m.to_json() for m in self._messages if number is None or m.number == number]
        return {"messages": items}

    def requests(self) -> JsonBody:
        """Every request the sandbox holds, with its state."""
        with self._lock:
            self._tick(self.clock.now())
            items = [(r.created_at, r.summary()) for r in self._requests.values()]
            items += [(r.created_at, r.summary()) for r in self._v2_requests.values()]
        items.sort(key=lambda item: item[0])
        return {"requests": [summary for _, summary in items]}

    def clock_info(self) -> JsonBody:
        """The simulated time and speed."""
        return {"now": iso(self.clock.now()), "time_scale": self.clock.time_scale}

    def advance_clock(self, seconds: float) -> JsonBody:
        """Jump the simulated clock forward and play out what became due."""
        with self._lock:
            now = self.clock.advance(seconds)
            self._tick(now)
        return self.clock_info()

    # -- internals ---------------------------------------------------------------------------

    def _code_maker(self, spec: StartSpec) -> Callable[[], str]:
        last: list[str] = []

        def make() -> str:
            if spec.pin_code is not None:
                return spec.pin_code
            while True:
                code = f"{secrets.randbelow(10**spec.code_length):0{spec.code_length}d}"
                if not last or code != last[-1]:
                    last[:] = [code]
                    return code

        return make

    def _tick(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            due, request_id = heapq.heappop(self._heap)
            if self._scheduled.get(request_id) != due:
                continue
            del self._scheduled[request_id]
            req = self._requests.get(request_id)
            if req is None:
                v2 = self._v2_requests[request_id]
                v2.lifecycle.advance(now)
                self._sync_v2(v2)
                continue
            req.lifecycle.advance(now)
            self._sync(req)

    def _reschedule(self, request_id: str, lifecycle: Lifecycle) -> bool:
        """Schedule a live request's next deadline for ``_tick``; forget a finished one.

        Returns:
            True while the request is live.
        """
        if lifecycle.is_live:
            deadline = lifecycle.next_deadline()
            if deadline is not None and self._scheduled.get(request_id) != deadline:
                self._scheduled[request_id] = deadline
                heapq.heappush(self._heap, (deadline, request_id))
            return True
        self._scheduled.pop(request_id, None)
        return False

    def _sync(self, req: SandboxRequest) -> None:
        """Record new deliveries, free the number when finished, and reschedule."""
        lc = req.lifecycle
        for delivery in lc.deliveries[len(req.event_ids) :]:
            req.event_ids.append(str(uuid.uuid4()))
            self._messages.append(req.message_for(delivery))
        if self._reschedule(req.request_id, lc):
            return
        if self._live.get(req.spec.number) == req.request_id:
            del self._live[req.spec.number]
            if lc.status is VerificationStatus.SUCCESS:
                self._balance -= VERIFY_PRICE
