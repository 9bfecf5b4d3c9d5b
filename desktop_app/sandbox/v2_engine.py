"""The Verify v2 engine: start, check, cancel, next workflow and silent auth on the shared state.

A collaborator of :class:`~desktop_app.sandbox.shared.SharedState`, like the v1 engine: one
live request per address across both versions (v1 ``number``, every v2 ``to``), one handset
inbox, one deadline heap. v2 answers are RFC 7807 problems with real HTTP statuses (field guide
§2.4):

======================================  ====================================================
start                                   202 ``{request_id[, check_url]}``; 422 invalid params;
                                        409 concurrent (``request_id`` of the live one); 403
                                        ``fraud_check: false`` unless allowed; 401; 429
check ``POST /v2/verify/{id}``          200 completed; 400 wrong; 410 third wrong (failed);
                                        409 silent auth step; 404 unknown or finished
cancel ``DELETE /v2/verify/{id}``       204; 404 unknown or finished
next ``POST .../next_workflow``         200 (no body); 409 no channel left; 404
silent auth ``GET .../silent-auth/      302 to ``redirect_url#request_id=...`` or 200 JSON;
redirect`` (no auth: the handset)       409 when silent auth is not the current step; 404
======================================  ====================================================

Decisions:

* Auth is HTTP Basic ``key:secret``, or ``Authorization: Bearer <JWT>``: the token is decoded
  **without checking its signature** (the sandbox has no application public key) and must
  carry an ``application_id`` claim; the throttle key is then the application id.
* After a v2 cancel, every address of the request stays busy for
  :data:`CANCEL_COOLDOWN_S` simulated seconds (field guide §4, vonage-node-sdk#1036): a start
  (v1 or v2) to it gets 409 / status 10 *without* a request id, since nothing is live.
* Cancel has no 30 s rule in v2 (none is documented).
* Silent auth completing through its check URL finishes the request as completed (and sends
  the ``event`` and ``summary`` callbacks); the redirect fragment carries the request id only.
* Test numbers (:mod:`desktop_app.sandbox.test_numbers`, from the domain's catalogue): a start
  refused with a problem (``...0009`` 402 low balance, as v1 answers status 9; 422, 429), a
  number busy with a live request (409), a fixed code, channels that fail to deliver (the next
  one fires at once) and a fraud block (accepted, then ``blocked`` with nothing delivered).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, V2Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import SILENT_AUTH
from desktop_app.sandbox.engines import live_record, play_record, summaries
from desktop_app.sandbox.journal import Transaction
from desktop_app.sandbox.params import basic_credentials, bearer_claims
from desktop_app.sandbox.problems import Problem
from desktop_app.sandbox.records import shown
from desktop_app.sandbox.shared import SharedState
from desktop_app.sandbox.test_numbers import (
    blocked_reason,
    failing_steps,
    fixed_code_for,
    is_busy,
    v2_problem,
)
from desktop_app.sandbox.v2_state import V2Request
from desktop_app.sandbox.v2_validation import V2Spec, parse_v2_code, parse_v2_start

__all__ = ["CANCEL_COOLDOWN_S", "V2_OPERATIONS", "V2Answer", "V2Engine"]

#: Simulated seconds an address stays busy after a v2 cancel.
CANCEL_COOLDOWN_S = 10.0
V2_OPERATIONS = ("start", "check", "cancel", "next_workflow", "silent_auth")
CONFLICT_TEXT = "Concurrent verifications to the same number are not allowed."


class V2Answer(NamedTuple):
    """What the HTTP layer writes: status, JSON body (None = no body), ``Location``."""

    status: int
    body: dict[str, Any] | None = None
    location: str | None = None


def _not_found(request_id: str) -> Problem:
    return Problem(
        404,
        "Not Found",
        f"Request '{shown(request_id, 64)}' was not found or it has been verified already.",
        kind="not-found",
    )


def _conflict(detail: str, request_id: str | None = None) -> Problem:
    extra = {"request_id": request_id} if request_id else None
    return Problem(409, "Conflict", detail, kind="conflict", extra=extra)


class V2Engine:
    """Verify v2 over the shared state: its own table of requests, the shared everything else.

    Args:
        state: The shared state (this engine registers itself as family ``v2``).
        allow_fraud_check_bypass: Whether ``fraud_check: false`` is allowed (else 403).
    """

    family = "v2"

    def __init__(self, state: SharedState, *, allow_fraud_check_bypass: bool = False) -> None:
        self.state = state
        self.allow_fraud_check_bypass = allow_fraud_check_bypass
        self.requests: dict[str, V2Request] = state.register(self)

    def verify(
        self,
        op: str,
        request_id: str = "",
        body: bytes = b"",
        *,
        authorization: str | None = None,
        base_url: str = "",
    ) -> V2Answer:
        """Answer one Verify v2 call.

        Args:
            op: ``start``, ``check``, ``cancel``, ``next_workflow`` or ``silent_auth``.
            request_id: The id from the path (all but start).
            body: The raw request body.
            authorization: The ``Authorization`` header (not needed for ``silent_auth``).
            base_url: Scheme, host and port the client used (for ``check_url``).

        Raises:
            ValueError: ``op`` is not a Verify v2 operation.
        """
        if op not in V2_OPERATIONS:
            raise ValueError(f"unknown v2 operation {op!r}")
        try:
            if op == "silent_auth":
                return self._silent_auth(request_id)
            key = self._authenticate(authorization)
            if not self.state.throttle.allow(key):
                raise Problem(
                    429, "Rate Limit Hit", "Please wait, then retry your request", kind="throttled"
                )
            if op == "start":
                return self._start(parse_v2_start(_json(body)), key, base_url)
            if op == "check":
                return self._check(request_id, parse_v2_code(_json(body, empty={})))
            if op == "cancel":
                return self._cancel(request_id)
            return self._next(request_id)
        except Problem as problem:
            return V2Answer(problem.status, problem.body())

    # -- operations --------------------------------------------------------------------------

    def _authenticate(self, authorization: str | None) -> str:
        basic = basic_credentials(authorization)
        if basic is not None and self.state.account.matches(*basic):
            return basic[0]
        claims = bearer_claims(authorization)
        if claims is not None:
            application_id = claims.get("application_id")
            if isinstance(application_id, str) and application_id:
                return f"app:{application_id}"
        raise Problem(
            401, "Unauthorized", "You did not provide correct credentials.", kind="unauthorized"
        )

    def _start(self, spec: V2Spec, account: str, base_url: str) -> V2Answer:
        if not spec.fraud_check and not self.allow_fraud_check_bypass:
            raise Problem(
                403,
                "Forbidden",
                "Your account does not have permission to perform this action.",
                kind="forbidden",
            )
        problem = v2_problem(spec.addresses)
        if problem is not None:
            raise problem
        state = self.state
        with state.begin() as tx:
            busy = [a for a in spec.addresses if is_busy("v2", a) and state.live_on(a) is None]
            if busy and not state.cooling(busy[0], tx.now):
                self._open(tx, spec, account, base_url)  # "started elsewhere": this gets 409
            for address in spec.addresses:
                live_id = state.live_on(address)
                if live_id is not None:
                    raise _conflict(CONFLICT_TEXT, live_id)
                if state.cooling(address, tx.now):
                    raise _conflict(CONFLICT_TEXT)
            request_id, check_url = self._open(tx, spec, account, base_url)
        body: dict[str, Any] = {"request_id": request_id}
        if check_url:
            body["check_url"] = check_url
        return V2Answer(202, body)

    def _open(
        self, tx: Transaction, spec: V2Spec, account: str, base_url: str
    ) -> tuple[str, str | None]:
        """Create a live request in ``tx``; returns its id and check URL."""
        state = self.state
        request_id = str(uuid.uuid4())
        check_url = None
        if spec.workflow[0].channel == SILENT_AUTH:
            check_url = f"{base_url}/v2/verify/{request_id}/silent-auth/redirect"
        steps = [(channel.channel, channel.to) for channel in spec.workflow]
        fixed = spec.code or fixed_code_for("v2", spec.addresses, spec.code_length)
        lifecycle = V2Lifecycle(
            tx.now,
            state.codes.for_request(spec.code_length, fixed),
            channels=[channel for channel, _ in steps],
            channel_timeout=spec.channel_timeout,
            failing_steps=failing_steps(steps),
        )
        req = V2Request(request_id, spec, account, tx.now, lifecycle, check_url)
        req.blocked_reason = blocked_reason(spec.addresses)
        tx.put(self.requests, request_id, req)
        state.claim(tx, spec.addresses, request_id)
        self._sync(tx, req)
        return request_id, check_url

    def _check(self, request_id: str, code: str) -> V2Answer:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            if req is None:
                raise _not_found(request_id)
            outcome = req.lifecycle.check(code, tx.now)
            self._sync(tx, req)
        # Refused after the block: the wrong attempt it counted is kept.
        if outcome is CheckOutcome.MATCH:
            return V2Answer(200, {"request_id": request_id, "status": "completed"})
        if outcome is CheckOutcome.WRONG:
            raise Problem(
                400,
                "Invalid Code",
                "The code you provided does not match the expected value.",
                kind="bad-request",
            )
        if outcome is CheckOutcome.TOO_MANY:
            raise Problem(
                410,
                "Invalid Code",
                "An incorrect code has been provided too many times. Workflow terminated.",
                kind="gone",
            )
        if outcome is CheckOutcome.CODE_NOT_SUPPORTED:
            raise _conflict("The current Verify workflow step does not support a code.")
        raise _not_found(request_id)

    def _cancel(self, request_id: str) -> V2Answer:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            if req is None:
                raise _not_found(request_id)
            outcome = req.lifecycle.cancel(tx.now)
            if outcome is ControlOutcome.OK:
                self.state.cool_down(tx, req.spec.addresses, tx.now + CANCEL_COOLDOWN_S)
            self._sync(tx, req)
        if outcome is not ControlOutcome.OK:
            raise _not_found(request_id)
        return V2Answer(204)

    def _next(self, request_id: str) -> V2Answer:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            if req is None:
                raise _not_found(request_id)
            outcome, _ = req.lifecycle.trigger_next(tx.now)
            self._sync(tx, req)
        if outcome is ControlOutcome.NO_MORE_EVENTS:
            raise _conflict("There are no more events left to trigger.")
        if outcome is not ControlOutcome.OK:
            raise _not_found(request_id)
        return V2Answer(200)

    def _silent_auth(self, request_id: str) -> V2Answer:
        with self.state.begin() as tx:
            req = live_record(tx, self.requests, request_id)
            if req is None:
                raise _not_found(request_id)
            completed = req.lifecycle.complete_silent_auth(tx.now)
            if completed:
                self._sync(tx, req)
        if not completed:
            raise _conflict("The current Verify workflow step is not silent authentication.")
        redirect = req.spec.workflow[0].redirect_url
        if redirect:
            return V2Answer(302, None, f"{redirect.split('#')[0]}#request_id={request_id}")
        return V2Answer(200, {"request_id": request_id, "status": "completed"})

    # -- the shared state's side -------------------------------------------------------------

    def play_due(self, tx: Transaction, request_id: str) -> None:
        """Play a request's due channels and expiry up to ``tx.now``."""
        play_record(tx, self.requests, request_id, self._sync)

    def listing(self) -> Iterable[tuple[float, dict[str, Any]]]:
        """``(created_at, summary)`` of every v2 request."""
        return summaries(self.requests)

    def _sync(self, tx: Transaction, req: V2Request) -> None:
        """Deliver new channels, send callbacks, free addresses when finished, reschedule."""
        state, lc = self.state, req.lifecycle
        for delivery in lc.deliveries[req.recorded :]:
            tx.setattr(req, "recorded", req.recorded + 1)
            before = delivery.index - 1
            if before >= 0 and lc.steps[before] == SILENT_AUTH and before not in lc.failed_steps:
                state.emit(tx, req.event_callback("expired", delivery.at))
            if delivery.index in lc.failed_steps:
                # A test number's channel that cannot deliver: nothing reaches the handset.
                if delivery.channel == SILENT_AUTH:
                    state.emit(tx, req.event_callback("failed", delivery.at))
                continue
            message = req.message_for(delivery)
            if message is not None:
                state.deliver(tx, message)
            if delivery.channel == SILENT_AUTH:
                state.emit(tx, req.event_callback("action_pending", delivery.at))
        state.schedule(tx, self.family, req.request_id, lc.next_deadline())
        if lc.is_live:
            return
        state.release(tx, req.spec.addresses, req.request_id)
        if req.summarised:
            return
        tx.setattr(req, "summarised", True)
        finished_at = lc.finalized_at if lc.finalized_at is not None else tx.now
        failed_last = lc.deliveries[-1].index in lc.failed_steps
        silent_last = lc.current_channel == SILENT_AUTH and not failed_last
        if silent_last and lc.status is not VerificationStatus.CANCELLED:
            state.emit(tx, req.event_callback(req.v2_status, finished_at))
        state.emit(tx, req.summary_callback())


def _json(body: bytes, *, empty: Any = None) -> Any:
    if not body.strip():
        if empty is not None:
            return empty
        raise Problem(400, "Bad Request", "The request body is empty.", kind="bad-request")
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise Problem(
            400, "Bad Request", "The request body is not valid JSON.", kind="bad-request"
        ) from None
