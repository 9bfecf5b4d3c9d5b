"""The analytics page's words and numbers: group labels, table rows and the figures CSV.

No chart library here: the table, the CSV and the labels work without it (and tests check them
without drawing anything).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from desktop_app.domain.analytics import AnalyticsReport, Figures
from desktop_app.domain.countries import COUNTRY_NAMES
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.reports import breakdown, spreadsheet_safe
from desktop_app.ui import formatting

__all__ = [
    "HEADERS",
    "conversion_text",
    "cost_text",
    "figure_row",
    "figure_rows",
    "group_label",
    "median_text",
    "short_label",
    "write_figures_csv",
]

#: The figures table's columns.
HEADERS = ("Group", "Started", "Verified", "Conversion", "Median time to verify", "Cost")
_STATUSES = tuple(status.value for status in VerificationStatus)


def group_label(by: str, key: object) -> str:
    """How a group of the breakdown ``by`` is named on screen and in the CSV."""
    if by == "day" and isinstance(key, datetime):
        return key.strftime("%Y-%m-%d")
    if by == "hour" and isinstance(key, datetime):
        return key.strftime("%Y-%m-%d %H:00")
    if by == "country":
        code = str(key)
        return f"{COUNTRY_NAMES.get(code, code)} ({code})" if code else "Unknown"
    if by == "channel":
        family, _, rest = str(key).partition(":")
        if family == "v2":
            return f"v2: {formatting.v2_channels_text(rest)}"
        workflow = int(rest) if rest.isdigit() else None
        return f"v1: {formatting.workflow_text(workflow)}"
    if by == "api":
        return f"Verify {key}"
    return str(key) if key not in (None, "") else "(none)"


def short_label(by: str, key: object) -> str:
    """A chart axis's label: the region code for a country, the channels in short."""
    if by == "country":
        return str(key) or "?"
    if by == "channel":
        family, _, rest = str(key).partition(":")
        if family == "v2":
            return "v2 " + "→".join(formatting.V2_CHANNEL_SHORT.get(c, c) for c in rest.split(","))
        return f"v1 wf {rest}"
    if by == "api":
        return str(key)
    return group_label(by, key)


def conversion_text(figures: Figures) -> str:
    """``71.1 %``, or the missing placeholder when nothing started."""
    rate = figures.conversion
    return formatting.MISSING if rate is None else f"{rate * 100:.1f} %"


def median_text(figures: Figures) -> str:
    """``2 min 32 s``, or the missing placeholder when nothing was verified."""
    seconds = figures.median_verify_s
    return formatting.MISSING if seconds is None else formatting.format_duration(seconds)


def cost_text(figures: Figures) -> str:
    """``4,773.75 EUR`` (one sum per currency, ``; `` between), or the placeholder."""
    if not figures.cost:
        return formatting.MISSING
    # Sums in a column: cents and thousands separators, so the rows line up and compare (one
    # price keeps its own decimals elsewhere: 0.04675 EUR).
    return "; ".join(f"{amount:,.2f} {currency}".strip()
                     for currency, amount in sorted(figures.cost.items()))  # fmt: skip


def _row(label: str, figures: Figures) -> tuple[str, ...]:
    return (label, f"{figures.started:,}", f"{figures.verified:,}", conversion_text(figures),
            median_text(figures), cost_text(figures))  # fmt: skip


def figure_row(report: AnalyticsReport, row: int) -> tuple[str, ...]:
    """One row of :func:`figure_rows` (the last, ``len(report.groups)``, is ``All``)."""
    if row == len(report.groups):
        return _row("All", report.totals)
    group = report.groups[row]
    return _row(group_label(report.query.by, group.key), group.figures)


def figure_rows(report: AnalyticsReport) -> list[tuple[str, ...]]:
    """The table's rows: every group in order, then the totals (``All``)."""
    by = report.query.by
    rows = [_row(group_label(by, group.key), group.figures) for group in report.groups]
    rows.append(_row("All", report.totals))
    return rows


def _currencies(report: AnalyticsReport) -> list[str]:
    found = set(report.totals.cost)
    return sorted(found)


def _csv_row(label: str, figures: Figures, currencies: Sequence[str]) -> list[str]:
    rate = figures.conversion
    median = figures.median_verify_s
    cells = [
        spreadsheet_safe(label),
        str(figures.started),
        str(figures.verified),
        "" if rate is None else f"{rate:.6f}",
        "" if median is None else f"{median:g}",
    ]
    cells += [str(figures.outcomes.get(status, 0)) for status in _STATUSES]
    cells += [str(figures.cost.get(currency, Decimal(0))) for currency in currencies]
    return cells


def write_figures_csv(report: AnalyticsReport, path: Path) -> None:
    """Write the figures (one row per group, then ``All``) as spreadsheet-safe UTF-8 CSV.

    Columns: the group, started, verified, conversion (0 to 1), median seconds to verify, the
    count of every status, then the cost in each currency (docs/analytics.md).

    Raises:
        OSError: The file cannot be written.
    """
    currencies = _currencies(report)
    title = breakdown(report.query.by).title.lower()
    header = [title, "started", "verified", "conversion", "median_verify_seconds",
              *[f"status_{s.lower().replace(' ', '_')}" for s in _STATUSES],
              *[f"cost_{c or 'unknown'}" for c in currencies]]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        for group in report.groups:
            label = group_label(report.query.by, group.key)
            writer.writerow(_csv_row(label, group.figures, currencies))
        writer.writerow(_csv_row("All", report.totals, currencies))
