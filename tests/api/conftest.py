"""Fixtures for the api tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# `.venv/bin/pytest` does not put the repository root on sys.path and the project is not
# installed; make `desktop_app` importable for this directory's tests.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from desktop_app.api.retry import RetryPolicy  # noqa: E402

from .helpers import Env, Handler, Reply  # noqa: E402


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
