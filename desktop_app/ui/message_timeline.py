"""A message's status timeline in the details pane: each leg's channel, status and time.

:class:`MessageTimeline` is a section the details pane shows for a Messages API row only (it
hides itself for a Verify request). It reads the timeline from the history on the store's
runner (``MessagesService.timeline``, never on the GUI thread), one line per (leg, status) in
plain words (:func:`~desktop_app.ui.message_words.leg_line`), the error codes and the API's
titles under "Details". It reloads when the row changes and whenever ``delivery_changed`` names
the message shown, so the timeline follows the webhooks as they arrive.

In presenter mode the message id under "Details" is masked like every id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from desktop_app.domain.message_delivery import MESSAGES_API, NOT_TRACKED, MessageEventEntry
from desktop_app.domain.models import HistoryEntry
from desktop_app.ui import message_words
from desktop_app.ui.details_disclosure import DetailsDisclosure
from desktop_app.ui.fitting import wrapped

if TYPE_CHECKING:
    from desktop_app.services.messages import MessagesService

__all__ = ["MessageTimeline"]

#: What the section says while a tracked message has no status yet.
WAITING_TEXT = "Waiting for the first status from the network…"


class MessageTimeline(QGroupBox):
    """The selected message's delivery, leg by leg (hidden for any other request).

    Args:
        parent: The owning widget (the details pane).

    Attributes:
        lines: The plain lines shown, oldest first (tests read them).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Message delivery", parent)
        self.setAccessibleName("Message delivery")
        self._service: MessagesService | None = None
        self._entry: HistoryEntry | None = None
        self._events: list[MessageEventEntry] = []
        self._mask = False
        self._loading: Any = None
        self.lines: list[str] = []
        self.summary_label = wrapped()
        self.lines_label = wrapped()
        self.lines_label.setAccessibleName("Message status timeline")
        self.details = DetailsDisclosure(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.lines_label)
        layout.addWidget(self.details)
        self.setVisible(False)

    def set_service(self, service: MessagesService) -> None:
        """Read timelines through ``service`` and follow its ``delivery_changed``."""
        self._service = service
        service.delivery_changed.connect(self._on_delivery_changed)
        self._load()

    def show_entry(self, entry: HistoryEntry | None) -> None:
        """Show ``entry``'s timeline when it is a message (else hide the section)."""
        same = (entry is not None and self._entry is not None
                and entry.request_id == self._entry.request_id)  # fmt: skip
        self._entry = entry if entry is not None and entry.api_version == MESSAGES_API else None
        self.setVisible(self._entry is not None)
        if self._entry is None:
            self._events = []
            return
        if not same:
            self._events = []
        self._render()
        self._load()

    def set_presenter_mode(self, on: bool) -> None:
        """Presenter mode: the message id under Details is masked."""
        self._mask = on
        self._render()

    def _load(self) -> None:
        entry, service = self._entry, self._service
        if entry is None or service is None or not entry.request_id:
            return
        uuid = entry.request_id
        if self._loading is not None:
            self._loading.cancel()
        self._loading = service.timeline(uuid).on_success(
            lambda events: self._on_loaded(uuid, events)
        ).on_failure(lambda exc: self._on_failed(uuid, exc))

    def _on_loaded(self, uuid: str, events: list[MessageEventEntry]) -> None:
        self._loading = None
        if self._entry is None or self._entry.request_id != uuid:
            return  # another row is shown now
        self._events = list(events)
        self._render()

    def _on_failed(self, uuid: str, exc: BaseException) -> None:
        from desktop_app.ui.messages import describe

        self._loading = None
        if self._entry is not None and self._entry.request_id == uuid:
            self.summary_label.setText(describe(exc))

    def _on_delivery_changed(self, uuid: str) -> None:
        if self._entry is not None and self._entry.request_id == uuid:
            self._load()

    def _render(self) -> None:
        entry = self._entry
        if entry is None:
            return
        channels = [c for c in entry.channels.split(",") if c]
        legs = len(channels) or 1
        if not entry.request_id:
            summary = "Not sent: the API never accepted this message."
        elif not self._events:
            summary = WAITING_TEXT if entry.delivery_tracked else f"Delivery {NOT_TRACKED}."
        else:
            summary = _summary(message_words.row_status_text(entry), self._events[-1], channels)
        self.summary_label.setText(summary)
        self.lines = [message_words.leg_line(e, legs=legs) for e in self._events]
        self.lines_label.setText("\n".join(self.lines))
        self.lines_label.setVisible(bool(self.lines))
        self.details.set_details(message_words.leg_details(self._events, mask=self._mask))


def _summary(status: str, latest: MessageEventEntry, channels: list[str]) -> str:
    """``"Delivered on SMS, after WhatsApp failed."``: where the message ended, and how."""
    shown = f"{status} on {message_words.channel_label(latest.channel)}"
    earlier = [message_words.channel_label(c) for c in channels[: latest.leg]]
    return f"{shown}, after {' and '.join(earlier)} failed." if earlier else f"{shown}."
