"""A sentence in the middle of an empty table: :class:`EmptyHint`.

An empty table says nothing by itself: on a first start it looks broken, and after a filter it
looks like lost data. The hint is a label on the view's viewport, shown only while the model
has no rows; the view owns it, so it needs no layout and goes away with the view.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QVBoxLayout

__all__ = ["EmptyHint"]

#: Space kept between the hint and the viewport's edges.
_MARGIN = 16


class EmptyHint(QLabel):
    """A greyed, centred sentence over an item view while its model is empty.

    Args:
        view: The view; its model's row signals keep the hint current.
        text: What to say now ("" says nothing: e.g. before the first load has answered).
    """

    def __init__(self, view: QAbstractItemView, text: Callable[[], str]) -> None:
        super().__init__(view.viewport())
        self._view = view
        self._text = text
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setEnabled(False)  # the palette's disabled text: a hint, not data
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAccessibleName("Empty table hint")
        model = view.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset,
                       model.layoutChanged):  # fmt: skip
            signal.connect(self.update_hint)
        # A layout keeps it centred as the viewport resizes. Not an event filter on the
        # viewport: the viewport sends events while its children (this label) are being
        # destroyed, and a Python filter called then crashes the process.
        layout = QVBoxLayout(view.viewport())
        layout.setContentsMargins(_MARGIN, _MARGIN, _MARGIN, _MARGIN)
        layout.addWidget(self)
        self.update_hint()

    def update_hint(self, *_args: object) -> None:
        """Show the sentence while the model is empty (call when what it says may change)."""
        text = self._text() if self._view.model().rowCount() == 0 else ""
        if text != self.text():
            self.setText(text)
        self.setVisible(bool(text))
