"""Whether the API accepts an action on a request now, and if not, why: one rule per action.

The window enables Check, Cancel and "Trigger next event" only while the API would accept them
(field guide ``shared/docs/verify-api.md`` §1.8, §2.3), wherever it offers them: the recent
requests' actions, the "already running" panel and the Check page all ask :func:`rules`. The
rules are the lifecycle's (:mod:`desktop_app.domain.state_machine`,
:mod:`desktop_app.domain.v2_lifecycle`), replayed by :func:`desktop_app.domain.countdown.predict`
from what the window knows of a request (:class:`RequestFacts`):

* **check**: while the request is live (in progress and not expired by the schedule); Verify v2
  takes no code while its current step is silent authentication.
* **cancel**: Verify v1 from 30 s after the start until the second delivery has fired (by the
  search result, or by the schedule since); Verify v2 whenever it is live.
* **next** (trigger the next delivery / channel): while live and a step of the workflow is left.

A refusal is a :class:`Refusal` (its :class:`Blocker` and what it depends on), never text: the
window words it (``desktop_app.ui.messages.why_not``). Pure: no clock reads, no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop_app.domain.api_family import ApiFamily
from desktop_app.domain.countdown import predict
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.domain.v2 import DEFAULT_CHANNEL_TIMEOUT, SILENT_AUTH
from desktop_app.domain.workflows import (
    CANCEL_NOT_BEFORE_S,
    DEFAULT_NEXT_EVENT_WAIT,
    DEFAULT_PIN_EXPIRY,
    DEFAULT_WORKFLOW_ID,
    WORKFLOWS,
)

__all__ = [
    "ActionRules",
    "Blocker",
    "Refusal",
    "RequestFacts",
    "expires_at",
    "facts_of",
    "facts_of_search",
    "fired_by",
    "rules",
    "started_at",
]

#: How far apart the history row's start and the server's may be and still be one clock's.
_SAME_CLOCK_S = 2.0


class Blocker(enum.Enum):
    """Why an action is not accepted now."""

    #: No request is chosen.
    NO_REQUEST = "no_request"
    #: The API never gave this attempt an id (refused, not sent, outcome unknown).
    NO_ID = "no_id"
    #: The request has ended (``Refusal.status`` says how).
    FINISHED = "finished"
    #: The schedule says the request's last code has expired.
    EXPIRED = "expired"
    #: Verify v1: cancel is accepted only from 30 s after the start (``Refusal.seconds`` left).
    TOO_EARLY = "too_early"
    #: Verify v1: cancel is refused once the second delivery has fired.
    TOO_LATE = "too_late"
    #: No delivery step (v1) or channel (v2) is left in the workflow.
    NO_STEP_LEFT = "no_step_left"
    #: Verify v2: the current step is silent authentication, which takes no code.
    SILENT_AUTH = "silent_auth"
    #: This API family has no such call.
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True)
class Refusal:
    """An action the API would refuse now.

    Attributes:
        why: The rule that refuses it.
        seconds: ``TOO_EARLY``: seconds until it is accepted.
        status: ``FINISHED``: the request's status.
    """

    why: Blocker
    seconds: float = 0.0
    status: str = ""


@dataclass(frozen=True)
class ActionRules:
    """Per action, None when the API accepts it now, else why not."""

    check: Refusal | None
    cancel: Refusal | None
    next: Refusal | None

    @classmethod
    def all(cls, refusal: Refusal) -> ActionRules:
        """Every action refused for the same reason."""
        return cls(refusal, refusal, refusal)


@dataclass(frozen=True)
class RequestFacts:
    """What the window knows of one request, for :func:`rules`.

    Attributes:
        family: Its API family.
        status: Its status as last known (history row or search).
        request_id: Its id ("" when the API never gave one).
        started_at: When it started, on the server's clock (seconds).
        steps: Its delivery steps (v1: the workflow's ``"sms"``/``"tts"``; v2: the channels).
        wait: Seconds between steps (v1 ``next_event_wait``, v2 channel timeout).
        workflow_id: Verify v1: its workflow (``steps`` are that workflow's).
        pin_expiry: Verify v1: the PIN lifetime asked for.
        event_times: When each delivery fired, as far as known (a search), oldest first; the
            schedule fills in the ones due since.
    """

    family: ApiFamily
    status: str
    request_id: str
    started_at: float
    steps: tuple[str, ...]
    wait: int
    workflow_id: int = DEFAULT_WORKFLOW_ID
    pin_expiry: int = DEFAULT_PIN_EXPIRY
    event_times: tuple[float, ...] = ()


def started_at(entry: HistoryEntry, record: VerificationRecord | None) -> float:
    """When the request started, on the server's clock (Unix seconds).

    The history row's time is finer (the server's ``date_submitted`` is whole seconds) and was
    stamped with the server's clock, unless it was written before that clock was known or by
    another program: then the server's own date counts (the middle of its second).
    """
    created = _seconds(entry.created_at)
    if record is None or record.date_submitted is None:
        return created
    submitted = _seconds(record.date_submitted)
    return created if abs(created - submitted) <= _SAME_CLOCK_S else submitted + 0.5


def _seconds(moment: datetime) -> float:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def _known_event_times(record: VerificationRecord | None, start: float, wait: int) -> list[float]:
    # The search's dates are the server's: shifted by the difference between its start and ours.
    if record is None or not record.events:
        return []
    shift = 0.0 if record.date_submitted is None else start - _seconds(record.date_submitted)
    first = start if record.first_event_date is None else _seconds(record.first_event_date) + shift
    last = first if record.last_event_date is None else _seconds(record.last_event_date) + shift
    count = len(record.events)
    if count == 1:
        return [first]
    middle = [min(first + i * wait, last) for i in range(1, count - 1)]
    return [first, *middle, last]


def facts_of(entry: HistoryEntry, record: VerificationRecord | None = None) -> RequestFacts:
    """What the history row (and the latest search result, if any) say about a request.

    The search's status wins over the row's (it is newer) unless the row has ended: a check or
    cancel made here ends the row at once, while a search cached a moment earlier still says
    in progress.
    """
    family = ApiFamily.recorded(entry.api_version) or ApiFamily.by_shape(entry.request_id or "")
    status = str(entry.status)
    if record is not None and not entry.status.is_final:
        status = record.status
    start = started_at(entry, record)
    if family is ApiFamily.V1:
        workflow_id = entry.workflow_id if entry.workflow_id in WORKFLOWS else DEFAULT_WORKFLOW_ID
        wait = entry.next_event_wait or DEFAULT_NEXT_EVENT_WAIT
        return RequestFacts(
            family, status, entry.request_id or "", start, WORKFLOWS[workflow_id].steps, wait,
            workflow_id, entry.pin_expiry or DEFAULT_PIN_EXPIRY,
            tuple(_known_event_times(record, start, wait)),
        )  # fmt: skip
    channels = tuple(c.strip() for c in entry.channels.split(",") if c.strip())
    wait = entry.next_event_wait or DEFAULT_CHANNEL_TIMEOUT
    return RequestFacts(family, status, entry.request_id or "", start, channels or ("sms",), wait)


def facts_of_search(record: VerificationRecord) -> RequestFacts | None:
    """What a search says about a request this history has no row for.

    The workflow is not in a search result: the default one is assumed (Verify v2: one SMS
    channel). None when the search gives no start time.
    """
    if record.date_submitted is None:
        return None
    start = _seconds(record.date_submitted)
    if ApiFamily.by_shape(record.request_id) is ApiFamily.V2:  # its channels are unknown
        return RequestFacts(ApiFamily.V2, record.status, record.request_id, start, ("sms",),
                            DEFAULT_CHANNEL_TIMEOUT)  # fmt: skip
    wait = DEFAULT_NEXT_EVENT_WAIT
    return RequestFacts(
        ApiFamily.V1, record.status, record.request_id, start,
        WORKFLOWS[DEFAULT_WORKFLOW_ID].steps, wait,
        event_times=tuple(_known_event_times(record, start, wait)),
    )  # fmt: skip


def expires_at(facts: RequestFacts, now: float) -> float:
    """When the request expires if nothing else happens, as things stand at ``now``."""
    return _expires_at(facts, fired_by(facts, now))


def fired_by(facts: RequestFacts, now: float) -> list[float]:
    """When each delivery fired by ``now``: the known ones, then the schedule's since them."""
    times = list(facts.event_times) or [facts.started_at]
    while len(times) < len(facts.steps) and times[-1] + facts.wait <= now:
        times.append(times[-1] + facts.wait)
    return times


def _expires_at(facts: RequestFacts, times: Sequence[float]) -> float:
    if facts.family is ApiFamily.V1 and facts.workflow_id in WORKFLOWS:
        countdown = predict(facts.started_at, facts.workflow_id, facts.pin_expiry, facts.wait,
                            times)  # fmt: skip
        return countdown.expires_at
    # Verify v2 (and the others): one code until the last step's wait has run out.
    return times[-1] + facts.wait * (1 + max(len(facts.steps) - len(times), 0))


def rules(facts: RequestFacts | None, now: float) -> ActionRules:
    """Which actions the API accepts on the request now.

    Args:
        facts: What is known of the request, or None when none is chosen.
        now: The server's time (seconds, the clock ``facts.started_at`` is on).
    """
    if facts is None:
        return ActionRules.all(Refusal(Blocker.NO_REQUEST))
    if not facts.request_id:
        return ActionRules.all(Refusal(Blocker.NO_ID))
    if facts.status != VerificationStatus.IN_PROGRESS:
        return ActionRules.all(Refusal(Blocker.FINISHED, status=str(facts.status)))
    times = fired_by(facts, now)
    if now >= _expires_at(facts, times):
        return ActionRules.all(Refusal(Blocker.EXPIRED))
    step_left = None if len(times) < len(facts.steps) else Refusal(Blocker.NO_STEP_LEFT)
    if facts.family is ApiFamily.V2:
        current = facts.steps[len(times) - 1] if facts.steps else ""
        check = Refusal(Blocker.SILENT_AUTH) if current == SILENT_AUTH else None
        return ActionRules(check, None, step_left)
    if facts.family is not ApiFamily.V1:
        unsupported = Refusal(Blocker.NOT_SUPPORTED)
        return ActionRules(None, unsupported, unsupported)
    cancel: Refusal | None = None
    if now < facts.started_at + CANCEL_NOT_BEFORE_S:
        cancel = Refusal(Blocker.TOO_EARLY, seconds=facts.started_at + CANCEL_NOT_BEFORE_S - now)
    elif len(times) >= 2:
        cancel = Refusal(Blocker.TOO_LATE)
    return ActionRules(None, cancel, step_left)
