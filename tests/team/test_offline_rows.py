"""While the team's server is away, this session's requests show in Recent requests, marked.

They wait in the outbox; Recent requests lists them beside the rows it showed, each saying it is
not yet saved to the team history. When the server is back and the outbox is written, they give
way to the server's rows: each request once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_app.app import AppContext
from desktop_app.ui.history_columns import STATUS, column_index
from desktop_app.ui.history_model import NOT_YET_SAVED, WAITING_MARK
from tests.helpers.postgres import PostgresServer
from tests.helpers.windows import send_in_window
from tests.team.conftest import OutageWindow


def _ids(ctx: AppContext) -> list[str | None]:
    return [row.request_id for row in ctx.window.recent.model.rows()]


def _waiting(ctx: AppContext) -> list[str | None]:
    model = ctx.window.recent.model
    return [row.request_id for row in model.rows() if model.is_waiting(row)]


def test_queued_rows_show_marked_while_the_server_is_away_then_once_each(
    qtbot: Any, outage_window: OutageWindow, own_postgres: PostgresServer
) -> None:
    ctx, _url = outage_window
    recent = ctx.window.recent
    before = send_in_window(qtbot, ctx, "+44 7400 123456")
    qtbot.waitUntil(lambda: _ids(ctx) == [before] and not recent.is_loading, timeout=10000)
    own_postgres.stop()
    qtbot.waitUntil(lambda: not ctx.window.history_label.isHidden(), timeout=10000)

    during = send_in_window(qtbot, ctx, "+44 7400 123457", 15000)
    recent.reload()  # as the next change would: the listing fails, the outbox answers
    qtbot.waitUntil(lambda: _waiting(ctx) == [during], timeout=10000)
    assert sorted(_ids(ctx)) == sorted([before, during])  # the rows shown stay
    assert recent.message_label.text() == NOT_YET_SAVED
    row = recent.model.row_of(during)
    assert row is not None
    tip = recent.model.data(recent.model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == NOT_YET_SAVED
    status = recent.model.index(row, column_index(STATUS)).data()
    assert status.endswith(WAITING_MARK)

    own_postgres.start()
    qtbot.waitUntil(ctx.window.history_label.isHidden, timeout=15000)
    qtbot.waitUntil(lambda: not _waiting(ctx) and recent.message_label.text() == "",
                    timeout=10000)  # fmt: skip
    assert sorted(_ids(ctx)) == sorted([before, during])  # each once
    ids = [row.id for row in recent.model.rows()]
    assert all(i < 1 << 62 for i in ids)  # the server's rows, not the provisional ones
    assert not any(str(recent.model.index(r, column_index(STATUS)).data()).endswith(
        WAITING_MARK) for r in range(recent.model.rowCount()))  # fmt: skip
