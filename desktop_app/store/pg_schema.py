"""The shared history's schema on PostgreSQL and its forward-only migrations.

The tables and columns are those of the SQLite schema (``schema``), with the same names and
storage conventions (timestamps as BIGINT microseconds since the epoch, money as TEXT holding
``str(Decimal)``), so every shared query reads the same on both. What PostgreSQL does its own
way:

* ids are identity columns; every request and call also has a ``uuid`` made by the client
  (``gen_random_uuid()`` when none is given), the key of the idempotent upserts that write back
  the offline queue and of the resumable copy from SQLite (``pg_copy``);
* substring search uses a ``pg_trgm`` GIN index over one expression joining number, request id
  and brand (:data:`SEARCH_EXPR`), instead of SQLite's FTS5 trigram table and its triggers;
* each insert or update of a request ``NOTIFY``s :data:`CHANNEL` with the row id, from a
  trigger, so every writer (another desktop, the command line, a copy) is heard by every window.

Versions are counted here (table ``verify_desk_schema``), independently of SQLite's
``user_version``. Tables, columns and the indexes both share are rendered from ``_ddl``; what
is PostgreSQL's own is written out here. PostgreSQL step 1 is SQLite's versions 1 to 3 at
once, step 2 its version 4, step 3 its version 5.

Two clients starting on an empty database at once: each takes the session-level advisory lock
:data:`_LOCK_KEY` before reading the version, so the second waits for the first to finish and
then finds nothing to do. Each step commits with its version bump, so a failure leaves the
previous version whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from desktop_app.domain.errors import StoreError
from desktop_app.store import _ddl as ddl
from desktop_app.store._ddl import HOUR_US

if TYPE_CHECKING:
    import psycopg

#: The LISTEN/NOTIFY channel every request write is announced on (payload: the row id).
CHANNEL: Final = "verify_desk_history"
#: The text substring search looks in (same separator in the index and the queries): number,
#: request id and brand, joined by a control character no search term contains.
SEARCH_EXPR: Final = "(number || chr(31) || coalesce(request_id, '') || chr(31) || brand)"
#: Any fixed 64-bit number unique to this application's migrations.
_LOCK_KEY: Final = 0x5645_5249_4659_4453  # "VERIFYDS"

_V1: Final[tuple[str, ...]] = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ddl.create_table(
        "requests", (*ddl.REQUESTS_V1, *ddl.REQUESTS_V2, *ddl.REQUESTS_V3), "postgresql", uuid=True
    ),
    *ddl.INDEXES_V1,
    f"CREATE INDEX ix_requests_search ON requests USING gin ({SEARCH_EXPR} gin_trgm_ops)",
    ddl.create_table("calls", ddl.CALLS, "postgresql", uuid=True),
    *ddl.CALL_INDEXES,
    ddl.create_table("message_events", ddl.MESSAGE_EVENTS, "postgresql"),
    *ddl.MESSAGE_EVENT_INDEXES,
    ddl.create_table("message_codes", ddl.MESSAGE_CODES, "postgresql"),
    *ddl.MESSAGE_CODE_INDEXES,
    # Every action a client sent, once (pg_outbox): a replay of one that ran is skipped.
    """
    CREATE TABLE applied_actions (
        uuid       UUID        PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    f"""
    CREATE FUNCTION verify_desk_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', NEW.id::text);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER requests_notify AFTER INSERT OR UPDATE ON requests
    FOR EACH ROW EXECUTE FUNCTION verify_desk_notify()
    """,
)

#: Version 2, SQLite's version 4 (the audit trail): where each request was started (``host``),
#: found by the start of the operator's or host's name in any case (``lower(...)`` indexes with
#: ``text_pattern_ops``, for a prefix ``LIKE`` in any collation), and ``actions``: one row per
#: start, check, cancel, next or message, with who, where, the profile and when. An action's
#: ``uuid`` makes the copy from SQLite (``pg_copy``) resumable, as for requests.
_V2: Final[tuple[str, ...]] = (
    *ddl.add_columns("requests", ddl.REQUESTS_V4, "postgresql"),
    "CREATE INDEX ix_requests_operator ON requests"
    " (lower(operator) text_pattern_ops, created_at, id)",
    "CREATE INDEX ix_requests_host ON requests (lower(host) text_pattern_ops, created_at, id)",
    ddl.create_table("actions", ddl.ACTIONS, "postgresql", uuid=True),
    *ddl.ACTION_INDEXES,
)

#: Version 3, SQLite's version 5 (analytics): the same key columns, indexes and hourly rollup,
#: so the analytics page reads the same few narrow things on both. PostgreSQL (before 18) has
#: no virtual generated columns: ``verify_seconds``, ``country_prefix`` and ``channel_key`` are
#: ``STORED`` (adding them rewrites the table once, under the migration lock). The rollup
#: ``analytics_hours`` is kept by one trigger function for insert, update and delete, as
#: SQLite's three triggers keep theirs; an update that moves no count (most of them: a check, a
#: delivery status) is skipped by the trigger's ``WHEN``.
_V3: Final[tuple[str, ...]] = (
    *ddl.analytics_columns("postgresql"),
    *ddl.ANALYTICS_INDEXES,
    ddl.create_analytics_hours("postgresql"),
    ddl.ANALYTICS_BACKFILL,
    # Codes sent by message get the client-made key the copy from SQLite needs (``pg_copy``).
    f"ALTER TABLE message_codes ADD COLUMN {ddl.UUID_COLUMN}",
    f"""
    CREATE FUNCTION verify_desk_analytics_hours() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE analytics_hours SET requests = requests - 1
            WHERE hour = OLD.created_at / {HOUR_US:d} AND profile = OLD.profile
                AND status = OLD.status AND currency = OLD.currency
                AND price = coalesce(OLD.price, '');
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO analytics_hours VALUES (NEW.created_at / {HOUR_US:d}, NEW.profile,
                NEW.status, NEW.currency, coalesce(NEW.price, ''), 1)
            ON CONFLICT (hour, profile, status, currency, price)
            DO UPDATE SET requests = analytics_hours.requests + 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER analytics_hours_insert AFTER INSERT OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION verify_desk_analytics_hours()
    """,
    f"""
    CREATE TRIGGER analytics_hours_update
    AFTER UPDATE OF created_at, profile, status, currency, price ON requests FOR EACH ROW
    WHEN (OLD.created_at / {HOUR_US:d} IS DISTINCT FROM NEW.created_at / {HOUR_US:d}
        OR OLD.profile IS DISTINCT FROM NEW.profile OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.price IS DISTINCT FROM NEW.price)
    EXECUTE FUNCTION verify_desk_analytics_hours()
    """,
)

#: Forward-only: ``MIGRATIONS[n - 1]`` takes the database from version n-1 to n.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2, _V3)
SCHEMA_VERSION: Final[int] = len(MIGRATIONS)


def schema_version(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """The database's schema version (0 when it has none yet)."""
    row = conn.execute("SELECT to_regclass('verify_desk_schema') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    version = conn.execute("SELECT max(version) FROM verify_desk_schema").fetchone()
    return int(version[0] or 0) if version is not None else 0


def migrate(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """Bring the database to ``SCHEMA_VERSION`` under the advisory lock; return the version.

    Args:
        conn: A connection in autocommit mode, used by nobody else meanwhile.

    Raises:
        StoreError: The database was migrated by a newer Verify Desk.
        psycopg.Error: Any database failure; the caller classifies it.
    """
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        current = schema_version(conn)
        _refuse_newer(current)
        for target in range(current + 1, SCHEMA_VERSION + 1):
            with conn.transaction():
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS verify_desk_schema"
                    " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                for statement in MIGRATIONS[target - 1]:
                    conn.execute(statement.encode())
                conn.execute("INSERT INTO verify_desk_schema (version) VALUES (%s)", (target,))
        return max(current, SCHEMA_VERSION)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def _refuse_newer(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The shared history has schema version {version}, but this Verify Desk only "
            f"knows up to version {SCHEMA_VERSION}; it was migrated by a newer release."
        )
