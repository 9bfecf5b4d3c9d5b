"""The services tests run against sandboxes with the rate limits they ship with.

Every fixture they use (``make_runner``, ``http``, ``call_log``, ``sandbox``, ``sandbox_factory``,
``history_store``) comes from tests/helpers; ``sandbox_options`` keeps the shipped limits, which
the heartbeat and refresher tests were written against.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.sandbox import SHIPPED_LIMITS


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    return dict(SHIPPED_LIMITS)
