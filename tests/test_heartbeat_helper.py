"""The heartbeat check itself: it must catch a GUI-thread stall the app causes."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from tests.helpers.heartbeat import Heartbeat


def test_a_blocked_gui_thread_is_not_excused_by_the_control(qtbot) -> None:
    heartbeat = Heartbeat(qtbot)
    done: list[bool] = []

    def block() -> None:
        # Deliberately what the app must never do: hold the GUI thread (busy, with the GIL).
        end = time.perf_counter() + 0.08
        while time.perf_counter() < end:
            pass
        done.append(True)

    QTimer.singleShot(50, block)
    qtbot.waitUntil(lambda: bool(done))
    qtbot.waitUntil(lambda: len(heartbeat.ticks) >= 20)
    result = heartbeat.stop()
    assert result.late_ms >= 70, result.describe()
    assert result.unexplained_late_ms >= 50, result.describe()


def test_an_idle_gui_thread_is_on_time(qtbot) -> None:
    heartbeat = Heartbeat(qtbot)
    qtbot.waitUntil(lambda: len(heartbeat.ticks) >= 30)
    result = heartbeat.stop()
    assert result.unexplained_late_ms < 50, result.describe()
