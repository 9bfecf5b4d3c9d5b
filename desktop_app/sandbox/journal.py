"""The undo journal of one change to the sandbox's data: all of it happens, or none of it.

:meth:`SharedState.begin <desktop_app.sandbox.shared.SharedState.begin>` opens a
:class:`Transaction`; every change an engine makes goes through it (``put``, ``delete``,
``append``, ``heap_pop``, or ``edit`` before changing an object's attributes in place). When the
operation raises an unexpected exception, :meth:`Transaction.rollback` undoes the changes newest
first, so the error answers HTTP 500 and leaves the state exactly as it was before the call. An
:class:`Answer` (an API's refusal raised as an exception) is not a failure: what the operation
changed before it stands (a wrong code still counts an attempt).
Side effects outside the data (callbacks to a client's URL) wait in :meth:`after_commit`, so a
rolled-back change never announces itself.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

__all__ = ["Answer", "Deadline", "Transaction"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_MISSING: Any = object()
# The kinds of journal entries: (kind, target, key, old value).
_SET, _POP, _TRUNCATE, _ATTR, _PUSH, _FIELDS, _CALL = range(7)
#: A deadline heap entry: ``(due, family, request_id)``.
Deadline = tuple[float, str, str]


class Answer(Exception):  # noqa: N818 - it is an answer, not a failure of the sandbox
    """Base of the exceptions that carry an API's answer: a transaction they end commits."""


class Transaction:
    """The changes of one operation, undoable until it ends.

    Each change is journalled as one small tuple (no closure: this is on every call, and the
    garbage it makes costs most when the sandbox holds many requests).

    Attributes:
        now: The simulated time the operation happens at (read once, when it began).
    """

    __slots__ = ("_after", "_edited", "_undo", "now")

    def __init__(self, now: float) -> None:
        self.now = now
        self._undo: list[tuple[int, Any, Any, Any]] = []
        self._edited: list[int] | None = None
        self._after: list[Callable[[], None]] | None = None

    @property
    def changed(self) -> bool:
        """True once anything was journalled: the data may differ from before (a save is due)."""
        return bool(self._undo)

    def put(self, table: MutableMapping[K, V], key: K, value: V) -> None:
        """``table[key] = value``."""
        old = table.get(key, _MISSING)
        self._undo.append((_POP if old is _MISSING else _SET, table, key, old))
        table[key] = value

    def delete(self, table: MutableMapping[K, V], key: K) -> None:
        """``del table[key]`` (nothing when absent)."""
        old = table.pop(key, _MISSING)
        if old is not _MISSING:
            self._undo.append((_SET, table, key, old))

    def append(self, items: list[T], item: T) -> None:
        """``items.append(item)``."""
        self._undo.append((_TRUNCATE, items, len(items), None))
        items.append(item)

    def setattr(self, obj: object, name: str, value: object) -> None:
        """``setattr(obj, name, value)``."""
        self._undo.append((_ATTR, obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    def heap_pop(self, heap: list[Deadline]) -> Deadline:
        """``heapq.heappop(heap)``; undone by pushing the entry back."""
        entry = heapq.heappop(heap)
        self._undo.append((_PUSH, heap, entry, None))
        return entry

    def edit(self, obj: T) -> T:
        """Remember ``obj``'s attributes (lists copied) before it is changed in place.

        For mutable records and lifecycles whose methods change them; once per object per
        transaction. Returns ``obj``.
        """
        edited = self._edited
        if edited is None:
            edited = self._edited = []
        key = id(obj)
        if key not in edited:
            edited.append(key)
            fields = obj.__dict__
            saved = fields.copy()
            for name, value in saved.items():  # values replaced, never keys: safe to iterate
                if value.__class__ is list:
                    saved[name] = value[:]
            self._undo.append((_FIELDS, fields, saved, None))
        return obj

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Run ``action`` if the transaction is rolled back (to undo a change made elsewhere)."""
        self._undo.append((_CALL, action, None, None))

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction commits (never when it is rolled back)."""
        if self._after is None:
            self._after = []
        self._after.append(action)

    def rollback(self) -> None:
        """Undo every change, newest first."""
        undo, self._undo, self._after = self._undo, [], None
        for kind, target, key, old in reversed(undo):
            if kind == _SET:
                target[key] = old
            elif kind == _POP:
                target.pop(key, None)
            elif kind == _TRUNCATE:
                del target[key:]
            elif kind == _ATTR:
                setattr(target, key, old)
            elif kind == _PUSH:
                heapq.heappush(target, key)
            elif kind == _FIELDS:
                target.clear()
                target.update(key)
            else:
                target()

    def commit(self) -> None:
        """Keep the changes and run the ``after_commit`` actions in order."""
        after, self._undo, self._after = self._after, [], None
        for action in after or ():
            action()
