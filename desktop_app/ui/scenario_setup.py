"""The top of the scenario pane: which files, which data table, and where they run.

Where: a fresh sandbox per file (the default, as ``verify-desk-cli run``), or the window's own
profile, named as it is now; a note under the choice says what it means (what is kept, what
costs money, what is skipped). The file dialogs go through :func:`choose_scenario_files` and
:func:`choose_data_table`, which tests replace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop_app.services.scenarios import OwnProfile

__all__ = ["ScenarioSetup", "choose_data_table", "choose_scenario_files"]

_FRESH_NOTE = ("Each file runs on a sandbox of its own, its clock paused (as verify-desk-cli "
               "run does); its requests are not kept.")  # fmt: skip
_OWN_SANDBOX_NOTE = ("The requests appear in Recent requests. Every file shares this sandbox and "
                     "the requests already on it (a number with a live request is refused), and "
                     "its clock keeps running, so timings may differ a little.")  # fmt: skip
_ACCOUNT_NOTE = ("Every verification costs money; you are asked first. Scenarios that need the "
                 "sandbox's handset or clock are skipped. The requests appear in Recent "
                 "requests.")  # fmt: skip
#: How many file names the label lists before "and N more".
_NAMES_SHOWN = 4


def choose_scenario_files(parent: QWidget, folder: Path) -> list[Path]:
    """Ask for scenario files; an empty list when the person cancels."""
    paths, _ = QFileDialog.getOpenFileNames(
        parent, "Run scenarios: choose files", str(folder), "Scenario files (*.toml);;All (*)"
    )
    return [Path(p) for p in paths]


def choose_data_table(parent: QWidget, folder: Path) -> Path | None:
    """Ask for a data table (CSV or JSON); None when the person cancels."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Run every scenario once per row of", str(folder), "Data tables (*.csv *.json)"
    )
    return Path(path) if path else None


class ScenarioSetup(QWidget):
    """Files, data table and place of the next run.

    Signals:
        files_changed(): Other files were chosen.

    Args:
        own_profile: The window's active profile as a place to run (None while none is).
        folder: Where the file dialogs open before any file was chosen.
        parent: The pane.
    """

    files_changed = Signal()

    def __init__(
        self,
        own_profile: Callable[[], OwnProfile | None],
        *,
        folder: Callable[[], Path] = Path.home,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._own_profile = own_profile
        self._folder = folder
        self._paths: list[Path] = []
        self.data: Path | None = None
        self.files_label = QLabel("No files chosen.", self)
        self.files_label.setWordWrap(True)
        self.files_button = QPushButton("Choose &files…", self)
        self.data_label = QLabel(self)
        self.data_label.setWordWrap(True)
        self.data_button = QPushButton("&Data table…", self)
        self.no_data_button = QPushButton("No table", self)
        self.fresh_radio = QRadioButton("A fresh &sandbox per file", self)
        self.fresh_radio.setChecked(True)
        self.own_radio = QRadioButton(self)
        self._where = QButtonGroup(self)
        self._where.addButton(self.fresh_radio)
        self._where.addButton(self.own_radio)
        self.place_note = QLabel(self)
        self.place_note.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Files:", self), 0, 0)
        grid.addWidget(self.files_label, 0, 1)
        grid.addWidget(self.files_button, 0, 2)
        grid.addWidget(QLabel("Data:", self), 1, 0)
        grid.addWidget(self.data_label, 1, 1)
        data_buttons = QHBoxLayout()
        data_buttons.addWidget(self.data_button)
        data_buttons.addWidget(self.no_data_button)
        grid.addLayout(data_buttons, 1, 2)
        grid.addWidget(QLabel("Run on:", self), 2, 0)
        grid.addWidget(self.fresh_radio, 2, 1, 1, 2)
        grid.addWidget(self.own_radio, 3, 1, 1, 2)
        grid.addWidget(self.place_note, 4, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self.files_button.clicked.connect(self.choose_files)
        self.data_button.clicked.connect(self._on_data_button_clicked)
        self.no_data_button.clicked.connect(lambda: self.set_data(None))
        self._where.buttonToggled.connect(lambda *_a: self._show_place_note())
        self.set_data(None)
        self.refresh_place()

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files the next run runs."""
        return tuple(self._paths)

    @property
    def own_chosen(self) -> bool:
        """True when the next run goes to the window's own profile."""
        return self.own_radio.isChecked()

    def start_folder(self) -> Path:
        """Where a file dialog opens: beside the chosen files, else the default folder."""
        return self._paths[0].parent if self._paths else self._folder()

    def choose_files(self) -> bool:
        """Ask for scenario files (through :func:`choose_scenario_files`); False if none."""
        paths = choose_scenario_files(self, self.start_folder())
        if paths:
            self.set_files(paths)
        return bool(paths)

    def set_files(self, paths: Sequence[Path]) -> None:
        """Run these files next."""
        self._paths = list(paths)
        names = ", ".join(p.name for p in self._paths[:_NAMES_SHOWN])
        more = len(self._paths) - _NAMES_SHOWN
        self.files_label.setText(
            (names + (f" and {more} more" if more > 0 else "")) or "No files chosen.")
        self.files_label.setToolTip("\n".join(str(p) for p in self._paths))
        self.files_changed.emit()

    def set_data(self, path: Path | None) -> None:
        """Run every scenario once per row of this table (None: each once, or its own)."""
        self.data = path
        self.data_label.setText(
            f"{path.name}: every scenario runs once per row." if path
            else "No data table: each scenario runs once.")  # fmt: skip
        self.data_label.setToolTip(str(path) if path else "")

    def set_busy(self, busy: bool) -> None:
        """Nothing can be changed while a run goes on."""
        for widget in (self.files_button, self.data_button, self.no_data_button,
                       self.fresh_radio):  # fmt: skip
            widget.setEnabled(not busy)
        self.refresh_place(busy=busy)

    def refresh_place(self, *, busy: bool = False) -> None:
        """Name the window's profile in the second choice (it may have changed)."""
        own = self._own_profile()
        if own is None:
            text = "This window's profile (none is active yet)"
        elif own.is_account:
            text = f"This window's profile '{own.profile.name}' (a real account)"
        else:
            text = f"This window's sandbox (profile '{own.profile.name}')"
        self.own_radio.setText(text)
        self.own_radio.setEnabled(own is not None and not busy)
        if own is None:
            self.fresh_radio.setChecked(True)
        self._show_place_note(own)

    def _show_place_note(self, own: OwnProfile | None = None) -> None:
        if self.fresh_radio.isChecked():
            text = _FRESH_NOTE
        else:
            own = own or self._own_profile()
            text = _ACCOUNT_NOTE if own is None or own.is_account else _OWN_SANDBOX_NOTE
        self.place_note.setText(text)

    def _on_data_button_clicked(self) -> None:
        path = choose_data_table(self, self.start_folder())
        if path is not None:
            self.set_data(path)
