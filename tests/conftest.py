"""Test-wide set-up: the environment first, then the shared fixtures from tests/helpers.

``tests.helpers.environment`` must run before anything imports Qt or the settings code (see its
docstring). The plugins below hold every fixture more than one folder uses, each defined once;
a folder's own conftest keeps only what that folder alone needs. See tests/helpers/__init__.py.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.helpers")

from tests.helpers import environment  # noqa: E402,F401 - sets the environment on import

pytest_plugins = [
    "pytester",
    "tests.helpers.log_guard",
    "tests.helpers.apps",
    "tests.helpers.clock",
    "tests.helpers.history",
    "tests.helpers.http_client",
    "tests.helpers.message_window",
    "tests.helpers.messages_service",
    "tests.helpers.qt",
    "tests.helpers.sandbox",
    "tests.helpers.secret_service",
    "tests.helpers.postgres",
    "tests.helpers.report_rows",
]
