"""The main window: Send/Check pages on the left, recent requests in the centre, handset dock.

The window only wires widgets to the services it is given; the composition root (``app.py``)
builds everything and decides when the window is shown and shut down.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QWidget,
)
from typing_extensions import override

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.settings.profiles import Profile
from desktop_app.ui import messages
from desktop_app.ui.check_form import CheckForm
from desktop_app.ui.concurrent_panel import ConcurrentPanel
from desktop_app.ui.handset_panel import HandsetPanel
from desktop_app.ui.profile_badge import ProfileBadge
from desktop_app.ui.recent_requests import RecentRequestsView
from desktop_app.ui.send_form import SendForm

__all__ = ["SHORTCUTS", "MainWindow"]

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+1", "Send page"), ("Ctrl+2", "Check page"), ("Ctrl+3", "Recent requests"),
    ("Ctrl+Enter", "Send the code / check the code"), ("Enter", "Check the code (code box)"),
    ("F5", "Refresh the requests and the handset"), ("Ctrl+,", "Settings"), ("Ctrl+Q", "Quit"),
)


def _encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def _decode(text: str) -> QByteArray:
    return QByteArray.fromBase64(QByteArray(text.encode("ascii")))


class MainWindow(QMainWindow):
    """The Verify Desk window.

    Signals:
        closing(): the window is about to close (state should be saved now).

    Args:
        session: Profiles and switching (a ``SessionService``).
        verification: Sends, checks, searches, cancels.
        history: Reads the local history.
        refresher: Keeps running requests fresh.
        handset: The sandbox's simulated handset.
        clock: "Now" in the active API's time (the sandbox clock on the Sandbox profile).
        settings_factory: Builds the settings dialog (None disables the Settings action).
        parent: The owning widget.
    """

    closing = Signal()

    def __init__(self, *, session: Any, verification: Any, history: Any, refresher: Any,
                 handset: Any, clock: Callable[[], float] = time.time,
                 settings_factory: Callable[[QWidget], QWidget] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._verification = verification
        self._history = history
        self._refresher = refresher
        self._handset = handset
        self._settings_factory = settings_factory
        self.settings_dialog: QWidget | None = None
        self._sandbox_url: str | None = None
        self._profile: Profile | None = None
        self._build_layout(clock)
        self._connect_signals()
        self._reload_profiles()

    def _build_layout(self, clock: Callable[[], float]) -> None:
        self.setWindowTitle("Verify Desk")
        self.badge = ProfileBadge(self)
        self.profile_combo = QComboBox(self)
        self.profile_combo.setToolTip("Switch profile (no restart needed)")
        self.profile_combo.setAccessibleName("Profile")
        self.profile_combo.setMinimumContentsLength(14)
        self.settings_action = QAction("&Settings…", self, shortcut=QKeySequence("Ctrl+,"))
        self.settings_action.setToolTip("Profiles, credentials and preferences (Ctrl+,)")
        self.refresh_action = QAction("&Refresh", self, shortcut=QKeySequence("F5"))
        self.refresh_action.setToolTip("Refresh the requests and the handset (F5)")
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
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
        self.concurrent_panel = ConcurrentPanel(self._verification, self._history, clock=clock)
        self.send_form = SendForm(self._verification, self.concurrent_panel, self)
        self.check_form = CheckForm(self._verification, self._history, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.send_form, "&Send")
        self.tabs.addTab(self.check_form, "C&heck")
        self.tabs.setTabToolTip(0, "Send a code (Ctrl+1)")
        self.tabs.setTabToolTip(1, "Check a code (Ctrl+2)")
        self.recent = RecentRequestsView(self._history, self._verification, self._refresher, self)
        self.recent.setAccessibleName("Recent requests")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.recent)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([430, 640])
        self.setCentralWidget(self.splitter)
        self.handset_panel = HandsetPanel(self._handset, self)
        self.handset_dock = QDockWidget("Handset (sandbox)", self)
        self.handset_dock.setObjectName("handset_dock")
        self.handset_dock.setWidget(self.handset_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.handset_dock)
        self.resizeDocks([self.handset_dock], [330], Qt.Orientation.Horizontal)
        self.connection_label = QLabel(self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.setVisible(False)
        self.statusBar().addWidget(self.connection_label, 1)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.page_actions = [QAction(text, self, shortcut=QKeySequence(key)) for key, text in
                             (("Ctrl+1", "&Send page"), ("Ctrl+2", "&Check page"),
                              ("Ctrl+3", "&Recent requests"))]
        self.menuBar().addMenu("&File").addActions([self.settings_action, self.quit_action])
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addActions([*self.page_actions, self.refresh_action,
                              self.handset_dock.toggleViewAction()])
        self.migration_action = QAction("&Moving to Verify v2…", self)
        self.menuBar().addMenu("&Help").addActions([self.shortcuts_action, self.migration_action])
        self.resize(1400, 820)

    def _connect_signals(self) -> None:
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.shortcuts_action.triggered.connect(self._on_shortcuts_action_triggered)
        self.migration_action.triggered.connect(self._on_migration_action_triggered)
        self._handset.messages_changed.connect(self.recent.details.set_handset_messages)
        self.page_actions[0].triggered.connect(lambda: self._show_page(0))
        self.page_actions[1].triggered.connect(lambda: self._show_page(1))
        self.page_actions[2].triggered.connect(lambda: self.recent.table.setFocus())
        self.profile_combo.activated.connect(self._on_profile_combo_activated)
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.profiles_changed.connect(self._reload_profiles)
        self._verification.busy_changed.connect(self.busy_bar.setVisible)
        self.send_form.sent.connect(self._on_send_form_sent)
        self.send_form.check_requested.connect(self.open_check)
        self.send_form.show_requested.connect(self.recent.show_request)
        self.recent.check_requested.connect(self.open_check)
        self._refresher.refreshed.connect(self._on_refresher_refreshed)

    # -- public API -----------------------------------------------------------------------------

    def set_sandbox_url(self, url: str | None) -> None:
        """Tell the window where the built-in sandbox runs (None: not running)."""
        self._sandbox_url = url
        self._update_connection_label()

    def open_check(self, request_id: str) -> None:
        """Show the Check page on ``request_id`` with the focus in the code box."""
        self._show_page(1)
        self.check_form.open_request(request_id)

    def save_state(self) -> dict[str, Any]:
        """Geometry, dock/toolbar state, splitter and columns, as plain strings."""
        return {"window_geometry": _encode(self.saveGeometry()),
                "window_state": _encode(self.saveState()),
                "splitter_state": _encode(self.splitter.saveState()),
                "history_columns": json.dumps(self.recent.save_state())}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`save_state` returned (missing keys are skipped)."""
        if state.get("window_geometry"):
            self.restoreGeometry(_decode(state["window_geometry"]))
        if state.get("window_state"):
            self.restoreState(_decode(state["window_state"]))
        if state.get("splitter_state"):
            self.splitter.restoreState(_decode(state["splitter_state"]))
        if state.get("history_columns"):
            # An old or hand-edited layout is ignored: the default one stays.
            with contextlib.suppress(ValueError, TypeError):
                self.recent.restore_state(json.loads(state["history_columns"]))
        if self._profile is not None:
            self.handset_dock.setVisible(self._profile.is_sandbox)

    # -- slots --------------------------------------------------------------------------------

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)

    def _show_page(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        (self.send_form.number_edit if index == 0 else self.check_form.code_edit).setFocus()

    def _reload_profiles(self) -> None:
        current = self._session.current()
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        for profile in self._session.profiles():
            self.profile_combo.addItem(profile.name, profile.name)
        self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(current.name), 0))
        self.profile_combo.blockSignals(False)
        self._on_session_profile_changed(current)

    def _on_profile_combo_activated(self, index: int) -> None:
        name = self.profile_combo.itemData(index)
        if self._profile is not None and name == self._profile.name:
            return
        task = self._session.switch(name)
        task.failed.connect(self.report_switch_failure)

    def report_switch_failure(self, exc: BaseException) -> None:
        """Explain a failed profile switch; without a keyring, offer session-only secrets."""
        self._reload_profiles()
        if not isinstance(exc, CredentialsUnavailable) or not self._session.credentials_persistent:
            messages.show_error(self, messages.describe(exc))
            return
        question = (f"{messages.describe(exc)}\n\nKeep API secrets for this session only? They "
                    "are never written to disk and are forgotten when Verify Desk closes.")
        if messages.confirm(self, "No system keyring", question):
            self._session.use_session_only_credentials()
            self._on_settings_action_triggered()  # enter the secret there

    def _on_session_profile_changed(self, profile: Profile) -> None:
        self._profile = profile
        self.badge.set_profile(profile.name, is_sandbox=profile.is_sandbox)
        self.profile_combo.setCurrentIndex(max(self.profile_combo.findData(profile.name), 0))
        self.handset_dock.setVisible(profile.is_sandbox)
        self.handset_dock.toggleViewAction().setEnabled(profile.is_sandbox)
        self.handset_panel.update_availability()
        self.recent.set_profile(profile.name)
        self.check_form.set_profile(profile.name)
        self.concurrent_panel.clear()
        self._update_connection_label()

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
        self.recent.reload()
        self.check_form.reload()
        if self._handset.available:
            self._handset.refresh()

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

    def _on_shortcuts_action_triggered(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in SHORTCUTS)
        messages.show_info(self, "Keyboard shortcuts", f"<table cellpadding=3>{rows}</table>")
