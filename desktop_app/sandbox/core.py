"""The sandbox composed: one shared state, and the engines that work on it.

:class:`Sandbox` builds a :class:`~desktop_app.sandbox.shared.SharedState` and hands it to a
:class:`~desktop_app.sandbox.v1_engine.V1Engine`, a
:class:`~desktop_app.sandbox.v2_engine.V2Engine` and a
:class:`~desktop_app.sandbox.messages_engine.MessagesEngine`. The HTTP handler dispatches
Verify calls to ``sandbox.v1`` and ``sandbox.v2`` and Messages API calls to
``sandbox.messages_api``; what is left here is what belongs to no engine: the Account API's
balance and the state-wide views and settings the ``/sandbox/...`` controls use.

With a ``state_file`` the state is kept in that file (:mod:`desktop_app.sandbox.persist`): the
built-in sandbox of the window and of ``verify-desk-cli --sandbox`` remembers its requests,
handset and clock across runs and shares them between processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop_app.sandbox.callbacks import check_callback_url
from desktop_app.sandbox.clock import SimClock
from desktop_app.sandbox.messages_engine import MessagesEngine, MessagesSettings
from desktop_app.sandbox.persist import StateFile
from desktop_app.sandbox.persist_records import record_codecs
from desktop_app.sandbox.records import iso
from desktop_app.sandbox.shared import Account, SharedData, SharedState
from desktop_app.sandbox.v1_engine import V1Engine, authenticated_key
from desktop_app.sandbox.v1_validation import Params, Refused
from desktop_app.sandbox.v2_engine import V2Engine

__all__ = ["MAX_LATENCY", "Sandbox"]

JsonBody = dict[str, Any]
#: The longest added latency, in real seconds.
MAX_LATENCY = 60.0
ACCOUNT_401 = {"error-code": "401", "error-code-label": "authentication failed"}


class Sandbox:
    """One account's sandbox: the shared state and the Verify v1, v2 and Messages engines on it.

    Args:
        api_key: The account's key (also the search ``account_id``).
        api_secret: The account's secret.
        clock: The simulated clock every time stamp comes from.
        rate_limit: API calls per second per key (0 disables throttling).
        search_rate_limit: Search calls per second per key (0 disables).
        allow_pin_code: Whether the account accepts a custom ``pin_code`` (else status 20).
        balance: The starting account balance in EUR.
        real_time: Monotonic real time for the throttles (injectable for tests).
        callback_url: Where Verify v2 callbacks are POSTed (loopback only; None = none).
        allow_fraud_check_bypass: Whether v2 ``fraud_check: false`` is allowed (else 403).
        messages: How the Messages API behaves (rate limit, application, webhook URLs).
        state_file: Keep the state in this file (its folder must exist); what it holds
            already (requests, handset, clock, balance) wins over ``clock`` and ``balance``.

    Raises:
        ValueError: ``callback_url`` (or a Messages webhook URL) is not an http(s) URL on a
            loopback address, or a Messages application id comes without its public key.
        OSError: ``state_file`` cannot be read or written.
    """

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        clock: SimClock,
        rate_limit: float = 30.0,
        search_rate_limit: float = 1.0,
        allow_pin_code: bool = False,
        balance: Decimal = Decimal("10.5"),
        real_time: Callable[[], float] = time.monotonic,
        callback_url: str | None = None,
        allow_fraud_check_bypass: bool = False,
        messages: MessagesSettings | None = None,
        state_file: Path | None = None,
    ) -> None:
        self.state = SharedState(
            Account(api_key, api_secret),
            clock,
            SharedData(balance=balance),
            rate_limit=rate_limit,
            search_rate_limit=search_rate_limit,
            real_time=real_time,
        )
        if state_file is not None:  # first: each engine finds its records in its table
            self.state.persist_to(StateFile(state_file, record_codecs()))
        self.v1 = V1Engine(self.state, allow_pin_code=allow_pin_code)
        self.v2 = V2Engine(self.state, allow_fraud_check_bypass=allow_fraud_check_bypass)
        self.messages_api = MessagesEngine(self.state, messages, real_time=real_time)
        if callback_url:
            self.set_callback_url(callback_url)

    @property
    def clock(self) -> SimClock:
        """The simulated clock."""
        return self.state.clock

    # -- settings ----------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Real seconds added before every API answer."""
        return self.state.data.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not 0 <= seconds <= MAX_LATENCY:
            raise ValueError(f"latency must be between 0 and {MAX_LATENCY:g} seconds")
        with self.state.begin() as tx:
            tx.setattr(self.state.data, "latency", float(seconds))

    @property
    def callback_url(self) -> str | None:
        """Where Verify v2 callbacks go (None: nowhere)."""
        return self.state.data.callback_url

    def set_callback_url(self, url: str | None) -> None:
        """Send Verify v2 callbacks to ``url`` from now on (``None`` or ``""`` stops them).

        Raises:
            ValueError: Not an http(s) URL on a loopback address (nothing changed).
        """
        checked = check_callback_url(url) if url else None
        with self.state.begin() as tx:
            tx.setattr(self.state.data, "callback_url", checked)

    def close(self) -> None:
        """Stop the callback threads (the sandbox keeps answering, without callbacks)."""
        self.state.close()
        self.messages_api.close()

    # -- Account API -------------------------------------------------------------------------

    def balance(self, params: Params, basic: tuple[str, str] | None) -> tuple[int, JsonBody]:
        """``GET /account/get-balance``: HTTP 401 on missing or wrong credentials."""
        try:
            authenticated_key(self.state, params, basic)
        except Refused:
            return 401, dict(ACCOUNT_401)
        with self.state.begin():
            return 200, {"value": float(self.state.data.balance), "autoReload": False}

    # -- state-wide views (the /sandbox/... controls) ----------------------------------------

    def messages(self, number: str | None = None) -> JsonBody:
        """Every handset message (or those sent to ``number``), oldest first."""
        return {"messages": self.state.inbox(number)}

    def requests(self) -> JsonBody:
        """Every request the sandbox holds, with its state."""
        return {"requests": self.state.listing()}

    def clock_info(self) -> JsonBody:
        """The simulated time and speed."""
        reading = self.state.read_clock()
        return {"now": iso(reading.now), "time_scale": reading.time_scale}

    def set_time_scale(self, time_scale: float) -> JsonBody:
        """Run the simulated clock at ``time_scale`` from now on.

        Raises:
            ValueError: Not a speed the clock accepts; nothing changed.
        """
        self.state.set_time_scale(time_scale)
        return self.clock_info()

    def advance_clock(self, seconds: float) -> JsonBody:
        """Jump the simulated clock forward and play out what became due.

        Raises:
            ValueError: ``seconds`` is out of range; nothing changed.
        """
        self.state.advance_clock(seconds)
        return self.clock_info()
