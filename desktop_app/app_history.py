"""Which history the window's session writes: a team's shared one, or the local file.

The first given of ``--history-url``, the environment's, the starting profile's
(docs/team.md); else the local SQLite file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from desktop_app.settings.credentials import CredentialStore
    from desktop_app.settings.paths import AppPaths
    from desktop_app.settings.profiles import Profile
    from desktop_app.store.history import HistoryStore

__all__ = ["open_history"]

log = logging.getLogger(__name__)


def _file_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_history(
    history_url: str | None,
    passwords: CredentialStore | None,
    paths: AppPaths,
    profile: Profile | None,
    clock: Callable[[], datetime],
    *,
    on_unreachable: Callable[[str], object],
) -> HistoryStore:
    """Open the history this session writes (``history_url``: ``--history-url``, or None).

    A shared history that cannot be opened (server unreachable, bad URL, no keyring) is passed
    to ``on_unreachable`` (the window's status bar) and the session keeps its history in the
    local file instead.
    """
    from desktop_app.domain.errors import VerifyDeskError
    from desktop_app.domain.history_url import HistoryUrlError, PostgresTarget
    from desktop_app.settings.history_target import chosen_history_url, history_password
    from desktop_app.store.history import HistoryStore

    try:
        target = chosen_history_url(history_url, profile)
        if isinstance(target, PostgresTarget):
            password = history_password(target, passwords)
            # Writes made while the server is away wait here (one file per database).
            outbox = paths.data_dir / f"outbox-{_file_key(target.keyring_item)}.sqlite3"
            return HistoryStore(str(target), clock=clock, password=password, outbox=outbox)
        if target is not None:
            return HistoryStore(target.path, clock=clock)
    except (HistoryUrlError, VerifyDeskError) as exc:
        log.warning("shared history not opened: %s", exc)
        on_unreachable(str(exc))
    return HistoryStore(paths.history_db, clock=clock)
