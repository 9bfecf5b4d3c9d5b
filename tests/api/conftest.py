"""Fixtures for the api tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from desktop_app.api.retry import RetryPolicy

from .helpers import Env, Handler, Reply


@pytest.fixture
def make_env() -> Iterator[Callable[..., Env]]:
    envs: list[Env] = []

    def factory(*replies: Reply | Handler, policy: RetryPolicy | None = None) -> Env:
        env = Env(*replies, policy=policy)
        envs.append(env)
        return env

    yield factory
    for env in envs:
        env.close()
