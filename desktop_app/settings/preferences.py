"""Non-secret user preferences: one typed, frozen dataclass with defaults.

Call sites never use string keys: they read attributes and save a changed copy::

    prefs = store.load()
    store.save(dataclasses.replace(prefs, presenter_mode=True))

The values live in ``settings.json`` under the ``"preferences"`` key. Loading is forgiving:
unknown keys are ignored, and a value of the wrong type (or out of range, or not base64 where
base64 is expected) falls back to that field's default, so a hand-edited file never stops
the app from starting. The former ``mask_numbers`` (never shown in the window) is read as
``presenter_mode`` when the file has no ``presenter_mode`` yet.
"""

from __future__ import annotations

import binascii
import dataclasses
import math
from base64 import b64decode
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from desktop_app.settings import _jsonfile

_SECTION: Final = "preferences"
#: Qt byte arrays (``saveGeometry`` / ``saveState``), stored as base64 text.
_BASE64_FIELDS: Final = frozenset({"window_geometry", "window_state", "splitter_state"})
#: The sandbox's clock speed-up must stay in a range the simulator can honour.
TIME_SCALE_RANGE: Final = (0.01, 1000.0)


@dataclass(frozen=True)
class Preferences:
    """Everything the app remembers between runs, except profiles and secrets.

    Attributes:
        last_country: ISO 3166 region last used for number entry (``"GB"``), or empty.
        brand: The brand last sent in the verification text.
        presenter_mode: Presenter mode (View menu): numbers cut to their last four digits,
            request ids to their ends, larger type.
        sandbox_time_scale: How much faster than real time the built-in sandbox runs.
        window_geometry: Base64 of ``QMainWindow.saveGeometry()``.
        window_state: Base64 of ``QMainWindow.saveState()``.
        splitter_state: Base64 of the main splitter's ``saveState()``.
        history_columns: The history table's column layout, as the UI encodes it.
        handset_visible: Show the simulated handset dock on the Sandbox profile.
    """

    last_country: str = ""
    brand: str = ""
    presenter_mode: bool = False
    sandbox_time_scale: float = 1.0
    window_geometry: str = ""
    window_state: str = ""
    splitter_state: str = ""
    history_columns: str = ""
    handset_visible: bool = True


def _accept(name: str, default: object, value: object) -> bool:
    """True when ``value`` is a valid stored value for the field ``name``."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        low, high = TIME_SCALE_RANGE
        return math.isfinite(value) and low <= value <= high
    if not isinstance(value, str):
        return False
    if name in _BASE64_FIELDS:
        try:
            b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
    return True


def from_mapping(data: object) -> Preferences:
    """Build preferences from stored data, defaulting each missing or invalid field."""
    if not isinstance(data, dict):
        return Preferences()
    if "presenter_mode" not in data and "mask_numbers" in data:
        data = {**data, "presenter_mode": data["mask_numbers"]}  # its former name
    values: dict[str, Any] = {}
    for field in dataclasses.fields(Preferences):
        if field.name in data and _accept(field.name, field.default, data[field.name]):
            value = data[field.name]
            values[field.name] = float(value) if isinstance(field.default, float) else value
    return Preferences(**values)


class PreferencesStore:
    """Loads and saves ``Preferences`` in the settings JSON file.

    Args:
        path: The settings file (``AppPaths.settings_file``), shared with the profiles.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    def load(self) -> Preferences:
        """Return the saved preferences (defaults for anything missing or invalid)."""
        return from_mapping(_jsonfile.read_section(self._path, _SECTION))

    def save(self, preferences: Preferences) -> None:
        """Write every preference atomically.

        Raises:
            ValueError: A value would not load back (wrong type, range or encoding).
            OSError: The settings file cannot be written.
        """
        data = dataclasses.asdict(preferences)
        for field in dataclasses.fields(Preferences):
            if not _accept(field.name, field.default, data[field.name]):
                raise ValueError(f"Invalid preference {field.name}={data[field.name]!r}.")
        _jsonfile.write_section(self._path, _SECTION, data)
