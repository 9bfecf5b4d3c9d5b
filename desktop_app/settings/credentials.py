"""API secrets: kept in the OS keyring, or in memory for one session. Never in a file.

``KeyringCredentialStore`` talks to the system keyring through the ``keyring`` package and
turns *every* failure (no backend, a locked or unreachable Secret Service, D-Bus errors) into
``CredentialsUnavailable`` with the backend named. It refuses backends that are not a real OS
keyring: ``keyring``'s ``fail`` and ``null`` backends, anything with priority below 1, and
the file-based ``keyrings.alt`` backends (which write plaintext or weakly encrypted files).
It never falls back silently; the UI offers ``SessionCredentialStore`` instead, and says so.

The Messages API adds three values per profile, kept exactly like the API secret (the keyring,
or memory for the session; never a file): the webhook **signature secret** (to verify signed
status webhooks), and a Vonage application's **id** and **private key** (PEM) for JWT
authentication. Each is an *item* of :class:`MessagesSecretStore` (``get_item``/``set_item``/
``delete_item``), in the keyring under its own service name (``verify-desk/signature_secret``)
with the profile name as the user. ``delete_secret`` forgets a profile's items too.

``keyring`` is imported inside the methods: importing it costs about 140 ms, and the window's
first paint must not wait for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from desktop_app.domain.errors import CredentialsUnavailable
from desktop_app.domain.models import ApiCredentials
from desktop_app.domain.redact import redact_secret
from desktop_app.settings.profiles import Profile

T = TypeVar("T")

#: The built-in sandbox's fixed credentials (not a secret: the sandbox accepts only these).
SANDBOX_CREDENTIALS: Final = ApiCredentials("sandbox", "sandbox-secret")
#: The Messages API's values kept beside a profile's API secret (item names).
SIGNATURE_SECRET: Final = "signature_secret"
PRIVATE_KEY: Final = "private_key"
APPLICATION_ID: Final = "application_id"
MESSAGES_ITEMS: Final = (SIGNATURE_SECRET, PRIVATE_KEY, APPLICATION_ID)
_ITEM_WORDS: Final = {
    SIGNATURE_SECRET: "the webhook signature secret",
    PRIVATE_KEY: "the application's private key",
    APPLICATION_ID: "the application id",
}
_INSECURE_MODULES: Final = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class CredentialStore(Protocol):
    """Where a profile's API secret is kept."""

    @property
    def is_persistent(self) -> bool:
        """True when secrets survive a restart (the OS keyring); False for session-only."""
        ...

    def get_secret(self, profile: str) -> str | None:
        """Return the profile's secret, or None when none is stored."""
        ...

    def set_secret(self, profile: str, secret: str) -> None:
        """Store (or replace) the profile's secret."""
        ...

    def delete_secret(self, profile: str) -> None:
        """Forget the profile's secret; nothing happens when there is none."""
        ...


class MessagesSecretStore(Protocol):
    """Where a profile's Messages API values are kept (see :data:`MESSAGES_ITEMS`)."""

    def get_item(self, profile: str, item: str) -> str | None:
        """Return the profile's value of ``item``, or None when none is stored."""
        ...

    def set_item(self, profile: str, item: str, value: str) -> None:
        """Store (or replace) the profile's value of ``item``."""
        ...

    def delete_item(self, profile: str, item: str) -> None:
        """Forget the profile's value of ``item``; nothing happens when there is none."""
        ...


class FollowingItems:
    """The Messages items of whichever credential store is current (it can change mid-session).

    After "keep for this session only" the session swaps its store for a memory one; the
    Messages items must follow it, or they would still be written to (and read from) the
    keyring that just failed. A store without items answers None and refuses to store.

    Args:
        current: Returns the credential store in use now.
    """

    def __init__(self, current: Callable[[], object]) -> None:
        self._current = current

    def _items(self) -> MessagesSecretStore | None:
        store = self._current()
        return store if isinstance(store, KeyringCredentialStore | SessionCredentialStore) else None

    def get_item(self, profile: str, item: str) -> str | None:
        """The current store's value of ``item`` for ``profile`` (None when none)."""
        items = self._items()
        return None if items is None else items.get_item(profile, item)

    def set_item(self, profile: str, item: str, value: str) -> None:
        """Store ``item`` in the current store.

        Raises:
            CredentialsUnavailable: The current store keeps no Messages items.
        """
        items = self._items()
        if items is None:
            raise CredentialsUnavailable("this credential store keeps no Messages API items")
        items.set_item(profile, item, value)

    def delete_item(self, profile: str, item: str) -> None:
        """Forget ``item`` in the current store (nothing when it keeps none)."""
        items = self._items()
        if items is not None:
            items.delete_item(profile, item)


def _check_item(item: str) -> None:
    if item not in MESSAGES_ITEMS:
        raise ValueError(f"unknown item {item!r} (one of {', '.join(MESSAGES_ITEMS)})")


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _usable(backend: Any) -> Any:
    """Return the backend to use, or raise ``CredentialsUnavailable`` for an unsafe one."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        members = list(backend.backends)  # highest priority first
        if not members:
            raise CredentialsUnavailable("No system keyring backend is available.")
        backend = members[0]  # never consult the lower-priority (maybe plaintext) ones
    name = _backend_name(backend)
    modules = {c.__module__ for c in type(backend).__mro__}
    if any(m.startswith(_INSECURE_MODULES) for m in modules):
        if name.startswith("keyring.backends.fail"):
            # The backend's name last, in brackets: the window shows it under Details.
            raise CredentialsUnavailable(
                "No system keyring is available. On Linux, run a Secret Service such as "
                "GNOME Keyring or KWallet. "
                "(keyring found no backend: keyring.backends.fail.Keyring)"
            )
        if name.startswith("keyring.backends.null"):
            raise CredentialsUnavailable(
                "The configured keyring keeps nothing (a placeholder that discards every "
                f"secret); Verify Desk does not use it. (keyring backend: {name})"
            )
        raise CredentialsUnavailable(
            "The configured keyring stores secrets in a file, not in the system keyring; "
            f"Verify Desk does not use it. (keyring backend: {name})"
        )
    try:
        priority = float(type(backend).priority)
    except Exception as exc:
        raise CredentialsUnavailable(
            f"The keyring backend {name} cannot be used ({type(exc).__name__}: {exc})."
        ) from exc
    if priority < 1:
        raise CredentialsUnavailable(
            f"The keyring backend {name} (priority {priority:g}) is not a secure system "
            "keyring; Verify Desk does not use it."
        )
    return backend


class KeyringCredentialStore:
    """Secrets in the OS keyring (Secret Service, KWallet, macOS Keychain, Windows Vault).

    Args:
        service: The keyring service name; the profile name is the user name.
    """

    is_persistent: Final = True

    def __init__(self, service: str = "verify-desk") -> None:
        self._service = service

    def __repr__(self) -> str:
        return f"KeyringCredentialStore(service={self._service!r})"

    def _run(
        self, action: str, call: Callable[[Any], T], secret: str = "",
        what: str = "the API secret",
    ) -> T:  # fmt: skip
        try:
            import keyring  # lazy: see the module docstring

            backend = _usable(keyring.get_keyring())
        except CredentialsUnavailable:
            raise
        except Exception as exc:  # keyring's own start-up failed (config, entry points)
            raise CredentialsUnavailable(
                f"The system keyring could not be loaded ({type(exc).__name__}: {exc})."
            ) from exc
        try:
            return call(backend)
        except Exception as exc:  # any backend: KeyringError family, D-Bus, OS errors
            detail = f"{type(exc).__name__}: {exc}"
            if secret:
                detail = redact_secret(detail, secret)
            raise CredentialsUnavailable(
                f"Could not {action} {what} in the system keyring "
                f"({_backend_name(backend)}: {detail})."
            ) from None if secret else exc

    def backend_name(self) -> str:
        """Return the keyring backend that would be used (for the settings dialog).

        Raises:
            CredentialsUnavailable: No acceptable backend.
        """
        return self._run("look up", _backend_name)

    def get_secret(self, profile: str) -> str | None:
        """Return the profile's secret, or None.

        Raises:
            CredentialsUnavailable: The keyring cannot be used.
        """
        value = self._run("read", lambda b: b.get_password(self._service, profile))
        return value if isinstance(value, str) and value else None

    def set_secret(self, profile: str, secret: str) -> None:
        """Store the profile's secret in the keyring.

        Raises:
            ValueError: ``secret`` is empty.
            CredentialsUnavailable: The keyring cannot be used.
        """
        if not secret:
            raise ValueError("An empty secret cannot be stored.")
        self._run("save", lambda b: b.set_password(self._service, profile, secret), secret)

    def delete_secret(self, profile: str) -> None:
        """Delete the profile's secret and its Messages items; nothing happens when none.

        Raises:
            CredentialsUnavailable: The keyring cannot be used.
        """

        def delete(backend: Any) -> None:
            for service in (self._service, *map(self._item_service, MESSAGES_ITEMS)):
                if backend.get_password(service, profile) is not None:
                    backend.delete_password(service, profile)

        self._run("delete", delete)

    def _item_service(self, item: str) -> str:
        return f"{self._service}/{item}"

    def get_item(self, profile: str, item: str) -> str | None:
        """Return the profile's value of a Messages item (:data:`MESSAGES_ITEMS`), or None.

        Raises:
            ValueError: Not an item name.
            CredentialsUnavailable: The keyring cannot be used.
        """
        _check_item(item)
        service, what = self._item_service(item), _ITEM_WORDS[item]
        value = self._run("read", lambda b: b.get_password(service, profile), what=what)
        return value if isinstance(value, str) and value else None

    def set_item(self, profile: str, item: str, value: str) -> None:
        """Store the profile's value of a Messages item in the keyring.

        Raises:
            ValueError: Not an item name, or an empty value.
            CredentialsUnavailable: The keyring cannot be used.
        """
        _check_item(item)
        if not value:
            raise ValueError(f"An empty {item} cannot be stored.")
        service, what = self._item_service(item), _ITEM_WORDS[item]
        self._run("save", lambda b: b.set_password(service, profile, value), value, what)

    def delete_item(self, profile: str, item: str) -> None:
        """Forget the profile's value of a Messages item; nothing happens when there is none.

        Raises:
            ValueError: Not an item name.
            CredentialsUnavailable: The keyring cannot be used.
        """
        _check_item(item)
        service = self._item_service(item)

        def delete(backend: Any) -> None:
            if backend.get_password(service, profile) is not None:
                backend.delete_password(service, profile)

        self._run("delete", delete, what=_ITEM_WORDS[item])


class SessionCredentialStore:
    """Secrets kept in memory until the app quits (when no keyring is available)."""

    is_persistent: Final = False

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        self._items: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        with self._lock:
            return f"SessionCredentialStore(profiles={sorted(self._secrets)!r})"

    def get_secret(self, profile: str) -> str | None:
        """Return the profile's secret, or None."""
        with self._lock:
            return self._secrets.get(profile)

    def set_secret(self, profile: str, secret: str) -> None:
        """Keep the profile's secret for this session.

        Raises:
            ValueError: ``secret`` is empty.
        """
        if not secret:
            raise ValueError("An empty secret cannot be stored.")
        with self._lock:
            self._secrets[profile] = secret

    def delete_secret(self, profile: str) -> None:
        """Forget the profile's secret and its Messages items; nothing happens when none."""
        with self._lock:
            self._secrets.pop(profile, None)
            for item in MESSAGES_ITEMS:
                self._items.pop((profile, item), None)

    def get_item(self, profile: str, item: str) -> str | None:
        """Return the profile's value of a Messages item, or None."""
        _check_item(item)
        with self._lock:
            return self._items.get((profile, item))

    def set_item(self, profile: str, item: str, value: str) -> None:
        """Keep the profile's value of a Messages item for this session.

        Raises:
            ValueError: Not an item name, or an empty value.
        """
        _check_item(item)
        if not value:
            raise ValueError(f"An empty {item} cannot be stored.")
        with self._lock:
            self._items[(profile, item)] = value

    def delete_item(self, profile: str, item: str) -> None:
        """Forget the profile's value of a Messages item."""
        _check_item(item)
        with self._lock:
            self._items.pop((profile, item), None)


class EnvCredentials:
    """Credentials from the environment, for CI and scripts."""

    KEY_VAR: Final = "VERIFY_DESK_API_KEY"
    SECRET_VAR: Final = "VERIFY_DESK_API_SECRET"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> ApiCredentials | None:
        """Return the credentials when both variables are set, None when neither is.

        Raises:
            CredentialsUnavailable: Only one of the two variables is set.
        """
        key = environ.get(cls.KEY_VAR, "").strip()
        secret = environ.get(cls.SECRET_VAR, "")
        if key and secret:
            return ApiCredentials(key, secret)
        if key or secret:
            missing = cls.SECRET_VAR if key else cls.KEY_VAR
            raise CredentialsUnavailable(f"{missing} is not set (both variables are needed).")
        return None


def resolve_credentials(
    profile: Profile, store: CredentialStore, *, env: ApiCredentials | None = None
) -> ApiCredentials:
    """Return the credentials to call the API with for ``profile``.

    A sandbox profile uses ``SANDBOX_CREDENTIALS``; otherwise ``env`` wins when given; else
    the profile's API key with the secret from ``store``.

    Raises:
        CredentialsUnavailable: No API key, no stored secret, or the store cannot be used.
    """
    if profile.is_sandbox:
        return SANDBOX_CREDENTIALS
    if env is not None:
        return env
    if not profile.api_key:
        raise CredentialsUnavailable(f"No API key is set for profile {profile.name!r}.")
    secret = store.get_secret(profile.name)
    if not secret:
        raise CredentialsUnavailable(f"No secret stored for profile {profile.name!r}.")
    return ApiCredentials(profile.api_key, secret)
