"""The api tests' fixtures: clients wired to a recording fake network (helpers/mock_api.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop_app.api.jwt_auth import JwtAuth
from desktop_app.api.retry import RetryPolicy
from tests.helpers.mock_api import Env, Handler, Reply, V2Env


@pytest.fixture
def make_env() -> Iterator[Callable[..., Env]]:
    """Build v1/Account :class:`Env` s playing ``replies``; closed after the test."""
    envs: list[Env] = []

    def factory(*replies: Reply | Handler, policy: RetryPolicy | None = None) -> Env:
        env = Env(*replies, policy=policy)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        env.close()


@pytest.fixture
def make_v2_env() -> Iterator[Callable[..., V2Env]]:
    """Build Verify v2 :class:`V2Env` s playing ``replies``; closed after the test."""
    envs: list[V2Env] = []

    def factory(*replies: Any, auth: JwtAuth | None = None) -> V2Env:
        env = V2Env(*replies, auth=auth)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        env.close()
