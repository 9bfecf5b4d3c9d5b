"""The always-visible badge saying which account the window talks to.

A live account gets a red badge ("LIVE: <profile>") so nobody sends a real SMS by accident; the
built-in sandbox a calm teal one. These are the only hard-coded colours of the window: the badge
must look the same on every palette.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["LIVE_COLOUR", "SANDBOX_COLOUR", "ProfileBadge"]

SANDBOX_COLOUR = "#0f766e"
LIVE_COLOUR = "#c62828"
#: Centred through the style sheet: the badge is part of the window's shell, built before the
#: first paint, and ``setAlignment`` needs ``PySide6.QtCore.Qt``'s enums (about 14 ms to create).
_STYLE = (
    "QLabel {{ background-color: {bg}; color: #ffffff; font-weight: bold; "
    "border-radius: 4px; padding: 3px 10px; qproperty-alignment: AlignCenter; }}"
)


class ProfileBadge(QLabel):
    """A coloured label: ``SANDBOX`` (teal) or ``LIVE: <name>`` (red).

    Args:
        parent: The owning widget.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Active profile")
        self._live = False
        self._colour = SANDBOX_COLOUR
        self.set_profile("Sandbox", is_sandbox=True)

    @property
    def is_live(self) -> bool:
        """True when the badge shows a live (billed, real SMS) account."""
        return self._live

    @property
    def colour(self) -> str:
        """The badge's background colour as ``#rrggbb``."""
        return self._colour

    def set_profile(self, name: str, *, is_sandbox: bool) -> None:
        """Show the given profile.

        Args:
            name: The profile's name.
            is_sandbox: True for the built-in sandbox (no real SMS is sent).
        """
        self._live = not is_sandbox
        if is_sandbox:
            self._colour = SANDBOX_COLOUR
            self.setText("SANDBOX")
            self.setToolTip(f"Profile '{name}': the built-in sandbox. No real SMS is sent.")
        else:
            self._colour = LIVE_COLOUR
            self.setText(f"LIVE: {name}")
            self.setToolTip(
                f"Profile '{name}' is a live Vonage account: codes are really sent and billed."
            )
        self.setAccessibleDescription(self.toolTip())
        self.setStyleSheet(_STYLE.format(bg=self._colour))
