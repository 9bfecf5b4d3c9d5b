"""The history database schema and its forward-only migrations.

The schema version lives in ``PRAGMA user_version``. Each migration is a numbered tuple of
statements run in one ``BEGIN IMMEDIATE`` transaction together with the ``user_version`` bump,
so a crash mid-migration leaves the previous version intact, and two processes opening the
same file at once cannot both apply a step (the second re-reads the version under the lock).

Storage conventions (version 1):

* Timestamps are INTEGER microseconds since the Unix epoch, UTC. They sort and index as
  plain integers, round-trip a ``datetime`` exactly, and read back in the sqlite3 shell with
  ``datetime(created_at / 1000000, 'unixepoch')``.
* Money is TEXT holding ``str(Decimal)``, so ``"0.05000000"`` survives unchanged.
* Statuses are the ``VerificationStatus`` values (``"IN PROGRESS"``, ``"OUTCOME UNKNOWN"``).

Indexes are chosen for the history window at 1,000,000 rows: every list is "newest first,
keyset-paged on (created_at, id)", optionally narrowed by status and/or profile, so each
filter combination has an index ending in ``(created_at, id)`` that SQLite walks backwards
and stops after ``LIMIT`` rows. Free-text search goes through an external-content FTS5
trigram index over number, request id and brand (kept in step by triggers), which answers
substring queries of three or more characters without a full scan.

Tables, columns and the indexes both dialects share are described once in ``_ddl`` and
rendered here (PostgreSQL's ``pg_schema`` renders the same); SQLite's own pieces (FTS5, its
triggers, ``NOCASE``) are written out below.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from desktop_app.domain.errors import StoreError
from desktop_app.store import _ddl as ddl

#: Version 1: requests, calls, their indexes and the trigram search index.
_V1: Final[tuple[str, ...]] = (
    ddl.create_table("requests", ddl.REQUESTS_V1, "sqlite"),
    *ddl.INDEXES_V1,
    ddl.create_table("calls", ddl.CALLS, "sqlite"),
    *ddl.CALL_INDEXES,
    """
    CREATE VIRTUAL TABLE requests_fts USING fts5 (
        number, request_id, brand,
        content = 'requests', content_rowid = 'id', tokenize = 'trigram'
    )
    """,
    """
    CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
        INSERT INTO requests_fts (rowid, number, request_id, brand)
        VALUES (new.id, new.number, new.request_id, new.brand);
    END
    """,
    """
    CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
        INSERT INTO requests_fts (requests_fts, rowid, number, request_id, brand)
        VALUES ('delete', old.id, old.number, old.request_id, old.brand);
    END
    """,
    """
    CREATE TRIGGER requests_fts_update AFTER UPDATE OF number, request_id, brand ON requests
    BEGIN
        INSERT INTO requests_fts (requests_fts, rowid, number, request_id, brand)
        VALUES ('delete', old.id, old.number, old.request_id, old.brand);
        INSERT INTO requests_fts (rowid, number, request_id, brand)
        VALUES (new.id, new.number, new.request_id, new.brand);
    END
    """,
)

#: Version 2: a Verify v2 request's channel list (``"sms,voice"``); empty for v1 rows.
_V2: Final[tuple[str, ...]] = ddl.add_columns("requests", ddl.REQUESTS_V2, "sqlite")

#: Version 3: the Messages API. A message is a ``requests`` row like a verification
#: (``api_version`` ``"messages"``, ``kind`` ``"message"`` or ``"code"``, ``request_id`` the
#: ``message_uuid``, ``number`` the recipient, ``channels`` its legs' channels in order,
#: ``status`` where it stands, ``price``/``currency`` what its legs cost, ``last_error`` the
#: plain meaning of a failure), plus what only messages have: the first message's type, its
#: ``client_ref``, the latest delivery status heard and the leg it concerns, whether anything
#: listens for status webhooks, and a failure's Messages error code and title.
#: ``message_events`` is each message's status timeline (one row per leg and status: a webhook
#: delivered twice lands once; ``applied`` 0 marks one that arrived before its message's row
#: had its id, applied when the send records it). ``message_codes`` holds codes sent by
#: message: a salted hash and its expiry, never the code; at most one live code per profile and
#: number.
_V3: Final[tuple[str, ...]] = (
    *ddl.add_columns("requests", ddl.REQUESTS_V3, "sqlite"),
    ddl.create_table("message_events", ddl.MESSAGE_EVENTS, "sqlite"),
    *ddl.MESSAGE_EVENT_INDEXES,
    ddl.create_table("message_codes", ddl.MESSAGE_CODES, "sqlite"),
    *ddl.MESSAGE_CODE_INDEXES,
)

#: Version 4: the audit trail. ``requests.host`` is the computer a request was started on
#: (``requests.operator`` already says who; rows from before version 4 keep an empty host).
#: ``actions`` holds one row per action taken on a request: ``kind`` an ``ActionKind`` word
#: (``start``, ``check``, ``cancel``, ``next``, ``message``, ``code_send``, ``code_check``,
#: ``code_cancel``), ``outcome`` an ``Outcome`` word (``ok``, ``wrong_code``, ``refused``...),
#: who (``operator``), where (``host``), with which ``profile`` and when (``acted_at``, UTC
#: micros). ``history_id`` is the ``requests`` row (NULL when the request is not in this
#: history) and ``request_id`` the API's id or message id when known. Never a code, a secret or
#: the API's text. The NOCASE indexes answer the history filter's "user or host starts with"
#: without a scan.
_V4: Final[tuple[str, ...]] = (
    *ddl.add_columns("requests", ddl.REQUESTS_V4, "sqlite"),
    "CREATE INDEX ix_requests_operator ON requests (operator COLLATE NOCASE, created_at, id)",
    "CREATE INDEX ix_requests_host ON requests (host COLLATE NOCASE, created_at, id)",
    ddl.create_table("actions", ddl.ACTIONS, "sqlite"),
    *ddl.ACTION_INDEXES,
)

#: Version 5 (analytics): what the analytics page groups by, kept ready so that a page over the
#: whole history reads narrow indexes and a small table instead of sorting every row.
#: Three virtual generated columns (computed when read, never stored, so no backfill):
#: ``verify_seconds`` (whole seconds from start to verified, only for ``SUCCESS`` rows with a
#: finalisation time), ``country_prefix`` (the number's first three digits, four for ``+1``:
#: enough to name the country) and ``channel_key`` (``"v2:<channels>"`` or ``"v1:<workflow
#: id>"``). One covering index per non-time breakdown, in the order its ``GROUP BY`` needs, so
#: SQLite groups while it walks the index (no sort); two partial indexes of the verified rows'
#: seconds, by time (a short range) and by value (most of the history: grouped by seconds
#: first, the rows reach SQLite's sorter almost in order). ``analytics_hours`` counts the
#: requests per UTC hour, profile, status and price (``price`` ``''`` for none), kept by
#: triggers: local days and hours of any time zone whose offsets are whole hours are unions of
#: UTC hours, so a year by day or by hour is a hundred thousand of its rows, not a million.
_V5: Final[tuple[str, ...]] = (
    *ddl.analytics_columns("sqlite"),
    *ddl.ANALYTICS_INDEXES,
    ddl.create_analytics_hours("sqlite"),
    ddl.ANALYTICS_BACKFILL,
    """
    CREATE TRIGGER analytics_hours_insert AFTER INSERT ON requests BEGIN
        INSERT INTO analytics_hours VALUES (new.created_at / 3600000000, new.profile,
            new.status, new.currency, coalesce(new.price, ''), 1)
        ON CONFLICT DO UPDATE SET requests = requests + 1;
    END
    """,
    """
    CREATE TRIGGER analytics_hours_delete AFTER DELETE ON requests BEGIN
        UPDATE analytics_hours SET requests = requests - 1
        WHERE hour = old.created_at / 3600000000 AND profile = old.profile
            AND status = old.status AND currency = old.currency
            AND price = coalesce(old.price, '');
    END
    """,
    """
    CREATE TRIGGER analytics_hours_update
    AFTER UPDATE OF created_at, profile, status, currency, price ON requests
    WHEN old.created_at / 3600000000 IS NOT new.created_at / 3600000000
        OR old.profile IS NOT new.profile OR old.status IS NOT new.status
        OR old.currency IS NOT new.currency OR old.price IS NOT new.price
    BEGIN
        UPDATE analytics_hours SET requests = requests - 1
        WHERE hour = old.created_at / 3600000000 AND profile = old.profile
            AND status = old.status AND currency = old.currency
            AND price = coalesce(old.price, '');
        INSERT INTO analytics_hours VALUES (new.created_at / 3600000000, new.profile,
            new.status, new.currency, coalesce(new.price, ''), 1)
        ON CONFLICT DO UPDATE SET requests = requests + 1;
    END
    """,
)

#: Forward-only migrations: ``MIGRATIONS[n - 1]`` takes the database from version n-1 to n.
#: Never edit a released step; append a new one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2, _V3, _V4, _V5)

#: The schema version this code reads and writes.
SCHEMA_VERSION: Final[int] = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """Return the database's ``PRAGMA user_version``."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to ``SCHEMA_VERSION``; a no-op when it is already there.

    Args:
        conn: A connection in autocommit mode (``isolation_level=None``).

    Returns:
        The schema version after migrating.

    Raises:
        StoreError: The file was written by a newer Verify Desk (its version is higher).
        sqlite3.Error: Any database failure; the caller classifies it.
    """
    current = user_version(conn)
    if current == SCHEMA_VERSION:
        return current  # the common case: nothing to write (works on read-only files)
    _refuse_newer(current)
    for target in range(current + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if user_version(conn) >= target:
                conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[target - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    final = user_version(conn)
    _refuse_newer(final)
    return final


def _refuse_newer(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The history database has schema version {version}, but this Verify Desk only "
            f"knows up to version {SCHEMA_VERSION}; it was written by a newer release."
        )
