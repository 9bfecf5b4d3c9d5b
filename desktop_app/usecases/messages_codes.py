"""Codes by message: make a code, send it by any Messages channel, check it here.

The rules are :mod:`desktop_app.domain.message_codes`' (Verify's: expiry, the third wrong code
ends it, one live code per number). The steps of a send, each before the next:

1. check the form and the message it makes (``ValidationFailed``: nothing sent or recorded);
2. make the code (CSPRNG) and store only its salted hash and expiry, which also claims the
   number: a live code there refuses the send with ``ConcurrentVerificationError`` naming the
   live message (nothing sent or recorded). The history file must work for this: a code whose
   hash cannot be stored could never be checked, so a ``StoreError`` stops the send;
3. write the OUTCOME UNKNOWN row and send once (:meth:`MessageDesk.send_recorded`);
4. on 202 link the code to its ``message_uuid``; on any failure end the code (its hash wiped),
   so the number is free again. A lost answer ends it too: the message may have arrived, but a
   code this app cannot tie to an id cannot be checked, and a new send is the way on.

A check reads the code's salt, hashes the entered code outside the store's lock, then judges
and records in one transaction (two checks at once cannot both be "the second wrong one").
The code itself exists only in memory during the send: never in a row, a log or an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from desktop_app.domain.audit import ActionKind, Outcome, outcome_of
from desktop_app.domain.errors import (
    ApiError,
    ConcurrentVerificationError,
    ControlRefusedError,
    RequestNotFoundError,
    TooManyAttemptsError,
    TransportError,
    VerifyDeskError,
    WrongCodeError,
)
from desktop_app.domain.message_code_form import CodeForm, code_message, validate_code_form
from desktop_app.domain.message_codes import (
    MAX_WRONG_CODES,
    CodeVerdict,
    StoredCode,
    code_digest,
    make_code,
    new_salt,
)
from desktop_app.domain.message_delivery import CODE_KIND
from desktop_app.domain.messages_validation import validate_message
from desktop_app.domain.models import CheckResult, ControlResult, VerificationStatus
from desktop_app.domain.validation import validate_code
from desktop_app.usecases.messages_recording import validate_message_id

if TYPE_CHECKING:
    from desktop_app.usecases.messages import MessageDesk, MessageSent

__all__ = ["MessageCodes"]

logger = logging.getLogger(__name__)


def _ending_for(exc: VerifyDeskError) -> VerificationStatus:
    if isinstance(exc, ApiError):
        return VerificationStatus.REFUSED
    if isinstance(exc, TransportError) and not exc.outcome_unknown:
        return VerificationStatus.NOT_SENT
    return VerificationStatus.UNKNOWN


class MessageCodes:
    """The code-by-message operations of one :class:`MessageDesk` (its profile and history).

    Args:
        desk: The desk whose client, history, clock and recorder are used.
        make: Makes a code of a given length (the CSPRNG; tests inject a canary).
    """

    def __init__(self, desk: MessageDesk, make: Callable[[int], str] = make_code) -> None:
        self._desk = desk
        self._make = make

    def send(self, form: CodeForm) -> MessageSent:
        """Make a code, send it by message, keep only its salted hash.

        Raises:
            ValidationFailed: Bad form or message; nothing sent or recorded.
            ConcurrentVerificationError: A live code exists for the number (its
                ``request_id`` is the live message's id); nothing sent or recorded.
            StoreError: The code's hash cannot be stored; nothing sent.
            ApiError: The API refused; the row is REFUSED and the code ended.
            TransportError: The row is OUTCOME UNKNOWN (or NOT SENT) and the code ended.
        """
        desk = self._desk
        params = validate_code_form(form)
        route = desk.route()
        code = self._make(params.code_length)
        request = code_message(params, code, webhook_url=route.webhook_url)
        validate_message(request)
        salt = new_salt()
        digest = code_digest(code, salt)
        del code  # only the message carries it from here on
        now = desk.clock()
        store = desk.history.store
        code_id, live = store.reserve_code(
            profile=desk.profile, number=request.to, salt=salt, digest=digest,
            expires_at=now + timedelta(seconds=params.expiry), now=now,
        )  # fmt: skip
        if live is not None:
            refused = ConcurrentVerificationError(
                request_id=live.message_uuid,
                error_text="a code sent by message is still live for this number",
            )
            # Recorded on the live message's row: who tried to send over it, and when.
            self._record(ActionKind.CODE_SEND, refused, live.message_uuid)
            raise refused
        try:
            row = desk.add_row(
                request, kind=CODE_KIND, brand=params.brand or params.from_,
                tracked=route.tracked, code_length=params.code_length, expiry=params.expiry,
            )  # fmt: skip
            store.attach_code(code_id, history_id=row)
        except BaseException:
            store.end_code(code_id, VerificationStatus.NOT_SENT, desk.clock())
            raise

        def linked(message_uuid: str) -> None:
            store.attach_code(code_id, message_uuid=message_uuid)

        def failed(exc: VerifyDeskError) -> None:
            store.end_code(code_id, _ending_for(exc), desk.clock())

        return desk.send_recorded(
            request, row, operation="message_code", tracked=route.tracked, on_ok=linked,
            on_error=failed,
        )  # fmt: skip

    def _record(self, kind: ActionKind, error: VerifyDeskError, rid: str | None) -> None:
        """Record an action that changed nothing (refused before the store judged it)."""
        calls = self._desk.calls
        calls.record(calls.action(kind, outcome_of(error), request_id=rid))

    def _stored(self, message_id: str) -> tuple[str, StoredCode]:
        rid = validate_message_id(message_id)
        stored = self._desk.history.store.find_code(rid)
        if stored is None:
            missing = RequestNotFoundError(
                request_id=rid, error_text="no code was sent by message with this id"
            )
            self._record(ActionKind.CODE_CHECK, missing, rid)
            raise missing
        return rid, stored

    def check(self, message_id: str, code: str) -> CheckResult:
        """Check a code against the one sent in message ``message_id``, locally.

        Raises:
            ValidationFailed: Bad id or code; nothing recorded.
            RequestNotFoundError: No code went with this message, or it ended (verified,
                expired, failed, cancelled); an expired one is recorded as EXPIRED.
            WrongCodeError: Wrong, with attempts left (recorded INVALID).
            TooManyAttemptsError: The third wrong code; the row is FAILED.
            StoreError: The history file cannot be used.
        """
        rid, stored = self._stored(message_id)
        entered = validate_code(code)
        candidate = code_digest(entered, stored.salt) if stored.salt else b""
        del entered
        action = self._desk.calls.action(ActionKind.CODE_CHECK, Outcome.OK, request_id=rid)
        verdict, before = self._desk.history.store.settle_code_check(
            stored.id, candidate, self._desk.clock(), action=action
        )
        logger.info("code check for %s: %s", rid, verdict.value)
        if verdict is CodeVerdict.VALID:
            entry = self._desk.history.find(rid)
            price = entry.price if entry is not None else None
            currency = entry.currency if entry is not None else ""
            return CheckResult(request_id=rid, event_id="", price=price, currency=currency)
        if verdict is CodeVerdict.WRONG:
            left = MAX_WRONG_CODES - before.wrong_codes - 1
            raise WrongCodeError(request_id=rid, error_text=f"{left} attempt(s) left")
        if verdict is CodeVerdict.TOO_MANY:
            raise TooManyAttemptsError(request_id=rid, error_text="the code is now FAILED")
        if verdict is CodeVerdict.EXPIRED:
            raise RequestNotFoundError(request_id=rid, error_text="the code has expired")
        raise RequestNotFoundError(
            request_id=rid, error_text=f"the code is no longer active ({before.ended})"
        )

    def cancel(self, message_id: str) -> ControlResult:
        """End a live code before it is used; its row is CANCELLED.

        Raises:
            ValidationFailed: Not a message id.
            ControlRefusedError: The message carried no code (a sent message cannot be
                recalled).
            RequestNotFoundError: The code already ended.
        """
        rid = validate_message_id(message_id)
        try:
            return self._cancel(rid)
        except (ControlRefusedError, RequestNotFoundError) as refused:
            self._record(ActionKind.CODE_CANCEL, refused, rid)
            raise

    def _cancel(self, rid: str) -> ControlResult:
        stored = self._desk.history.store.find_code(rid)
        if stored is None:
            entry = self._desk.history.find(rid)
            if entry is not None and entry.kind != CODE_KIND:
                raise ControlRefusedError(
                    request_id=rid,
                    error_text="a sent message cannot be recalled; only a code can be ended",
                )
            raise RequestNotFoundError(
                request_id=rid, error_text="no code was sent by message with this id"
            )
        now = self._desk.clock()
        calls = self._desk.calls
        done = calls.action(ActionKind.CODE_CANCEL, Outcome.OK, request_id=rid,
                            history_id=stored.history_id)  # fmt: skip
        store = self._desk.history.store
        if not store.end_code(stored.id, VerificationStatus.CANCELLED, now, action=done):
            raise RequestNotFoundError(
                request_id=rid, error_text=f"the code is no longer active ({stored.ended})"
            )
        return ControlResult("cancel")

    def settle_expiry(self, message_id: str) -> bool:
        """End the message's code as EXPIRED when its time has passed; True when it did."""
        store = self._desk.history.store
        stored = store.find_code(message_id)
        now = self._desk.clock()
        if stored is None or stored.ended or now < stored.expires_at:
            return False
        return store.end_code(stored.id, VerificationStatus.EXPIRED, now)
