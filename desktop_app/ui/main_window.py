"""The main window: Send/Check pages on the left, recent requests in the centre, handset dock.

Layout (issue 9: usable from a 1024x640 screen up). A support agent on a 1280x800 laptop works
left to right: the Send/Check pages (a narrow column: the form is short and scrolls when it
grows), recent requests with the selected request's details under them (the widest column: the
table's key columns and the timers are what is read most), and, on the built-in sandbox only,
the simulated handset as a dock at the right edge, which the View menu or its close button hides
(remembered) to give its width back to the table. Columns are splitter panes that cannot be
collapsed to nothing, so every pane stays reachable; their sizes are saved with the window.
Nothing inside changes the window's size: pages and details scroll, long texts wrap or elide.

The first window takes the screen's available area, up to a comfortable size; a saved geometry
is restored only when it fits a screen as it is now (else the first-start size applies).

Presenter mode (View menu, Ctrl+Shift+P; remembered with the window's state) is for showing the
window to an audience: every view shows phone numbers by their last four digits and request ids
by their ends (``ui.formatting``), and the type is larger. Copy actions copy the real values;
the sandbox handset's codes stay readable.

A message describes the moment it was shown: switching profile clears every one of them.

The window only wires widgets to the services it is given; the composition root (``app.py``)
builds everything and decides when the window is shown and shut down.

Two-stage construction, so the first paint does not wait for the services:

* ``MainWindow(profiles=...)`` builds the *shell* (title, menus, toolbar with the profile badge
  and combo, status bar) and a placeholder in the central area. It imports nothing but PySide6,
  the stdlib and a few Qt-free light modules: no services, no ``phonenumbers``, no httpx.
* :meth:`MainWindow.populate` then builds the pages (send and check forms, recent requests, the
  handset dock), importing their modules only then, and wires them to the services. The app
  calls it right after the first paint (``first_painted``); tests get it at once from
  ``build_app``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import messages
from desktop_app.ui.elided_label import ElidedLabel
from desktop_app.ui.profile_badge import ProfileBadge

if not TYPE_CHECKING:  # typing_extensions costs ~6 ms to import before the first paint

    def override(method: Any) -> Any:
        return method

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from typing_extensions import override

    from desktop_app.domain.test_number_types import CatalogueEntry
    from desktop_app.services.clock import ServerClock
    from desktop_app.settings.profiles import Profile
    from desktop_app.ui.check_form import CheckForm
    from desktop_app.ui.concurrent_panel import ConcurrentPanel
    from desktop_app.ui.handset_panel import HandsetPanel
    from desktop_app.ui.recent_requests import RecentRequestsView
    from desktop_app.ui.scenario_menu import ScenarioMenu
    from desktop_app.ui.send_form import SendForm
    from desktop_app.ui.test_numbers_dialog import TestNumbersDialog

__all__ = [
    "DEFAULT_DOCK_WIDTH",
    "DEFAULT_LEFT_WIDTH",
    "PREFERRED_SIZE",
    "SHORTCUTS",
    "MainWindow",
    "ProfileSource",
    "saved_frame",
]

#: The catalogue's Verify APIs (``test_number_types.API_V1``, ``API_V2``): the Send page's.
_VERIFY_APIS: Final = ("v1", "v2")

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+1", "Send page"), ("Ctrl+2", "Check page"), ("Ctrl+3", "Recent requests"),
    ("Ctrl+4", "Message page"),
    ("Ctrl+Enter", "Send the code or the message / check the code"),
    ("Enter", "Send the code (in a Send field) / check it (in the code box)"),
    ("F5", "Refresh the requests and the handset"), ("Ctrl+Shift+P", "Presenter mode"),
    ("Ctrl+,", "Settings"), ("Ctrl+Q", "Quit"),
)
#: How much larger the type is in presenter mode.
PRESENTER_FONT_SCALE = 1.25

#: The handset dock's widest default width (its own size hint would squeeze the table); on a
#: narrower window it gets a share of the width, never less than its minimum.
DEFAULT_DOCK_WIDTH = 300
#: The Send/Check pages' widest default width, likewise.
DEFAULT_LEFT_WIDTH = 380
#: The shares of the window's width the pages and the dock get by default on a small screen.
_LEFT_SHARE, _DOCK_SHARE = 0.25, 0.24
#: The most of the recent-requests column's height the details pane gets by default.
_DETAILS_SHARE = 0.6
#: The first window's size (frame included) on a screen with room to spare; a smaller screen's
#: whole available area is used instead, never more.
PREFERRED_SIZE = (1440, 900)
#: Room left for the window manager's frame before the real one is known (title bar, borders).
_FRAME_GUESS = (12, 36)
#: ``QWidget.saveGeometry``'s header: its magic number, then the frame as a QRect.
_GEOMETRY_MAGIC = 0x1D9D0CB
#: How long a failure reported while a failure dialog is open stays in the status bar.
FAILURE_STATUS_MS = 15_000


class ProfileSource(Protocol):
    """What the window reads profiles from.

    The ``SessionService`` once it exists; before that (the shell) anything listing the stored
    profiles and the active one.
    """

    def profiles(self) -> list[Profile]:
        """Every profile, in the combo's order."""
        ...

    def current(self) -> Profile:
        """The active profile."""
        ...


def _encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def _decode(text: str) -> QByteArray:
    return QByteArray.fromBase64(QByteArray(text.encode("ascii")))


def saved_frame(data: bytes) -> tuple[QRect, bool] | None:
    """The frame rectangle and maximised-or-full-screen flag in a ``saveGeometry`` blob.

    None when the bytes are not such a blob. (Qt's own ``restoreGeometry`` moves a window that
    no longer fits onto the screen, keeping its size; to restore only what fits, the window
    reads the saved frame first.)
    """
    import struct

    from PySide6.QtCore import QPoint, QRect

    if len(data) < 46:
        return None
    magic, major, _minor = struct.unpack_from(">IHH", data, 0)
    if magic != _GEOMETRY_MAGIC or major < 1:
        return None
    left, top, right, bottom = struct.unpack_from(">iiii", data, 8)
    maximized, full_screen = struct.unpack_from(">BB", data, 44)
    return QRect(QPoint(left, top), QPoint(right, bottom)), bool(maximized or full_screen)


def _fits_a_screen(frame: QRect) -> bool:
    from PySide6.QtGui import QGuiApplication

    return any(screen.availableGeometry().contains(frame)
               for screen in QGuiApplication.screens())


def _action(text: str, parent: QObject, key: str) -> QAction:
    """A ``QAction`` with a shortcut, set through ``setShortcuts``.

    ``setShortcut(QKeySequence)`` (and the ``shortcut=`` keyword) makes PySide resolve its
    overloads against ``Qt.Key``, creating the ``Qt`` namespace's enum types (about 30 ms), which
    the shell, built before the first paint, otherwise never needs; ``setShortcuts`` does not.
    """
    action = QAction(text, parent)
    action.setShortcuts([QKeySequence(key)])
    return action


class _FirstPaintWatcher(QObject):
    """Emits ``painted`` once, after the window's first paint event has been handled."""

    painted = Signal()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            # Queued: the paint (and the flush of the backing store) completes first.
            QTimer.singleShot(0, self.painted.emit)
        return False


class _HandsetDock(QDockWidget):
    """The handset's dock; says when the person closed it (its close button)."""

    closed = Signal()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()


class MainWindow(QMainWindow):
    """The Verify Desk window.

    Signals:
        closing(): the window is about to close (state should be saved now).
        first_painted(): the window's first paint is done (emitted once, queued after it).

    Args:
        profiles: Lists the profiles and the active one, for the shell's combo and badge (the
            ``SessionService`` does; before it exists, a reader of the profile store).
        parent: The owning widget.

    The pages (``send_form``, ``check_form``, ``concurrent_panel``, ``tabs``, ``recent``,
    ``splitter``, ``handset_panel``, ``handset_dock``) exist once :meth:`populate` has run.
    """

    closing = Signal()
    first_painted = Signal()

    send_form: SendForm
    check_form: CheckForm
    concurrent_panel: ConcurrentPanel
    tabs: QTabWidget
    recent: RecentRequestsView
    splitter: QSplitter
    handset_panel: HandsetPanel
    handset_dock: _HandsetDock

    def __init__(self, *, profiles: ProfileSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profiles: ProfileSource = profiles
        self._session: Any = None
        self._verification: Any = None
        self._history: Any = None
        self._refresher: Any = None
        self._handset: Any = None
        self._settings_factory: Callable[[QWidget], QWidget] | None = None
        self.settings_dialog: QWidget | None = None
        #: File > Export... and View > Analytics (a ``ui.reports_menu.ReportsMenu``), once wired.
        self.reports_menu: Any = None
        #: File > Run scenarios... (a ``ui.scenario_menu.ScenarioMenu``), once wired.
        self.scenario_menu: ScenarioMenu | None = None
        #: The Message page (``ui.message_wiring`` adds it once the Messages service exists).
        self.message_page: Any = None
        self.message_action: QAction | None = None
        self._sandbox_url: str | None = None
        self._profile: Profile | None = None
        self._populated = False
        self._pending_state: dict[str, Any] = {}
        self._restored_window_state = False
        #: The dock state restored before the first show, applied again once shown.
        self._early_window_state: QByteArray | None = None
        self._restored_splitter = False
        self._restored_geometry = False
        self._restored_recent = False
        #: Whether the person wants the handset dock (shown on the sandbox profile only).
        self._handset_wanted = True
        self._sizes_done = False
        self._showing_failure = False
        self._presenter = False
        #: A profile's history that could not be opened, said until its switch is done.
        self._history_failure = ""
        self._build_shell()
        # No Qt parent: a Python filter that is a child of the object it watches can be called
        # while that object destroys it (the empty-table hint crashed that way: ui/empty_hint).
        self._paint_watcher = _FirstPaintWatcher()
        self._paint_watcher.painted.connect(self.first_painted)
        self._paint_watcher.painted.connect(self._on_first_painted)
        self.installEventFilter(self._paint_watcher)
        self._connect_shell_signals()
        self._reload_profiles()

    @property
    def populated(self) -> bool:
        """True once :meth:`populate` has built the pages."""
        return self._populated

    # -- stage 1: the shell ---------------------------------------------------------------------

    def _build_shell(self) -> None:
        self.setWindowTitle("Verify Desk")
        self.badge = ProfileBadge(self)
        self.profile_combo = QComboBox(self)
        self.profile_combo.setToolTip("Switch profile (no restart needed)")
        self.profile_combo.setAccessibleName("Profile")
        self.profile_combo.setMinimumContentsLength(14)
        self.settings_action = _action("&Settings…", self, "Ctrl+,")
        self.settings_action.setToolTip("Profiles, credentials and preferences (Ctrl+,)")
        self.refresh_action = _action("&Refresh", self, "F5")
        self.refresh_action.setToolTip("Refresh the requests and the handset (F5)")
        self.quit_action = _action("&Quit", self, "Ctrl+Q")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.presenter_action = _action("&Presenter mode", self, "Ctrl+Shift+P")
        self.presenter_action.setCheckable(True)
        self.presenter_action.setToolTip(
            "For showing the window to others: numbers by their last four digits, request ids "
            "by their ends, larger type (Ctrl+Shift+P)")
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.addAction(self.settings_action)
        self.toolbar.addAction(self.refresh_action)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(QLabel("Profile: ", self))
        self.toolbar.addWidget(self.profile_combo)
        self.toolbar.addWidget(self.badge)
        self.addToolBar(self.toolbar)
        # Shown for the few hundred ms until populate() puts the pages in its place. Centred by
        # stretches, not setAlignment: the first use of ``PySide6.QtCore.Qt`` creates the
        # namespace's Python enum types (about 14 ms), which the first paint does not otherwise
        # need. The pages use ``Qt`` freely.
        self.placeholder = QWidget(self)
        self.placeholder.setAccessibleName("Loading")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(QLabel("Loading…", self.placeholder))
        row.addStretch(1)
        column = QVBoxLayout(self.placeholder)
        column.addStretch(1)
        column.addLayout(row)
        column.addStretch(1)
        self.setCentralWidget(self.placeholder)
        self.connection_label = ElidedLabel("", self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.setVisible(False)
        self.statusBar().addWidget(self.connection_label, 1)
        #: Shown only while a team's shared history cannot be reached.
        self.history_label = QLabel("", self)
        self.history_label.setAccessibleName("Shared history")
        self.history_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.history_label)
        #: What the history is doing while it opens (a migration, a server); hidden otherwise.
        self.history_status_label = QLabel("", self)
        self.history_status_label.setAccessibleName("History")
        self.history_status_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.history_status_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.page_actions = [_action(text, self, key) for key, text in
                             (("Ctrl+1", "&Send page"), ("Ctrl+2", "&Check page"),
                              ("Ctrl+3", "&Recent requests"))]
        # Reports (ui/reports_menu.py enables them once the services exist).
        self.export_action = QAction("&Export…", self)
        self.analytics_action = QAction("&Analytics", self)
        # Scenario files (ui/scenario_menu.py enables it once the services exist).
        self.run_scenarios_action = QAction("&Run scenarios…", self)
        self.run_scenarios_action.setToolTip("Run scenario files and see each step's result")
        for action in (self.export_action, self.analytics_action, self.run_scenarios_action):
            action.setEnabled(False)
        self.menuBar().addMenu("&File").addActions(
            [self.run_scenarios_action, self.export_action, self.settings_action,
             self.quit_action])
        self._view_menu = self.menuBar().addMenu("&View")
        self._view_menu.addActions([*self.page_actions, self.analytics_action, self.refresh_action])
        self._view_menu.addSeparator()
        self._view_menu.addAction(self.presenter_action)
        self.migration_action = QAction("&Moving to Verify v2…", self)
        self.test_numbers_action = QAction("&Test numbers…", self)
        self.test_numbers_action.setToolTip("Sandbox numbers that give each outcome; fill a form")
        self.test_numbers_dialog: TestNumbersDialog | None = None
        self.menuBar().addMenu("&Help").addActions(
            [self.shortcuts_action, self.test_numbers_action, self.migration_action])
        self._fit_to_screen()

    # -- the window on the screen ---------------------------------------------------------------

    def _frame(self) -> QRect:
        # From the window system: QWidget.frameGeometry can lag behind the window manager.
        handle = self.windowHandle()
        return handle.frameGeometry() if handle is not None else self.frameGeometry()

    def _frame_extra(self) -> tuple[int, int]:
        """The frame's width and height beyond the client area (a guess until it is shown)."""
        frame, inner = self._frame(), self.geometry()
        if self.isVisible() and frame.width() > inner.width():
            return frame.width() - inner.width(), frame.height() - inner.height()
        return _FRAME_GUESS

    def _fit_to_screen(self) -> None:
        """The first-start size: the screen's available area up to ``PREFERRED_SIZE``, centred."""
        if self.isMaximized() or self.isFullScreen():
            return
        area = self.screen().availableGeometry()
        extra_w, extra_h = self._frame_extra()
        width = min(PREFERRED_SIZE[0], area.width()) - extra_w
        height = min(PREFERRED_SIZE[1], area.height()) - extra_h
        self.resize(width, height)
        self.move(area.x() + (area.width() - width - extra_w) // 2,
                  area.y() + (area.height() - height - extra_h) // 2)

    def _on_first_painted(self) -> None:
        # The window manager's frame is known now: size the first start to the screen with it,
        # and pull a restored window inside the screen should its frame not fit after all.
        if self._restored_geometry:
            self._keep_on_screen()
        else:
            self._fit_to_screen()

    def _keep_on_screen(self) -> None:
        """Once the window manager's real frame is known, pull the frame inside the screen."""
        if self.isMaximized() or self.isFullScreen():
            return
        area = self.screen().availableGeometry()
        frame = self._frame()
        if area.contains(frame):
            return
        extra_w, extra_h = self._frame_extra()
        width = min(frame.width(), area.width()) - extra_w
        height = min(frame.height(), area.height()) - extra_h
        self.resize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))
        x = min(max(frame.x(), area.x()), area.x() + area.width() - width - extra_w)
        y = min(max(frame.y(), area.y()), area.y() + area.height() - height - extra_h)
        self.move(x, y)

    def _connect_shell_signals(self) -> None:
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.shortcuts_action.triggered.connect(self._on_shortcuts_action_triggered)
        self.migration_action.triggered.connect(self._on_migration_action_triggered)
        self.test_numbers_action.triggered.connect(self._on_test_numbers_action_triggered)
        self.page_actions[0].triggered.connect(lambda: self._show_page(0))
        self.page_actions[1].triggered.connect(lambda: self._show_page(1))
        self.page_actions[2].triggered.connect(self._focus_recent)
        self.profile_combo.activated.connect(self._on_profile_combo_activated)
        self.presenter_action.toggled.connect(self.set_presenter_mode)

    # -- stage 2: the pages ---------------------------------------------------------------------

    def show_history_reachable(self, reachable: bool, detail: str = "") -> None:
        """Say in the status bar whether the team's shared history can be reached."""
        self.history_label.setText(
            "" if reachable else "Shared history unreachable: new requests are kept on this "
            "computer"
        )
        self.history_label.setToolTip(detail)
        self.history_label.setVisible(not reachable)

    def show_history_unreachable(self, detail: str) -> None:
        """The team's shared history could not be opened at start-up (the local file is used)."""
        self.show_history_reachable(False, detail)

    def show_history_status(self, text: str) -> None:
        """Say what the history is doing while it opens; "" when it is ready.

        Meanwhile sending and checking wait (their forms are disabled: every action writes
        the history), and Recent requests says the same under its table.
        """
        self.history_status_label.setText(text)
        self.history_status_label.setVisible(bool(text))
        if self._populated:
            self.send_form.setEnabled(not text)
            self.check_form.setEnabled(not text)
            self.recent.show_history_status(text)

    def report_history_failure(self, text: str) -> None:
        """A profile's history could not be opened; the previous one stays (said plainly)."""
        shown = messages.masked(text, self._presenter)
        # Said again once the switch's profile is in place (a switch clears the messages).
        self._history_failure = shown
        self._show_history_failure()

    def _show_history_failure(self) -> None:
        text = self._history_failure
        if not text:
            return
        self.statusBar().showMessage(text, FAILURE_STATUS_MS)
        if self._populated:
            self.recent.show_history_status("")
            self.recent.show_notice(text)

    def populate(self, *, session: Any, verification: Any, history: Any, refresher: Any,
                 handset: Any, clock: ServerClock | None = None,
                 settings_factory: Callable[[QWidget], QWidget] | None = None) -> None:
        """Build the pages and wire them to the services (once; their modules load now).

        Args:
            session: Profiles and switching (a ``SessionService``); from now on also the
                window's profile source.
            verification: Sends, checks, searches, cancels.
            history: Reads the local history.
            refresher: Keeps running requests fresh.
            handset: The sandbox's simulated handset.
            clock: The active server's clock (the sandbox's simulated one on the Sandbox
                profile), given to every page that shows a time; None: this machine's.
            settings_factory: Builds the settings dialog (None disables the Settings action).
        """
        if self._populated:
            raise RuntimeError("the window is already populated")
        self._session = session
        self._profiles = session
        self._verification = verification
        self._history = history
        self._refresher = refresher
        self._handset = handset
        self._settings_factory = settings_factory
        self._build_pages(clock)
        self._connect_signals()
        self._populated = True
        self._apply_presenter_mode()
        self._reload_profiles()
        pending, self._pending_state = self._pending_state, {}
        self._restore_pages(pending)
        if self.isVisible():
            QTimer.singleShot(0, self._apply_default_sizes)

    def _build_pages(self, clock: ServerClock | None) -> None:
        from PySide6.QtCore import Qt

        from desktop_app.ui.check_form import CheckForm
        from desktop_app.ui.concurrent_panel import ConcurrentPanel
        from desktop_app.ui.countdowns import utc_now
        from desktop_app.ui.handset_panel import HandsetPanel
        from desktop_app.ui.recent_requests import RecentRequestsView
        from desktop_app.ui.send_form import SendForm

        self.concurrent_panel = ConcurrentPanel(
            self._verification, self._history, clock=clock.now if clock else time.time)
        self.send_form = SendForm(self._verification, self.concurrent_panel, self)
        self.check_form = CheckForm(self._verification, self._history, self,
                                    clock=clock or utc_now)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.send_form, "&Send")
        self.tabs.addTab(self.check_form, "C&heck")
        self.tabs.setTabToolTip(0, "Send a code (Ctrl+1)")
        self.tabs.setTabToolTip(1, "Check a code (Ctrl+2)")
        self.recent = RecentRequestsView(self._history, self._verification, self._refresher, self,
                                         clock=clock or utc_now)
        self.recent.setAccessibleName("Recent requests")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.recent)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)  # a pane dragged to nothing is lost
        self.splitter.setSizes([DEFAULT_LEFT_WIDTH, 700])
        self.setCentralWidget(self.splitter)  # deletes the placeholder
        self.handset_panel = HandsetPanel(self._handset, self, clock=clock or utc_now)
        self.handset_dock = _HandsetDock("Handset (sandbox)", self)
        self.handset_dock.setObjectName("handset_dock")
        self.handset_dock.setWidget(self.handset_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.handset_dock)
        toggle = self.handset_dock.toggleViewAction()
        toggle.setText("&Handset (sandbox)")
        toggle.setToolTip("Show or hide the simulated handset (built-in Sandbox profile only)")
        self._view_menu.addAction(toggle)

    def _connect_signals(self) -> None:
        self.handset_dock.toggleViewAction().triggered.connect(self._on_handset_toggled)
        self.handset_dock.closed.connect(lambda: self._on_handset_toggled(False))
        self._handset.messages_changed.connect(self.recent.details.set_handset_messages)
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.profiles_changed.connect(self._reload_profiles)
        self._verification.busy_changed.connect(self.busy_bar.setVisible)
        self.send_form.sent.connect(self._on_send_form_sent)
        self.send_form.check_requested.connect(self.open_check)
        self.send_form.show_requested.connect(self.recent.show_request)
        self.recent.check_requested.connect(self.open_check)
        self._refresher.refreshed.connect(self._on_refresher_refreshed)

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._populated and not self._sizes_done:
            QTimer.singleShot(0, self._apply_default_sizes)

    def _apply_default_sizes(self) -> None:
        """Give the dock and the left pages their default widths, unless a saved state did.

        Runs once, after the window is shown and populated: before ``show`` the dock layout
        ignores ``resizeDocks``, and the dock would open at its size hint (about 430 px).
        """
        from PySide6.QtCore import Qt

        if self._sizes_done or not self._populated or not self.isVisible():
            return
        self._sizes_done = True
        if self._early_window_state is not None:
            # Showing the window laid the docks out again at their size hints (the handset at
            # about 430 px); what was restored before the show is restored again now.
            self.restoreState(self._early_window_state)
            self._early_window_state = None
            if self._profile is not None:
                self._show_handset(self._profile.is_sandbox)
        width = self.width()
        if not self._restored_window_state and not self.handset_dock.isHidden():
            dock = max(min(DEFAULT_DOCK_WIDTH, round(width * _DOCK_SHARE)),
                       self.handset_dock.minimumSizeHint().width())
            self.resizeDocks([self.handset_dock], [dock], Qt.Orientation.Horizontal)
        if not self._restored_splitter:
            total = sum(self.splitter.sizes())
            left = max(min(DEFAULT_LEFT_WIDTH, round(width * _LEFT_SHARE)),
                       self.tabs.minimumSizeHint().width())
            if total > left:
                self.splitter.setSizes([left, total - left])
        if not self._restored_recent:
            # The details pane whole when the height allows, else 60 %; the table the rest.
            column = self.recent.splitter
            total = sum(column.sizes())
            details = min(self.recent.details.sizeHint().height(), round(total * _DETAILS_SHARE))
            column.setSizes([total - details, details])

    # -- public API -----------------------------------------------------------------------------

    def set_sandbox_url(self, url: str | None) -> None:
        """Tell the window where the built-in sandbox runs (None: not running)."""
        self._sandbox_url = url
        self._update_connection_label()

    @property
    def presenter_mode(self) -> bool:
        """True while presenter mode is on."""
        return self._presenter

    def set_presenter_mode(self, on: bool) -> None:
        """Turn presenter mode on or off (the View menu's action follows)."""
        self._presenter = on
        if self.presenter_action.isChecked() != on:
            self.presenter_action.setChecked(on)  # toggled comes back here; nothing changes
        self._apply_presenter_mode()

    def _apply_presenter_mode(self) -> None:
        from PySide6.QtGui import QFont, QGuiApplication

        if self._presenter:
            font = QGuiApplication.font()
            font.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
            self.setFont(font)
        else:
            self.setFont(QFont())  # the application's again
        if self._populated:
            for view in (self.send_form, self.check_form, self.recent, self.handset_panel):
                view.set_presenter_mode(self._presenter)
            if self.test_numbers_dialog is not None:
                self.test_numbers_dialog.model.set_mask(self._presenter)

    def clear_messages(self) -> None:
        """Forget every message shown (they described the profile before a switch)."""
        self.statusBar().clearMessage()
        if self._populated:
            self.send_form.show_message("")
            self.concurrent_panel.clear()
            self.recent.clear_message()
        if self.message_page is not None:
            self.message_page.clear_messages()

    def open_check(self, request_id: str) -> None:
        """Show the Check page on ``request_id`` with the focus in the code box."""
        self._show_page(1)
        self.check_form.open_request(request_id)

    def save_state(self) -> dict[str, Any]:
        """Geometry, dock/toolbar state, splitter and columns as text; handset and presenter.

        Before :meth:`populate` only the geometry and the two wishes (there is no dock or
        splitter to save yet).
        """
        state: dict[str, Any] = {"window_geometry": _encode(self.saveGeometry()),
                                 "handset_visible": self._handset_wanted,
                                 "presenter_mode": self._presenter}
        if self._populated:
            state.update({"window_state": _encode(self.saveState()),
                          "splitter_state": _encode(self.splitter.saveState()),
                          "history_columns": json.dumps(self.recent.save_state())})
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`save_state` returned (missing keys are skipped).

        The geometry applies at once, and only when it fits a screen as it is now; otherwise
        the window keeps its first-start size, and the dock and splitter sizes (saved for that
        other geometry) are left to their defaults too. The dock, splitter and column state
        wait for :meth:`populate` when the pages do not exist yet.
        """
        if "handset_visible" in state:
            self._handset_wanted = bool(state["handset_visible"])
        if "presenter_mode" in state:
            self.set_presenter_mode(bool(state["presenter_mode"]))
        geometry = _decode(state.get("window_geometry") or "")
        saved = saved_frame(bytes(geometry.data()))
        fits = saved is not None and (saved[1] or _fits_a_screen(saved[0]))
        if fits:
            self._restored_geometry = bool(self.restoreGeometry(geometry))
        skipped = {"window_geometry", "handset_visible", "presenter_mode"}
        if not self._restored_geometry:
            skipped |= {"window_state", "splitter_state"}
        pages = {k: v for k, v in state.items() if k not in skipped and v}
        if self._populated:
            self._restore_pages(pages)
        else:
            self._pending_state.update(pages)

    def _restore_pages(self, state: dict[str, Any]) -> None:
        if state.get("window_state"):
            saved = _decode(state["window_state"])
            self._restored_window_state = bool(self.restoreState(saved))
            if self._restored_window_state and not self._sizes_done:
                self._early_window_state = saved
        if state.get("splitter_state"):
            self._restored_splitter = bool(
                self.splitter.restoreState(_decode(state["splitter_state"])))
        if state.get("history_columns"):
            # An old or hand-edited layout is ignored: the default one stays.
            with contextlib.suppress(ValueError, TypeError):
                self.recent.restore_state(json.loads(state["history_columns"]))
                self._restored_recent = True
        if self._profile is not None:
            self._show_handset(self._profile.is_sandbox)

    # -- slots --------------------------------------------------------------------------------

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)

    def _show_page(self, index: int) -> None:
        if not self._populated:
            return
        self.tabs.setCurrentIndex(index)
        (self.send_form.number_edit if index == 0 else self.check_form.code_edit).setFocus()

    def _focus_recent(self) -> None:
        if self._populated:
            self.recent.table.setFocus()

    def _reload_profiles(self) -> None:
        current = self._profiles.current()
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        for profile in self._profiles.profiles():
            self.profile_combo.addItem(profile.name, profile.name)
        self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(current.name), 0))
        self.profile_combo.blockSignals(False)
        self._on_session_profile_changed(current)

    def _on_profile_combo_activated(self, index: int) -> None:
        if self._session is None:  # not populated yet: nothing can switch
            self._reload_profiles()
            return
        name = self.profile_combo.itemData(index)
        if self._profile is not None and name == self._profile.name:
            return
        self._session.switch(name).on_failure(self.report_switch_failure)

    def report_switch_failure(self, exc: BaseException) -> None:
        """Explain a failed profile switch; without a keyring, offer session-only secrets."""
        from desktop_app.domain.errors import CredentialsUnavailable

        self._reload_profiles()
        if not isinstance(exc, CredentialsUnavailable) or not self._session.credentials_persistent:
            messages.show_error(self, messages.masked(messages.describe(exc), self._presenter))
            return
        question = (f"{messages.describe(exc)}\n\nKeep API secrets for this session only? They "
                    "are never written to disk and are forgotten when Verify Desk closes.")
        if messages.confirm(self, "No system keyring", question):
            self._session.use_session_only_credentials()
            self._on_settings_action_triggered()  # enter the secret there

    def report_failure(self, exc: BaseException) -> None:
        """Show a background failure nothing else handled (the runners' default report).

        One dialog at a time: failures arriving while it is open go to the status bar.
        """
        text = messages.masked(messages.describe(exc), self._presenter)
        if self._showing_failure:
            self.statusBar().showMessage(text, FAILURE_STATUS_MS)
            return
        self._showing_failure = True
        try:
            messages.show_error(self, text)
        finally:
            self._showing_failure = False

    def _on_session_profile_changed(self, profile: Profile) -> None:
        if self._profile is not None and profile.name != self._profile.name:
            self.clear_messages()
            self._show_history_failure()
            self._history_failure = ""
        self._profile = profile
        self.badge.set_profile(profile.name, is_sandbox=profile.is_sandbox)
        if self._populated:
            self.send_form.set_sandbox(profile.is_sandbox)
            if self.test_numbers_dialog is not None:
                self.test_numbers_dialog.refresh()
        self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(profile.name), 0))
        if self._populated:
            self._show_handset(profile.is_sandbox)
            self.handset_panel.update_availability()
            self.recent.set_profile(profile.name)
            self.check_form.set_profile(profile.name)
            self.concurrent_panel.clear()
        self._update_connection_label()

    def _show_handset(self, sandbox: bool) -> None:
        """The dock shows on the sandbox when wanted; only there can it be toggled."""
        self.handset_dock.setVisible(sandbox and self._handset_wanted)
        self.handset_dock.toggleViewAction().setEnabled(sandbox)

    def _on_handset_toggled(self, shown: bool) -> None:
        self._handset_wanted = shown

    def _update_connection_label(self) -> None:
        profile = self._profile
        if profile is not None and not profile.is_sandbox:
            self.connection_label.setText(f"Live profile '{profile.name}' — {profile.api_host}")
        elif self._sandbox_url:
            self.connection_label.setText(
                f"Sandbox running on {self._sandbox_url} — no real SMS is sent")
        else:
            self.connection_label.setText("Starting the sandbox…")

    def _on_send_form_sent(self, started: Any) -> None:
        self.recent.add_started(started)
        self._refresher.watch([started.request_id])
        self.open_check(started.request_id)

    def _on_refresher_refreshed(self, records: Any) -> None:
        for record in records or ():
            self.concurrent_panel.update_record(record)

    def _on_refresh_action_triggered(self) -> None:
        if not self._populated:
            return
        self.recent.reload()
        self.check_form.reload()
        if self._handset.available:
            self._handset.refresh().on_failure(self.handset_panel.show_failure)

    def _on_settings_action_triggered(self) -> None:
        if self._settings_factory is None:
            return
        if self.settings_dialog is None:
            self.settings_dialog = self._settings_factory(self)
        if self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
        self.settings_dialog.show()

    def _on_migration_action_triggered(self) -> None:
        from desktop_app.ui.migration_help import MigrationHelpDialog  # only when asked for

        MigrationHelpDialog(self).exec()

    def _on_test_numbers_action_triggered(self) -> None:
        from desktop_app.ui.test_numbers_dialog import TestNumbersDialog  # only when asked for

        if self.test_numbers_dialog is None:
            dialog = TestNumbersDialog(self._test_number_blocker, mask=self._presenter,
                                       parent=self)  # fmt: skip
            dialog.chosen.connect(self._on_test_number_chosen)
            self.test_numbers_dialog = dialog
        self.test_numbers_dialog.refresh()
        if self.test_numbers_dialog.isVisible():
            self.test_numbers_dialog.raise_()
        self.test_numbers_dialog.show()

    def _test_number_blocker(self, entry: CatalogueEntry) -> str:
        """Why ``entry`` cannot be put in a form now ("" when it can)."""
        if self._profile is None or not self._profile.is_sandbox:
            return "Test numbers work on the built-in sandbox only: switch to the Sandbox profile."
        if entry.api not in _VERIFY_APIS and self.message_page is None:
            return "A Messages API number: type it on the Message page."
        return ""

    def _on_test_number_chosen(self, entry: CatalogueEntry) -> None:
        if entry.api in _VERIFY_APIS:
            self.send_form.use_test_number(entry)
            self.tabs.setCurrentWidget(self.send_form)
        elif self.message_page is not None:
            self.message_page.use_test_number(entry.channels[0], entry.number)
            self.tabs.setCurrentWidget(self.message_page)

    def _on_shortcuts_action_triggered(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in SHORTCUTS)
        messages.show_info(self, "Keyboard shortcuts", f"<table cellpadding=3>{rows}</table>")
