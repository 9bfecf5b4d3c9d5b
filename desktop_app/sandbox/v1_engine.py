"""The Verify v1 engine: start, PSD2 start, check, search and control on the shared state.

Transport-free: the HTTP layer hands in the decoded parameters (every name maps to the list of
values sent) and the Basic credentials, and gets back a JSON-ready body (the HTTP layer writes
it as JSON or XML). Delivery events and expiries are played out lazily from the shared deadline
heap on every call, so no background thread is needed and the clock can jump.

Test numbers: the domain's catalogue (:mod:`desktop_app.domain.test_numbers`, read through
:mod:`desktop_app.sandbox.test_numbers`) gives some numbers a fixed outcome: a refused start
(``...0007`` status 7 with network ``25503``, ``...0009`` 9, ``...0015`` 15, ``...0029`` 29 and
``4477009005NN`` status NN), a number busy with a live request (status 10), a fixed code, a
search that answers 101 for a minute after the end. Every other valid number follows the
normal lifecycle. A number live in Verify v2 (or cooling down after a v2 cancel) answers status 10.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.sandbox.engines import live_record, play_record, summaries
from desktop_app.sandbox.journal import Transaction
from desktop_app.sandbox.records import shown
from desktop_app.sandbox.shared import SharedState
from desktop_app.sandbox.test_numbers import fixed_code_for, is_busy, search_lag, v1_refusal
from desktop_app.sandbox.v1_state import CURRENCY, VERIFY_PRICE, V1Request
from desktop_app.sandbox.v1_validation import (
    MAX_REQUEST_ID,
    Params,
    Refused,
    StartSpec,
    first,
    parse_check,
    parse_control,
    parse_search,
    parse_start,
)

__all__ = ["V1_OPERATIONS", "JsonBody", "V1Engine"]

JsonBody = dict[str, Any]
V1_OPERATIONS = ("start", "psd2", "check", "search", "control")
#: The network code status 10 reports for the sandbox's simulated numbers.
SANDBOX_NETWORK = "23410"
CONCURRENT_TEXT = "Concurrent verifications to the same number are not allowed"
WRONG_CODE_TEXT = "The code provided does not match the expected value"
TOO_MANY_TEXT = "The wrong code was provided too many times. Request terminated"
PIN_CODE_TEXT = "This account does not support the parameter: pin_code."


def _check_not_found(raw_id: str) -> str:
    request_id = shown(raw_id, MAX_REQUEST_ID)
    return (
        "The Vonage platform was unable to process this message for the following reason: "
        f"Request '{request_id}' was not found or it has been verified already."
    )


def _control_text(outcome: ControlOutcome, raw_id: str) -> tuple[str, str]:
    request_id = shown(raw_id, MAX_REQUEST_ID)
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


def authenticated_key(state: SharedState, params: Params, basic: tuple[str, str] | None) -> str:
    """The API key of a v1-style call (parameters, else Basic), or :class:`Refused` 2 / 4."""
    key, secret = first(params, "api_key"), first(params, "api_secret")
    if key is None and secret is None and basic is not None:
        key, secret = basic
    if not key:
        raise Refused("2", "Missing api_key")
    if not secret:
        raise Refused("2", "Missing api_secret")
    if not state.account.matches(key, secret):
        raise Refused("4", "Bad credentials")
    return key


def _searchable(req: V1Request, now: float) -> bool:
    """False while a test number's finished request is not yet searchable (101)."""
    lag = search_lag(req.spec.number)
    finished = req.lifecycle.finalized_at
    return lag is None or finished is None or now >= finished + lag


class V1Engine:
    """Verify v1 over the shared state: its own table of requests, the shared everything else.

    Args:
        state: The shared state (this engine registers itself as family ``v1``).
        allow_pin_code: Whether the account accepts a custom ``pin_code`` (else status 20).
    """

    family = "v1"

    def __init__(self, state: SharedState, *, allow_pin_code: bool = False) -> None:
        self.state = state
        self.allow_pin_code = allow_pin_code
        self.requests: dict[str, V1Request] = state.register(self)

    def verify(self, op: str, params: Params, basic: tuple[str, str] | None) -> JsonBody:
        """Answer one Verify call; ``op`` is start, psd2, check, search or control.

        Raises:
            ValueError: ``op`` is not a Verify v1 operation.
        """
        if op not in V1_OPERATIONS:
            raise ValueError(f"unknown operation {op!r}")
        request_id = ""
        try:
            key = authenticated_key(self.state, params, basic)
            bucket = self.state.search_throttle if op == "search" else self.state.throttle
            if not bucket.allow(key):
                raise Refused("1", "Throttled")
            if op in ("start", "psd2"):
                return self._start(parse_start(params, psd2=op == "psd2"), key)
            if op == "check":
                request_id = first(params, "request_id") or ""
                return self._check(*parse_check(params))
            if op == "control":
                return self._control(*parse_control(params))
            return self._search(*parse_search(params))
        except Refused as refusal:
            body: JsonBody = {"status": refusal.status, "error_text": refusal.error_text}
            if op in ("start", "psd2"):
                body = {"request_id": "", **body}
            elif op == "check" and request_id:
                body = {"request_id": request_id[:32], **body}
            return body

    # -- operations --------------------------------------------------------------------------

    def _start(self, spec: StartSpec, account_id: str) -> JsonBody:
        if spec.pin_code is not None and not self.allow_pin_code:
            raise Refused("20", PIN_CODE_TEXT)
        refusal = v1_refusal(spec.number)
        if refusal is not None:
            refused, network = refusal
            body: JsonBody = {"status": refused.status, "error_text": refused.error_text}
            if network:
                body["network"] = network
            return body if network else {"request_id": "", **body}
        state = self.state
        with state.begin() as tx:
            number = spec.number
            if (
                is_busy("v1", number)
                and not state.live_on(number)
                and not state.cooling(number, tx.now)
            ):
                self._open(tx, spec, account_id)  # "started elsewhere": this start gets 10
            live_id = state.live_on(spec.number)
            if live_id is not None or state.cooling(spec.number, tx.now):
                # After a v2 cancel the number stays busy a few seconds with nothing live.
                return {
                    "request_id": live_id or "",
                    "status": "10",
                    "error_text": CONCURRENT_TEXT,
                    "network": SANDBOX_NETWORK,
                }
            request_id = self._open(tx, spec, account_id)
        return {"request_id": request_id, "status": "0"}

    def _open(self, tx: Transaction, spec: StartSpec, account_id: str) -> str:
        """Create a live request in ``tx``; returns its id."""
        request_id = uuid.uuid4().hex
        fixed = spec.pin_code or fixed_code_for("v1", (spec.number,), spec.code_length)
        lifecycle = Lifecycle(
            tx.now,
            self.state.codes.for_request(spec.code_length, fixed),
            workflow_id=spec.workflow_id,
            pin_expiry=spec.pin_expiry,
            next_event_wait=spec.next_event_wait,
        )
        req = V1Request(request_id, spec, account_id, tx.now, lifecycle)
        tx.put(self.requests, request_id, req)
        self.state.claim(tx, (spec.number,), request_id)
        self._sync(tx, req)
        return request_id

    def _check(self, request_id: str, code: str) -> JsonBody:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            outcome = CheckOutcome.NOT_ACTIVE
            if req is not None:
                outcome = req.lifecycle.check(code, tx.now)
                self._sync(tx, req)
            if req is not None and outcome is CheckOutcome.MATCH:
                delivery = req.lifecycle.current_delivery
                return {
                    "request_id": request_id,
                    "status": "0",
                    "event_id": req.event_ids[delivery.index],
                    "price": f"{VERIFY_PRICE}",
                    "currency": CURRENCY,
                    "estimated_price_messages_sent": f"{req.messages_cost():.5f}",
                }
        # Refused after the block: the wrong attempt it counted is kept.
        if outcome is CheckOutcome.WRONG:
            raise Refused("16", WRONG_CODE_TEXT)
        if outcome is CheckOutcome.TOO_MANY:
            raise Refused("17", TOO_MANY_TEXT)
        raise Refused("6", _check_not_found(request_id))

    def _control(self, request_id: str, cmd: str) -> JsonBody:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            if req is None:
                outcome = ControlOutcome.NOT_ACTIVE
            else:
                lifecycle = req.lifecycle
                if cmd == "cancel":
                    outcome = lifecycle.cancel(tx.now)
                else:
                    outcome, _ = lifecycle.trigger_next(tx.now)
                self._sync(tx, req)
        if outcome is ControlOutcome.OK:
            return {"status": "0", "command": cmd}
        raise Refused(*_control_text(outcome, request_id))

    def _search(self, ids: list[str], several: bool) -> JsonBody:
        with self.state.begin() as tx:
            found = [
                self.requests[i].search_record()
                for i in ids
                if i in self.requests and _searchable(self.requests[i], tx.now)
            ]
        if several and found:
            return {"verification_requests": found}
        if found:
            return found[0]
        body: JsonBody = {"status": "101", "error_text": "No response found"}
        return body if several else {"request_id": ids[0], **body}

    # -- the shared state's side -------------------------------------------------------------

    def play_due(self, tx: Transaction, request_id: str) -> None:
        """Play a request's due delivery events and expiry up to ``tx.now``."""
        play_record(tx, self.requests, request_id, self._sync)

    def listing(self) -> Iterable[tuple[float, dict[str, Any]]]:
        """``(created_at, summary)`` of every v1 request."""
        return summaries(self.requests)

    def _sync(self, tx: Transaction, req: V1Request) -> None:
        """Record new deliveries, reschedule, and free the number (and charge) when finished."""
        lc = req.lifecycle
        for delivery in lc.deliveries[len(req.event_ids) :]:
            tx.append(req.event_ids, str(uuid.uuid4()))
            self.state.deliver(tx, req.message_for(delivery))
        self.state.schedule(tx, self.family, req.request_id, lc.next_deadline())
        if lc.is_live:
            return
        freed = self.state.release(tx, (req.spec.number,), req.request_id)
        if freed and lc.status is VerificationStatus.SUCCESS:
            self.state.debit(tx, VERIFY_PRICE)
