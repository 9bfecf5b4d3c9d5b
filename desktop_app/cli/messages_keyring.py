"""``verify-desk-cli message keyring``: store or forget a profile's Messages API secrets.

The webhook signature secret, a Vonage application's id and its private key (PEM) are read from
standard input (unseen when it is a terminal; ``< private.key`` for a key file) and kept in the
OS keyring only, exactly like the API secret. Local: nothing is sent and the history is not
opened. The value is remembered as a secret, so nothing printed can show it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Final, TextIO

from desktop_app.domain.errors import FieldError, ValidationFailed
from desktop_app.settings.credentials import KeyringCredentialStore, MessagesSecretStore
from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import ProfileStore

from .output import terminal_safe
from .parser import CliUsageError

__all__ = ["run_keyring", "secret_store"]

#: The longest item read (a 4096-bit PEM key is about 3.3 KB).
_ITEM_MAX: Final = 16_384


def secret_store() -> MessagesSecretStore:
    """Where ``message keyring`` keeps the items: the OS keyring (tests replace it)."""
    return KeyringCredentialStore()


def _read_item(item: str, stdin: TextIO) -> str:
    if stdin.isatty():
        value = getpass.getpass(f"{item} (not shown): ")
    else:
        value = stdin.read(_ITEM_MAX + 1)
    value = value.strip()
    if not value or len(value) > _ITEM_MAX:
        rule = "required on standard input" if not value else f"at most {_ITEM_MAX} characters"
        raise ValidationFailed([FieldError(item, rule)])
    return value


def run_keyring(
    args: argparse.Namespace, stdin: TextIO | None = None
) -> tuple[dict[str, Any], str]:
    """``message keyring``: store (from stdin) or forget one Messages item of a profile.

    Local only: nothing is sent and the history is not opened.

    Raises:
        CliUsageError: Unknown profile, or the built-in Sandbox (it has its own credentials).
        ValidationFailed: Nothing (or too much) on standard input.
        CredentialsUnavailable: The keyring cannot be used.
    """
    profiles = ProfileStore(AppPaths.default().settings_file)
    name = args.profile or profiles.active_name()
    profile = profiles.get(name)
    if profile is None or profile.is_sandbox:
        why = "is the built-in sandbox, which needs none" if profile else "does not exist"
        raise CliUsageError(f"profile {name!r} {why}; choose one with --profile NAME")
    store = secret_store()
    item = args.set or args.delete
    if args.set:
        value = _read_item(item, stdin or sys.stdin)
        remember = getattr(args, "remember_secret", None)
        if remember is not None:  # main masks it in everything printed
            remember(value)
        store.set_item(profile.name, item, value)
        done = "stored in"
    else:
        store.delete_item(profile.name, item)
        done = "removed from"
    data = {"action": "keyring", "profile": profile.name, "item": item, "stored": bool(args.set)}
    return data, f"The {item} of profile {terminal_safe(profile.name)} is {done} the keyring."
