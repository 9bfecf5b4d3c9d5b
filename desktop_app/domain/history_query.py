"""What a Recent-requests query asks for: which request rows, newest first, one page at a time.

The window, the CLI, the use cases, the session's memory fallback and the store pass a
:class:`RecentQuery` through unchanged, so each filter is declared once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from desktop_app.domain.models import VerificationStatus

__all__ = ["LATEST", "RecentQuery"]


@dataclass(frozen=True, kw_only=True)
class RecentQuery:
    """One page of the request history, newest first, filtered.

    A count of matching rows (``HistoryStore.count``) applies the filters only: ``text``,
    ``status`` and ``profile``.

    Attributes:
        limit: At most this many rows.
        text: Substring of the number, request id or brand (case-insensitive), or the start of
            the operator's or host's name; a typed phone number (``"+44 7700-900"``) is
            searched as its digits. Empty: no text filter.
        status: Only this status (None: any).
        profile: Only this profile (None: every profile).
        before: ``(created_at, id)`` of the last row of the previous page (keyset paging);
            None: the first page.
    """

    limit: int = 200
    text: str = ""
    status: VerificationStatus | None = None
    profile: str | None = None
    before: tuple[datetime, int] | None = None


#: The newest requests, unfiltered: the first page the window shows (the default query).
LATEST: Final = RecentQuery()
