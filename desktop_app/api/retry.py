"""Capped, jittered exponential backoff, and which failures each kind of call may retry.

Decisions (the reasons matter more than the numbers):

* **start / PSD2 start: never retried.** Any failure after the bytes left may hide an accepted
  start; re-sending would then answer status 10 or, worse, send a second code.
* **search and balance (idempotent reads): retried** on status 1 (throttled), on status 5
  (the API's internal error), on ConnectError (nothing was sent), on the outcome-unknown
  transport failures (timeout, dropped, reset or truncated connection) and on HTTP 5xx. TLS
  failures, unreadable bodies (HTML, malformed JSON) and other HTTP statuses are not retried:
  they mostly mean a wrong host or a broken proxy, which do not go away by themselves, and the
  person sees the answer at once instead of after the backoff. Nor are the call limits
  (:class:`~desktop_app.domain.errors.CallDeadlineError`, an answer too large): a server that
  drips its answer or sends gigabytes would only do it again, for as long again.
* **check / cancel / trigger_next_event (not idempotent): retried only when the server provably
  did not act**: ConnectError (refused, DNS, connect timeout, no free pooled connection) and
  status 1 (the API refused to process the call). A timed-out check may have consumed one of the
  three attempts, so it is reported, not repeated.

A throttled error that is finally raised carries ``retry_after``: the larger of the server's
hint (1 s by default, or HTTP 429's ``Retry-After``) and the backoff the client would have used
next (itself at least 1 s for search, whose limit is one request a second).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from desktop_app.domain.errors import (
    ApiTimeoutError,
    CallDeadlineError,
    ConnectError,
    ConnectionLostError,
    InternalApiError,
    ServerError,
    ThrottledError,
    VerifyDeskError,
)

__all__ = [
    "SEARCH_MIN_DELAY",
    "RetryPolicy",
    "call_with_retry",
    "never",
    "retry_idempotent",
    "retry_if_not_processed",
]

T = TypeVar("T")

#: Verify v1 search allows one request per second per key.
SEARCH_MIN_DELAY = 1.0

RetryDecision = Callable[[VerifyDeskError], bool]


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try and how long to wait in between.

    Attributes:
        attempts: Total tries including the first (1 disables retries).
        base_delay: The first backoff step in seconds; each retry doubles it.
        max_delay: The cap on any single wait.
        rng: Returns a float in [0, 1); injectable so tests are deterministic.
    """

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 4.0
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def delay(self, retry_index: int) -> float:
        """The wait before retry number ``retry_index`` (0 for the first retry).

        "Equal jitter": half of the capped exponential step is fixed, half is random, so
        clients spread out but never hammer the server with near-zero waits.
        """
        step = min(self.max_delay, self.base_delay * (1 << min(retry_index, 32)))
        return step / 2 + step / 2 * float(self.rng())


def never(error: VerifyDeskError) -> bool:
    """Retry decision for starts: nothing is ever retried."""
    return False


def retry_idempotent(error: VerifyDeskError) -> bool:
    """Retry decision for reads (search, balance)."""
    if isinstance(error, CallDeadlineError):
        return False
    if isinstance(
        error,
        ThrottledError | InternalApiError | ConnectError | ApiTimeoutError | ConnectionLostError,
    ):
        return True
    return isinstance(error, ServerError) and (error.http_status or 0) >= 500


def retry_if_not_processed(error: VerifyDeskError) -> bool:
    """Retry decision for check and control: only when the server certainly did not act."""
    return isinstance(error, ThrottledError | ConnectError)


def call_with_retry(
    operation: Callable[[], T],
    *,
    policy: RetryPolicy,
    should_retry: RetryDecision,
    sleep: Callable[[float], None] = time.sleep,
    min_throttle_delay: float = 0.0,
) -> T:
    """Run ``operation``, retrying the failures ``should_retry`` accepts.

    Args:
        operation: The call; raises VerifyDeskError subclasses only.
        policy: Attempts and backoff.
        should_retry: Which errors may be retried for this kind of call.
        sleep: Waits between attempts (tests pass a recorder).
        min_throttle_delay: Floor for the wait after a ThrottledError (1 s for search).

    Returns:
        The operation's result.

    Raises:
        VerifyDeskError: The last failure; a ThrottledError carries ``retry_after``.
    """
    retry_index = 0
    while True:
        try:
            return operation()
        except VerifyDeskError as error:
            wait = policy.delay(retry_index)
            if isinstance(error, ThrottledError):
                wait = max(wait, min_throttle_delay)
            if retry_index + 1 >= policy.attempts or not should_retry(error):
                if isinstance(error, ThrottledError):
                    error.retry_after = max(error.retry_after, wait)
                raise
            retry_index += 1
        sleep(wait)
