"""One line of text that elides when narrow, the full text in its tooltip: :class:`ElidedLabel`.

A plain ``QLabel`` is at least as wide as its text, so a long status line would widen the
window. The window's shell (built before the first paint) uses this label in its status bar, so
this module imports only the few PySide6 classes it needs at once; painting an elided text
loads the rest when a text first does not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QWidget

if not TYPE_CHECKING:  # typing_extensions costs a few ms before the first paint

    def override(method: Any) -> Any:
        return method


if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent, QResizeEvent
    from typing_extensions import override

__all__ = ["ElidedLabel"]

#: What an elided label is at least wide enough for.
_ELIDED_MINIMUM = "Mmmm…"


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides its end when narrow, the full text as tooltip.

    Its minimum width is a few characters, so a long text never widens its layout.

    Args:
        text: The initial text.
        parent: The owning widget.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._elided = False

    @property
    def elided(self) -> bool:
        """True while the text is cut short (the tooltip has it in full)."""
        return self._elided

    def _advance(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text)

    @override
    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        margins = self.contentsMargins()
        least = self._advance(_ELIDED_MINIMUM) + margins.left() + margins.right()
        return QSize(min(hint.width(), least), hint.height())

    def _fits(self) -> bool:
        return self._advance(self.text()) <= self.contentsRect().width()

    def _update_tooltip(self) -> None:
        elided = not self._fits()
        if elided != self._elided or elided:
            self._elided = elided
            self.setToolTip(self.text() if elided else "")

    @override
    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        if self._fits():  # the usual case: QLabel's own painting, no Qt enum types needed
            super().paintEvent(event)
            return
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QPainter

        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment().value), self.palette(),
                                  self.isEnabled(), text, self.foregroundRole())
        painter.end()
