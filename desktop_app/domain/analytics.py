"""Analytics figures: what the store's aggregates come back as, and how they are derived.

``Figures`` are the numbers for one group of requests (a day, a country, the whole range);
``AnalyticsReport`` holds the totals and one ``Figures`` per group of the chosen breakdown
(:data:`desktop_app.domain.reports.BREAKDOWNS`). Definitions (also in docs/analytics.md):

* **started**: every request created in the range (refused and never-sent starts included, as
  they are starts the person asked for);
* **verified**: requests whose status is ``SUCCESS``; **conversion** = verified / started;
* **outcome mix**: the count per status;
* **median time to verify**: over verified requests with a finalisation time, the median of
  ``finalized_at - created_at`` in whole seconds (rounded down; the mean of the two middle values
  for an even count);
* **cost**: the sum of ``price`` per currency (exact decimals), requests without a price skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal

from desktop_app.domain.models import VerificationStatus

__all__ = [
    "AnalyticsQuery",
    "AnalyticsReport",
    "Figures",
    "Group",
    "median_of_histogram",
    "utc_offset_changes",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class AnalyticsQuery:
    """What to compute.

    Attributes:
        since: First moment of the range (aware).
        until: End of the range, exclusive (aware).
        by: The breakdown's name (``"day"``, ``"country"``...).
        profile: Only this profile (None: every profile).
        tz: The time zone of the day and hour buckets (None: this computer's local time, with
            its daylight-saving changes).
    """

    since: datetime
    until: datetime
    by: str = "day"
    profile: str | None = None
    tz: tzinfo | None = None


def _offset_s(moment: datetime, tz: tzinfo | None) -> int:
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    offset = local.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def utc_offset_changes(
    since: datetime, until: datetime, tz: tzinfo | None = None
) -> tuple[tuple[int, int], ...]:
    """The UTC offset of ``tz`` over ``[since, until)``, as ``(from_micros, offset_s)`` pairs.

    The first pair starts at ``since``; one more follows each change (daylight saving), found
    to the second. Time zones change offset at most a few times a year, so a daily walk with a
    bisection at each change is exact and cheap.
    """
    start = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    end = until if until.tzinfo is not None else until.replace(tzinfo=UTC)
    changes = [(_micros(start), _offset_s(start, tz))]
    here = start
    while here < end:
        step = min(here + _DAY, end)
        offset = _offset_s(step, tz)
        if offset != changes[-1][1]:
            # Whole seconds: offset(low) is the old offset, offset(high) the new one.
            low, high = _micros(here) // 1_000_000, -(-_micros(step) // 1_000_000)
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_s(_EPOCH + timedelta(seconds=middle), tz) == offset:
                    high = middle
                else:
                    low = middle
            changes.append((high * 1_000_000, offset))
        here = step
    return tuple(changes)


def median_of_histogram(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as ``{value: how many}``; None when there are none."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    wanted = ((total - 1) // 2, total // 2)  # the middle index, or the two middle indexes
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        while len(found) < 2 and seen <= wanted[len(found)] < seen + count:
            found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


@dataclass(frozen=True)
class Figures:
    """The figures of one group of requests (see the module docstring for the definitions).

    Attributes:
        started: Requests created in the range.
        outcomes: Count per status value (``"SUCCESS"``, ``"EXPIRED"``...); absent means 0.
        median_verify_s: Median seconds from start to verified, or None with no verified row.
        cost: Sum of prices per currency code (``""`` when the API sent none).
    """

    started: int = 0
    outcomes: Mapping[str, int] = field(default_factory=dict)
    median_verify_s: float | None = None
    cost: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def verified(self) -> int:
        """Requests that ended verified (status ``SUCCESS``)."""
        return self.outcomes.get(VerificationStatus.SUCCESS.value, 0)

    @property
    def conversion(self) -> float | None:
        """Verified / started, from 0 to 1; None when nothing started."""
        return self.verified / self.started if self.started else None


@dataclass(frozen=True)
class Group:
    """One group of the breakdown.

    Attributes:
        key: Its identity: for ``day``/``hour`` the bucket's first local moment (naive, local
            wall time); for ``country`` the ISO region (``""`` when unknown); for ``channel``
            ``"v1:<workflow id>"`` or ``"v2:<channels>"``; else the column's value.
        figures: Its figures.
    """

    key: object
    figures: Figures


@dataclass(frozen=True)
class AnalyticsReport:
    """The answer to an :class:`AnalyticsQuery`: totals and the groups in display order."""

    query: AnalyticsQuery
    totals: Figures
    groups: tuple[Group, ...]
