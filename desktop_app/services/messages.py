"""The window's entry to the Messages API: sends and codes on the pool, delivery as signals.

:class:`MessagesService` runs the active profile's
:class:`~desktop_app.usecases.messages.MessageDesk` (``VerificationService.desk.messages``; a
profile switch is followed with no extra wiring) one call per job, and owns the status webhook
receivers:

* the **sandbox receiver**, started by the composition root before the built-in sandbox, with a
  random per-session signature secret the sandbox signs with; the Sandbox profile's messages are
  then tracked with no set-up;
* the **live receiver**, started on request (:meth:`start_receiver`) with the active profile's
  signature secret from the keyring, on a fixed loopback port behind the user's tunnel.

Every status a receiver records is announced with ``delivery_changed(message_uuid)`` (emitted on
the receiver's thread, delivered queued on the GUI thread) and ``history_changed``.

For inline checks the window calls the domain directly (no thread needed):
:func:`~desktop_app.domain.messages_fields.message_field_error` (one field),
:func:`~desktop_app.domain.messages_validation.message_errors` (a whole message) and
:func:`~desktop_app.domain.message_code_form.code_form_errors` (a code form).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.errors import FieldError, NoActiveDesk, StoreError, ValidationFailed
from desktop_app.domain.message_code_form import CodeForm
from desktop_app.domain.message_delivery import MessageEventEntry
from desktop_app.domain.messages import MessageRequest
from desktop_app.domain.messages_status import MessageStatusEvent
from desktop_app.domain.models import CheckResult, ControlResult
from desktop_app.services.desk_calls import DeskCalls
from desktop_app.services.tasks import Task, TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.settings.credentials import SIGNATURE_SECRET, MessagesSecretStore
from desktop_app.settings.profiles import url_problem
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.messages import UNTRACKED, MessageDesk, MessageSent, StatusRoute
from desktop_app.usecases.messages_keys import store_items, stored_items
from desktop_app.usecases.webhooks import DeliveryTracker, WebhookReceiver

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_RECEIVER_PORT", "MessageSent", "MessagesService", "ReceiverState"]

R = TypeVar("R")


#: The live receiver's usual port (what the docs' tunnel command forwards).
DEFAULT_RECEIVER_PORT = 8787


@dataclass(frozen=True)
class ReceiverState:
    """The live receiver, as the window shows it.

    Attributes:
        running: True while it listens.
        status_url: The local address status webhooks are posted to (the tunnel's target).
        public_url: The tunnel's public address given to :meth:`MessagesService.start_receiver`
            (put on each message as its ``webhook_url``), or None (the dashboard's URL is used).
    """

    running: bool = False
    status_url: str | None = None
    public_url: str | None = None


class MessagesService(QObject):
    """Runs the Messages use cases off the GUI thread; each method returns a typed ``Task``.

    Args:
        runner: The network runner (sends).
        verification: Holds the active profile's operations (``desk.messages``).
        store: The history file (status webhooks are recorded there; timelines read).
        store_runner: Runs timeline reads (default ``runner``).
        secrets: Where each profile's signature secret is kept (the keyring).
        secrets_runner: Runs keyring reads (default ``runner``).
        parent: The Qt parent.

    Signals:
        busy_changed(bool): True when the first send or check starts, False when the last ends.
        history_changed(): After any operation or status webhook that wrote to the history.
        sent(object): A ``MessageSent`` after a message or a code was accepted.
        delivery_changed(str): A message's timeline gained a status (its ``message_uuid``).
        receiver_changed(object): The live receiver's new :class:`ReceiverState`.
    """

    busy_changed = Signal(bool)
    history_changed = Signal()
    sent = Signal(object)
    delivery_changed = Signal(str)
    receiver_changed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        verification: VerificationService,
        store: HistoryStore | None,
        *,
        store_runner: TaskRunner | None = None,
        secrets: MessagesSecretStore | None = None,
        secrets_runner: TaskRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store_runner = store_runner or runner
        self._secrets_runner = secrets_runner or runner
        self._verification = verification
        self._store = store
        self._secrets = secrets
        self._tracker: DeliveryTracker | None = None
        if store is not None:
            self._tracker = DeliveryTracker(store, on_change=self._on_delivery)
        self._lock = threading.Lock()
        self._sandbox: WebhookReceiver | None = None
        self._live: WebhookReceiver | None = None
        self._state = ReceiverState()
        self._calls: DeskCalls[MessageDesk] = DeskCalls(
            runner, lambda: self.desk, busy=self.busy_changed.emit, wrote=self.history_changed.emit
        )

    # -- the active profile's desk ------------------------------------------------------------

    @property
    def desk(self) -> MessageDesk | None:
        """The active profile's Messages desk, or None (no profile yet)."""
        operations = self._verification.desk
        return operations.messages if operations is not None else None

    def send(self, request: MessageRequest) -> Task[MessageSent]:
        """Send a message (and its failover messages); ``sent`` is emitted too on success."""
        return self._submit("messages.send", lambda desk: desk.send(request)).on_success(
            self.sent.emit
        )

    def send_code(self, form: CodeForm) -> Task[MessageSent]:
        """Make a code and send it by message; ``sent`` is emitted too on success."""
        return self._submit("messages.send_code", lambda desk: desk.send_code(form)).on_success(
            self.sent.emit
        )

    def check_code(self, message_id: str, code: str) -> Task[CheckResult]:
        """Check a code sent by message (locally; the code is never kept)."""
        return self._submit("messages.check_code", lambda desk: desk.check_code(message_id, code))

    def cancel_code(self, message_id: str) -> Task[ControlResult]:
        """End a code sent by message before it is used."""
        return self._submit("messages.cancel_code", lambda desk: desk.cancel_code(message_id))

    def timeline(self, message_id: str) -> Task[list[MessageEventEntry]]:
        """A message's status timeline, leg by leg (on the store runner; not busy)."""
        desk = self.desk
        if desk is None:
            return self._store_runner.rejected(NoActiveDesk(), name="messages.timeline")
        return self._store_runner.submit(
            lambda: desk.timeline(message_id), name="messages.timeline"
        )

    # -- a profile's Messages keyring items (the settings dialog) ------------------------------

    def stored_items(self, profile: str) -> Task[frozenset[str]]:
        """Which of a profile's Messages items the keyring holds (names only, never values)."""
        secrets = self._secrets
        if secrets is None:
            return self._secrets_runner.resolved(frozenset(), name="messages.items")
        return self._secrets_runner.submit(
            lambda: stored_items(secrets, profile), name="messages.items"
        )

    def save_items(
        self, profile: str, values: Mapping[str, str], *, key_file: str | None = None
    ) -> Task[frozenset[str]]:
        """Keep a profile's Messages items in the keyring; yields the items stored after it.

        Args:
            profile: The profile's name.
            values: Items to store (``application_id``, ``signature_secret``); "" forgets one.
            key_file: A PEM file to import as the ``private_key`` (read on the worker, checked
                to sign, then kept only in the keyring; the file is not remembered).

        Raises (in the task):
            ValidationFailed: The file cannot be read or holds no usable private key (field
                ``private_key``); nothing was stored.
            CredentialsUnavailable: The keyring cannot be used.
        """
        secrets = self._secrets
        if secrets is None:
            return self._secrets_runner.rejected(NoActiveDesk(), name="messages.save_items")
        box = dict(values)

        def save() -> frozenset[str]:
            items = dict(box)
            box.clear()
            return store_items(secrets, profile, items, key_file=key_file)

        return self._secrets_runner.submit(save, name="messages.save_items")

    # -- where status webhooks go -------------------------------------------------------------

    def route_for(self, is_sandbox: bool) -> Callable[[], StatusRoute]:
        """The route a profile's desk asks at each send (safe from any thread)."""
        if is_sandbox:
            return lambda: StatusRoute(tracked=self._sandbox is not None)
        return self._live_route

    def _live_route(self) -> StatusRoute:
        state = self._state
        if not state.running:
            return UNTRACKED
        return StatusRoute(tracked=True, webhook_url=state.public_url)

    def set_store(self, store: HistoryStore) -> None:
        """Record status webhooks in another history from now on (the history was switched)."""
        self._store = store
        self._tracker = DeliveryTracker(store, on_change=self._on_delivery)

    def _record_status(self, event: MessageStatusEvent, items_number: int | None) -> None:
        # Read at each webhook: the history may have been opened or switched since the start.
        tracker = self._tracker
        if tracker is None:
            raise StoreError("The history is not open yet.")  # the webhook is answered 500
        tracker(event, items_number)

    def start_sandbox_receiver(self, secret: str) -> str:
        """Start the built-in sandbox's receiver (fast: a loopback bind); return its status URL.

        Raises:
            OSError: No loopback port could be bound.
        """
        with self._lock:
            if self._sandbox is None:
                receiver = WebhookReceiver(secret=secret, on_status=self._record_status)
                receiver.start()
                self._sandbox = receiver
            url = self._sandbox.status_url
        assert url is not None
        return url

    @property
    def receiver_state(self) -> ReceiverState:
        """The live receiver's state."""
        return self._state

    def start_receiver(
        self, *, port: int = DEFAULT_RECEIVER_PORT, public_url: str | None = None
    ) -> Task[ReceiverState]:
        """Listen for the active profile's signed status webhooks on ``127.0.0.1:port``.

        The profile's signature secret is read from the keyring (on the secrets runner); without
        one the task fails with ``ValidationFailed`` (field ``signature_secret``; field
        ``public_url`` for a public URL that is not https), and with ``OSError`` when the port
        is taken. A receiver already running is stopped first.
        """
        operations, secrets = self._verification.desk, self._secrets
        if operations is None or secrets is None:
            return self._secrets_runner.rejected(NoActiveDesk(), name="messages.receiver")
        problem = url_problem(public_url, allow_path=True) if public_url else None
        if problem is not None:
            bad = ValidationFailed([FieldError("public_url", problem)])
            return self._secrets_runner.rejected(bad, name="messages.receiver")
        profile, tracker = operations.profile, self._record_status
        old = self._take_live()

        def start() -> WebhookReceiver:
            if old is not None:
                old.stop()
            secret = secrets.get_item(profile, SIGNATURE_SECRET) or ""
            receiver = WebhookReceiver(secret=secret, on_status=tracker, port=port)
            receiver.start()
            return receiver

        def started(receiver: WebhookReceiver) -> ReceiverState:
            with self._lock:
                self._live = receiver
            self._set_state(ReceiverState(True, receiver.status_url, public_url))
            return self._state

        return self._secrets_runner.submit(start, name="messages.receiver", then=started)

    def stop_receiver(self) -> Task[ReceiverState]:
        """Stop the live receiver (idempotent); ``receiver_changed`` follows at once."""
        old = self._take_live()

        def stop() -> ReceiverState:
            if old is not None:
                old.stop()  # waits for the server thread: never on the GUI thread
            return ReceiverState()

        return self._secrets_runner.submit(stop, name="messages.receiver_stop")

    def _take_live(self) -> WebhookReceiver | None:
        """Detach the live receiver (the caller stops it off the GUI thread)."""
        with self._lock:
            old, self._live = self._live, None
        self._set_state(ReceiverState())
        return old

    def _set_state(self, state: ReceiverState) -> None:
        if state != self._state:
            self._state = state
            log.info("live webhook receiver %s", "listening" if state.running else "stopped")
            self.receiver_changed.emit(state)

    def shutdown(self) -> None:
        """Stop both receivers (the composition root calls it before closing the store)."""
        with self._lock:
            receivers, self._sandbox, self._live = (self._sandbox, self._live), None, None
        for receiver in receivers:
            if receiver is not None:
                receiver.stop()
        self._state = ReceiverState()

    # -- plumbing ------------------------------------------------------------------------------

    def _on_delivery(self, message_uuid: str) -> None:
        # Called on a receiver thread: both signals reach GUI-thread slots queued.
        self.delivery_changed.emit(message_uuid)
        self.history_changed.emit()

    def _submit(self, name: str, call: Callable[[MessageDesk], R]) -> Task[R]:
        return self._calls.submit(name, call)
