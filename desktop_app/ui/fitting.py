"""Widgets that fit the width and height they are given, so content never resizes the window.

Long or growing content must not push the window past the screen (issue 9: the window has to
work from a 1024x640 screen up). Three tools:

* :class:`ScrollPage`: a page that scrolls vertically instead of making the window taller, and
  asks its column for the width its content needs, up to a cap;
* :func:`shrinkable`: a combo box sized for a few characters rather than for its longest item
  (its list still opens wide enough to read every item);
* :class:`ElidedLabel`: one line of text that elides when narrow, the full text in its tooltip;
  :func:`wrapped`: a label for sentences, which wrap.

This module is imported by the window's shell (the status bar's label) before the first paint:
only PySide6, nothing that creates ``Qt`` enum types at import or while a text fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

if not TYPE_CHECKING:  # typing_extensions costs a few ms before the first paint

    def override(method: Any) -> Any:
        return method


if TYPE_CHECKING:
    from typing_extensions import override


__all__ = ["MAX_MINIMUM_WIDTH", "ElidedLabel", "ScrollPage", "shrinkable", "wrapped"]

#: The most width a page asks for as its minimum; wider content scrolls sideways instead.
MAX_MINIMUM_WIDTH = 440
#: The least height a page asks for (a few lines; the rest scrolls).
_MINIMUM_HEIGHT = 120
#: What an elided label is at least wide enough for.
_ELIDED_MINIMUM = "Mmmm…"


class ScrollPage(QScrollArea):
    """A frameless vertical scroll area around one content widget.

    Attributes:
        body: The content widget (scrolled; as wide as the page).
        body_layout: The content's vertical layout.

    Args:
        parent: The owning widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.setWidget(self.body)

    def _chrome_width(self) -> int:
        return self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    @override
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            # The content's needs changed (rows added, a panel shown): the column's minimum
            # follows. QScrollArea itself only updates its scroll bars.
            self.updateGeometry()
        return super().event(event)

    @override
    def minimumSizeHint(self) -> QSize:
        needed = self.body.minimumSizeHint().width() + self._chrome_width()
        return QSize(min(needed, MAX_MINIMUM_WIDTH), _MINIMUM_HEIGHT)

    @override
    def sizeHint(self) -> QSize:
        hint = self.body.sizeHint()
        width = max(hint.width() + self._chrome_width(), self.minimumSizeHint().width())
        return QSize(width, hint.height() + 2 * self.frameWidth())


def wrapped(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label whose text wraps to its width (for sentences: notices, results, values)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def shrinkable(combo: QComboBox, chars: int = 16) -> QComboBox:
    """Size ``combo`` for ``chars`` characters, not for its longest item; returns it.

    The closed combo elides a longer current item; its list still opens as wide as the widest
    item (Qt widens the popup to its contents).
    """
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


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

    @override
    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = QFontMetrics(self.font()).horizontalAdvance(_ELIDED_MINIMUM)
        margins = self.contentsMargins()
        return QSize(min(hint.width(), least + margins.left() + margins.right()), hint.height())

    @property
    def elided(self) -> bool:
        """True while the text is cut short (the tooltip has it in full)."""
        return self._elided

    def _fits(self) -> bool:
        return QFontMetrics(self.font()).horizontalAdvance(self.text()) <= (
            self.contentsRect().width())

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

        rect = self.contentsRect()
        text = QFontMetrics(self.font()).elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                                    rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment().value), self.palette(),
                                  self.isEnabled(), text, self.foregroundRole())
        painter.end()
