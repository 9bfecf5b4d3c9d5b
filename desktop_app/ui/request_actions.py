"""The actions of the recent-requests view, the API rules that enable them, and a search cache.

Each action is enabled only when the Verify API would accept it (field guide §1.8: the shared
rule, ``desktop_app.domain.action_rules``); a disabled action's tooltip says why, so a person is
never left guessing. ``RecordCache`` keeps the latest search result per request so that selecting
rows does not spam the (1 request/s) search API.

The outcome of an action (or a failed lookup) is about one request: it is said while that request
is selected and goes as soon as another one is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QWidget

from desktop_app.domain.action_rules import Blocker, Refusal, facts_of, rules
from desktop_app.domain.errors import ThrottledError
from desktop_app.domain.models import HistoryEntry, VerificationRecord, VerificationStatus
from desktop_app.ui import messages
from desktop_app.ui.countdowns import follow_clock
from desktop_app.ui.formatting import format_request_id

if TYPE_CHECKING:
    from desktop_app.domain.models import ControlResult
    from desktop_app.services.tasks import Task
    from desktop_app.services.verification import VerificationService


class RequestActions(QObject):
    """The view's request actions: enablement, tooltips, shortcuts, cancel/next/copy.

    Shortcuts are active while the host widget (or a child) has focus. A 1 s timer re-checks the
    rules while a request in progress is selected (cancel becomes allowed 30 s after the start).

    Signals:
        message(str): An outcome or error to show in the view (a ``messages.Message`` when
            it has details); "" when the one shown no longer applies (another request).
        check_requested(str): Check was chosen for this request id.

    Args:
        host: The widget the actions belong to.
        verification: Runs cancel and trigger-next-event.
        records: The search cache (events fired; dropped and re-fetched after a control).
        selected: Returns the selected history entry, or None.
        clock: Returns "now".
    """

    message = Signal(object)
    check_requested = Signal(str)

    def __init__(
        self,
        host: QWidget,
        verification: VerificationService,
        records: RecordCache,
        selected: Callable[[], HistoryEntry | None],
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(host)
        self._host = host
        self._verification = verification
        self._records = records
        self._selected = selected
        self._clock = clock
        self._busy = False
        self._presenter = False
        #: The request the message shown is about ("" when none is shown).
        self._said_for = ""
        self.find = self._make("Filter", QKeySequence.StandardKey.Find)
        self.check = self._make("Check code", "Ctrl+K")
        self.cancel = self._make("Cancel", "Ctrl+Shift+X")
        self.next = self._make("Trigger next event", "Ctrl+Shift+N")
        self.refresh = self._make("Refresh", QKeySequence.StandardKey.Refresh)
        self.copy = self._make("Copy request id", "Ctrl+Shift+C")
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.check.triggered.connect(self._on_check_triggered)
        self.cancel.triggered.connect(self._on_cancel_triggered)
        self.next.triggered.connect(self._on_next_triggered)
        self.copy.triggered.connect(self._on_copy_triggered)
        self.timer.timeout.connect(self.update)
        follow_clock(self._clock, self._on_clock_changed)

    def toolbar_actions(self) -> list[QAction]:
        """The actions shown as buttons, in order."""
        return [self.check, self.cancel, self.next, self.refresh, self.copy]

    def set_busy(self, busy: bool) -> None:
        """Disable Refresh while a load runs (the other actions do not depend on it)."""
        if busy != self._busy:
            self._busy = busy
            self._set(self.refresh, "Already refreshing" if busy else "")

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: request ids in what the actions say show only their ends."""
        self._presenter = on

    def show_failure(self, request_id: str, message: str) -> None:
        """Say that a lookup of ``request_id`` failed, while that request is selected."""
        self._say(request_id, message)

    def update(self) -> None:
        """Enable the actions the API allows now, and explain the others in their tooltips.

        A message about another request than the selected one is withdrawn.
        """
        entry = self._selected()
        selected = entry.request_id or "" if entry is not None else ""
        if self._said_for and self._said_for != selected:
            self._said_for = ""
            self.message.emit("")
        record = self._records.get(entry.request_id) if entry is not None else None
        reasons = blockers(entry, record, self._clock())
        for name in ("check", "cancel", "next", "copy"):
            self._set(getattr(self, name), reasons[name])
        if entry is not None and entry.status == VerificationStatus.IN_PROGRESS:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()

    def _on_clock_changed(self) -> None:
        # The clock jumped (a skip): the rules change at once, and deliveries may have fired
        # that the cached search result does not know yet.
        self.update()
        entry = self._selected()
        if entry is not None and entry.request_id and entry.api_version != "v2" \
                and entry.status == VerificationStatus.IN_PROGRESS:  # fmt: skip
            self._records.fetch(entry.request_id)

    def _make(self, text: str, shortcut: str | QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self._host)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._host.addAction(action)
        self._set(action, "")
        return action

    @staticmethod
    def _set(action: QAction, why_disabled: str) -> None:
        action.setEnabled(not why_disabled)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(
            f"{action.text()} ({keys})"
            if not why_disabled
            else f"{action.text()}: unavailable. {why_disabled}."
        )

    def _selected_id(self) -> str | None:
        entry = self._selected()
        return entry.request_id if entry is not None else None

    def _say(self, request_id: str, message: str) -> None:
        """Show ``message`` if ``request_id`` is (still) the selected request."""
        if request_id and request_id == self._selected_id():
            self._said_for = request_id
            self.message.emit(message)

    def _shown(self, request_id: str) -> str:
        return format_request_id(request_id, mask=self._presenter)

    def _control(self, task: Task[ControlResult], request_id: str, done: str) -> None:
        task.on_success(lambda _result: self._on_control_done(request_id, done))
        task.on_failure(lambda exc: self._on_control_failed(request_id, exc))

    def _on_check_triggered(self) -> None:
        request_id = self._selected_id()
        if request_id:
            self.check_requested.emit(request_id)

    def _on_cancel_triggered(self) -> None:
        request_id = self._selected_id()
        if request_id and messages.confirm(
            self._host,
            "Cancel verification",
            f"Cancel verification request {self._shown(request_id)}?",
        ):
            self._control(self._verification.cancel(request_id), request_id, messages.CANCELLED)

    def _on_next_triggered(self) -> None:
        request_id = self._selected_id()
        if request_id:
            self._control(
                self._verification.next_event(request_id),
                request_id,
                messages.NEXT_EVENT_TRIGGERED,
            )

    def _on_copy_triggered(self) -> None:
        request_id = self._selected_id()
        if request_id:
            QGuiApplication.clipboard().setText(request_id)  # the real id, in any mode
            self._say(request_id, messages.copied("request id", self._shown(request_id)))

    def _on_control_done(self, request_id: str, done: str) -> None:
        self._say(request_id, done)
        # The cached events are stale now; search again so the details and rules catch up.
        self._records.drop(request_id)
        self._records.fetch(request_id)

    def _on_control_failed(self, request_id: str, exc: BaseException) -> None:
        self._say(request_id, messages.describe(exc))


def blockers(
    entry: HistoryEntry | None, record: VerificationRecord | None, now: datetime
) -> dict[str, str]:
    """Why each request action is refused now, in words ("" when the API accepts it).

    Args:
        entry: The selected request, or None.
        record: Its latest search result (the deliveries fired), or None.
        now: The server's time.

    Returns:
        A reason per action name: ``check``, ``cancel``, ``next`` (the shared rule,
        ``domain.action_rules``) and ``copy`` (needs an id).
    """
    facts = facts_of(entry, record) if entry is not None else None
    allowed = rules(facts, now.timestamp())
    no_id = None if entry is not None and entry.request_id else Refusal(
        Blocker.NO_REQUEST if entry is None else Blocker.NO_ID)  # fmt: skip
    return {
        "check": messages.why_not(allowed.check),
        "cancel": messages.why_not(allowed.cancel),
        "next": messages.why_not(allowed.next),
        "copy": messages.why_not(no_id),
    }


class RecordCache(QObject):
    """The latest search result per request id, fetched at most once at a time per id.

    Signals:
        updated(tuple): New ``VerificationRecord`` values arrived (from a search or ``put``).
        failed(str, object): A search of this request id failed; the ``messages.Message``.

    Args:
        verification: Runs the searches.
        parent: The owning object.
    """

    updated = Signal(object)
    failed = Signal(str, object)

    def __init__(self, verification: VerificationService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._verification = verification
        self._records: dict[str, VerificationRecord] = {}
        #: The request ids with a search running (at most one search per id at a time).
        self._pending: set[str] = set()

    def get(self, request_id: str | None) -> VerificationRecord | None:
        """The cached record, or None."""
        return self._records.get(request_id) if request_id else None

    def fetch(self, request_id: str) -> None:
        """Search for ``request_id`` unless a search for it is already running."""
        if request_id in self._pending:
            return
        self._pending.add(request_id)
        task = self._verification.search([request_id])
        task.on_success(lambda records: self._on_searched(request_id, records))
        task.on_failure(lambda exc: self._on_search_failed(request_id, exc))
        task.on_finished(lambda: self._pending.discard(request_id))  # a cancel too

    def put(self, records: Iterable[VerificationRecord]) -> None:
        """Store records that arrived some other way (the status refresher)."""
        fresh = tuple(records)
        self._records.update({r.request_id: r for r in fresh})
        if fresh:
            self.updated.emit(fresh)

    def drop(self, request_id: str) -> None:
        """Forget one record (it is stale after a cancel or next event)."""
        self._records.pop(request_id, None)

    def clear(self) -> None:
        """Forget everything (profile switch, explicit refresh)."""
        self._records.clear()

    def _on_searched(self, request_id: str, records: tuple[VerificationRecord, ...]) -> None:
        self._pending.discard(request_id)  # first: a slot of ``updated`` may fetch it again
        self.put(records)

    def _on_search_failed(self, request_id: str, exc: BaseException) -> None:
        self._pending.discard(request_id)
        if isinstance(exc, ThrottledError):
            # Our own searches (this pane and the status refresher) share the API's one search
            # a second; being throttled by ourselves is not news for the user: ask again later.
            delay_ms = int(max(exc.retry_after, 1.0) * 1000)
            QTimer.singleShot(delay_ms, self, lambda: self.fetch(request_id))
            return
        self.failed.emit(request_id, messages.describe(exc))
