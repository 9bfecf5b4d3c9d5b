"""The api tests' fixtures: clients wired to a recording fake network (helpers/mock_api.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.helpers.mock_api import Env, V2Env, closing_each


@pytest.fixture
def make_env() -> Iterator[Callable[..., Env]]:
    """``make_env(*replies, policy=None)``: v1/Account :class:`Env` s, closed after the test."""
    yield from closing_each(Env)


@pytest.fixture
def make_v2_env() -> Iterator[Callable[..., V2Env]]:
    """``make_v2_env(*replies, auth=None)``: Verify v2 :class:`V2Env` s, closed after the test."""
    yield from closing_each(V2Env)
