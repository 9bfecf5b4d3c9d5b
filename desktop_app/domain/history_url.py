"""Where the request history lives, as one URL: a SQLite file (the default) or a PostgreSQL server.

* ``sqlite:///home/ana/.local/share/verify-desk/history.sqlite3`` (or a plain path): the
  embedded history of one desktop, unchanged.
* ``postgresql://agent@db.example.com:5432/verify?sslmode=verify-full``: a team's shared history
  (docs/team.md). The password is never part of the URL: it lives in the keyring, under
  :attr:`PostgresTarget.keyring_item`, and is handed to the driver as a connection parameter,
  so it cannot leak through argv, settings, logs or error text. A URL holding one is refused.

Only the TLS parameters are accepted in the query string; anything else is refused by name,
so a typo such as ``sslmod=`` does not silently connect without TLS checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "FIELD", "HistoryUrlError", "PostgresTarget", "SqliteTarget", "parse_history_url",
]  # fmt: skip

#: The field name used in messages (settings, CLI option, environment variable).
FIELD: Final = "history URL"
_SSL_MODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_PARAMS: Final = frozenset({"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout",
                            "application_name"})  # fmt: skip
DEFAULT_PORT: Final = 5432


class HistoryUrlError(ValueError):
    """A history URL breaks a rule; the message names the field and the rule."""


@dataclass(frozen=True)
class SqliteTarget:
    """The embedded history: one SQLite file on this machine."""

    path: Path

    def __str__(self) -> str:
        return f"sqlite:///{str(self.path).lstrip('/')}" if self.path.is_absolute() else (
            f"sqlite:{self.path}"
        )


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL database shared by a team (no password: see ``keyring_item``).

    Attributes:
        user: The role to log in as.
        host: Host name or address (a path starting with ``/`` is a Unix socket folder).
        port: The TCP port.
        dbname: The database.
        params: TLS and connection options (``sslmode``, ``sslrootcert``...).
    """

    user: str
    host: str
    port: int
    dbname: str
    params: tuple[tuple[str, str], ...] = field(default=())

    @property
    def keyring_item(self) -> str:
        """The keyring entry holding this database's password: ``user@host:port/db``."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect_kwargs(self) -> dict[str, str | int]:
        """The driver's connection parameters, without the password."""
        return {"user": self.user, "host": self.host, "port": self.port, "dbname": self.dbname,
                **dict(self.params)}  # fmt: skip

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"postgresql://{self.user}@{host}:{self.port}/{self.dbname}"
        return f"{text}?{query}" if query else text


def parse_history_url(text: str) -> SqliteTarget | PostgresTarget:
    """Read a history URL (or a plain file path, which means SQLite).

    Raises:
        HistoryUrlError: The URL is malformed, holds a password, or names an unknown option.
    """
    text = text.strip()
    if not text:
        raise HistoryUrlError(f"The {FIELD} is empty.")
    scheme = text.split(":", 1)[0].lower() if "://" in text or text.startswith("sqlite:") else ""
    if scheme == "sqlite":
        rest = text[len("sqlite:") :]
        path = rest[2:] if rest.startswith("//") else rest
        if not path:
            raise HistoryUrlError(f"The {FIELD} names no file (sqlite:///path/to/history.sqlite3).")
        return SqliteTarget(Path(unquote(path)))
    if scheme in ("postgresql", "postgres"):
        return _postgres(text)
    if scheme:
        raise HistoryUrlError(
            f"The {FIELD} must start with sqlite:// or postgresql:// (not {scheme}://)."
        )
    return SqliteTarget(Path(text))


def _postgres(text: str) -> PostgresTarget:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise HistoryUrlError(f"The {FIELD} is not a valid URL: {_without_password(exc)}") from None
    if parts.password is not None:
        raise HistoryUrlError(
            f"The {FIELD} must not contain a password: remove it from the URL and store it in "
            "the keyring (Settings, or verify-desk-cli history password)."
        )
    if not parts.username:
        raise HistoryUrlError(f"The {FIELD} needs a user name (postgresql://user@host/db).")
    if not parts.hostname:
        raise HistoryUrlError(f"The {FIELD} needs a host (postgresql://user@host/db).")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise HistoryUrlError(f"The {FIELD} needs one database name (postgresql://user@host/db).")
    params: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            raise HistoryUrlError(
                f"The {FIELD} must not contain a password: store it in the keyring instead."
            )
        if key not in _PARAMS:
            raise HistoryUrlError(f"The {FIELD} has an unknown option {key!r}.")
        if key == "sslmode" and value not in _SSL_MODES:
            raise HistoryUrlError(
                f"The {FIELD}'s sslmode must be one of {', '.join(_SSL_MODES)}."
            )
        params.append((key, value))
    return PostgresTarget(
        user=unquote(parts.username), host=parts.hostname, port=port or DEFAULT_PORT,
        dbname=dbname, params=tuple(params),
    )  # fmt: skip


def _without_password(exc: ValueError) -> str:
    # urllib's messages quote the netloc, which may hold a password: keep only the rule.
    return str(exc).split(":", 1)[0]
