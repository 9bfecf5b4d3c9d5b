"""The composition root: the one module that builds (and shuts down) every part of the app.

``main()`` reads the command line, checks that there is a display, creates the
``QApplication``, builds an :class:`AppContext` with :func:`build_app`, shows the window and
runs the event loop. Tests call :func:`build_app` (temporary home, optional httpx transport or
credential store), then :meth:`AppContext.activate` and :meth:`AppContext.shutdown`.

Start-up. ``main()`` shows only the window's shell first (``build_app(deferred=True)``): the
services and the pages are built right after its first paint (``AppContext.populate``), then
the sandbox starts and the profile switches. Whatever the first paint does not need waits:
argparse is loaded only when there are arguments, the log file's rotating handler opens with
the first record, the Qt-free modules of the shell are imported before PySide6 (whose
import hook reads the source of every module imported after it), the window icon and the
signal handlers come after the first paint, and the cyclic garbage collector is off until the
window is populated.

The history. No database is opened on the GUI thread: each profile switch (the first one, at
start-up, included) runs :class:`~desktop_app.app_history.HistorySwitch` on the switch's worker,
which opens the profile's history (and migrates an old file: "Updating the history database…")
when it is not the one in use. It is installed before the profile's desk is built; the history
it replaces is closed once the jobs in flight on it have reported back (``retire_histories``).

Shutdown, in this order (wired once, here):

1. save the window state and the preferences;
2. stop the refresher and the handset poll;
3. shut the runners down: cancel and clear their queues, wait up to ``timeout_ms``;
4. close the httpx client: a job still running then fails fast on its next read or write
   instead of waiting for the server (each call is also bounded by its own timeout);
5. if a job was still running, wait for the runners again, up to ``grace_ms``;
6. close the history store (and any a profile switch replaced) **only when no job is running
   any more**. A job that outlived both
   waits still holds the store: it is left open, :meth:`AppContext.close_when_idle` (``main``
   calls it once the window is gone) closes it when the jobs end, and otherwise the process's
   exit does (SQLite keeps every committed write either way);
7. stop the sandbox, then detach the log file.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.app_launch import after_first_paint, import_shell_modules, install_excepthook
from desktop_app.app_lazy import Lazy
from desktop_app.app_options import HOME_ENV, NO_DISPLAY, AppOptions, display_missing, parse_args
from desktop_app.app_sandbox import (
    fresh_sandbox,
    new_sandbox,
    start_sandbox,
    status_webhooks,
    stop_sandbox,
)

if TYPE_CHECKING:

    import httpx

    from desktop_app.api.server_time import ServerTime
    from desktop_app.app_history import HistorySwitch
    from desktop_app.domain.models import ApiCredentials
    from desktop_app.sandbox.server import SandboxServer
    from desktop_app.services import ServiceRunners
    from desktop_app.services.clock import ServerClock
    from desktop_app.services.handset import HandsetService
    from desktop_app.services.history import HistoryService
    from desktop_app.services.messages import MessagesService
    from desktop_app.services.refresher import StatusRefresher
    from desktop_app.services.scenarios import OwnProfile, ScenarioService
    from desktop_app.services.session import SessionService
    from desktop_app.services.verification import VerificationService
    from desktop_app.settings.credentials import CredentialStore
    from desktop_app.settings.paths import AppPaths
    from desktop_app.settings.preferences import Preferences, PreferencesStore
    from desktop_app.settings.profiles import Profile, ProfileStore
    from desktop_app.store.history import HistoryStore
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.usecases.operations import VerifyOperations

__all__ = ["HOME_ENV", "NO_DISPLAY", "AppContext", "AppOptions", "Lazy", "build_app", "main"]

#: The session only needs to know that a sandbox exists; the real URL comes from ensure_sandbox.
_BUILTIN_SANDBOX = "builtin:sandbox"
#: How long ``main`` waits, once the window is gone, for jobs that outlived the shutdown
#: (longer than one call's own timeout, so a stuck call has ended by then).
LATE_JOBS_MS = 30_000
log = logging.getLogger(__name__)

def _new_server_time() -> ServerTime:
    from desktop_app.api.server_time import ServerTime

    return ServerTime()


def _new_http_client(
    transport: httpx.BaseTransport | None, server_time: ServerTime
) -> httpx.Client:
    from desktop_app.api.http import build_http_client

    return build_http_client(transport, server_time=server_time)


@dataclass(eq=False)
class AppContext:
    """Everything :func:`build_app` built, the deferred sandbox start and the ordered shutdown.

    The services (``runners`` to ``credentials``) are None until :meth:`populate` has run
    (``history_store`` until the first profile switch has opened it): ``build_app`` runs it
    at once unless ``deferred=True``; ``main`` defers it to just
    after the window's first paint, so the heavy imports (httpx, phonenumbers, sqlite3, the use
    cases and the pages) are not paid before the window appears. ``http`` and ``sandbox`` are
    built on first use.
    """

    paths: AppPaths
    preferences_store: PreferencesStore
    preferences: Preferences
    window: MainWindow
    #: The profile store the shell reads, shared with the session.
    profile_store: ProfileStore
    options: AppOptions = field(default_factory=AppOptions)
    #: Secrets the log file masks (every API secret a desk was built with this session).
    log_secrets: set[str] = field(default_factory=set)
    log_handler: logging.Handler | None = None
    initial_profile: str | None = None
    history_store: HistoryStore | None = None
    runners: ServiceRunners | None = None
    verification: VerificationService | None = None
    history: HistoryService | None = None
    messages: MessagesService | None = None
    refresher: StatusRefresher | None = None
    handset: HandsetService | None = None
    #: The active server's clock: every time the window shows or the history stamps.
    clock: ServerClock | None = None
    session: SessionService | None = None
    credentials: CredentialStore | None = None
    #: Opens each profile's history off the GUI thread (the session's switch step).
    history_switch: HistorySwitch | None = None
    #: Histories replaced by a profile switch, closed once the jobs using them are done.
    retiring: list[HistoryStore] = field(default_factory=list)
    _closing: list[HistoryStore] = field(default_factory=list, init=False, repr=False)
    closed: bool = field(default=False, init=False)
    #: True once the history store is closed (it may outlive ``closed``: see ``shutdown``).
    store_closed: bool = field(default=False, init=False)
    _server_time: Lazy[ServerTime] = field(init=False, repr=False)
    _http: Lazy[httpx.Client] = field(init=False, repr=False)
    _sandbox: Lazy[SandboxServer] = field(init=False, repr=False)
    _announced: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        transport, latency = self.options.transport, self.options.sandbox_latency
        self._server_time = Lazy(_new_server_time)
        self._http = Lazy(lambda: _new_http_client(transport, self._server_time.value()))
        self._sandbox = Lazy(lambda: new_sandbox(
            latency, self.time_scale, self.paths.data_dir,
            status_webhooks(self.messages, self.log_secrets)))

    @property
    def server_time(self) -> ServerTime:
        """The servers' clock offsets, learned by the shared client from their ``Date``."""
        return self._server_time.value()

    @property
    def http(self) -> httpx.Client:
        """The shared HTTP client (built now if needed)."""
        return self._http.value()

    @property
    def sandbox(self) -> SandboxServer:
        """The built-in sandbox server (built now if needed; started by ``ensure_sandbox``)."""
        return self._sandbox.value()

    @property
    def time_scale(self) -> float:
        """The demo clock speed the user chose last time (Handset > Clock speed)."""
        scale = self.preferences.sandbox_time_scale
        return scale if scale > 0 else 1.0

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
        """Start the built-in sandbox if needed (idempotent, fast); returns its base URL.

        Once it listens, its URL is announced in the data folder, so ``verify-desk-cli
        --sandbox`` talks to it rather than opening the shared state itself.
        """
        announce, self._announced = not self._announced, True
        return start_sandbox(self.sandbox, self.paths.data_dir, announce=announce)

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
        session = self.session
        if session is None:
            return
        url = self.ensure_sandbox()
        log.info("sandbox running on %s", url)
        self.window.set_sandbox_url(url)
        task = session.switch(self.initial_profile or session.current().name)
        task.on_failure(self.window.report_switch_failure).on_finished(self._start_polling)

    def _start_polling(self) -> None:
        if not self.closed and self.refresher is not None and self.handset is not None:
            self.refresher.start()
            self.handset.start()

    def retire_histories(self) -> None:
        """Close the histories a profile switch replaced, once the jobs using them are done."""
        from desktop_app.app_history import retire_when_drained

        runners = self.runners
        if self.closed or runners is None:
            return
        scheduled, self.retiring = self.retiring, []
        self._closing.extend(scheduled)
        for old in scheduled:
            retire_when_drained(old, (runners.network, runners.store, runners.handset,
                                      runners.reports, runners.scenarios), runners.store,
                                self._retired)  # fmt: skip

    def _retired(self, old: HistoryStore) -> None:
        if old in self._closing:
            self._closing.remove(old)

    def save_state(self) -> None:
        """Save the window state and the preferences (never a secret)."""
        if self.closed or not self.populated:
            return  # the pages never existed: there is nothing new to save
        form = self.window.send_form
        scale = self.window.handset_panel.speed_combo.currentData()
        self.preferences = replace(
            self.preferences, last_country=form.region(), brand=form.remembered_brand(),
            sandbox_time_scale=float(scale) if scale else 1.0, **self.window.save_state())
        try:
            self.preferences_store.save(self.preferences)
        except OSError:
            log.exception("could not save the preferences")

    def shutdown(self, timeout_ms: int = 5000, grace_ms: int = 2000) -> bool:
        """Stop everything in the module docstring's order (idempotent).

        Args:
            timeout_ms: How long to wait for running jobs before closing the HTTP client.
            grace_ms: How long to wait again, after that, for the jobs still running.

        Returns:
            True when everything is closed; False when a job outlived both waits (the history
            store is then left open for it: see :meth:`close_when_idle`).
        """
        if self.closed:
            return self.history_store is None or self.store_closed
        self.save_state()
        self.closed = True
        idle = True
        if self.refresher is not None and self.handset is not None:
            self.refresher.stop()
            self.handset.stop()
        if self.history is not None:
            self.history.stop_live()
        if self.messages is not None:
            self.messages.shutdown()  # no status webhook may write once the store closes
        if self.clock is not None:
            self.clock.stop()
        if self.runners is not None:
            idle = self.runners.shutdown(timeout_ms)
        client = self._http.built()
        if client is not None:
            client.close()
        if not idle and self.runners is not None:
            idle = self.runners.shutdown(grace_ms)
        if idle:
            self._close_retired()
        if idle and self.history_store is not None:
            self.history_store.close()
            self.store_closed = True
        elif not idle:
            log.warning("a job is still running after shutdown; the history stays open for it")
        server = self._sandbox.built()
        if server is not None:
            stop_sandbox(server, self.paths.data_dir)
        if self.log_handler is not None:
            from desktop_app.usecases.logging_setup import remove_logging

            remove_logging(self.log_handler)
        return idle

    def _close_retired(self) -> None:
        """Close the replaced histories and any a superseded switch opened (runners idle)."""
        left, self.retiring, self._closing = [*self.retiring, *self._closing], [], []
        for old in left:
            old.close(wait=1.0)
        if self.history_switch is not None:
            self.history_switch.close_unapplied()

    def close_when_idle(self, timeout_ms: int = LATE_JOBS_MS) -> bool:
        """Close the history store once the jobs that outlived :meth:`shutdown` have ended.

        Returns:
            True when the store is closed (or there is none); False when a job is still
            running after ``timeout_ms`` (the store stays open; the process's exit closes it).
        """
        if self.history_store is None or self.store_closed:
            return True
        if not self.closed or self.runners is None:
            return False  # only after shutdown(): before it, jobs may start at any time
        if not self.runners.shutdown(timeout_ms):
            return False
        self._close_retired()
        self.history_store.close()
        self.store_closed = True
        return True


class _ShellProfiles:
    """The shell's profile source before the session exists: the store's list and active one."""

    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    def profiles(self) -> list[Profile]:
        return list(self._store.profiles())

    def current(self) -> Profile:
        return self._store.active()


def build_app(*, home: Path | None = None, transport: httpx.BaseTransport | None = None,
              sandbox_latency: float = 0.0, profile: str | None = None,
              credentials: CredentialStore | None = None, log_to_file: bool = True,
              poll_ms: int = 1000, deferred: bool = False, history_url: str | None = None,
              history_passwords: CredentialStore | None = None) -> AppContext:
    """Build every object of the app; a ``QApplication`` must exist. Nothing is shown yet.

    Args:
        home: Keep settings, history and logs here (sets ``VERIFY_DESK_HOME``).
        transport: An httpx transport for the shared client (tests); None uses the network.
        sandbox_latency: Seconds the built-in sandbox waits before each answer.
        profile: The profile to start on; default the last one used.
        credentials: A credential store instead of the OS keyring (tests, session-only).
        log_to_file: Attach the redacting rotating log file in ``paths.log_dir``.
        poll_ms: The handset poll and status refresh interval.
        history_url: The history to use (``--history-url``); see :class:`AppOptions`.
        history_passwords: Shared-history passwords instead of the keyring (tests).
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
        # httpx logs every request at INFO; the handset poll and the status refresher would
        # write one line a second forever. Failures still reach the log through our own code.
        # (Both levels are put back when the context's shutdown removes the handler.)
        handler = configure_logging(paths.log_dir, secrets=lambda: tuple(log_secrets),
                                    quiet=("httpx",))
        messages.set_log_file(paths.log_dir / LOG_FILE_NAME)
    prefs_store = PreferencesStore(paths.settings_file)
    prefs = prefs_store.load()
    profile_store = ProfileStore(paths.settings_file)
    window = MainWindow(profiles=_ShellProfiles(profile_store))
    window.restore_state({"window_geometry": prefs.window_geometry,
                          "window_state": prefs.window_state,
                          "splitter_state": prefs.splitter_state,
                          "history_columns": prefs.history_columns,
                          "handset_visible": prefs.handset_visible,
                          "presenter_mode": prefs.presenter_mode})
    options = AppOptions(transport=transport, sandbox_latency=sandbox_latency,
                         credentials=credentials, poll_ms=poll_ms, history_url=history_url,
                         history_passwords=history_passwords)
    ctx = AppContext(paths, prefs_store, prefs, window, profile_store, options,
                     log_secrets=log_secrets, log_handler=handler, initial_profile=profile)
    window.closing.connect(ctx.save_state)
    if not deferred:
        ctx.populate()
    return ctx


def _build_services(ctx: AppContext) -> None:
    """Build the services into ``ctx`` and populate its window (see ``AppContext.populate``)."""
    from PySide6.QtCore import QLocale

    from desktop_app.api.http import DEFAULT_API_HOST
    from desktop_app.api.sandbox_control import SandboxControl
    from desktop_app.app_history import HistorySwitch
    from desktop_app.domain.errors import StoreError
    from desktop_app.domain.phone import default_region_from_locale
    from desktop_app.services import build_runners
    from desktop_app.services.clock import ServerClock
    from desktop_app.services.handset import HandsetService
    from desktop_app.services.history import HistoryService
    from desktop_app.services.messages import MessagesService
    from desktop_app.services.refresher import SEARCH_LAG_S, StatusRefresher
    from desktop_app.services.reports import ReportsService
    from desktop_app.services.session import SessionService
    from desktop_app.services.verification import VerificationService
    from desktop_app.settings.credentials import FollowingItems, KeyringCredentialStore
    from desktop_app.ui.settings_dialog import SettingsDialog
    from desktop_app.usecases.session import current_actor, open_desk

    options, paths, prefs, window = ctx.options, ctx.paths, ctx.preferences, ctx.window
    log_secrets = ctx.log_secrets
    runners = build_runners()
    # One clock (the active server's) for every time shown and every time the history stamps.
    clock = ServerClock(runners.handset, ctx.server_time)
    store = options.credentials if options.credentials is not None else KeyringCredentialStore()
    verification = VerificationService(runners.network)
    # No history yet: it is opened (and migrated) off the GUI thread by the first profile
    # switch (``HistorySwitch``); until then Recent requests is empty and says why.
    history = HistoryService(runners.store, None)
    # A team's shared history: every agent's rows reach Recent requests as they are written.
    history.reachable.connect(window.show_history_reachable)

    def not_found_grace() -> float:
        # The sandbox's search never lags; the real API's may, for a minute after an end.
        current = ctx.session.current() if ctx.session is not None else None
        return 0.0 if current is not None and current.is_sandbox else SEARCH_LAG_S

    refresher = StatusRefresher(verification, history, interval_ms=options.poll_ms,
                                not_found_grace=not_found_grace)
    handset = HandsetService(runners.handset, None, poll_ms=options.poll_ms)
    # The Messages API's keyring items (signature secret, application key) come from the
    # store the session uses now (a memory one after "keep for this session only"); a test's
    # own credential store has none.
    items = FollowingItems(
        lambda: ctx.session.credential_store if ctx.session is not None else store)
    messages = MessagesService(runners.network, verification, None,
                               store_runner=runners.store, secrets=items,
                               secrets_runner=runners.credentials)

    # Who and where, for the audit trail: read once here, passed to every desk.
    actor = current_actor()

    reports = ReportsService(runners.reports, None, history_path=paths.history_db)

    def install_history(new: HistoryStore) -> None:
        # On the GUI thread, before the new profile's desk is built (it reads ctx.history_store).
        old, ctx.history_store = ctx.history_store, new
        history.stop_live()
        history.set_history(new)
        history.start_live()
        messages.set_store(new)
        reports.set_history(new)
        if old is not None:
            ctx.retiring.append(old)  # closed once the old desk's jobs are done
        window.recent.reload()

    switch = HistorySwitch(options.history_url, options.history_passwords, paths, clock,
                           install_history, window)
    switch.status.connect(window.show_history_status)
    switch.unreachable.connect(window.show_history_unreachable)
    switch.failed.connect(window.report_history_failure)
    ctx.history_switch = switch

    def desk_factory(prof: Profile, creds: ApiCredentials) -> VerifyOperations:
        history_store = ctx.history_store
        if history_store is None:
            raise StoreError("The request history could not be opened.")
        log_secrets.add(creds.api_secret)
        url = ctx.ensure_sandbox() if prof.is_sandbox else None
        return open_desk(prof, creds, history_store, ctx.http, sandbox_url=url,
                         operator=actor.user, host=actor.host,
                         default_region=window.send_form.region() or None, secrets=items,
                         message_route=messages.route_for(prof.is_sandbox))

    session = SessionService(
        runners.credentials, ctx.profile_store, store, desk_factory,
        verification, handset, _BUILTIN_SANDBOX,
        control_factory=lambda _url: SandboxControl(ctx.http, ctx.ensure_sandbox()),
        step=switch)

    def follow_profile(profile: Profile) -> None:
        # Connected before the window's slots: the clock has switched when they re-render.
        if profile.is_sandbox:
            clock.use_sandbox(SandboxControl(ctx.http, ctx.ensure_sandbox()))
        else:
            clock.use_live(profile.api_host or DEFAULT_API_HOST)

    session.profile_changed.connect(follow_profile)
    session.profile_changed.connect(lambda _profile: ctx.retire_histories())
    handset.clock_read.connect(clock.set_reading)  # a skip or speed change: at once
    ctx.credentials, ctx.runners = store, runners
    ctx.verification, ctx.history, ctx.refresher = verification, history, refresher
    ctx.handset, ctx.messages, ctx.clock = handset, messages, clock
    window.populate(session=session, verification=verification, history=history,
                    refresher=refresher, handset=handset, clock=clock,
                    settings_factory=lambda parent: SettingsDialog(session, parent,
                                                                  messages=messages))
    from desktop_app.ui.message_wiring import install_messages

    install_messages(window, messages, session)
    # A task failure no caller handled is logged by its runner and shown by the window.
    runners.on_unhandled_failure(window.report_failure)
    window.send_form.set_region(
        prefs.last_country or default_region_from_locale(QLocale.system().name()))
    window.send_form.restore_brand(prefs.brand)
    from desktop_app.ui.reports_menu import ReportsMenu

    # Exports mask numbers as the window does: in presenter mode (remembered in preferences).
    window.reports_menu = ReportsMenu(window, reports, mask=lambda: window.presenter_mode)
    _wire_scenarios(ctx, runners, session, verification)
    speed = window.handset_panel.speed_combo
    speed.setCurrentIndex(max(speed.findData(ctx.time_scale), 0))

    def follow_clock() -> None:
        # The saved sandbox (or the command line) may run at another speed than last chosen.
        if clock.simulated and speed.findData(clock.time_scale) >= 0:
            speed.setCurrentIndex(speed.findData(clock.time_scale))
        window.concurrent_panel.lookup()  # deliveries may have fired: search it again

    clock.changed.connect(follow_clock)
    ctx.session = session  # last: ``populated`` is True from here on


def _wire_scenarios(ctx: AppContext, runners: ServiceRunners, session: SessionService,
                    verification: VerificationService) -> None:
    """File → Run scenarios…: the menu now, the service (and the engine) on first use."""
    from desktop_app.ui.scenario_menu import ScenarioMenu

    window = ctx.window

    def own_profile() -> OwnProfile | None:
        from desktop_app.services.scenarios import OwnProfile

        desk, profile = verification.desk, session.current()
        if desk is None or desk.profile != profile.name:
            return None  # no profile yet, or a switch under way
        return OwnProfile(profile, desk, ctx.ensure_sandbox() if profile.is_sandbox else None)

    def service() -> ScenarioService:
        from desktop_app.services.scenarios import ScenarioService

        built = ScenarioService(runners.scenarios, lambda: ctx.http, fresh_sandbox, own_profile,
                                region=lambda: window.send_form.region() or None,
                                secrets=lambda: tuple(ctx.log_secrets))  # fmt: skip
        built.history_changed.connect(window.recent.reload)
        return built

    window.scenario_menu = ScenarioMenu(window, service, mask=lambda: window.presenter_mode)


def main(argv: Sequence[str] | None = None) -> int:
    """Run Verify Desk; returns the process exit code (2: no display to show the window on).

    The cyclic garbage collector stays off until the window is populated (see
    ``desktop_app.__main__``, which turns it off before the first import).
    """
    gc.disable()
    try:
        return _run(argv)
    finally:
        gc.enable()


def _run(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    if display_missing():
        sys.stderr.write(NO_DISPLAY + "\n")
        return 2
    if args.home is not None:
        os.environ[HOME_ENV] = str(args.home.resolve())
    import_shell_modules()
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Verify Desk")
    app.setOrganizationName("Verify Desk")
    app.setDesktopFileName("verify-desk")
    # The shell only: the services and the pages are built just after the first paint.
    ctx = build_app(sandbox_latency=args.sandbox_latency, profile=args.profile, deferred=True,
                    history_url=args.history_url)
    install_excepthook(ctx.window)
    app.aboutToQuit.connect(ctx.shutdown)
    kept: list[object] = []
    ctx.window.first_painted.connect(lambda: kept.append(after_first_paint(app)))
    ctx.start()
    code = app.exec()
    kept.clear()
    if not ctx.shutdown():
        ctx.close_when_idle()
    # The window goes before the QApplication: left to the interpreter's exit, the order is
    # undefined and Qt Charts' objects (once the Analytics page was opened) crash in teardown.
    import shiboken6

    shiboken6.delete(ctx.window)
    sys.excepthook = sys.__excepthook__
    return int(code)
