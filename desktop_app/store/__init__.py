"""The request history on stdlib ``sqlite3`` (no Qt).

``HistoryStore`` (in ``history``) is the one public entry point; ``schema`` holds the DDL and
the numbered migrations keyed by ``PRAGMA user_version``.
"""
