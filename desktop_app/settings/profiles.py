"""Account profiles: which API hosts and key to use. Never the secret (that is the keyring's).

A profile also names the host its Messages API sends go to (``messages_host``, one of
``domain.messages_hosts.MESSAGES_HOSTS`` as the settings offer them; empty: the API host).

Profiles live in ``settings.json`` under the ``"profiles"`` key::

    {"profiles": {"active": "Production", "saved": [{"name": "Production", ...}]}}

The built-in ``Sandbox`` profile is not stored: it always exists, always comes first, and
cannot be removed or overwritten. Its empty hosts mean "the app's own sandbox".

``ProfileStore.get`` returns None for an unknown name (no ``KeyError`` to catch). Invalid input
to ``save`` raises the domain's ``ValidationFailed`` naming each bad field; entries in the file
that do not load as valid profiles (hand-edited) are ignored, and dropped at the next save.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.domain.history_url import HistoryUrlError, parse_history_url
from desktop_app.settings import _jsonfile

SANDBOX_PROFILE_NAME: Final = "Sandbox"
_SECTION: Final = "profiles"
_MAX_NAME: Final = 64


@dataclass(frozen=True)
class Profile:
    """One account setup. There is deliberately no secret field."""

    name: str
    api_host: str = "https://api.nexmo.com"
    rest_host: str = "https://rest.nexmo.com"
    api_key: str = ""
    is_sandbox: bool = False
    callback_url: str = ""
    #: Where Messages API sends go (``https://api-eu.vonage.com``...); "" is the API host.
    #: The built-in Sandbox profile's messages always go to the app's own sandbox.
    messages_host: str = ""
    #: Where this profile's history lives (docs/team.md): empty for the local SQLite file, or
    #: ``postgresql://user@host:port/db`` for a team's shared one (its password: the keyring).
    history_url: str = ""


SANDBOX_PROFILE: Final = Profile(
    name=SANDBOX_PROFILE_NAME, api_host="", rest_host="", is_sandbox=True
)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(value: str, *, allow_path: bool) -> str | None:
    """Return why ``value`` is not an acceptable API/callback URL, or None when it is.

    ``https`` is required unless the host is loopback (``127.0.0.0/8``, ``localhost``,
    ``::1``), where ``http`` is allowed for the local sandbox.
    """
    if any(char.isspace() for char in value):
        return "must not contain spaces (a URL such as https://api.nexmo.com)"
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be a URL such as https://api.nexmo.com"
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password"
    if parts.scheme == "http" and not _is_loopback(host):
        return "must use https (http is allowed only for localhost / 127.0.0.1 / ::1)"
    if not allow_path and (parts.path.strip("/") or parts.query or parts.fragment):
        return "must be a host only, without a path, query or fragment"
    return None


def validate_profile(profile: Profile) -> None:
    """Check a profile the user wants to save.

    Raises:
        ValidationFailed: One ``FieldError`` per bad field (``name``, ``api_host``, ...).
    """
    errors: list[FieldError] = []
    name = profile.name
    if not name.strip() or name != name.strip():
        errors.append(FieldError("name", "must not be empty or start/end with spaces"))
    elif len(name) > _MAX_NAME:
        errors.append(FieldError("name", f"must be at most {_MAX_NAME} characters"))
    elif name.casefold() == SANDBOX_PROFILE_NAME.casefold():
        errors.append(FieldError("name", f"{SANDBOX_PROFILE_NAME!r} is the built-in profile"))
    hosts = {"api_host": profile.api_host, "rest_host": profile.rest_host}
    for field, value in hosts.items():
        if not value and profile.is_sandbox:
            continue  # empty hosts on a sandbox profile = the app's own sandbox
        problem = url_problem(value, allow_path=False) if value else "must not be empty"
        if problem:
            errors.append(FieldError(field, problem))
    if profile.messages_host:
        problem = url_problem(profile.messages_host, allow_path=False)
        if problem:
            errors.append(FieldError("messages_host", problem))
    if profile.callback_url:
        problem = url_problem(profile.callback_url, allow_path=True)
        if problem:
            errors.append(FieldError("callback_url", problem))
    if profile.history_url:
        try:
            parse_history_url(profile.history_url)
        except HistoryUrlError as exc:
            errors.append(FieldError("history_url", str(exc)))
    if profile.api_key != profile.api_key.strip():
        errors.append(FieldError("api_key", "must not start or end with spaces"))
    if errors:
        raise ValidationFailed(errors)


def _normalised(profile: Profile) -> Profile:
    return dataclasses.replace(
        profile,
        api_host=profile.api_host.rstrip("/"),
        rest_host=profile.rest_host.rstrip("/"),
        messages_host=profile.messages_host.rstrip("/"),
    )


def _from_json(item: object) -> Profile | None:
    if not isinstance(item, dict):
        return None
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Profile):
        value = item.get(f.name, f.default)
        expected = bool if f.name == "is_sandbox" else str
        if type(value) is not expected:
            return None
        values[f.name] = value
    profile = Profile(**values)
    try:
        validate_profile(profile)
    except ValidationFailed:
        return None
    return profile


class ProfileStore:
    """Saved profiles and the active one, in the settings JSON file.

    Args:
        path: The settings file (``AppPaths.settings_file``); created on the first save.
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    def _load(self) -> tuple[dict[str, Profile], str]:
        section = _jsonfile.read_section(self._path, _SECTION)
        if not isinstance(section, dict):
            return {}, ""
        saved: dict[str, Profile] = {}
        items = section.get("saved")
        for item in items if isinstance(items, list) else []:
            profile = _from_json(item)
            if profile is not None:
                saved[profile.name] = profile
        active = section.get("active")
        return saved, active if isinstance(active, str) else ""

    def _store(self, saved: dict[str, Profile], active: str) -> None:
        section = {
            "active": active,
            "saved": [dataclasses.asdict(saved[name]) for name in sorted(saved)],
        }
        _jsonfile.write_section(self._path, _SECTION, section)

    def profiles(self) -> list[Profile]:
        """Return the built-in Sandbox profile first, then the saved ones sorted by name."""
        saved, _ = self._load()
        return [SANDBOX_PROFILE, *(saved[name] for name in sorted(saved, key=str.casefold))]

    def get(self, name: str) -> Profile | None:
        """Return the profile with this name, or None when there is none."""
        if name == SANDBOX_PROFILE_NAME:
            return SANDBOX_PROFILE
        return self._load()[0].get(name)

    def save(self, profile: Profile) -> Profile:
        """Add or replace a profile (matched by name) and return it as stored.

        Trailing slashes are removed from the hosts.

        Raises:
            ValidationFailed: A field is invalid, or the name is the built-in Sandbox's.
            OSError: The settings file cannot be written.
        """
        validate_profile(profile)
        stored = _normalised(profile)
        saved, active = self._load()
        saved[stored.name] = stored
        self._store(saved, active)
        return stored

    def remove(self, name: str) -> None:
        """Delete a saved profile; unknown names are ignored.

        The caller also deletes its secret from the credential store.

        Raises:
            ValueError: ``name`` is the built-in Sandbox profile.
        """
        if name == SANDBOX_PROFILE_NAME:
            raise ValueError("The built-in Sandbox profile cannot be removed.")
        saved, active = self._load()
        if saved.pop(name, None) is not None:
            self._store(saved, active)

    def active_name(self) -> str:
        """Return the active profile's name; Sandbox when none is set or it was removed."""
        saved, active = self._load()
        return active if active in saved else SANDBOX_PROFILE_NAME

    def active(self) -> Profile:
        """Return the active profile (Sandbox when none is set or it was removed)."""
        return self.get(self.active_name()) or SANDBOX_PROFILE

    def set_active(self, name: str) -> None:
        """Make ``name`` the active profile.

        Raises:
            ValueError: No profile has this name.
        """
        saved, _ = self._load()
        if name != SANDBOX_PROFILE_NAME and name not in saved:
            raise ValueError(f"There is no profile named {name!r}.")
        self._store(saved, name)
