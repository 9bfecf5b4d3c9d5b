"""A value the composition root builds on first use, from any thread, exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Lazy"]

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built on first use, from any thread, exactly once.

    The composition root keeps two things this way: the shared ``httpx.Client`` (building it
    loads the CA bundle, about 130 ms, which the first paint does not need) and the built-in
    sandbox server (its modules take about 100 ms to import).

    Args:
        build: Makes the value; called at most once, under a lock.
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def value(self) -> T:
        """The value, built now if needed (not ``get``: httpx's client has its own)."""
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def built(self) -> T | None:
        """The value if it was built, else None (never builds it)."""
        return self._value
