"""The built-in sandbox's memory: its whole state in one file that several processes share.

The window's sandbox and ``verify-desk-cli --sandbox`` keep one state, as the real API keeps
its requests whoever asks: a :class:`StateFile` attached to a
:class:`~desktop_app.sandbox.shared.SharedState` (:meth:`SharedState.persist_to
<desktop_app.sandbox.shared.SharedState.persist_to>`) makes every transaction

1. take an OS file lock (``fcntl.flock`` on ``<file>.lock``; the state file itself is replaced
   on every save, so it cannot carry the lock),
2. reload the file when another process replaced it since this one last read or wrote it,
3. save it when the transaction changed anything, *before* the change commits: a save that
   fails rolls the change back, so what a caller was told is what the file holds,
4. and let the lock go.

The format is JSON, versioned (:data:`FORMAT`, :data:`VERSION`)::

    {"format": ..., "version": 1,
     "clock": {"now": simulated seconds, "wall": Unix seconds of the save, "time_scale": x},
     "balance": "10.5", "live": {address: id}, "cooldowns": {address: until},
     "handset": [message, ...], "deadlines": [[due, family, id], ...],
     "tables": {family: {id: record}}}

Time goes on while no process holds the sandbox, at the speed it was left at (the clock is
read as ``now + (wall now - wall) * time_scale``), as the real API's requests expire whether
or not a window is open. Saves are atomic (a temporary file written, flushed to disk, then
renamed over the old one) and the file is the owner's only (mode 0600). Never saved: the
account's credentials; each process's own latency and callback URL; the throttles and the fault
plan.

Records: each engine family's records are written and read by its :class:`RecordCodec` (the
Verify ones are in :mod:`desktop_app.sandbox.persist_records`); a family read from a file that
this version has no codec for is kept as read and written back unchanged. Every save writes the
whole state, so the file keeps what can still change (live requests) and only the newest
:data:`KEEP_FINISHED` finished requests of each family, with their handset messages: a
long-running demo neither grows the file nor slows every change down. A file that cannot
be read (damaged, or another format) is moved aside as ``<file>.unreadable`` and the sandbox
starts empty.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol, TypeVar

from desktop_app.sandbox.clock import MAX_TIME, ClockState
from desktop_app.sandbox.codes import CodeMaker
from desktop_app.sandbox.records import HandsetMessage
from desktop_app.sandbox.shared import SharedData, SharedState

if sys.platform != "win32":
    import fcntl

__all__ = [
    "FORMAT",
    "KEEP_FINISHED",
    "VERSION",
    "RecordCodec",
    "StateFile",
    "StateFileError",
    "plain_dataclass",
]

log = logging.getLogger(__name__)

FORMAT = "verify-desk-sandbox-state"
VERSION = 1
#: The finished records of each family a save keeps (the newest; live ones are all kept).
KEEP_FINISHED = 200

T = TypeVar("T")


class StateFileError(ValueError):
    """The file is not a sandbox state this version can read (the message says why)."""


class RecordCodec(Protocol):
    """How one table's records (an engine family's) are written to and read from the file."""

    def dump(self, record: Any) -> Any:
        """The record as a JSON-ready value."""

    def load(self, data: Any, codes: CodeMaker) -> Any:
        """The record ``dump`` wrote; ``codes`` rebuilds its code source.

        Raises:
            StateFileError: (or KeyError, TypeError, ValueError) ``data`` is not such a record.
        """

    def finished_at(self, record: Any) -> float | None:
        """When the record stopped changing, or None while it may still change."""


# -- plain values --------------------------------------------------------------------------


def number(value: Any, what: str) -> float:
    """A finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StateFileError(f"{what} is not a number")
    return float(value)


def _check(value: Any, kind: Any, what: str) -> Any:
    """``value`` if it is of the annotated ``kind`` (str, int, float, bool, X | None)."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if value is None and type(None) in options:
        return None
    if float in options and not isinstance(value, bool) and isinstance(value, int | float):
        return number(value, what)
    for option in options:
        if option in (str, int, bool) and type(value) is option:
            return value
    raise StateFileError(f"{what} is not a {kind}")


def plain_dataclass(cls: type[T], raw: Any, **given: Any) -> T:
    """A dataclass of plain fields (str, int, float, bool, optional) from a JSON object.

    Args:
        cls: The dataclass.
        raw: What :func:`dataclasses.asdict` gave for it (extra names are refused).
        given: Fields not read from ``raw`` (the nested ones a codec builds itself).

    Raises:
        StateFileError: A name is unknown or a value is not of its field's type.
    """
    if not isinstance(raw, dict) or not is_dataclass(cls):
        raise StateFileError(f"a {cls.__name__} is not a JSON object")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise StateFileError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
    values = {
        name: _check(value, hints[name], f"{cls.__name__}.{name}")
        for name, value in raw.items()
        if name not in given
    }
    return cls(**values, **given)


def _mapping(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise StateFileError(f"{what} is not a JSON object")
    return raw


def _list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise StateFileError(f"{what} is not a JSON array")
    return raw


# -- the file ------------------------------------------------------------------------------


class StateFile:
    """One sandbox state file: the lock, the reload when it changed, the atomic save.

    Args:
        path: The state file (its folder must exist; the lock file sits beside it).
        codecs: Family name -> how its records are saved.
        wall_time: The real wall clock (injectable for tests).
    """

    def __init__(
        self,
        path: Path,
        codecs: Mapping[str, RecordCodec],
        *,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._codecs = dict(codecs)
        self._wall_time = wall_time
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock_fd: int | None = None
        # (inode, mtime, size) of the file as last read or written: another one means it was
        # replaced by another process.
        self._seen: tuple[int, int, int] | None = None
        # A newer version's families (no codec here): written back as they were read.
        self._opaque: dict[str, Any] = {}
        self._opaque_deadlines: list[list[Any]] = []
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"StateFile({str(self.path)!r})"

    # -- the lock ------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the inter-process lock (blocks while another process holds it).

        Raises:
            OSError: The lock file cannot be opened.
        """
        if self._lock_fd is None:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            self._lock_fd = os.open(self._lock_path, flags, 0o600)
        if sys.platform != "win32":
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def release(self) -> None:
        """Let the inter-process lock go."""
        if self._lock_fd is not None and sys.platform != "win32":
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (the state file stays)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    # -- reading -------------------------------------------------------------------------------

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self, state: SharedState) -> bool:
        """Load the file into ``state`` when it changed since last seen (lock held).

        A file that cannot be read is moved aside (once, logged) and the state kept.

        Returns:
            True when the file was loaded.
        """
        signature = self._signature()
        if signature is None or signature == self._seen:
            return False
        try:
            text = self.path.read_text(encoding="utf-8")
            self._load(state, json.loads(text))
        except (StateFileError, KeyError, TypeError, ValueError, RecursionError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            log.warning("sandbox state %s cannot be read (%s); moved to %s, starting afresh",
                        self.path, exc, aside.name)
            os.replace(self.path, aside)
            self._seen = None
            return False
        self._seen = signature
        return True

    def _load(self, state: SharedState, raw: Any) -> None:
        top = _mapping(raw, "the state file")
        if top.get("format") != FORMAT:
            raise StateFileError("not a Verify Desk sandbox state")
        if top.get("version") != VERSION:
            raise StateFileError(f"format version {top.get('version')!r} (this reads {VERSION})")
        clock = _mapping(top["clock"], "clock")
        scale = number(clock["time_scale"], "clock.time_scale")
        wall = number(clock["wall"], "clock.wall")
        # Time went on while nobody held the sandbox, at the speed it was left at.
        elapsed = max(0.0, self._wall_time() - wall) * scale
        now = min(MAX_TIME, number(clock["now"], "clock.now") + elapsed)
        data = self._decode(top, state.codes)
        state.clock.restore(ClockState(now, scale))
        state.adopt(data)

    def _decode(self, top: dict[str, Any], codes: CodeMaker) -> SharedData:
        try:
            balance = Decimal(str(top["balance"]))
        except InvalidOperation:
            raise StateFileError("balance is not a decimal number") from None
        live = {str(k): str(v) for k, v in _mapping(top["live"], "live").items()}
        raw_cooldowns = _mapping(top["cooldowns"], "cooldowns")
        cooldowns = {str(k): number(v, "a cooldown") for k, v in raw_cooldowns.items()}
        handset = [
            plain_dataclass(HandsetMessage, item) for item in _list(top["handset"], "handset")
        ]
        tables: dict[str, dict[str, Any]] = {}
        opaque: dict[str, Any] = {}
        for family, records in _mapping(top["tables"], "tables").items():
            codec = self._codecs.get(family)
            if codec is None:
                opaque[family] = records
                continue
            tables[family] = {
                str(rid): codec.load(rec, codes) for rid, rec in _mapping(records, family).items()
            }
        deadlines: list[tuple[float, str, str]] = []
        opaque_deadlines: list[list[Any]] = []
        for item in _list(top["deadlines"], "deadlines"):
            due, family, request_id = _list(item, "a deadline")
            if family in opaque:
                opaque_deadlines.append(item)
            else:
                deadlines.append((number(due, "a deadline"), str(family), str(request_id)))
        deadlines.sort()  # a sorted list is a heap
        self._opaque, self._opaque_deadlines = opaque, opaque_deadlines
        data = SharedData(
            balance=balance,
            tables=tables,
            live=live,
            cooldowns=cooldowns,
            handset=handset,
            deadlines=deadlines,
            scheduled={rid: due for due, _, rid in deadlines},
        )
        return data

    # -- writing -------------------------------------------------------------------------------

    def save(self, state: SharedState) -> None:
        """Write ``state`` atomically (lock held).

        Raises:
            OSError: The file cannot be written (the old one is untouched).
        """
        text = json.dumps(self._encode(state), separators=(",", ":"))
        folder = self.path.parent
        temporary = folder / f".{self.path.name}.{os.getpid()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(folder)
        self._seen = self._signature()

    def _encode(self, state: SharedState) -> dict[str, Any]:
        data = state.data
        reading = state.clock.state()
        tables: dict[str, Any] = dict(self._opaque)
        saved: set[str] = set()
        dropped: set[str] = set()
        for family, records in data.tables.items():
            codec = self._codecs.get(family)
            if codec is None:
                if family not in self._warned:
                    self._warned.add(family)
                    log.warning("sandbox records of %r are not saved: no codec", family)
                continue
            saved.add(family)
            kept = _kept(codec, records)
            dropped.update(rid for rid in records if rid not in kept)
            tables[family] = {rid: codec.dump(records[rid]) for rid in kept}
        scheduled = data.scheduled
        deadlines = sorted(
            [due, family, rid]
            for due, family, rid in data.deadlines
            if scheduled.get(rid) == due and family in saved
        )
        deadlines.extend(self._opaque_deadlines)
        return {
            "format": FORMAT,
            "version": VERSION,
            "clock": {"now": reading.now, "wall": self._wall_time(),
                      "time_scale": reading.time_scale},
            "balance": str(data.balance),
            "live": data.live,
            "cooldowns": data.cooldowns,
            "handset": [_message(m) for m in data.handset if m.request_id not in dropped],
            "deadlines": deadlines,
            "tables": tables,
        }  # fmt: skip


def _kept(codec: RecordCodec, records: Mapping[str, Any]) -> list[str]:
    """The ids a save keeps: every record still changing, the newest finished ones."""
    finished: list[tuple[float, str]] = []
    kept: list[str] = []
    for rid, record in records.items():
        at = codec.finished_at(record)
        if at is None:
            kept.append(rid)
        else:
            finished.append((at, rid))
    if len(finished) > KEEP_FINISHED:
        finished.sort()
        finished = finished[-KEEP_FINISHED:]
    kept.extend(rid for _, rid in finished)
    return kept


def _message(message: HandsetMessage) -> dict[str, Any]:
    return {f.name: getattr(message, f.name) for f in fields(message)}


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the folder); best effort elsewhere."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
