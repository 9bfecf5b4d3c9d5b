"""The Qt binding must not leak or steal Python references on the calls the services make.

PySide6-Essentials 6.12.0 drops a reference to ``True`` on every ``SignalInstance.emit()`` and
to ``None`` on every void-returning wrapped call (``setObjectName``, ``QTimer.start``,
``processEvents`` ...). After a few thousand calls the interpreter frees ``True``/``None`` and
aborts ("Fatal Python error: bool_dealloc"). 6.11.3 does not. This test names the cause
instead of leaving an abort at interpreter exit.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QTimer, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_signal_emit_and_void_calls_keep_reference_counts(qapp) -> None:
    emitter = _Emitter()
    timer = QTimer()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(50):
        emitter.fired.emit(1)
        emitter.setObjectName("probe")
        timer.start(1000)
        timer.stop()
    true_lost = true_before - sys.getrefcount(True)
    none_lost = none_before - sys.getrefcount(None)
    assert (true_lost, none_lost) == (0, 0), (
        f"PySide6 {pyside_version} loses references (True: {true_lost}, None: {none_lost} "
        "in 50 rounds); the app will abort. Use a PySide6-Essentials release without this bug."
    )
