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
from datetime import datetime
from decimal import Decimal

from desktop_app.domain.models import VerificationStatus

__all__ = ["AnalyticsQuery", "AnalyticsReport", "Figures", "Group", "median_of_histogram"]


@dataclass(frozen=True)
class AnalyticsQuery:
    """What to compute.

    Attributes:
        since: First moment of the range (aware).
        until: End of the range, exclusive (aware).
        by: The breakdown's name (``"day"``, ``"country"``...).
        profile: Only this profile (None: every profile).
        utc_offsets: ``(from_moment_micros, offset_seconds)`` pairs, ascending, giving the local
            time's UTC offset from each moment on; the day and hour buckets follow it (daylight
            saving included). Empty means UTC.
    """

    since: datetime
    until: datetime
    by: str = "day"
    profile: str | None = None
    utc_offsets: tuple[tuple[int, int], ...] = ()


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
