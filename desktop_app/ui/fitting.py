"""Widgets that fit the width and height they are given, so content never resizes the window.

Long or growing content must not push the window past the screen (issue 9: the window has to
work from a 1024x640 screen up). The tools:

* :class:`ScrollPage`: a page that scrolls vertically instead of making the window taller, and
  asks its column for the width its content needs, up to a cap;
* :func:`shrinkable`: a combo box sized for a few characters rather than for its longest item
  (its list still opens wide enough to read every item);
* :func:`wrapped`: a label for sentences, which wrap;
* :func:`first_size`: a separate window's first size, within its screen; and
  :class:`~desktop_app.ui.elided_label.ElidedLabel`: one line of text that elides when narrow,
  the full text in its tooltip.

The last one lives in ``ui/elided_label.py``: the window's shell uses it before the first paint,
and must not pay for the others.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget
from typing_extensions import override

__all__ = ["MAX_MINIMUM_WIDTH", "ScrollPage", "first_size", "shrinkable", "wrapped"]

#: The most width a page asks for as its minimum; wider content scrolls sideways instead.
MAX_MINIMUM_WIDTH = 440
#: The least height a page asks for (a few lines; the rest scrolls).
_MINIMUM_HEIGHT = 120
#: Room left for the window manager's title bar and borders around a window's first size.
_FRAME = 60


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


def first_size(widget: QWidget, preferred: tuple[int, int]) -> QSize:
    """A separate window's first size: ``preferred`` where its screen holds it.

    On a smaller screen, the screen's available area less room for the window manager's
    frame; never below the window's least size (its layout's, or one it was given).
    """
    area = widget.screen().availableGeometry()
    least = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    return QSize(max(min(preferred[0], area.width() - _FRAME), least.width()),
                 max(min(preferred[1], area.height() - _FRAME), least.height()))  # fmt: skip
