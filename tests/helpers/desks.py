"""Real desks (and operations) over a real sandbox, the sandbox's account, test phone numbers."""

from __future__ import annotations

import httpx

from desktop_app.api.account import AccountClient
from desktop_app.api.retry import RetryPolicy
from desktop_app.api.v1 import VerifyV1Client
from desktop_app.api.v2 import VerifyV2Client
from desktop_app.domain.models import ApiCredentials
from desktop_app.store.history import HistoryStore
from desktop_app.usecases.desk import VerifyDesk
from desktop_app.usecases.desk_v2 import open_desk_v2
from desktop_app.usecases.fallback import DegradedCallback
from desktop_app.usecases.operations import VerifyOperations

#: The one account every test sandbox has (``SandboxConfig``'s defaults).
SANDBOX_CREDS = ApiCredentials("sandbox", "sandbox-secret")
PROFILE = "qa-sandbox"
OPERATOR = "tester"
#: The computer name the test desks record (the audit trail's "where").
HOST = "qa-host"
#: One attempt only: a test must see exactly what the API answered, with no backoff sleeps.
NO_RETRY = RetryPolicy(attempts=1)


def make_desk(
    http: httpx.Client,
    url: str,
    history: HistoryStore,
    credentials: ApiCredentials = SANDBOX_CREDS,
    *,
    on_degraded: DegradedCallback | None = None,
) -> VerifyDesk:
    """A desk that tries each call once and reads numbers as British (use-case tests)."""
    return VerifyDesk(
        client=VerifyV1Client(http, credentials, api_host=url, retry=NO_RETRY),
        account=AccountClient(http, credentials, rest_host=url, retry=NO_RETRY),
        history=history,
        profile=PROFILE,
        operator=OPERATOR,
        host=HOST,
        default_region="GB",
        on_history_degraded=on_degraded,
    )


def build_desk(
    http: httpx.Client,
    url: str,
    history: HistoryStore,
    *,
    api_key: str = SANDBOX_CREDS.api_key,
    api_secret: str = SANDBOX_CREDS.api_secret,
    profile: str = "Sandbox",
    retry: RetryPolicy | None = None,
) -> VerifyOperations:
    """A profile's operations (v1 and v2 desks) as the app builds them: the default retry
    policy and no default region.

    Unlike :func:`make_desk`, a throttled or failed read is retried (unless ``retry`` says
    otherwise), which is what the services tests exercise.
    """
    creds = ApiCredentials(api_key, api_secret)
    v1 = VerifyDesk(
        client=VerifyV1Client(http, creds, api_host=url, retry=retry),
        account=AccountClient(http, creds, rest_host=url, retry=retry),
        history=history,
        profile=profile,
        operator=OPERATOR,
        host=HOST,
    )
    v2 = VerifyV2Client(http, creds, api_host=url, retry=retry)
    return VerifyOperations(v1, open_desk_v2(v1, v2))


def uk_number(n: int) -> str:
    """A distinct valid UK mobile number (never one of the sandbox's magic endings)."""
    return f"447911{n:04d}56"
