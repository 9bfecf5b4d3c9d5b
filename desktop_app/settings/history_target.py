"""Which history to open (a SQLite file or a team's PostgreSQL) and its password in the keyring.

The history URL is chosen, first found first: ``--history-url`` on the command line, the
``VERIFY_DESK_HISTORY_URL`` environment variable, the active profile's ``history_url``
(Settings), else the app's own SQLite file. A PostgreSQL password is never in the URL, the
settings or the environment: it is a keyring item of its own (service
:data:`PASSWORD_SERVICE`, user ``user@host:port/db``), read here and handed to the store as a
connection parameter.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from desktop_app.domain.history_url import PostgresTarget, SqliteTarget, parse_history_url
from desktop_app.settings.credentials import CredentialStore, KeyringCredentialStore
from desktop_app.settings.profiles import Profile

__all__ = [
    "ENV_VAR", "PASSWORD_SERVICE", "chosen_history_url", "history_password",
    "password_store", "save_history_password",
]  # fmt: skip

ENV_VAR: Final = "VERIFY_DESK_HISTORY_URL"
#: The keyring service holding history database passwords (one item per user@host:port/db).
PASSWORD_SERVICE: Final = "verify-desk/history-database"


def chosen_history_url(
    option: str | None,
    profile: Profile | None,
    environ: Mapping[str, str] = os.environ,
) -> SqliteTarget | PostgresTarget | None:
    """The history to open, or None for the app's own SQLite file.

    Raises:
        HistoryUrlError: The chosen URL breaks a rule (a password in it, a bad option...).
    """
    for text in (option, environ.get(ENV_VAR), profile.history_url if profile else None):
        if text and text.strip():
            return parse_history_url(text)
    return None


def password_store() -> KeyringCredentialStore:
    """The keyring items holding history database passwords."""
    return KeyringCredentialStore(PASSWORD_SERVICE)


def history_password(target: PostgresTarget, store: CredentialStore | None = None) -> str | None:
    """The database's password from the keyring, or None when none is stored.

    Raises:
        CredentialsUnavailable: The keyring cannot be used.
    """
    return (store or password_store()).get_secret(target.keyring_item)


def save_history_password(
    target: PostgresTarget, password: str, store: CredentialStore | None = None
) -> None:
    """Keep the database's password in the keyring.

    Raises:
        ValueError: ``password`` is empty.
        CredentialsUnavailable: The keyring cannot be used.
    """
    (store or password_store()).set_secret(target.keyring_item, password)
