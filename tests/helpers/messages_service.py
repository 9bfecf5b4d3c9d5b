"""A Messages service on a live profile, against a fake Messages API: ``messages_env``.

The service, the desk it runs on (profile ``live``), a history file, and an in-memory keyring
(``secrets``) where a test stores the profile's signature secret. Used by the service tests and
by the Message page's delivery-tracking box.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api.http import build_http_client
from desktop_app.services.messages import MessagesService
from desktop_app.services.tasks import TaskRunner
from desktop_app.services.verification import VerificationService
from desktop_app.settings.credentials import SessionCredentialStore
from desktop_app.settings.profiles import Profile
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.session import open_desk
from tests.helpers.messages_fakes import CREDS, HOST, FakeMessagesApi

__all__ = ["MessagesEnv", "messages_env"]


class MessagesEnv:
    """What ``messages_env`` gives: the service and what it runs on."""

    def __init__(
        self,
        service: MessagesService,
        api: FakeMessagesApi,
        store: HistoryStore,
        verification: VerificationService,
        secrets: SessionCredentialStore,
    ) -> None:
        self.service, self.api, self.store = service, api, store
        self.verification, self.secrets = verification, secrets  # fmt: skip


@pytest.fixture
def messages_env(
    tmp_path: Path, make_runner: Callable[..., TaskRunner], qtbot: Any
) -> Iterator[MessagesEnv]:
    api = FakeMessagesApi()
    http = build_http_client(httpx.MockTransport(api))
    store = HistoryStore(tmp_path / "history.sqlite3")
    runner = make_runner()
    verification = VerificationService(runner)
    secrets = SessionCredentialStore()
    service = MessagesService(runner, verification, store, secrets=secrets)
    profile = Profile(name="live", api_host=HOST, api_key=CREDS.api_key)
    verification.set_desk(
        open_desk(
            profile,
            CREDS,
            store,
            http,
            operator="tester",
            secrets=secrets,
            message_route=service.route_for(profile.is_sandbox),
        )
    )
    yield MessagesEnv(service, api, store, verification, secrets)
    service.shutdown()
    http.close()
    store.close()
