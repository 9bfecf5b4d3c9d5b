"""Build a profile's :class:`~desktop_app.usecases.operations.VerifyOperations` (v1, v2, messages).

The factory decides which hosts a profile talks to: its own, or (for the built-in Sandbox
profile, whose hosts are empty) the URL of the sandbox server that is running now.
"""

from __future__ import annotations

import getpass
import socket

import httpx

from desktop_app.api.account import AccountClient
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.audit import Actor
from desktop_app.domain.errors import SandboxNotRunning
from desktop_app.domain.models import ApiCredentials
from desktop_app.settings.credentials import MessagesSecretStore
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.desk_v2 import open_desk_v2
from desktop_app.usecases.fallback import DegradedCallback
from desktop_app.usecases.messages_session import MessageRoute, open_message_desk
from desktop_app.usecases.operations import VerifyOperations

__all__ = [
    "FALLBACK_OPERATOR", "SandboxNotRunning", "current_actor", "current_host", "current_operator",
    "open_desk",
]  # fmt: skip

#: Written as the operator when the OS cannot name the user.
FALLBACK_OPERATOR = "unknown"


def current_operator() -> str:
    """Return the OS user name, or ``FALLBACK_OPERATOR`` when it cannot be found."""
    try:
        return getpass.getuser() or FALLBACK_OPERATOR
    except (OSError, KeyError, ImportError):  # no USER/LOGNAME and no passwd entry
        return FALLBACK_OPERATOR


def current_host() -> str:
    """Return this computer's host name, or ``FALLBACK_OPERATOR`` when it has none."""
    try:
        return socket.gethostname() or FALLBACK_OPERATOR
    except OSError:
        return FALLBACK_OPERATOR


def current_actor(operator: str | None = None) -> Actor:
    """Who acts here: ``operator`` (default: the OS user name) on this computer.

    Read once by a front end's composition root, then passed down (the audit trail's who/where).
    """
    return Actor(user=operator or current_operator(), host=current_host())


def profile_hosts(profile: Profile, sandbox_url: str | None) -> tuple[str, str]:
    """Return the (Verify API host, REST host) a profile talks to.

    Args:
        profile: The profile.
        sandbox_url: The running sandbox's base URL, used for a sandbox profile's empty hosts.

    Raises:
        SandboxNotRunning: A sandbox profile without hosts, and no ``sandbox_url``.
    """
    if not profile.is_sandbox:
        return profile.api_host, profile.rest_host
    if sandbox_url:
        return sandbox_url, sandbox_url
    if profile.api_host and profile.rest_host:
        return profile.api_host, profile.rest_host
    raise SandboxNotRunning()


def open_desk(
    profile: Profile,
    credentials: ApiCredentials,
    history: HistoryStore,
    http: httpx.Client,
    *,
    sandbox_url: str | None = None,
    operator: str | None = None,
    host: str | None = None,
    default_region: str | None = None,
    on_history_degraded: DegradedCallback | None = None,
    secrets: MessagesSecretStore | None = None,
    message_route: MessageRoute | None = None,
) -> VerifyOperations:
    """Wire the Verify (v1 and v2), Messages and Account clients for ``profile``.

    Args:
        profile: Names the history rows and gives the hosts.
        credentials: The profile's API key and secret.
        history: The history store (the caller owns and closes it).
        http: The shared HTTP client (the caller owns and closes it).
        sandbox_url: Base URL of the running sandbox, for a sandbox profile.
        operator: Who is at the keyboard; defaults to the OS user name.
        host: The computer's name for the audit trail; defaults to this one's.
        default_region: ISO country used to read national-format numbers.
        on_history_degraded: Called once if the history file fails and the session goes on
            in memory.
        secrets: Where the profile's Messages application id and private key are kept
            (read on first send; with both, messages authenticate with a JWT).
        message_route: Where status webhooks go at each send (default: not tracked).

    Raises:
        SandboxNotRunning: A sandbox profile without hosts, and no ``sandbox_url``.
    """
    api_host, rest_host = profile_hosts(profile, sandbox_url)
    v1 = VerifyDesk(
        client=VerifyV1Client(http, credentials, api_host=api_host),
        account=AccountClient(http, credentials, rest_host=rest_host),
        history=history,
        profile=profile.name,
        operator=operator or current_operator(),
        host=current_host() if host is None else host,
        default_region=default_region,
        on_history_degraded=on_history_degraded,
    )
    v2 = open_desk_v2(v1, VerifyV2Client(http, credentials, api_host=api_host))
    # A live profile's messages go to its chosen Messages host; the sandbox's to the sandbox.
    messages_host = api_host if profile.is_sandbox else (profile.messages_host or api_host)
    messages = open_message_desk(
        v1, profile, credentials, http, api_host=messages_host, secrets=secrets,
        route=message_route,
    )
    return VerifyOperations(v1, v2, messages)
