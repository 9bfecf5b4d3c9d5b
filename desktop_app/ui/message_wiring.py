"""Wire the Messages API into a populated main window (called once by the composition root).

:func:`install_messages` adds the Message page as a tab beside Send and Check, gives the details
pane's message timeline its service, makes Recent requests follow message sends and status
webhooks, tells the handset's conversations who each message came from (a reply goes back
there), and follows presenter mode. The window module keeps no Messages code of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from desktop_app.services.messages import MessagesService
    from desktop_app.services.session import SessionService
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.message_page import MessagePage

__all__ = ["MESSAGE_TAB_TEXT", "install_messages"]

MESSAGE_TAB_TEXT = "&Message"


def install_messages(
    window: MainWindow, service: MessagesService, session: SessionService | None = None
) -> MessagePage:
    """Add the Message page to ``window`` and wire it, the timeline and the handset to ``service``.

    ``session`` tells the page's delivery tracking which kind of profile is active (a live
    receiver stops at a switch).

    Returns:
        The page (also ``window.message_page``).
    """
    from desktop_app.ui.message_page import MessagePage

    page = MessagePage(service, window)
    index = window.tabs.addTab(page, MESSAGE_TAB_TEXT)
    window.tabs.setTabToolTip(index, "Send a message or a code by SMS, MMS, WhatsApp, Viber or "
                                     "Messenger (Messages API)")  # fmt: skip
    window.message_page = page
    recent = window.recent
    recent.details.message_timeline.set_service(service)
    conversation = window.handset_panel.conversation

    def on_sent(sent: Any) -> None:
        for to, channel, sender in page.last_senders:
            conversation.note_sender(to, channel, sender)
        recent.show_request(sent.message_uuid)

    page.sent.connect(on_sent)
    # A status webhook or a send wrote to the history: reload (debounced by the view's timer).
    service.history_changed.connect(recent.reload_timer.start)
    show = QAction("&Message page", window)
    show.setShortcuts([QKeySequence("Ctrl+4")])  # listed in main_window.SHORTCUTS
    show.triggered.connect(lambda: _show_page(window, page))
    window.addAction(show)
    window.message_action = show
    window.presenter_action.toggled.connect(page.set_presenter_mode)
    if session is not None:
        session.profile_changed.connect(lambda p: page.tracking.set_sandbox(p.is_sandbox))
        page.tracking.set_sandbox(session.current().is_sandbox)
    page.set_presenter_mode(window.presenter_mode)
    return page


def _show_page(window: MainWindow, page: MessagePage) -> None:
    window.tabs.setCurrentWidget(page)
    page.composer.field("to").setFocus()
