"""One facade over a profile's API families: it picks v1, v2 or Messages per request.

Both front ends (the window's services and the command line) call :class:`VerifyOperations`;
neither decides which API a request id belongs to. The facade asks the rule of
:mod:`desktop_app.domain.api_family` (the request's history row first, then the id's shape) and
sends the call to that family's desk. A family is one entry of ``_families``: the four operations
on an existing request (check, cancel, next event, search) as that family's desk spells them.

Starting a request is not routed: the front end chooses the API when it starts one
(``start``/``start_psd2`` are Verify v1, ``start_v2`` Verify v2, ``messages.send`` and
``messages.send_code`` the Messages API). For a Messages API row (``api_version``
``"messages"``) check and cancel act on a code sent by message (checked here, no API call),
next is refused (failover goes by itself) and search answers from the history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop_app.domain.api_family import ApiFamily, CheckOutcome, family_of
from desktop_app.domain.errors import FieldError, StoreError, ValidationFailed
from desktop_app.domain.history_writes import RequestChanges
from desktop_app.domain.models import (
    Balance,
    ControlResult,
    VerificationRecord,
    VerificationStatus,
)
from desktop_app.domain.v2_validation import V2Form
from desktop_app.domain.validation import Psd2Form, StartForm
from desktop_app.usecases.desk import Started, VerifyDesk
from desktop_app.usecases.desk_v2 import StartedV2, VerifyDeskV2
from desktop_app.usecases.messages import MessageDesk

__all__ = ["FamilyOperations", "VerifyOperations"]


@dataclass(frozen=True)
class FamilyOperations:
    """The operations on an existing request, as one API family performs them.

    Each one validates, calls the API once and records the outcome in the history (see the
    family's desk for what it raises).
    """

    check: Callable[[str, str], CheckOutcome]
    cancel: Callable[[str], ControlResult]
    next_event: Callable[[str], ControlResult]
    search: Callable[[Sequence[str]], tuple[VerificationRecord, ...]]


class VerifyOperations:
    """Every operation of one profile, each sent to the API family its request belongs to.

    Safe to call from worker threads, like the desks it holds.

    Args:
        v1: The profile's Verify v1 desk (it owns the session history).
        v2: The profile's Verify v2 desk, sharing that history.
        messages: The profile's Messages API desk, sharing that history (None: the profile
            cannot send messages, and message rows cannot be acted on).
    """

    def __init__(
        self, v1: VerifyDesk, v2: VerifyDeskV2, messages: MessageDesk | None = None
    ) -> None:
        self._v1 = v1
        self._v2 = v2
        self._messages = messages
        self._history = v1.session_history
        self._families: dict[ApiFamily, FamilyOperations] = {
            ApiFamily.V1: FamilyOperations(v1.check, v1.cancel, v1.trigger_next_event, v1.search),
            ApiFamily.V2: FamilyOperations(v2.check, v2.cancel, v2.next_workflow, v2.search),
        }
        if messages is not None:
            self._families[ApiFamily.MESSAGES] = FamilyOperations(
                messages.check_code, messages.cancel_code, messages.next_event, messages.search
            )

    # -- the profile ------------------------------------------------------------------------

    @property
    def v1(self) -> VerifyDesk:
        """The Verify v1 desk."""
        return self._v1

    @property
    def v2(self) -> VerifyDeskV2:
        """The Verify v2 desk."""
        return self._v2

    @property
    def messages(self) -> MessageDesk | None:
        """The Messages API desk (None when this profile has none)."""
        return self._messages

    @property
    def profile(self) -> str:
        """The profile name the history rows are written under."""
        return self._v1.profile

    @property
    def operator(self) -> str:
        """Who is at the keyboard, as the history rows record it."""
        return self._v1.operator

    @property
    def history_problem(self) -> StoreError | None:
        """Why this session's history is in memory only, or None while the file works."""
        return self._v1.history_problem

    # -- picking the family -----------------------------------------------------------------

    def family_of(self, request_id: str) -> ApiFamily:
        """The family ``request_id`` belongs to: its history row's, else its shape's."""
        rid = request_id.strip()
        row = self._history.find(rid) if rid else None
        return family_of(rid, row.api_version if row is not None else None)

    def _operations(self, family: ApiFamily) -> FamilyOperations:
        operations = self._families.get(family)
        if operations is None:
            rule = f"is a {family.label} request, which this version of Verify Desk cannot handle"
            raise ValidationFailed([FieldError("request_id", rule)])
        return operations

    def _family(self, request_id: str, family: ApiFamily | None) -> FamilyOperations:
        return self._operations(family or self.family_of(request_id))

    # -- starting ---------------------------------------------------------------------------

    def start(self, form: StartForm, *, allow_unknown_number: bool = False) -> Started:
        """Start a Verify v1 verification (see :meth:`VerifyDesk.start`)."""
        return self._v1.start(form, allow_unknown_number=allow_unknown_number)

    def start_psd2(self, form: Psd2Form, *, allow_unknown_number: bool = False) -> Started:
        """Start a Verify v1 PSD2 verification (see :meth:`VerifyDesk.start_psd2`)."""
        return self._v1.start_psd2(form, allow_unknown_number=allow_unknown_number)

    def start_v2(
        self, form: V2Form, *, allow_unknown_number: bool = False, region: str | None = None
    ) -> StartedV2:
        """Start a Verify v2 verification (see :meth:`VerifyDeskV2.start`)."""
        return self._v2.start(form, allow_unknown_number=allow_unknown_number, region=region)

    # -- routed by request ------------------------------------------------------------------

    def check(self, request_id: str, code: str, *, family: ApiFamily | None = None) -> CheckOutcome:
        """Check a code against the request, in its family.

        Args:
            request_id: The request.
            code: The code the person read; never recorded or logged.
            family: Force a family (the command line's ``--api``); None follows the rule.

        Raises:
            ValidationFailed: Bad id or code, or a family this version cannot handle.
            ApiError: The API refused (``WrongCodeError`` and the like).
            TransportError: The answer did not arrive.
        """
        return self._family(request_id, family).check(request_id, code)

    def cancel(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        """Cancel the request, in its family (same ``family`` and errors as :meth:`check`)."""
        return self._family(request_id, family).cancel(request_id)

    def next_event(self, request_id: str, *, family: ApiFamily | None = None) -> ControlResult:
        """Move the request to its next delivery (v1 ``trigger_next_event``, v2 next workflow)."""
        return self._family(request_id, family).next_event(request_id)

    def search(
        self, request_ids: Sequence[str], *, family: ApiFamily | None = None
    ) -> tuple[VerificationRecord, ...]:
        """Look requests up, each in its family (a v2 request is answered from the history).

        Returns:
            The records of every family, in the order of :class:`ApiFamily` (v1 first).

        Raises:
            ValidationFailed: No id, too many for one family, or a malformed one.
            ApiError: e.g. ``SearchNotFoundError``.
            TransportError: The answer did not arrive.
        """
        # No id at all: v1 refuses it as it refuses any bad search ("request_id: required").
        groups: dict[ApiFamily, list[str]] = {} if request_ids else {ApiFamily.V1: []}
        for request_id in request_ids:
            groups.setdefault(family or self.family_of(request_id), []).append(request_id)
        records: tuple[VerificationRecord, ...] = ()
        for chosen in ApiFamily:
            if chosen in groups:
                records += self._operations(chosen).search(groups[chosen])
        return records

    def mark_unknown_to_server(self, request_ids: Sequence[str]) -> list[str]:
        """Mark the rows of requests the server said it does not know (search: not found).

        Only rows still in progress change (to ``UNKNOWN TO SERVER``, a final status: they are
        never looked up again and allow no action); a row that moved on meanwhile is left.

        Returns:
            The request ids whose rows were marked.
        """
        marked: list[str] = []
        for request_id in request_ids:
            row = self._history.find(request_id)
            if row is None or row.status is not VerificationStatus.IN_PROGRESS:
                continue
            change = RequestChanges(
                status=VerificationStatus.UNKNOWN_TO_SERVER,
                last_error="The server does not know this request (a search found nothing).",
            )
            if self._history.update_by_request_id(request_id, change):
                marked.append(request_id)
        return marked

    # -- the account ------------------------------------------------------------------------

    def balance(self) -> Balance:
        """Read the account balance (the credentials check)."""
        return self._v1.balance()
