"""The window's process around the app: the excepthook, quitting on signals, the icon.

What :func:`desktop_app.app.main` installs around the app it built, kept out of the
composition root: nothing here builds a service or a page. Qt is imported only inside the
functions, which run once the ``QApplication`` exists.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow

__all__ = [
    "after_first_paint",
    "collector_on",
    "import_shell_modules",
    "install_excepthook",
    "quit_on_signals",
]

ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "verify-desk.svg"
log = logging.getLogger(__name__)


def install_excepthook(window: MainWindow) -> None:
    """Log an exception nothing caught (a slot's, a handler's) and show it in plain words."""
    from desktop_app.ui import messages

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unexpected error", exc_info=(kind, exc, tb))
        try:
            messages.show_error(window, messages.masked(messages.describe(exc),
                                                        window.presenter_mode))
        except Exception:
            log.exception("could not show the error message")

    sys.excepthook = hook


def quit_on_signals(app: QApplication) -> object:
    """Quit through the normal shutdown (cancel, wait, close) on SIGTERM and SIGINT.

    Python runs signal handlers only between bytecodes, and Qt's event loop sits in C++; a
    wake-up fd makes the loop hand control back to Python as soon as a signal arrives. The
    handler only *queues* the quit: run where the signal interrupted (possibly in the middle
    of saving the settings, holding their lock), a direct ``quit()`` closed the window again
    inside that save, and a second signal deadlocked the app.

    Returns:
        What must stay alive as long as the handlers are installed.
    """
    import signal

    from PySide6.QtCore import QSocketNotifier, QTimer

    reader, writer = os.pipe()
    for fd in (reader, writer):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(writer)
    notifier = QSocketNotifier(reader, QSocketNotifier.Type.Read, app)

    def on_wakeup() -> None:
        with contextlib.suppress(OSError):
            os.read(reader, 64)

    def on_signal(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, app.quit)

    notifier.activated.connect(on_wakeup)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return (reader, writer, notifier)


def after_first_paint(app: QApplication) -> object:
    """What the first paint does not need: the window icon, the signal handlers; and GC back on.

    The icon is an SVG (rendered at several sizes for the window manager); until the handlers
    are installed, SIGTERM and SIGINT simply end the process, which is right while there is
    nothing to save yet.

    Returns:
        What must stay alive while the app runs (see :func:`quit_on_signals`).
    """
    from PySide6.QtCore import QTimer

    # Queued: it runs after AppContext has populated the window (its slot comes next).
    QTimer.singleShot(0, collector_on)
    if ICON.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(ICON)))
    return quit_on_signals(app)


def collector_on() -> None:
    """Turn the cyclic garbage collector on, with the start-up heap frozen out of its scans.

    Everything built so far (modules, widgets, services) lives as long as the window. Frozen
    (``gc.freeze``), a full collection no longer walks it: one took 120 ms on the GUI thread
    while the history view churned over a million rows, and 0 ms once frozen
    (docs/benchmarks.md, "Responsiveness").
    """
    gc.freeze()
    gc.enable()


def import_shell_modules() -> None:
    """Import the shell's Qt-free modules before PySide6 (see ``desktop_app.app``'s docstring)."""
    import desktop_app.settings.paths
    import desktop_app.settings.preferences
    import desktop_app.settings.profiles
    import desktop_app.usecases.logging_setup  # noqa: F401
