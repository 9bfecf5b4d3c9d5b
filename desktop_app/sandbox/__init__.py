"""The built-in sandbox: a stateful local simulator of the Verify v1 and v2 APIs on loopback HTTP.

Stdlib only (``http.server``); it imports nothing from the project but ``desktop_app.domain``.
Entry points: :class:`desktop_app.sandbox.server.SandboxServer` for Python callers and
``verify-desk-sandbox`` (``python -m desktop_app.sandbox``) on the command line.
"""
