"""Where a CLI command sends its requests, with which credentials, and its open resources.

:func:`open_session` resolves the target from the global options (see the parser's help for the
order), opens the history store, the HTTP client and (for ``--sandbox``) the built-in sandbox
the window shares (:mod:`desktop_app.cli.builtin_sandbox`), and closes all of them when the
command ends, whatever happens.
"""

from __future__ import annotations

import argparse
import locale
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.api.exchange import CallLimits
from desktop_app.api.http import DEFAULT_API_HOST, DEFAULT_REST_HOST, build_http_client
from desktop_app.domain.errors import (
    CredentialsUnavailable,
    FieldError,
    StoreError,
    ValidationFailed,
)
from desktop_app.domain.history_url import (
    HistoryUrlError,
    PostgresTarget,
    SqliteTarget,
)
from desktop_app.domain.models import ApiCredentials
from desktop_app.domain.phone import default_region_from_locale
from desktop_app.settings.credentials import (
    SANDBOX_CREDENTIALS,
    EnvCredentials,
    KeyringCredentialStore,
    resolve_credentials,
)
from desktop_app.settings.history_target import ENV_VAR, chosen_history_url, history_password
from desktop_app.settings.paths import AppPaths
from desktop_app.settings.profiles import SANDBOX_PROFILE, Profile, ProfileStore, url_problem
from desktop_app.store.history import HistoryStore, utc_now
from desktop_app.usecases import SandboxNotRunning, VerifyOperations, open_desk

from .builtin_sandbox import open_builtin_sandbox
from .output import terminal_safe
from .parser import PROG, CliUsageError

__all__ = [
    "CUSTOM_PROFILE_NAME",
    "CliNeedsSandbox",
    "CliSession",
    "Target",
    "call_limits",
    "default_region",
    "open_history",
    "open_session",
    "open_store",
    "resolve_target",
]

#: The history's profile name for ``--api-host``/``--rest-host`` without ``--profile``.
CUSTOM_PROFILE_NAME = "custom-host"
_SHOWN_MAX = 60


class CliNeedsSandbox(SandboxNotRunning):
    """The chosen profile is the built-in Sandbox, which only lives inside the window."""

    meaning = "The active profile is the built-in Sandbox, and no sandbox is running here."
    next_step = (
        f"Add --sandbox (the built-in sandbox the window uses), or --sandbox-url URL of a running "
        f"verify-desk-sandbox, or --api-host/--rest-host with VERIFY_DESK_API_KEY and "
        f"VERIFY_DESK_API_SECRET set, or --profile NAME of a real profile ({PROG} --help)."
    )


@dataclass(frozen=True)
class Target:
    """The profile, credentials and sandbox URL one command uses."""

    profile: Profile
    credentials: ApiCredentials
    sandbox_url: str | None = None


@dataclass(frozen=True)
class CliSession:
    """What a command runs with: the profile's operations and the history store behind them."""

    desk: VerifyOperations
    history: HistoryStore


def default_region() -> str | None:
    """The region of the process locale (``LC_CTYPE``, then ``LANG``), or None."""
    name = locale.getlocale()[0] or os.environ.get("LC_ALL") or os.environ.get("LANG")
    return default_region_from_locale(name)


def _saved_profile(name: str | None) -> Profile:
    store = ProfileStore(AppPaths.default().settings_file)
    wanted = name or store.active_name()
    profile = store.get(wanted)
    if profile is None:
        known = ", ".join(p.name for p in store.profiles())
        raise CliUsageError(f"no profile named {wanted!r} (profiles: {known})")
    return profile


def _env_credentials(env: Mapping[str, str]) -> ApiCredentials:
    credentials = EnvCredentials.from_environ(env)
    if credentials is None:
        raise CredentialsUnavailable(
            "--api-host/--rest-host without --profile take the credentials from "
            "VERIFY_DESK_API_KEY and VERIFY_DESK_API_SECRET, and they are not both set."
        )
    return credentials


def _profile_credentials(profile: Profile, env: Mapping[str, str]) -> ApiCredentials:
    # The environment wins (scripts, CI); the keyring is only touched without it.
    from_env = EnvCredentials.from_environ(env)
    return resolve_credentials(profile, KeyringCredentialStore(), env=from_env)


def _shown_url(value: str) -> str:
    """A refused URL as a message may repeat it: never its user or password part, kept short."""
    if "@" in value:
        return "a URL with a user name or password, not repeated here"
    return repr(value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "...")


def check_host_options(
    api_host: str | None, rest_host: str | None, sandbox_url: str | None = None
) -> None:
    """Refuse ``--api-host``/``--rest-host``/``--sandbox-url`` values unsafe to send to.

    ``https`` is required except on loopback (the local sandbox); no user name or password in
    the URL (and the refusal does not repeat them); a host only; no whitespace anywhere.

    Raises:
        ValidationFailed: One ``FieldError`` per bad option, named as typed (``--api-host``).
    """
    errors: list[FieldError] = []
    options = (("--api-host", api_host), ("--rest-host", rest_host),
               ("--sandbox-url", sandbox_url))  # fmt: skip
    for option, value in options:
        if not value:
            continue
        problem = url_problem(value, allow_path=False)
        if problem:
            errors.append(FieldError(option, f"{problem} (got {_shown_url(value)})"))
    if errors:
        raise ValidationFailed(errors)


def resolve_target(
    args: argparse.Namespace, sandbox_url: str | None, env: Mapping[str, str] | None = None
) -> Target:
    """Decide the profile and credentials from the parsed global options.

    Args:
        args: The parsed command line.
        sandbox_url: The URL of ``--sandbox``'s server or of ``--sandbox-url``, if any.
        env: The environment (default ``os.environ``).

    Raises:
        CliNeedsSandbox: The profile is the built-in Sandbox and no sandbox option was given.
        CliUsageError: Unknown profile.
        CredentialsUnavailable: No secret in the environment or the keyring.
        ValidationFailed: ``--api-host``/``--rest-host`` is plain http to a non-loopback host,
            carries a user name or password, or is not a URL.
    """
    environ = os.environ if env is None else env
    profile_name: str | None = args.profile
    api_host: str | None = args.api_host
    rest_host: str | None = args.rest_host
    check_host_options(api_host, rest_host, args.sandbox_url)
    if sandbox_url:
        return Target(SANDBOX_PROFILE, SANDBOX_CREDENTIALS, sandbox_url)
    if api_host or rest_host:
        if profile_name:
            base = _saved_profile(profile_name)
            credentials = _profile_credentials(base, environ)
        else:
            base = Profile(name=CUSTOM_PROFILE_NAME)
            credentials = _env_credentials(environ)
        profile = Profile(
            name=base.name,
            api_host=api_host or base.api_host or DEFAULT_API_HOST,
            rest_host=rest_host or base.rest_host or DEFAULT_REST_HOST,
        )
        return Target(profile, credentials)
    profile = _saved_profile(profile_name)
    if profile.is_sandbox:
        raise CliNeedsSandbox()
    return Target(profile, _profile_credentials(profile, environ))


def _is(path: Path, kind: str) -> bool:
    """``path.is_dir()`` / ``is_file()``, False for a name the system refuses (too long)."""
    try:
        return path.is_dir() if kind == "dir" else path.is_file()
    except (OSError, ValueError):
        return False


def history_path(args: argparse.Namespace) -> Path:
    """The ``--history-db`` file, or the app's default history database.

    Raises:
        ValidationFailed: ``--history-db`` names a file in a folder that does not exist
            (folders are created only for the app's own default location).
        StoreError: The default folders cannot be created.
    """
    given: str | None = args.history_db
    if given:
        if "\x00" in given:
            raise ValidationFailed([FieldError("--history-db", "must not contain a NUL character")])
        path = Path(given)
        if not _is(path.parent, "dir"):
            rule = (
                f"the folder {terminal_safe(str(path.parent))!r} does not exist (it is not "
                "created for a file you name)"
            )
            raise ValidationFailed([FieldError("--history-db", rule)])
        return path
    paths = AppPaths.default()
    try:
        paths.ensure()
    except OSError as exc:
        raise StoreError(f"The app's data folder cannot be created ({exc}).") from None
    return paths.history_db


def _read_only_uris(path: Path) -> tuple[str, ...]:
    """SQLite URIs reading ``path`` without writing: shared read-only, then immutable.

    Immutable is the last resort for a folder where even the read-only WAL index cannot be
    created; nobody can write there, so no change can be missed.
    """
    uri = path.resolve().as_uri()
    return f"{uri}?mode=ro", f"{uri}?immutable=1"


Clock = Callable[[], datetime]


def open_store(path: Path, clock: Clock = utc_now) -> HistoryStore:
    """Open the history file; a read-only file or folder is opened for reading only.

    Reading then works; the first write fails as "read-only" and the desk carries on in memory
    with one warning (:func:`warn_history_in_memory`), as docs/reliability.md describes.

    Args:
        path: The history file.
        clock: What the rows' times are read from (the sandbox's clock for ``--sandbox``).

    Raises:
        StoreError: The file cannot be opened at all (damaged, not a database, a folder).
    """
    try:
        return HistoryStore(path, clock=clock)
    except StoreError as error:
        if not _is(path, "file"):
            raise
        for uri in _read_only_uris(path):
            with suppress(StoreError):
                return HistoryStore(uri, clock=clock)
        raise error from None


def history_url(args: argparse.Namespace) -> SqliteTarget | PostgresTarget | None:
    """``--history-url``, else ``$VERIFY_DESK_HISTORY_URL``, unless ``--history-db`` is given.

    Raises:
        CliUsageError: Both ``--history-db`` and ``--history-url``.
        ValidationFailed: The URL breaks a rule (a password in it...), naming where it came from.
    """
    given: str | None = getattr(args, "history_url", None)
    if given and args.history_db:
        raise CliUsageError("choose one of --history-db and --history-url")
    if args.history_db:
        return None
    try:
        return chosen_history_url(given, None)
    except HistoryUrlError as exc:
        field = "--history-url" if given else ENV_VAR
        raise ValidationFailed([FieldError(field, str(exc))]) from None


def open_shared(target: PostgresTarget, clock: Clock = utc_now) -> HistoryStore:
    """Open a team's PostgreSQL history, its password from the keyring (if one is stored).

    Raises:
        StoreError: The server cannot be reached, refuses the login or cannot be migrated.
        CredentialsUnavailable: The keyring cannot be used.
    """
    return HistoryStore(str(target), clock=clock, password=history_password(target))


@contextmanager
def open_history(args: argparse.Namespace, clock: Clock = utc_now) -> Iterator[HistoryStore]:
    """Open the history store for one command and close it afterwards."""
    url = history_url(args)
    if isinstance(url, PostgresTarget):
        history = open_shared(url, clock)
    else:
        history = open_store(url.path if url is not None else history_path(args), clock)
    try:
        yield history
    finally:
        history.close()


def warn_history_in_memory(error: StoreError) -> None:
    """Tell the person (stderr) that this command's record lives in memory only."""
    sys.stderr.write(
        f"{PROG}: warning: {terminal_safe(str(error))} The command goes on; its record is kept "
        "in memory only and is not saved to the history file.\n"
    )


def call_limits(args: argparse.Namespace) -> CallLimits:
    """The per-call limits from ``--call-timeout`` and ``--max-answer-bytes``."""
    return CallLimits(deadline=args.call_timeout, max_answer_bytes=args.max_answer_bytes)


@contextmanager
def open_session(args: argparse.Namespace) -> Iterator[CliSession]:
    """Open everything one API command needs, and close it all when the command ends.

    Raises:
        VerifyDeskError: See :func:`resolve_target`; ``StoreError`` when the history file
            cannot be opened. A file that fails later (disk full, read-only) is no error: the
            command goes on with an in-memory history and a warning on stderr.
    """
    with ExitStack() as stack:
        sandbox_url: str | None = args.sandbox_url
        clock: Clock = utc_now
        if args.sandbox:
            # Resolve nothing from the settings: the built-in sandbox has its own credentials.
            builtin = stack.enter_context(open_builtin_sandbox(args.sandbox_time_scale))
            sandbox_url, clock = builtin.url, builtin.clock
        target = resolve_target(args, sandbox_url)
        remember = getattr(args, "remember_secret", None)
        if remember is not None:  # main masks it in everything printed
            remember(target.credentials.api_secret)
        history = stack.enter_context(open_history(args, clock))
        http = stack.enter_context(build_http_client(limits=call_limits(args)))
        desk = open_desk(
            target.profile,
            target.credentials,
            history,
            http,
            sandbox_url=target.sandbox_url,
            operator=args.operator,
            default_region=args.region or default_region(),
            on_history_degraded=warn_history_in_memory,
        )
        yield CliSession(desk=desk, history=history)
