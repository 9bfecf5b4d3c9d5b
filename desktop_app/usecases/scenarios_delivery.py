"""How a scenario run learns a message's statuses: this app's webhook receiver, or the sandbox.

Each file that runs on a sandbox of its own gets a :class:`ReceiverWatch`: the app's own
:class:`~desktop_app.usecases.webhooks.WebhookReceiver` on a free loopback port, with a random
signature secret the sandbox is started with, recording every verified status in the run's
history (:class:`~desktop_app.usecases.webhooks.DeliveryTracker`), exactly as the window's
receiver does. So a scenario sees a message's delivery the way the app learns it.

Webhooks arrive on the receiver's threads, a moment after the sandbox played their events.
A step that reads a delivery first asks the sandbox how many statuses it has played for the
message, then :meth:`ReceiverWatch.settle` waits, on a condition (never a sleep), until the
receiver has had that many; nothing is read half-arrived.

A sandbox that someone else started posts its webhooks elsewhere (or nowhere). There
:class:`SandboxRecordFeed` writes what the sandbox's own record lists into the history as the
webhooks would have been, so the steps see the same rows and timelines either way.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final

from desktop_app.domain.messages_status import MessageStatusEvent
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.sandbox_deliveries import ListedMessage, record_listed
from desktop_app.usecases.webhooks import DeliveryTracker, WebhookReceiver

__all__ = ["SETTLE_SECONDS", "ReceiverWatch", "SandboxRecordFeed", "SandboxWebhooks"]

#: How long (real seconds) a step waits for webhooks the sandbox has already sent: on loopback
#: they take about a millisecond each; this bound only ends a run whose receiver is broken.
SETTLE_SECONDS: Final = 10.0
#: How often the idle receiver looks whether it should stop (seconds).
_POLL: Final = 0.02


@dataclass(frozen=True)
class SandboxWebhooks:
    """Where a fresh sandbox posts its status webhooks, and the secret it signs them with."""

    status_url: str
    secret: str = field(repr=False)


class ReceiverWatch:
    """A receiver for one file's sandbox, and a count of what it heard per message.

    A :class:`~.scenarios_target.DeliveryFeed` whose statuses are heard (``heard`` is True).

    Args:
        history: The run's history, where each verified status is recorded.
        settle_seconds: The longest :meth:`settle` waits.

    Use it as a context manager: it listens while the block lasts.
    """

    def __init__(self, history: HistoryStore, *, settle_seconds: float = SETTLE_SECONDS) -> None:
        self._tracker = DeliveryTracker(history)
        self._secret = secrets.token_urlsafe(32)
        # A receiver lives for one file: a short poll lets it stop at once, not 0.5 s later.
        self._receiver = WebhookReceiver(
            secret=self._secret, on_status=self._heard_one, poll_interval=_POLL
        )
        self._heard: dict[str, set[tuple[int | None, str]]] = {}
        self._changed = threading.Condition()
        self._settle_seconds = settle_seconds

    @property
    def heard(self) -> bool:
        """True: the statuses come as signed webhooks to this app's receiver."""
        return True

    def __repr__(self) -> str:
        return f"ReceiverWatch(url={self._receiver.status_url!r})"

    @property
    def webhooks(self) -> SandboxWebhooks:
        """What the sandbox is started with (only while listening).

        Raises:
            RuntimeError: The receiver is not listening.
        """
        url = self._receiver.status_url
        if url is None:
            raise RuntimeError("the receiver is not listening")
        return SandboxWebhooks(url, self._secret)

    def _heard_one(self, event: MessageStatusEvent, items_number: int | None) -> None:
        # Recorded first: once a step sees the count, the history has the status too. A
        # StoreError propagates (the receiver answers 500 and the sandbox tries again).
        self._tracker(event, items_number)
        with self._changed:
            key = (items_number, event.status.value)
            self._heard.setdefault(event.message_uuid, set()).add(key)
            self._changed.notify_all()

    def settle(self, message_uuid: str, count: int) -> int:
        """Wait until ``count`` distinct statuses of a message were received (or time is up).

        Returns:
            How many were received.
        """
        with self._changed:
            self._changed.wait_for(
                lambda: len(self._heard.get(message_uuid, ())) >= count, self._settle_seconds
            )
            return len(self._heard.get(message_uuid, ()))

    def catch_up(self, listed: ListedMessage) -> bool:
        """Wait until every status the sandbox played for the message was received."""
        return self.settle(listed.message_uuid, len(listed.steps)) >= len(listed.steps)

    def __enter__(self) -> ReceiverWatch:
        self._receiver.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._receiver.stop()


class SandboxRecordFeed:
    """Statuses read from the sandbox's own record and written into the history.

    Args:
        history: The run's history.
    """

    def __init__(self, history: HistoryStore) -> None:
        self._history = history

    @property
    def heard(self) -> bool:
        """False: no receiver of this app hears the sandbox's webhooks."""
        return False

    def catch_up(self, listed: ListedMessage) -> bool:
        """Record what the sandbox lists (a status already recorded adds nothing)."""
        record_listed(self._history, listed)
        return True
