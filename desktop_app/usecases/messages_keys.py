"""A profile's Messages keyring items: which are stored, storing them, importing a key file.

The settings dialog asks through ``MessagesService`` (on the keyring's worker). The private key
is read from its PEM file here, checked to sign an application JWT, and handed to the keyring;
nothing of it (nor the file's path) is kept anywhere else, and no error quotes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.settings.credentials import MESSAGES_ITEMS, PRIVATE_KEY, MessagesSecretStore

__all__ = ["KEY_FILE_MAX", "read_private_key", "store_items", "stored_items"]

#: The largest private key file read (a 4096-bit PEM key is about 3.3 KB).
KEY_FILE_MAX = 16_384


def read_private_key(path: str) -> str:
    """The PEM text of a private key file, checked to sign an application JWT.

    Raises:
        ValidationFailed: Unreadable, too large, or not an RSA private key (``private_key``).
    """
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(KEY_FILE_MAX + 1)
    except OSError as exc:
        problem = f"the file could not be read ({exc.strerror or 'unreadable'})"
        raise ValidationFailed([FieldError(PRIVATE_KEY, problem)]) from None
    text = raw.decode("ascii", "replace").strip()
    if len(raw) > KEY_FILE_MAX or "PRIVATE KEY-----" not in text:
        problem = "must be the application's private key file (PEM, BEGIN PRIVATE KEY)"
        raise ValidationFailed([FieldError(PRIVATE_KEY, problem)])
    JwtAuth("check", text)  # raises ValidationFailed (private_key) when it cannot sign
    return text


def stored_items(secrets: MessagesSecretStore, profile: str) -> frozenset[str]:
    """The items the keyring holds for ``profile`` (names only)."""
    return frozenset(i for i in MESSAGES_ITEMS if secrets.get_item(profile, i))


def store_items(
    secrets: MessagesSecretStore, profile: str, values: Mapping[str, str], *,
    key_file: str | None = None,
) -> frozenset[str]:  # fmt: skip
    """Store ``values`` (an empty one forgets its item) and the key of ``key_file``.

    The key file is read and checked first: a bad one stores nothing.

    Returns:
        The items stored afterwards.

    Raises:
        ValidationFailed: The key file is unreadable or holds no usable key (``private_key``).
        CredentialsUnavailable: The keyring cannot be used.
    """
    items = dict(values)
    if key_file is not None:
        items[PRIVATE_KEY] = read_private_key(key_file)
    for item, value in items.items():
        if value:
            secrets.set_item(profile, item, value)
        else:
            secrets.delete_item(profile, item)
    items.clear()
    return stored_items(secrets, profile)
