"""The one home of the test suite's fixtures and helpers.

The root ``tests/conftest.py`` imports :mod:`.environment` first (headless Qt, a throw-away
home) and loads the fixture modules as plugins, so their fixtures work in every folder:

=====================  ==========================================================================
module                 fixtures
=====================  ==========================================================================
``sandbox``            ``make_sandbox`` (alias ``sandbox_factory``), ``sandbox``,
                       ``sandbox_options``, ``tls_files``, ``trusted_tls``,
                       ``tls_sandbox``
``http_client``        ``http``, ``call_log``, ``control``
``history``            ``history_path``, ``history`` (alias ``history_store``)
``qt``                 ``make_runner`` (``qtbot`` itself comes from pytest-qt)
``apps``               ``app_home``, ``make_app``, ``ctx`` (the whole app, its sandbox running;
                       ``@pytest.mark.app(shown=True)`` for a shown window)
``clock``              ``clock``, ``clock_start``
``secret_service``     ``secret_service``, ``secret_service_address``
``postgres``           ``postgres_server`` (a throw-away PostgreSQL per session), ``own_postgres``,
                       ``pg_database``, ``pg_url``, ``pg_password``, ``history_backend``
``messages_service``   ``messages_env`` (a Messages service on a live profile, fake API)
``log_guard``          no fixture: fails a test on an unexpected app warning
                       (opt out with ``@pytest.mark.expect_warnings``)
=====================  ==========================================================================

Plain helpers (no fixtures) for the folders that need them: :mod:`.desks` (real desks, the sandbox
account, test numbers), :mod:`.tasks` (``settle``: wait for a task's outcome), :mod:`.mock_api`
(api tests' recording transport), :mod:`.faults`, :mod:`.store_faults`, :mod:`.report_rows`
(history rows written straight into the file), :mod:`.sandbox_api`, :mod:`.sandbox_v2`,
:mod:`.sandbox_health`, :mod:`.messages_sandbox` (sandbox tests), :mod:`.fakes` and
:mod:`.live_stack` (UI), :mod:`.scenario_fakes`, :mod:`.scenario_texts` (shared scenario files),
:mod:`.messages_fakes`, :mod:`.messages_requests` (Messages API requests by channel), :mod:`.cli`,
:mod:`.windows` (drive a whole window context), :mod:`.heartbeat`, :mod:`.faultserver` and
:mod:`.hostile_servers` (servers that misbehave on purpose).

A folder's conftest defines only the fixtures that folder alone uses, and may set
``sandbox_options`` or ``clock_start`` for its tests; it never redefines a fixture from here.
"""
