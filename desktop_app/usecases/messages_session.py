"""Build a profile's :class:`~desktop_app.usecases.messages.MessageDesk` and its client.

The client goes to the profile's API host (or the running sandbox for the Sandbox profile, with
the sandbox's own key and secret). It authenticates with HTTP Basic, unless the profile has a
Vonage application id *and* private key in the keyring: then with a fresh application JWT per
send. Reading the keyring can be slow (a locked keyring may prompt), so the client is built on
the first send, on a worker thread, never while the desk is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import httpx

from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.messages import MessagesClient
from desktop_app.domain.models import ApiCredentials
from desktop_app.settings.credentials import APPLICATION_ID, PRIVATE_KEY, MessagesSecretStore
from desktop_app.settings.profiles import Profile
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.messages import UNTRACKED, MessageDesk, StatusRoute

__all__ = ["MessageRoute", "messages_auth", "open_message_desk"]

#: Says, at each send, where status webhooks go.
MessageRoute = Callable[[], StatusRoute]


def messages_auth(
    profile: Profile, secrets: MessagesSecretStore | None
) -> Literal["basic"] | JwtAuth:
    """Basic, or a JWT when the profile has an application id and private key.

    Raises:
        CredentialsUnavailable: The keyring cannot be read.
        ValidationFailed: The stored private key cannot sign (field ``private_key``).
    """
    if profile.is_sandbox or secrets is None:
        return "basic"
    application_id = secrets.get_item(profile.name, APPLICATION_ID)
    private_key = secrets.get_item(profile.name, PRIVATE_KEY)
    if application_id and private_key:
        return JwtAuth(application_id, private_key)
    return "basic"


def open_message_desk(
    desk: VerifyDesk,
    profile: Profile,
    credentials: ApiCredentials,
    http: httpx.Client,
    *,
    api_host: str,
    secrets: MessagesSecretStore | None = None,
    route: MessageRoute | None = None,
) -> MessageDesk:
    """A Messages desk sharing ``desk``'s history, profile and operator.

    Args:
        desk: The profile's Verify v1 desk.
        profile: The profile (for its keyring items).
        credentials: Its key and secret (Basic auth; the sandbox's own for the sandbox).
        http: The shared HTTP client.
        api_host: Where messages go (the profile's API host, or the sandbox's URL).
        secrets: Where the application id and private key are kept.
        route: Where status webhooks go at each send.
    """

    def client() -> MessagesClient:
        return MessagesClient(
            http, credentials, api_host=api_host, auth=messages_auth(profile, secrets)
        )

    return MessageDesk(
        client=client,
        history=desk.session_history,
        profile=desk.profile,
        operator=desk.operator,
        host=desk.host,
        route=route or (lambda: UNTRACKED),
    )
