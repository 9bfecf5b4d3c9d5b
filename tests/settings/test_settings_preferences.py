"""Preferences: defaults, round trips and forgiving loads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from desktop_app.settings.preferences import Preferences, PreferencesStore


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.json"


def test_defaults_when_there_is_no_file(settings_file: Path) -> None:
    prefs = PreferencesStore(settings_file).load()
    assert prefs == Preferences()
    assert (prefs.last_country, prefs.presenter_mode, prefs.sandbox_time_scale) == ("", False, 1.0)
    assert not settings_file.exists()


def test_round_trip(settings_file: Path) -> None:
    store = PreferencesStore(settings_file)
    prefs = Preferences(
        last_country="GB", brand="Acme", presenter_mode=True, sandbox_time_scale=60.0,
        window_geometry="AdnQywADAAA=", window_state="AAAA/wAAAAD9", splitter_state="",
        history_columns="id,number,status",
    )  # fmt: skip
    store.save(prefs)
    assert PreferencesStore(settings_file).load() == prefs
    store.save(dataclasses.replace(prefs, presenter_mode=False))
    assert store.load().presenter_mode is False


def test_unknown_keys_ignored_and_wrong_types_default(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"preferences": {
        "last_country": "FR", "brand": 42, "presenter_mode": 1, "sandbox_time_scale": True,
        "window_geometry": "not base64!!", "window_state": "AAAA", "splitter_state": None,
        "history_columns": ["a"], "no_such_preference": "x",
    }}))  # fmt: skip
    prefs = PreferencesStore(settings_file).load()
    assert prefs == Preferences(last_country="FR", window_state="AAAA")


def test_former_mask_numbers_is_read_as_presenter_mode(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"preferences": {"mask_numbers": True}}))
    assert PreferencesStore(settings_file).load().presenter_mode is True
    settings_file.write_text(json.dumps({"preferences": {"mask_numbers": True,
                                                         "presenter_mode": False}}))
    assert PreferencesStore(settings_file).load().presenter_mode is False


@pytest.mark.parametrize("scale", [0, -1, 1e9, "2", None, float("nan")])
def test_bad_time_scale_defaults(settings_file: Path, scale: object) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"preferences": {"sandbox_time_scale": scale}}))
    assert PreferencesStore(settings_file).load().sandbox_time_scale == 1.0


def test_integer_time_scale_is_accepted_as_float(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"preferences": {"sandbox_time_scale": 10}}))
    scale = PreferencesStore(settings_file).load().sandbox_time_scale
    assert scale == 10.0 and isinstance(scale, float)


@pytest.mark.parametrize("section", [None, [], "text", 3])
def test_a_section_of_the_wrong_shape_gives_defaults(settings_file: Path, section: object) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"preferences": section}))
    assert PreferencesStore(settings_file).load() == Preferences()


def test_saving_an_invalid_value_is_refused(settings_file: Path) -> None:
    store = PreferencesStore(settings_file)
    with pytest.raises(ValueError, match="sandbox_time_scale"):
        store.save(Preferences(sandbox_time_scale=0.0))
    with pytest.raises(ValueError, match="window_geometry"):
        store.save(Preferences(window_geometry="%%%"))
    assert not settings_file.exists()


def test_preferences_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Preferences().brand = "x"  # type: ignore[misc]
