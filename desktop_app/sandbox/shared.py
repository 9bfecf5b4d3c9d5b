"""The state every sandbox engine shares, and the one way to change it: a transaction.

Two halves, kept apart so the data can be saved and loaded as it is:

* :class:`SharedData`: plain data only (dataclasses, dicts, lists, numbers, strings). Each
  engine's records live in ``tables[family]``; the rest is common to all: which request is live
  on an address (one live verification per address across Verify v1 and v2), the cooldowns
  after a v2 cancel, the handset inbox, the deadline heap, the balance, and the two run-time
  settings (latency, callback URL).
* :class:`SharedState`: the run time around the data: the lock, the clock, the account's
  credentials, the throttles, the code maker, the callback sender and the engines registered
  by family. None of it is saved (the credentials never are).

An engine (Verify v1, Verify v2, the Messages API to come; see
:class:`~desktop_app.sandbox.engines.Engine`) is a collaborator given the state, never a part of
it. It registers itself under its family name, keeps its records in the table it gets back,
and changes anything only inside :meth:`SharedState.begin`::

    with state.begin() as tx:      # lock held, clock read once (tx.now), due deadlines played
        tx.put(table, request_id, record)          # every change through tx ...
        state.deliver(tx, message)                 # ... or a state method taking tx
        tx.edit(record.lifecycle).check(code, tx.now)  # journal an object, then change it

An unexpected exception escaping the block rolls every change back and sends no callback; an
:class:`~desktop_app.sandbox.journal.Answer` (a v1 ``Refused``, a v2 ``Problem``) commits what
was changed before it.

Deadlines: :meth:`SharedState.schedule` records when a request next needs attention (a
delivery event, an expiry, a status event); on every ``begin`` the due ones are handed, oldest
first, to their family's :meth:`Engine.play_due`.

Persistence: :meth:`SharedState.persist_to` attaches a :class:`StateStore` (the built-in
sandbox's state file, :mod:`desktop_app.sandbox.persist`). The outermost ``begin`` then takes
its inter-process lock and reloads what another process saved; a transaction that changed
anything is saved before it commits (a failed save rolls it back), and the lock goes with the
thread lock.
"""

from __future__ import annotations

import heapq
import hmac
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from desktop_app.sandbox.callbacks import CallbackSender
from desktop_app.sandbox.clock import ClockState, SimClock
from desktop_app.sandbox.codes import CodeMaker
from desktop_app.sandbox.engines import Engine
from desktop_app.sandbox.journal import Answer, Transaction
from desktop_app.sandbox.records import HandsetMessage
from desktop_app.sandbox.throttle import Throttle

__all__ = ["Account", "SharedData", "SharedState", "StateStore"]


@dataclass
class SharedData:
    """Everything the sandbox remembers, as plain data (what a save file holds).

    Attributes:
        balance: The account balance in EUR.
        tables: Each engine's records: family -> request id -> record.
        live: Address (number or email) -> the id of the live verification sent to it.
        cooldowns: Address -> simulated time until which a new verification is refused.
        handset: Every message delivered, oldest first.
        deadlines: A heap of ``(due, family, request_id)``; entries whose ``due`` no longer
            matches ``scheduled`` are stale and skipped.
        scheduled: Request id -> the one deadline that counts for it.
        latency: Real seconds added before every API answer.
        callback_url: Where Verify v2 callbacks go (None: nowhere).
    """

    balance: Decimal = Decimal("10.5")
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    live: dict[str, str] = field(default_factory=dict)
    cooldowns: dict[str, float] = field(default_factory=dict)
    handset: list[HandsetMessage] = field(default_factory=list)
    deadlines: list[tuple[float, str, str]] = field(default_factory=list)
    scheduled: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0
    callback_url: str | None = None


class Account:
    """The one account the sandbox serves (the secret is never shown, saved or echoed).

    Args:
        api_key: The account's key.
        api_secret: Its secret.
    """

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key = api_key
        self._key = api_key.encode()
        self._secret = api_secret.encode()

    def __repr__(self) -> str:
        return f"Account(api_key={self.api_key!r})"

    def matches(self, key: str, secret: str) -> bool:
        """True when both are right (compared in constant time)."""
        key_ok = hmac.compare_digest(key.encode(), self._key)
        secret_ok = hmac.compare_digest(secret.encode(), self._secret)
        return key_ok and secret_ok


class StateStore(Protocol):
    """Where a state lives between runs, shared with other processes (a state file)."""

    def acquire(self) -> None:
        """Take the inter-process lock."""

    def release(self) -> None:
        """Let it go."""

    def refresh(self, state: SharedState) -> bool:
        """Load what another process saved since (lock held); True when something was loaded."""

    def save(self, state: SharedState) -> None:
        """Save ``state`` (lock held); raises ``OSError`` when it cannot."""

    def close(self) -> None:
        """Free what it holds (the saved state stays)."""


class SharedState:
    """The sandbox's data and everything around it at run time (see the module docstring).

    Args:
        account: The account's credentials.
        clock: The simulated clock every time comes from.
        data: The data to start from (a fresh :class:`SharedData` by default).
        rate_limit: API calls per second per key (0 disables throttling).
        search_rate_limit: Verify v1 search calls per second per key (0 disables).
        real_time: Monotonic real time for the throttles (injectable for tests).
        codes: The code maker (injectable for tests).
    """

    def __init__(
        self,
        account: Account,
        clock: SimClock,
        data: SharedData | None = None,
        *,
        rate_limit: float = 30.0,
        search_rate_limit: float = 1.0,
        real_time: Callable[[], float] = time.monotonic,
        codes: CodeMaker | None = None,
    ) -> None:
        self.account = account
        self.clock = clock
        self.data = data if data is not None else SharedData()
        self.throttle = Throttle(rate_limit, real_time)
        self.search_throttle = Throttle(search_rate_limit, real_time)
        self.codes = codes if codes is not None else CodeMaker()
        self.callbacks = CallbackSender()
        self._lock = threading.RLock()
        self._tx: Transaction | None = None
        self._depth = 0  # how many begin() blocks the lock holder is in
        self._scope = _Scope(self)
        self._engines: dict[str, Engine] = {}
        self._store: StateStore | None = None

    # -- engines and transactions ------------------------------------------------------------

    def register(self, engine: Engine) -> dict[str, Any]:
        """Add ``engine``; returns its table of records (kept in ``data.tables``).

        Raises:
            ValueError: An engine of that family is registered already.
        """
        with self._lock:
            if engine.family in self._engines:
                raise ValueError(f"an engine of family {engine.family!r} is registered already")
            self._engines[engine.family] = engine
            return self.data.tables.setdefault(engine.family, {})

    def persist_to(self, store: StateStore) -> None:
        """Keep the data in ``store`` from now on: load what it holds, else save it there.

        Before the engines are registered, each finds its loaded records in its table; after,
        their tables are refilled in place.

        Raises:
            OSError: The store cannot be read or written.
        """
        with self._lock:
            store.acquire()
            try:
                if not store.refresh(self):
                    store.save(self)
            finally:
                store.release()
            self._store = store

    def adopt(self, data: SharedData) -> None:
        """Take over ``data`` (loaded from a store), keeping this process's run-time settings.

        Each table is refilled in place (the engines hold them); an engine with a
        ``wake_pending()`` method is then told, to play the loaded deadlines on its own.
        """
        with self._lock:
            mine = self.data
            for family, table in mine.tables.items():
                table.clear()
                table.update(data.tables.get(family, {}))
            for family, table in data.tables.items():
                mine.tables.setdefault(family, table)
            mine.balance, mine.live, mine.cooldowns = data.balance, data.live, data.cooldowns
            mine.handset, mine.deadlines, mine.scheduled = (
                data.handset, data.deadlines, data.scheduled)  # fmt: skip
            for engine in self._engines.values():
                # An engine that plays its deadlines on its own (the Messages API's pump)
                # learns of the ones just loaded.
                wake = getattr(engine, "wake_pending", None)
                if callable(wake):
                    wake()

    def begin(self) -> _Scope:
        """Hold the lock for one operation: read the clock, play due deadlines, journal changes.

        Use as ``with state.begin() as tx:``. Nested calls (an engine calling another state
        method) join the outer transaction.
        """
        return self._scope

    def advance_clock(self, seconds: float) -> float:
        """Jump the clock forward and play out what became due; returns the new time.

        All or nothing: a refused jump (:meth:`SimClock.advance`) or an error while playing
        leaves the clock and the data as they were.

        Raises:
            ValueError: ``seconds`` is out of range (nothing changed).
        """
        with self.begin() as tx:
            before = self.clock.state()
            tx.now = self.clock.advance(seconds)
            tx.on_rollback(lambda: self.clock.restore(before))
            self._play_due(tx)
            return tx.now

    def set_time_scale(self, time_scale: float) -> ClockState:
        """Run the clock at ``time_scale`` from now on; returns the new reading.

        Raises:
            ValueError: Not a speed :class:`SimClock` accepts (nothing changed).
        """
        with self.begin() as tx:
            before = self.clock.state()
            self.clock.set_time_scale(time_scale)
            tx.on_rollback(lambda: self.clock.restore(before))
            return self.clock.state()

    def read_clock(self) -> ClockState:
        """The clock's reading (after what another process saved: its skips and speed)."""
        with self.begin():
            return self.clock.state()

    def schedule(self, tx: Transaction, family: str, request_id: str, due: float | None) -> None:
        """Make ``due`` the one deadline of ``request_id`` (None: it needs none any more)."""
        scheduled = self.data.scheduled
        if due is None:
            tx.delete(scheduled, request_id)
        elif scheduled.get(request_id) != due:
            tx.put(scheduled, request_id, due)
            # No undo for the push: a rollback restores ``scheduled``, which makes it stale.
            heapq.heappush(self.data.deadlines, (due, family, request_id))

    def _play_due(self, tx: Transaction) -> None:
        deadlines, scheduled = self.data.deadlines, self.data.scheduled
        while deadlines and deadlines[0][0] <= tx.now:
            due, family, request_id = tx.heap_pop(deadlines)
            if scheduled.get(request_id) != due:
                continue  # superseded by a later schedule
            tx.delete(scheduled, request_id)
            self._engines[family].play_due(tx, request_id)

    # -- addresses, handset, balance, callbacks ----------------------------------------------

    def live_on(self, address: str) -> str | None:
        """The id of the verification live on ``address``, if any."""
        return self.data.live.get(address)

    def cooling(self, address: str, now: float) -> bool:
        """True while ``address`` is in a cooldown (busy with nothing live)."""
        return self.data.cooldowns.get(address, 0.0) > now

    def claim(self, tx: Transaction, addresses: Iterable[str], request_id: str) -> None:
        """Mark ``request_id`` as the live verification of each address."""
        for address in addresses:
            tx.put(self.data.live, address, request_id)

    def release(self, tx: Transaction, addresses: Iterable[str], request_id: str) -> bool:
        """Free the addresses ``request_id`` still holds; True when it held any."""
        freed = False
        for address in addresses:
            if self.data.live.get(address) == request_id:
                tx.delete(self.data.live, address)
                freed = True
        return freed

    def cool_down(self, tx: Transaction, addresses: Iterable[str], until: float) -> None:
        """Keep each address busy (nothing live) until ``until``."""
        for address in addresses:
            tx.put(self.data.cooldowns, address, until)

    def deliver(self, tx: Transaction, message: HandsetMessage) -> None:
        """Put a message in the handset inbox."""
        tx.append(self.data.handset, message)

    def debit(self, tx: Transaction, amount: Decimal) -> None:
        """Take ``amount`` off the balance."""
        tx.setattr(self.data, "balance", self.data.balance - amount)

    def emit(self, tx: Transaction, payload: dict[str, Any]) -> None:
        """Send a callback to the callback URL (set now) once ``tx`` commits."""
        url = self.data.callback_url
        if url:
            tx.after_commit(lambda: self.callbacks.send(url, payload))

    # -- reading -----------------------------------------------------------------------------

    def inbox(self, address: str | None = None) -> list[dict[str, Any]]:
        """Every handset message (or those sent to ``address``), oldest first, as JSON."""
        with self.begin():
            return [
                m.to_json() for m in self.data.handset if address is None or m.number == address
            ]

    def listing(self) -> list[dict[str, Any]]:
        """Every engine's records, oldest first (engines in the order registered)."""
        with self.begin():
            items = [item for engine in self._engines.values() for item in engine.listing()]
        items.sort(key=lambda item: item[0])
        return [summary for _, summary in items]

    def close(self) -> None:
        """Stop the callback thread and let the store go (the state keeps answering)."""
        self.callbacks.close()
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()


class _Scope:
    """``with state.begin() as tx:`` (one per state, reused: it is on every call).

    Its bookkeeping lives on the state and is only touched by the lock's holder.
    """

    __slots__ = ("_state",)

    def __init__(self, state: SharedState) -> None:
        self._state = state

    def __enter__(self) -> Transaction:
        state = self._state
        state._lock.acquire()
        state._depth += 1
        tx = state._tx
        if tx is not None:
            return tx
        store = state._store
        if store is not None:
            try:
                store.acquire()
                store.refresh(state)
            except BaseException:
                state._depth -= 1
                _release(store)
                state._lock.release()
                raise
        tx = state._tx = Transaction(state.clock.now())
        deadlines = state.data.deadlines
        if deadlines and deadlines[0][0] <= tx.now:
            try:
                state._play_due(tx)
            except BaseException:
                state._tx = None
                state._depth -= 1
                try:
                    tx.rollback()
                finally:
                    _release(store)
                    state._lock.release()
                raise
        return tx

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        state = self._state
        store = state._store
        try:
            state._depth -= 1
            tx = state._tx
            if state._depth == 0 and tx is not None:
                state._tx = None
                if exc is not None and not isinstance(exc, Answer):
                    tx.rollback()
                    return
                if store is not None and tx.changed:
                    try:
                        store.save(state)
                    except BaseException:
                        tx.rollback()  # the file is what callers were told: unchanged
                        raise
                tx.commit()
        finally:
            if state._depth == 0:
                _release(store)
            state._lock.release()


def _release(store: StateStore | None) -> None:
    if store is not None:
        store.release()
