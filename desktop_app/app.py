"""The composition root: the one module that builds (and shuts down) every part of the app.

``main()`` parses the command line, creates the ``QApplication``, attaches the redacting log file
and the exception hook, builds an :class:`AppContext` with :func:`build_app`, shows the window and
runs the event loop. Tests call :func:`build_app` (temporary home, optional httpx transport or
credential store), then :meth:`AppContext.activate` and :meth:`AppContext.shutdown`.

``main()`` shows only the window's shell first (``build_app(deferred=True)``): the services and
the pages are built right after its first paint (``AppContext.populate``), then the sandbox
starts and the profile switches. Shutdown order, wired once here: save the window state
and preferences, stop the refresher and the handset poll, shut the runners down (cancel, clear,
bounded wait), close the httpx client, the history store, the sandbox, the log file.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["HOME_ENV", "AppContext", "build_app", "main"]

HOME_ENV = "VERIFY_DESK_HOME"
ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "verify-desk.svg"
#: The session only needs to know that a sandbox exists; the real URL comes from ensure_sandbox.
_BUILTIN_SANDBOX = "builtin:sandbox"
log = logging.getLogger(__name__)

class _LazyHttpClient:
    """The shared ``httpx.Client``, built on first use (from any thread) instead of at start-up.

    Building it loads the CA bundle into an SSL context (about 130 ms here), which the first
    paint does not need: the first call is made after the profile switch. Every attribute is
    forwarded to the real client; ``close`` does nothing when it was never built.
    """

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """True once the real client exists."""
        return self._client is not None

    def client(self) -> Any:
        """The real client (built now if needed); not ``get``, which is httpx's own."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    from desktop_app.api.http import build_http_client

                    self._client = build_http_client(self._transport)
                client = self._client
        return client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client(), name)


class _LazySandbox:
    """The built-in sandbox server, imported and built when first used (after the first paint).

    ``desktop_app.sandbox.server`` and its engine cost about 100 ms to import; only
    ``AppContext.ensure_sandbox`` (after the first paint) and the sandbox clock need them.
    """

    def __init__(self, latency: float, time_scale: float = 1.0) -> None:
        self._latency = latency
        self._time_scale = time_scale
        self._server: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        """The real ``SandboxServer`` (built now if needed; not started)."""
        server = self._server
        if server is None:
            with self._lock:
                if self._server is None:
                    from desktop_app.sandbox.server import SandboxConfig, SandboxServer

                    self._server = SandboxServer(SandboxConfig(
                        port=0, latency=self._latency, time_scale=self._time_scale))
                server = self._server
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (``--help`` exits here, before Qt or httpx is imported)."""
    parser = argparse.ArgumentParser(prog="verify-desk", description="Send and check Vonage "
                                     "Verify codes (built-in sandbox: no real SMS is sent).")
    parser.add_argument("--home", type=Path, metavar="DIR",
                        help=f"keep settings, history and logs in DIR (sets {HOME_ENV})")
    parser.add_argument("--profile", metavar="NAME", help="start on this profile")
    parser.add_argument("--sandbox-latency", type=float, default=0.0, metavar="S",
                        help="seconds the built-in sandbox waits before each answer")
    return parser.parse_args(list(argv) if argv is not None else None)


@dataclass(eq=False)
class AppContext:
    """Everything :func:`build_app` built, the deferred sandbox start and the ordered shutdown.

    The services (``http`` to ``credentials``) are None until :meth:`populate` has run:
    ``build_app`` runs it at once unless ``deferred=True``; ``main`` defers it to just after
    the window's first paint, so the heavy imports (httpx, phonenumbers, sqlite3, the use
    cases and the pages) are not paid before the window appears.
    """

    paths: Any
    preferences_store: Any
    preferences: Any
    window: Any
    http: Any = None
    history_store: Any = None
    runners: Any = None  # services.ServiceRunners
    verification: Any = None
    history: Any = None
    refresher: Any = None
    handset: Any = None
    session: Any = None
    sandbox: Any = None
    credentials: Any = None
    #: Secrets the log file masks (every API secret a desk was built with this session).
    log_secrets: set[str] = field(default_factory=set)
    log_handler: logging.Handler | None = None
    initial_profile: str | None = None
    #: What :meth:`populate` builds the services with (``build_app``'s keyword arguments).
    options: dict[str, Any] = field(default_factory=dict)
    #: The profile store the shell reads, shared with the session.
    profile_store: Any = None
    closed: bool = field(default=False, init=False)

    @property
    def populated(self) -> bool:
        """True once the services exist and the window has its pages."""
        return self.session is not None

    def populate(self) -> None:
        """Build the services and the window's pages (idempotent)."""
        if self.populated or self.closed:
            return
        _build_services(self)

    def ensure_sandbox(self) -> str:
        """Start the built-in sandbox if needed (idempotent, fast); returns its base URL."""
        self.sandbox.start()  # binds port 0 on 127.0.0.1: a free loopback port
        return str(self.sandbox.url)

    def start(self) -> None:
        """Show the window; after the first paint, populate it, then start the profile.

        When the context is already populated (``build_app`` without ``deferred``), the
        sandbox and the profile start at the next event-loop turn, as before.
        """
        from PySide6.QtCore import QTimer

        if self.populated:
            self.window.show()
            QTimer.singleShot(0, self.activate)
            return
        self.window.first_painted.connect(self._after_first_paint)
        self.window.show()

    def _after_first_paint(self) -> None:
        from PySide6.QtCore import QTimer

        self.window.first_painted.disconnect(self._after_first_paint)
        if self.closed:
            return
        began = time.monotonic()
        self.populate()
        log.info("window populated in %.0f ms after the first paint",
                 (time.monotonic() - began) * 1000)
        # Queued behind the pages' first paint: the sandbox import and start come after it.
        QTimer.singleShot(0, self.activate)

    def activate(self) -> None:
        """Start the sandbox, tell the window its URL, switch to the first profile."""
        if self.closed:
            return
        self.populate()
        url = self.ensure_sandbox()
        log.info("sandbox running on %s", url)
        self.window.set_sandbox_url(url)
        task = self.session.switch(self.initial_profile or self.session.current().name)
        task.on_failure(self.window.report_switch_failure).on_finished(self._start_polling)

    def _start_polling(self) -> None:
        if not self.closed:
            self.refresher.start()
            self.handset.start()

    def save_state(self) -> None:
        """Save the window state and the preferences (never a secret)."""
        if self.closed or not self.populated:
            return  # the pages never existed: there is nothing new to save
        form = self.window.send_form
        scale = self.window.handset_panel.speed_combo.currentData()
        self.preferences = replace(
            self.preferences, last_country=form.region(), brand=form.brand_edit.text().strip(),
            sandbox_time_scale=float(scale) if scale else 1.0, **self.window.save_state())
        try:
            self.preferences_store.save(self.preferences)
        except OSError:
            log.exception("could not save the preferences")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop everything in order (idempotent); False when a job outlived ``timeout_ms``."""
        if self.closed:
            return True
        self.save_state()
        self.closed = True
        idle = True
        if self.populated:
            self.refresher.stop()
            self.handset.stop()
            idle = self.runners.shutdown(timeout_ms)
            self.http.close()
            self.history_store.close()
            self.sandbox.stop()
        if self.log_handler is not None:
            from desktop_app.usecases.logging_setup import remove_logging

            remove_logging(self.log_handler)
        return bool(idle)


class _ShellProfiles:
    """The shell's profile source before the session exists: the store's list and active one."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def profiles(self) -> list[Any]:
        return list(self._store.profiles())

    def current(self) -> Any:
        return self._store.active()


def build_app(*, home: Path | None = None, transport: Any = None, sandbox_latency: float = 0.0,
              profile: str | None = None, credentials: Any = None, log_to_file: bool = True,
              poll_ms: int = 1000, deferred: bool = False) -> AppContext:
    """Build every object of the app; a ``QApplication`` must exist. Nothing is shown yet.

    Args:
        home: Keep settings, history and logs here (sets ``VERIFY_DESK_HOME``).
        transport: An httpx transport for the shared client (tests); None uses the network.
        sandbox_latency: Seconds the built-in sandbox waits before each answer.
        profile: The profile to start on; default the last one used.
        credentials: A credential store instead of the OS keyring (tests, session-only).
        log_to_file: Attach the redacting rotating log file in ``paths.log_dir``.
        poll_ms: The handset poll and status refresh interval.
        deferred: Build only the window's shell (and the settings, log and preferences it
            needs); the services and pages come with :meth:`AppContext.populate`, which
            :meth:`AppContext.start` runs right after the first paint.

    Returns:
        The context (``start`` shows the window, ``activate`` only starts the sandbox/profile).
    """
    # Only light modules here (PySide6, the stdlib, Qt-free settings): this is the path to the
    # first paint. Everything heavy is imported by _build_services.
    from desktop_app.settings.paths import AppPaths
    from desktop_app.settings.preferences import PreferencesStore
    from desktop_app.settings.profiles import ProfileStore
    from desktop_app.ui import messages
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.usecases.logging_setup import LOG_FILE_NAME, configure_logging

    if home is not None:
        os.environ[HOME_ENV] = str(home)  # read by AppPaths.default()
    paths = AppPaths.default()
    paths.ensure()
    log_secrets: set[str] = set()
    handler = None
    if log_to_file:
        handler = configure_logging(paths.log_dir, secrets=lambda: tuple(log_secrets))
        messages.set_log_file(paths.log_dir / LOG_FILE_NAME)
        # httpx logs every request at INFO; the handset poll and the status refresher would
        # write one line a second forever. Failures still reach the log through our own code.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    prefs_store = PreferencesStore(paths.settings_file)
    prefs = prefs_store.load()
    profile_store = ProfileStore(paths.settings_file)
    window = MainWindow(profiles=_ShellProfiles(profile_store))
    window.restore_state({"window_geometry": prefs.window_geometry,
                          "window_state": prefs.window_state,
                          "splitter_state": prefs.splitter_state,
                          "history_columns": prefs.history_columns})
    ctx = AppContext(paths, prefs_store, prefs, window, log_secrets=log_secrets,
                     log_handler=handler, initial_profile=profile, profile_store=profile_store,
                     options={"transport": transport, "sandbox_latency": sandbox_latency,
                              "credentials": credentials, "poll_ms": poll_ms})
    window.closing.connect(ctx.save_state)
    if not deferred:
        ctx.populate()
    return ctx


def _build_services(ctx: AppContext) -> None:
    """Build the services into ``ctx`` and populate its window (see ``AppContext.populate``)."""
    from PySide6.QtCore import QLocale

    from desktop_app.api.sandbox_control import SandboxControl
    from desktop_app.domain.phone import default_region_from_locale
    from desktop_app.services import build_runners
    from desktop_app.services.handset import HandsetService
    from desktop_app.services.history import HistoryService
    from desktop_app.services.refresher import StatusRefresher
    from desktop_app.services.session import SessionService
    from desktop_app.services.verification import VerificationService
    from desktop_app.settings.credentials import KeyringCredentialStore
    from desktop_app.store.history import HistoryStore
    from desktop_app.ui.settings_dialog import SettingsDialog
    from desktop_app.usecases.session import open_desk

    options, paths, prefs, window = ctx.options, ctx.paths, ctx.preferences, ctx.window
    poll_ms = options.get("poll_ms", 1000)
    credentials = options.get("credentials")
    log_secrets = ctx.log_secrets
    http = _LazyHttpClient(options.get("transport"))  # built on first use (the first call)
    history_store = HistoryStore(paths.history_db)
    store = credentials if credentials is not None else KeyringCredentialStore()
    runners = build_runners()
    verification = VerificationService(runners.network)
    history = HistoryService(runners.store, history_store)
    refresher = StatusRefresher(verification, history, interval_ms=poll_ms)
    handset = HandsetService(runners.handset, None, poll_ms=poll_ms)
    # Imported and built by ensure_sandbox.
    # The demo clock speed the user chose last time (Handset > Clock speed) is kept.
    time_scale = prefs.sandbox_time_scale if prefs.sandbox_time_scale > 0 else 1.0
    sandbox = _LazySandbox(options.get("sandbox_latency", 0.0), time_scale)

    def desk_factory(prof: Any, creds: Any) -> Any:
        log_secrets.add(creds.api_secret)
        url = ctx.ensure_sandbox() if prof.is_sandbox else None
        return open_desk(prof, creds, history_store, http.client(), sandbox_url=url,
                         default_region=window.send_form.region() or None)

    session = SessionService(
        runners.credentials, ctx.profile_store, store, desk_factory,
        verification, handset, _BUILTIN_SANDBOX,
        control_factory=lambda _url: SandboxControl(http.client(), ctx.ensure_sandbox()))

    def api_clock() -> float:
        # The sandbox runs its own (possibly sped-up) clock; countdowns must follow it.
        return sandbox.clock.now() if session.current().is_sandbox else time.time()

    ctx.http, ctx.history_store, ctx.credentials, ctx.runners = http, history_store, store, runners
    ctx.verification, ctx.history, ctx.refresher = verification, history, refresher
    ctx.handset, ctx.sandbox = handset, sandbox
    window.populate(session=session, verification=verification, history=history,
                    refresher=refresher, handset=handset, clock=api_clock,
                    settings_factory=lambda parent: SettingsDialog(session, parent))
    # A task failure no caller handled is logged by its runner and shown by the window.
    runners.on_unhandled_failure(window.report_failure)
    window.send_form.set_region(
        prefs.last_country or default_region_from_locale(QLocale.system().name()))
    window.send_form.brand_edit.setText(prefs.brand)
    window.recent.set_mask_numbers(prefs.mask_numbers)
    speed = window.handset_panel.speed_combo
    speed.setCurrentIndex(max(speed.findData(time_scale), 0))
    ctx.session = session  # last: ``populated`` is True from here on


def _install_excepthook(window: Any) -> None:
    from desktop_app.ui import messages

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unexpected error", exc_info=(kind, exc, tb))
        try:
            messages.show_error(window, messages.describe(exc))
        except Exception:
            log.exception("could not show the error message")

    sys.excepthook = hook


def _quit_on_signals(app: Any) -> None:
    """Quit through the normal shutdown (cancel, wait, close) on SIGTERM and SIGINT.

    Python runs signal handlers only between bytecodes, and Qt's event loop sits in C++; a
    wake-up socket makes the loop hand control back to Python as soon as a signal arrives.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def on_wakeup() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(on_wakeup)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: app.quit())
    app._signal_wakeup = (reader, writer, notifier)  # keep them alive with the app


def main(argv: Sequence[str] | None = None) -> int:
    """Run Verify Desk; returns the process exit code."""
    args = parse_args(argv)
    if args.home is not None:
        os.environ[HOME_ENV] = str(args.home.resolve())
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Verify Desk")
    app.setOrganizationName("Verify Desk")
    app.setDesktopFileName("verify-desk")
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    # The shell only: the services and the pages are built just after the first paint.
    ctx = build_app(sandbox_latency=args.sandbox_latency, profile=args.profile, deferred=True)
    _install_excepthook(ctx.window)
    app.aboutToQuit.connect(ctx.shutdown)
    _quit_on_signals(app)
    ctx.start()
    code = app.exec()
    ctx.shutdown()
    sys.excepthook = sys.__excepthook__
    return int(code)
