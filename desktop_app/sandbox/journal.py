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
#: A deadline heap entry: ``(due, family, request_id)``.
Deadline = tuple[float, str, str]


class Answer(Exception):  # noqa: N818 - it is an answer, not a failure of the sandbox
    """Base of the exceptions that carry an API's answer: a transaction they end commits."""


class Transaction:
    """The changes of one operation, undoable until it ends.

    Attributes:
        now: The simulated time the operation happens at (read once, when it began).
    """

    def __init__(self, now: float) -> None:
        self.now = now
        self._undo: list[Callable[[], None]] = []
        self._edited: set[int] = set()
        self._after: list[Callable[[], None]] = []

    def put(self, table: MutableMapping[K, V], key: K, value: V) -> None:
        """``table[key] = value``."""
        old = table.get(key, _MISSING)
        if old is _MISSING:
            self._undo.append(lambda: table.pop(key, None))  # type: ignore[arg-type]
        else:
            self._undo.append(lambda: table.__setitem__(key, old))
        table[key] = value

    def delete(self, table: MutableMapping[K, V], key: K) -> None:
        """``del table[key]`` (nothing when absent)."""
        old = table.get(key, _MISSING)
        if old is _MISSING:
            return
        self._undo.append(lambda: table.__setitem__(key, old))
        del table[key]

    def append(self, items: list[T], item: T) -> None:
        """``items.append(item)``."""
        size = len(items)
        self._undo.append(lambda: items.__delitem__(slice(size, None)))
        items.append(item)

    def setattr(self, obj: object, name: str, value: object) -> None:
        """``setattr(obj, name, value)``."""
        old = getattr(obj, name)
        self._undo.append(lambda: setattr(obj, name, old))
        setattr(obj, name, value)

    def heap_pop(self, heap: list[Deadline]) -> Deadline:
        """``heapq.heappop(heap)``; undone by pushing the entry back."""
        entry = heapq.heappop(heap)
        self._undo.append(lambda: heapq.heappush(heap, entry))
        return entry

    def edit(self, obj: T) -> T:
        """Remember ``obj``'s attributes (lists copied) before it is changed in place.

        For mutable records and lifecycles whose methods change them; once per object per
        transaction. Returns ``obj``.
        """
        if id(obj) not in self._edited:
            self._edited.add(id(obj))
            fields = vars(obj)
            saved = fields.copy()
            for name, value in saved.items():  # values replaced, never keys: safe to iterate
                if value.__class__ is list:
                    saved[name] = value[:]

            def restore() -> None:
                fields.clear()
                fields.update(saved)

            self._undo.append(restore)
        return obj

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Run ``action`` if the transaction is rolled back (to undo a change made elsewhere)."""
        self._undo.append(action)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction commits (never when it is rolled back)."""
        self._after.append(action)

    def rollback(self) -> None:
        """Undo every change, newest first."""
        undo, self._undo, self._after = self._undo, [], []
        for action in reversed(undo):
            action()

    def commit(self) -> None:
        """Keep the changes and run the ``after_commit`` actions in order."""
        after, self._undo, self._after = self._after, [], []
        for action in after:
            action()
