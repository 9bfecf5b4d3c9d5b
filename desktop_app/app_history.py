"""Which history the window's session writes, and switching it when the profile's differs.

The first given of ``--history-url``, the environment's, the active profile's (docs/team.md);
else the local SQLite file. :class:`HistorySwitch` is the session's switch step
(``services.session.SwitchStep``): on every profile switch (the first one at start-up included)
it works out the profile's history and, when it is not the one open, opens it (and migrates
it) on the switch's worker thread, never the GUI thread; then the composition root installs it
and retires the previous one (drained, then closed: ``desktop_app.app``).

A shared history that cannot be opened at start-up is reported (the status bar) and the
session keeps its history in the local file; one that cannot be opened at a later switch is
reported plainly and the previous history stays.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from datetime import datetime

    from desktop_app.services.tasks import TaskRunner
    from desktop_app.settings.credentials import CredentialStore
    from desktop_app.settings.paths import AppPaths
    from desktop_app.settings.profiles import Profile
    from desktop_app.store.history import HistoryStore

__all__ = [
    "OPENING_TEAM", "UPDATING", "HistorySwitch", "Opened", "open_history", "retire_when_drained",
]  # fmt: skip

log = logging.getLogger(__name__)

#: Said (status bar, Recent requests) while an old history file is brought up to date.
UPDATING = "Updating the history database… (this happens once)"
#: Said while a team's shared history is being reached.
OPENING_TEAM = "Connecting to the team's history…"


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
    local file instead. Slow (a migration, a server): never on the GUI thread.
    """
    from desktop_app.domain.errors import VerifyDeskError
    from desktop_app.domain.history_url import HistoryUrlError
    from desktop_app.settings.history_target import chosen_history_url

    try:
        return _open_target(chosen_history_url(history_url, profile), passwords, paths, clock)
    except (HistoryUrlError, VerifyDeskError) as exc:
        log.warning("shared history not opened: %s", exc)
        on_unreachable(str(exc))
    from desktop_app.store.history import HistoryStore

    return HistoryStore(paths.history_db, clock=clock)


def _open_target(
    target: object, passwords: CredentialStore | None, paths: AppPaths,
    clock: Callable[[], datetime],
) -> HistoryStore:
    from desktop_app.domain.history_url import PostgresTarget, SqliteTarget
    from desktop_app.settings.history_target import history_password
    from desktop_app.store.history import HistoryStore

    if isinstance(target, PostgresTarget):
        password = history_password(target, passwords)
        # Writes made while the server is away wait here (one file per database).
        outbox = paths.data_dir / f"outbox-{_file_key(target.keyring_item)}.sqlite3"
        return HistoryStore(str(target), clock=clock, password=password, outbox=outbox)
    if isinstance(target, SqliteTarget):
        return HistoryStore(target.path, clock=clock)
    return HistoryStore(paths.history_db, clock=clock)


def needs_update(path: Path) -> bool:
    """True when a SQLite history file exists at an older schema version (a slow migration)."""
    from desktop_app.store.schema import SCHEMA_VERSION

    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # the open will say what is wrong
    return 0 < version < SCHEMA_VERSION


@dataclass(frozen=True)
class Opened:
    """What :meth:`HistorySwitch.prepare` made: the history for ``key``, or why there is none.

    Attributes:
        key: Which history (its URL without a password, or the local file's path).
        store: The open store; None when it could not be opened (``problem`` says why).
        problem: Plain words for the person; "" when all went well.
    """

    key: str
    store: HistoryStore | None
    problem: str = ""


class HistorySwitch(QObject):
    """The session's switch step that opens the profile's history off the GUI thread.

    Args:
        history_url: ``--history-url`` (wins over every profile's), or None.
        passwords: Shared-history passwords (None: the keyring).
        paths: The app's folders (the local file, the outboxes).
        clock: The history's clock.
        install: Called on the GUI thread with a newly opened store to make it the history.
        parent: The Qt parent.

    Signals:
        status(str): What the history is doing, for the status bar ("" when done).
        unreachable(str): The start-up's shared history could not be opened (why).
        failed(str): A switch's history could not be opened; the previous one stays (why).
    """

    status = Signal(str)
    unreachable = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        history_url: str | None,
        passwords: CredentialStore | None,
        paths: AppPaths,
        clock: Callable[[], datetime],
        install: Callable[[HistoryStore], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._option = history_url
        self._passwords = passwords
        self._paths = paths
        self._clock = clock
        self._install = install
        self._lock = threading.Lock()
        #: The history in use (its key), set on the GUI thread; read by ``prepare``.
        self._installed: tuple[str, HistoryStore] | None = None
        #: Opened by ``prepare`` and not applied yet (a superseded switch never applies).
        self._unapplied: dict[str, Opened] = {}

    @property
    def store(self) -> HistoryStore | None:
        """The history in use, or None before the first switch applied."""
        return self._installed[1] if self._installed is not None else None

    def _key(self, profile: Profile) -> tuple[str, object]:
        from desktop_app.settings.history_target import chosen_history_url

        target = chosen_history_url(self._option, profile)
        return (str(target) if target is not None else str(self._paths.history_db)), target

    def prepare(self, profile: Profile) -> Opened | None:
        """Off the GUI thread: open ``profile``'s history unless it is the one in use."""
        from desktop_app.domain.errors import VerifyDeskError
        from desktop_app.domain.history_url import HistoryUrlError, PostgresTarget, SqliteTarget
        from desktop_app.ui import messages

        first = self._installed is None
        try:
            key, target = self._key(profile)
        except HistoryUrlError as exc:
            key, target = f"invalid:{profile.name}", exc
        with self._lock:
            stale = [o for k, o in self._unapplied.items() if k != key]
            self._unapplied = {k: o for k, o in self._unapplied.items() if k == key}
            again = self._unapplied.get(key)
        for old in stale:
            if old.store is not None:
                old.store.close(wait=5.0)
        if again is not None:
            return again
        if self._installed is not None and self._installed[0] == key:
            return None
        if isinstance(target, PostgresTarget):
            self.status.emit(OPENING_TEAM)
        elif needs_update(target.path if isinstance(target, SqliteTarget)
                          else self._paths.history_db):
            self.status.emit(UPDATING)
        if first:
            store = open_history(self._option, self._passwords, self._paths, profile,
                                 self._clock, on_unreachable=self.unreachable.emit)
            opened = Opened(key, store)
        else:
            try:
                if isinstance(target, HistoryUrlError):
                    raise target
                opened = Opened(key, _open_target(target, self._passwords, self._paths,
                                                  self._clock))
            except (HistoryUrlError, VerifyDeskError) as exc:
                log.warning("the history of profile %r was not opened: %s", profile.name, exc)
                opened = Opened(key, None, (
                    f"The history of profile {profile.name} could not be opened, so Recent "
                    f"requests keeps showing the previous one. {messages.describe(exc)}"))
        if opened.store is not None:
            with self._lock:
                self._unapplied[key] = opened
        return opened

    def apply(self, prepared: object) -> None:
        """On the GUI thread: install what :meth:`prepare` opened (or say why it could not)."""
        self.status.emit("")
        if not isinstance(prepared, Opened):
            return
        with self._lock:
            if self._unapplied.get(prepared.key) is prepared:
                del self._unapplied[prepared.key]
        if prepared.store is None:
            self.failed.emit(prepared.problem)
            return
        if self._installed is not None and self._installed[1] is prepared.store:
            return
        self._installed = (prepared.key, prepared.store)
        self._install(prepared.store)

    def close_unapplied(self) -> None:
        """Close what superseded switches opened and never applied (at shutdown)."""
        with self._lock:
            left, self._unapplied = list(self._unapplied.values()), {}
        for opened in left:
            if opened.store is not None:
                opened.store.close(wait=1.0)


def retire_when_drained(
    old: HistoryStore, runners: Sequence[TaskRunner], close_on: TaskRunner,
    closed: Callable[[HistoryStore], object],
) -> None:
    """Close ``old`` once every job now in flight on ``runners`` has reported back.

    Those jobs may still write ``old`` (a send between its first and last write); jobs started
    from now on use the new history. The close itself runs on ``close_on`` (it waits for calls
    still inside the store), then ``closed(old)`` is called on the GUI thread. Call on the GUI
    thread, once the new desk is in place.
    """
    waiting = [task for runner in runners for task in runner.in_flight()]
    left = [len(waiting)]

    def close() -> None:
        close_on.submit(lambda: old.close(wait=10.0), name="history.close_previous",
                        then=lambda _done: closed(old))

    def one_done() -> None:
        left[0] -= 1
        if left[0] == 0:
            close()

    if not waiting:
        close()
    for task in waiting:
        task.on_finished(one_done)
