"""A realistic history database of N requests, for the history benchmarks (cached per run).

``python -m benchmarks._history_gen --rows 1000000 --out FILE`` or :func:`history_file`.

The file is created by ``HistoryStore`` (so the schema, indexes, FTS5 trigram index and
triggers are exactly the app's migrations), closed, then filled with plain ``sqlite3``
``executemany`` in one transaction (the FTS triggers fire for every row, as they would in use).

Rows, in time order over the year before "now" (ids ascending with time, as the app writes):

* numbers: mobile numbers of 12 countries in rough traffic proportions (GB 24 %, US 22 %,
  DE 9 %, FR 8 %, IN 8 %, BR 6 %, ES 5 %, IT 5 %, NL 4 %, AU 3 %, SG 3 %, ZA 3 %), each
  country's real calling code and mobile prefix, about 1 in 8 numbers seen more than once;
* brands: 30 names with a Zipf-like spread (a few brands send most requests);
* statuses: SUCCESS 71 %, EXPIRED 12 %, FAILED 7 %, CANCELLED 5 %, OUTCOME UNKNOWN 2 %,
  REFUSED 1.5 %, NOT SENT 1 %; IN PROGRESS only for the newest few minutes;
* profiles: Sandbox 55 %, Production 35 %, Staging 10 %; 8 operators;
* a 32-hex request id (none for NOT SENT and half of OUTCOME UNKNOWN), price and currency for
  delivered requests, 0 to 3 checks, workflow 1 to 7.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

GENERATOR_VERSION = 1
YEAR_US = 365 * 86_400 * 1_000_000

_COUNTRIES = (  # (calling code, mobile prefixes, national digits after the prefix, weight)
    ("44", ("74", "75", "77", "78", "79"), 8, 24),
    ("1", ("415", "212", "646", "310", "917"), 7, 22),
    ("49", ("151", "160", "170", "176"), 7, 9),
    ("33", ("6", "7"), 8, 8),
    ("91", ("98", "99", "70", "81"), 8, 8),
    ("55", ("11", "21"), 9, 6),
    ("34", ("6", "7"), 8, 5),
    ("39", ("32", "33", "34"), 8, 5),
    ("31", ("6",), 8, 4),
    ("61", ("4",), 8, 3),
    ("65", ("8", "9"), 7, 3),
    ("27", ("82", "83", "72"), 7, 3),
)
_STATUSES = (
    ("SUCCESS", 71.0), ("EXPIRED", 12.0), ("FAILED", 7.0), ("CANCELLED", 5.0),
    ("OUTCOME UNKNOWN", 2.0), ("REFUSED", 1.5), ("NOT SENT", 1.0),
)  # fmt: skip
_PROFILES = (("Sandbox", 55), ("Production", 35), ("Staging", 10))
_OPERATORS = ("ann", "bob", "chen", "dana", "emil", "fatima", "gus", "hiro")
_BRANDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Pay", "Wayne Bank", "Tyrell",
    "Cyberdyne", "Soylent", "Wonka", "Gringotts", "Oceanic", "Massive Dyn", "Vandelay",
    "Pied Piper", "Aviato", "Nakatomi", "Monarch", "Duff", "Krusty", "Sirius", "Virtucon",
    "Prestige", "Dunder", "Bluth Co", "Sterling", "Wernham", "Lunar Ind", "Veidt",
)  # fmt: skip
_WORKFLOWS = (1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 6, 7)

_INSERT = (
    "INSERT INTO requests (id, profile, operator, api_version, kind, number, brand, workflow_id,"
    " code_length, pin_expiry, next_event_wait, request_id, status, created_at, updated_at,"
    " finalized_at, price, currency, checks_count, last_check_outcome, last_error)"
    " VALUES (?, ?, ?, 'v1', 'start', ?, ?, ?, 4, 300, 300, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _rows(count: int, now_us: int, seed: int = 20261128) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    countries = [c[:3] for c in _COUNTRIES]
    country_weights = [c[3] for c in _COUNTRIES]
    statuses = [s for s, _ in _STATUSES]
    status_weights = [w for _, w in _STATUSES]
    profiles = [p for p, _ in _PROFILES]
    profile_weights = [w for _, w in _PROFILES]
    brand_weights = [1.0 / (rank + 1) for rank in range(len(_BRANDS))]
    start = now_us - YEAR_US
    step = YEAR_US / count
    repeat_pool: list[str] = []
    rows: list[tuple[object, ...]] = []
    picks_country = rng.choices(countries, country_weights, k=count)
    picks_status = rng.choices(statuses, status_weights, k=count)
    picks_profile = rng.choices(profiles, profile_weights, k=count)
    picks_brand = rng.choices(_BRANDS, brand_weights, k=count)
    for i in range(count):
        created = start + int(i * step) + rng.randrange(max(1, int(step)))
        if repeat_pool and rng.random() < 0.125:
            number = rng.choice(repeat_pool)
        else:
            code, prefixes, digits = picks_country[i]
            number = code + rng.choice(prefixes) + f"{rng.randrange(10**digits):0{digits}d}"
            if len(repeat_pool) < 50_000:
                repeat_pool.append(number)
        status = picks_status[i]
        if now_us - created < 5 * 60 * 1_000_000:
            status = "IN PROGRESS"
        no_id = status == "NOT SENT" or (status == "OUTCOME UNKNOWN" and rng.random() < 0.5)
        request_id = None if no_id else f"{rng.getrandbits(128):032x}"
        final = status not in ("IN PROGRESS", "OUTCOME UNKNOWN")
        delivered = status in ("SUCCESS", "EXPIRED", "FAILED", "CANCELLED")
        finalized = created + rng.randrange(5, 300) * 1_000_000 if final else None
        checks = 0
        outcome = ""
        if status == "SUCCESS":
            checks, outcome = rng.choice((1, 1, 1, 1, 2, 3)), "VALID"
        elif status == "FAILED":
            checks, outcome = 3, "TOO MANY"
        elif delivered and rng.random() < 0.3:
            checks, outcome = 1, "INVALID"
        rows.append((
            i + 1, picks_profile[i], rng.choice(_OPERATORS), number, picks_brand[i],
            rng.choice(_WORKFLOWS), request_id, status, created, finalized or created,
            finalized, "0.05000000" if delivered else None, "EUR" if delivered else "",
            checks, outcome, "Throttled (status 1)" if status == "REFUSED" else "",
        ))  # fmt: skip
    return rows


def generate(path: Path, count: int, *, now_us: int | None = None) -> dict[str, float]:
    """Create ``path`` with ``count`` rows; returns timings (seconds) and the file size."""
    from desktop_app.store.history import HistoryStore

    path.unlink(missing_ok=True)
    HistoryStore(path).close()  # the real schema and migrations
    now_us = now_us if now_us is not None else int(time.time() * 1_000_000)
    started = time.perf_counter()
    rows = _rows(count, now_us)
    made = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -200000")
        conn.execute("BEGIN")
        for first in range(0, len(rows), 50_000):
            conn.executemany(_INSERT, rows[first : first + 50_000])
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    done = time.perf_counter()
    return {
        "rows": count,
        "make_rows_s": round(made - started, 1),
        "insert_s": round(done - made, 1),
        "file_mb": round(path.stat().st_size / 2**20, 1),
    }


def _schema_tag(version: int) -> str:
    """``s<version>-<fingerprint of the first version migrations>``.

    The version number alone is not a key: branches worked on side by side each add their own
    migration with the next number, and they share the temp folder.
    """
    import hashlib

    from desktop_app.store.schema import MIGRATIONS

    digest = hashlib.sha1(repr(MIGRATIONS[:version]).encode(), usedforsecurity=False)
    return f"s{version}-{digest.hexdigest()[:8]}"


#: Files cached before the key had a fingerprint; up to this version they came from ``main``.
_UNTAGGED_UP_TO = 3


def _older_schema(folder: Path, count: int, version: int) -> Path | None:
    """The newest cached file of ``count`` rows from this generator with an older schema
    (one of this code's own earlier versions)."""
    for older in range(version - 1, 0, -1):
        tags = [_schema_tag(older)] + ([f"s{older}"] if older <= _UNTAGGED_UP_TO else [])
        for tag in tags:
            candidate = folder / f"history-{count}-g{GENERATOR_VERSION}-{tag}.sqlite3"
            if candidate.is_file():
                return candidate
    return None


def _upgrade(older: Path, target: Path) -> dict[str, object]:
    """Copy ``older`` to ``target`` and let ``HistoryStore`` migrate it (as the app would a
    person's history): seconds instead of the minutes a new file takes."""
    from desktop_app.store.history import HistoryStore

    started = time.perf_counter()
    with sqlite3.connect(older) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    copied = time.perf_counter()
    HistoryStore(target).close()
    with sqlite3.connect(target) as conn:
        conn.execute("ANALYZE")
    return {
        "upgraded_from": older.name,
        "copy_s": round(copied - started, 1),
        "migrate_s": round(time.perf_counter() - copied, 1),
        "file_mb": round(target.stat().st_size / 2**20, 1),
    }


def history_file(count: int) -> tuple[Path, dict[str, object]]:
    """A generated history of ``count`` rows, cached in the temp folder between runs.

    The cache key holds the row count, the generator and the schema (version and a fingerprint
    of its migrations), so a new migration or generator makes a new file: by upgrading a cached
    file of an earlier version when there is one (seconds), else from scratch (minutes).
    Delete ``$TMPDIR/vd-bench-history`` to force it.
    """
    from desktop_app.store.schema import SCHEMA_VERSION

    folder = Path(tempfile.gettempdir()) / "vd-bench-history"
    folder.mkdir(exist_ok=True)
    path = folder / f"history-{count}-g{GENERATOR_VERSION}-{_schema_tag(SCHEMA_VERSION)}.sqlite3"
    if path.is_file():
        size_mb = round(path.stat().st_size / 2**20, 1)
        return path, {"rows": count, "cached": True, "file_mb": size_mb}
    partial = path.with_suffix(f".{os.getpid()}.part")
    older = _older_schema(folder, count, SCHEMA_VERSION)
    info: dict[str, object] = {}
    info.update(_upgrade(older, partial) if older is not None else generate(partial, count))
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return path, {**info, "cached": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(generate(args.out, args.rows))


if __name__ == "__main__":
    main()
