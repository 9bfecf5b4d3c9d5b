"""The Verify v2 operations of the sandbox engine (a mixin of ``SandboxEngine``).

Same state, lock and clock as v1: one live request per address across both versions (v1
``number``, every v2 ``to``), one handset inbox, one deadline heap. v2 answers are RFC 7807
problems with real HTTP statuses (field guide §2.4):

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
* Magic number ``...0009`` answers 402 (low balance), as v1 answers status 9.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from desktop_app.domain.lifecycle import CheckOutcome, ControlOutcome, Lifecycle, V2Lifecycle
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import SILENT_AUTH
from desktop_app.sandbox.callbacks import CallbackSender
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.params import basic_credentials, bearer_claims
from desktop_app.sandbox.state import HandsetMessage
from desktop_app.sandbox.throttle import Throttle
from desktop_app.sandbox.v2_state import V2Request
from desktop_app.sandbox.v2_validation import Problem, V2Spec, parse_v2_code, parse_v2_start

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
        f"Request '{request_id[:64]}' was not found or it has been verified already.",
        kind="not-found",
    )


def _conflict(detail: str, request_id: str | None = None) -> Problem:
    extra = {"request_id": request_id} if request_id else None
    return Problem(409, "Conflict", detail, kind="conflict", extra=extra)


class V2Mixin:
    """Verify v2 behaviour over the engine's shared state (see the module docstring)."""

    # Provided by SandboxEngine.
    clock: SimClock
    callback_url: str | None
    allow_fraud_check_bypass: bool
    _key: bytes
    _secret: bytes
    _lock: threading.RLock
    _throttle: Throttle
    _live: dict[str, str]
    _cooldown: dict[str, float]
    _messages: list[HandsetMessage]
    _v2_requests: dict[str, V2Request]
    _callbacks: CallbackSender

    def _tick(self, now: float) -> None:  # pragma: no cover - provided by SandboxEngine
        raise NotImplementedError

    def _reschedule(self, request_id: str, lifecycle: Lifecycle) -> bool:  # pragma: no cover
        raise NotImplementedError  # provided by SandboxEngine

    # -- entry point -------------------------------------------------------------------------

    def verify_v2(
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
        """
        if op not in V2_OPERATIONS:
            raise ValueError(f"unknown v2 operation {op!r}")
        try:
            if op == "silent_auth":
                return self._v2_silent_auth(request_id)
            key = self._v2_authenticate(authorization)
            if not self._throttle.allow(key):
                raise Problem(
                    429, "Rate Limit Hit", "Please wait, then retry your request", kind="throttled"
                )
            if op == "start":
                return self._v2_start(parse_v2_start(_json(body)), key, base_url)
            if op == "check":
                return self._v2_check(request_id, parse_v2_code(_json(body, empty={})))
            if op == "cancel":
                return self._v2_cancel(request_id)
            return self._v2_next(request_id)
        except Problem as problem:
            return V2Answer(problem.status, problem.body())

    # -- operations --------------------------------------------------------------------------

    def _v2_authenticate(self, authorization: str | None) -> str:
        basic = basic_credentials(authorization)
        if basic is not None:
            key_ok = hmac.compare_digest(basic[0].encode(), self._key)
            secret_ok = hmac.compare_digest(basic[1].encode(), self._secret)
            if key_ok and secret_ok:
                return basic[0]
        claims = bearer_claims(authorization)
        if claims is not None:
            application_id = claims.get("application_id")
            if isinstance(application_id, str) and application_id:
                return f"app:{application_id}"
        raise Problem(
            401, "Unauthorized", "You did not provide correct credentials.", kind="unauthorized"
        )

    def _v2_start(self, spec: V2Spec, account: str, base_url: str) -> V2Answer:
        if not spec.fraud_check and not self.allow_fraud_check_bypass:
            raise Problem(
                403,
                "Forbidden",
                "Your account does not have permission to perform this action.",
                kind="forbidden",
            )
        if any(address.endswith("0009") for address in spec.addresses):
            raise Problem(
                402,
                "Low balance",
                "This request could not be performed due to your account balance being low.",
                kind="low-balance",
            )
        with self._lock:
            now = self.clock.now()
            self._tick(now)
            for address in spec.addresses:
                live_id = self._live.get(address)
                if live_id is not None:
                    raise _conflict(CONFLICT_TEXT, live_id)
                if self._cooldown.get(address, 0.0) > now:
                    raise _conflict(CONFLICT_TEXT)
            request_id = str(uuid.uuid4())
            check_url = None
            if spec.workflow[0].channel == SILENT_AUTH:
                check_url = f"{base_url}/v2/verify/{request_id}/silent-auth/redirect"
            lifecycle = V2Lifecycle(
                now,
                _code_maker(spec),
                channels=[channel.channel for channel in spec.workflow],
                channel_timeout=spec.channel_timeout,
            )
            req = V2Request(request_id, spec, account, now, lifecycle, check_url)
            self._v2_requests[request_id] = req
            for address in spec.addresses:
                self._live[address] = request_id
            self._sync_v2(req)
        body: dict[str, Any] = {"request_id": request_id}
        if check_url:
            body["check_url"] = check_url
        return V2Answer(202, body)

    def _live_v2(self, request_id: str) -> tuple[V2Request, float]:
        """The live request (clock played out first), or 404. Call with the lock held."""
        now = self.clock.now()
        self._tick(now)
        req = self._v2_requests.get(request_id)
        if req is None or not req.lifecycle.is_live:
            raise _not_found(request_id)
        return req, now

    def _v2_check(self, request_id: str, code: str) -> V2Answer:
        with self._lock:
            req, now = self._live_v2(request_id)
            outcome = req.lifecycle.check(code, now)
            self._sync_v2(req)
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

    def _v2_cancel(self, request_id: str) -> V2Answer:
        with self._lock:
            req, now = self._live_v2(request_id)
            outcome = req.lifecycle.cancel(now)
            if outcome is ControlOutcome.OK:
                for address in req.spec.addresses:
                    self._cooldown[address] = now + CANCEL_COOLDOWN_S
            self._sync_v2(req)
        if outcome is not ControlOutcome.OK:
            raise _not_found(request_id)
        return V2Answer(204)

    def _v2_next(self, request_id: str) -> V2Answer:
        with self._lock:
            req, now = self._live_v2(request_id)
            outcome, _ = req.lifecycle.trigger_next(now)
            self._sync_v2(req)
        if outcome is ControlOutcome.NO_MORE_EVENTS:
            raise _conflict("There are no more events left to trigger.")
        if outcome is not ControlOutcome.OK:
            raise _not_found(request_id)
        return V2Answer(200)

    def _v2_silent_auth(self, request_id: str) -> V2Answer:
        with self._lock:
            req, now = self._live_v2(request_id)
            if not req.lifecycle.complete_silent_auth(now):
                raise _conflict("The current Verify workflow step is not silent authentication.")
            self._sync_v2(req)
        redirect = req.spec.workflow[0].redirect_url
        if redirect:
            return V2Answer(302, None, f"{redirect.split('#')[0]}#request_id={request_id}")
        return V2Answer(200, {"request_id": request_id, "status": "completed"})

    # -- bookkeeping -------------------------------------------------------------------------

    def _emit(self, payload: dict[str, Any]) -> None:
        url = self.callback_url
        if url:
            self._callbacks.send(url, payload)

    def _sync_v2(self, req: V2Request) -> None:
        """Deliver new channels, send callbacks, free addresses when finished, reschedule."""
        lc = req.lifecycle
        for delivery in lc.deliveries[req.recorded :]:
            req.recorded += 1
            if delivery.index > 0 and lc.steps[delivery.index - 1] == SILENT_AUTH:
                self._emit(req.event_callback("expired", delivery.at))
            message = req.message_for(delivery)
            if message is not None:
                self._messages.append(message)
            if delivery.channel == SILENT_AUTH:
                self._emit(req.event_callback("action_pending", delivery.at))
        if self._reschedule(req.request_id, lc):
            return
        for address in req.spec.addresses:
            if self._live.get(address) == req.request_id:
                del self._live[address]
        if req.summarised:
            return
        req.summarised = True
        finished_at = lc.finalized_at if lc.finalized_at is not None else self.clock.now()
        if lc.current_channel == SILENT_AUTH and lc.status is not VerificationStatus.CANCELLED:
            self._emit(req.event_callback(req.v2_status, finished_at))
        self._emit(req.summary_callback())


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


def _code_maker(spec: V2Spec) -> Callable[[], str]:
    def make() -> str:
        if spec.code is not None:
            return spec.code
        return f"{secrets.randbelow(10**spec.code_length):0{spec.code_length}d}"

    return make
