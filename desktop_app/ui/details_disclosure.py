"""A message line with its technical details disclosed on demand.

* :class:`DetailsDisclosure`: a "Details" toggle, collapsed by default, over selectable text
  (the API's own words, status numbers, the technical cause) and a button copying it whole.
* :class:`MessageLine`: the plain sentence a view shows after an action (what happened and what
  to do next), with a :class:`DetailsDisclosure` under it when the message has details. It
  reads like a ``QLabel`` (``setText``/``text``/``clear``), so a view swaps one for the other.

What :mod:`desktop_app.ui.messages` words goes through here: the headline never holds anything
technical, and the details are never shown unless asked for. Each message with details is also
written to the log (which masks numbers and secrets).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop_app.ui.formatting import mask_text

__all__ = ["DetailsDisclosure", "MessageLine"]

log = logging.getLogger(__name__)


class DetailsDisclosure(QWidget):
    """A collapsed "Details" toggle over selectable, copyable technical text.

    Hidden altogether while it has no details.

    Args:
        parent: The owning widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Show what the API or the system said, for support")
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setAutoRaise(True)
        self.copy_button.setToolTip("Copy the details to the clipboard")
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        self.body.setFrameShape(QFrame.Shape.StyledPanel)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.body.setAccessibleName("Details")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.toggle)
        header.addWidget(self.copy_button)
        header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self._on_toggle_toggled(False)
        self.setVisible(False)

    @property
    def expanded(self) -> bool:
        """True while the details are shown."""
        return self.toggle.isChecked()

    def details(self) -> str:
        """The technical text ("" when none)."""
        return self.body.text()

    def set_details(self, text: str) -> None:
        """Hold ``text`` (collapsed again); empty text hides the disclosure."""
        self.body.setText(text)
        self.toggle.setChecked(False)
        self.setVisible(bool(text))

    def _on_toggle_toggled(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
        self.copy_button.setVisible(expanded)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.body.text())


class MessageLine(QWidget):
    """The sentence a view shows after an action, with its details disclosed on demand.

    ``setText`` takes plain text or a :class:`~desktop_app.ui.messages.Message` (whose
    ``details`` go under the disclosure); the line hides itself while empty.

    Args:
        parent: The owning widget.
        name: The accessible name of the sentence (``"Send result"``).
    """

    def __init__(self, parent: QWidget | None = None, *, name: str = "Message") -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)  # a long sentence must not widen the window
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName(name)
        self.disclosure = DetailsDisclosure(self)
        self._text = ""
        self._details = ""
        self._mask = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.disclosure)
        self.setVisible(False)

    def text(self) -> str:
        """The sentence shown ("" when none)."""
        return self.label.text()

    def details(self) -> str:
        """The details held under the disclosure ("" when none)."""
        return self.disclosure.details()

    def setText(self, text: str) -> None:  # noqa: N802 - reads like QLabel.setText on purpose
        """Show ``text`` (a ``Message``'s details go under "Details"); "" clears the line."""
        self._text = str(text)
        self._details = str(getattr(text, "details", "") or "")
        if self._details:
            log.info("told the user: %s | details: %s", self._text, self._details)
        self._render()

    def clear(self) -> None:
        """Hide the line and its details."""
        self.setText("")

    def set_colour(self, colour: QColor | None) -> None:
        """Colour the sentence (None: the palette's text colour)."""
        self.label.setStyleSheet(f"color: {colour.name()};" if colour is not None else "")

    def set_mask(self, mask: bool) -> None:
        """Presenter mode: every number in the sentence and the details cut to its last four."""
        if mask != self._mask:
            self._mask = mask
            self._render()

    def _render(self) -> None:
        self.label.setText(mask_text(self._text, mask=self._mask))
        self.disclosure.set_details(mask_text(self._details, mask=self._mask))
        self.setVisible(bool(self._text))
