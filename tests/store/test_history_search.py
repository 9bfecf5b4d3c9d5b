"""History lists: filters, free-text search (rare and common terms) and keyset paging."""

from __future__ import annotations

import pytest

from desktop_app.domain.history_query import RecentQuery
from desktop_app.domain.models import VerificationStatus as S
from desktop_app.store import _search
from desktop_app.store.history import HistoryStore, NewRequest, RequestChanges


def _add(h: HistoryStore, number: str = "447700900001", **kw: object) -> int:
    values: dict[str, object] = dict(
        profile="Sandbox", operator="alice", kind="start", number=number, brand="Acme",
        workflow_id=6,
    )  # fmt: skip
    values.update(kw)
    return h.add_request(NewRequest(**values))  # type: ignore[arg-type]


def _fill(h: HistoryStore, clock) -> list[int]:
    data = [
        ("447700900111", "Acme", "Sandbox", S.IN_PROGRESS, "a1b2c3d4e5"),
        ("447700900222", "Globex", "prod", S.SUCCESS, "ffee0011"),
        ("12025550123", "Initech Bank", "prod", S.FAILED, "9988abcd"),
        ("12025550999", "acme corp", "Sandbox", S.IN_PROGRESS, None),
        ("33612345678", "100%_Real", "prod", S.IN_PROGRESS, "x_y%z"),
    ]
    rows = []
    for number, brand, profile, status, rid in data:
        clock.advance()
        row = _add(h, number=number, brand=brand, profile=profile)
        h.update_request(row, RequestChanges(status=status, request_id=rid))
        rows.append(row)
    return rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [4, 3, 2, 1, 0]),
        ("7700900", [1, 0]),
        ("+1 202-555", [3, 2]),  # a typed number is searched as digits
        ("(202) 555", [3, 2]),
        ("ACME", [3, 0]),  # brand, case-insensitive
        ("ffee", [1]),  # request id prefix
        ("abcd", [2]),  # request id substring
        ("Bank", [2]),
        ("99", [3, 2]),  # two characters: scanned with LIKE
        ("%", [4]),  # LIKE wildcards are literal
        ("_", [4]),
        ("x_y%z", [4]),
        ("nothing-like-it", []),
        ("00\x00", []),  # a NUL ends a full-text query early in SQLite: it must find nothing
        ("ACME\x00", []),
        ("\x00", []),
    ],
)
def test_recent_text_filter(store, clock, text, expected) -> None:
    rows = _fill(store, clock)
    got = [e.id for e in store.recent(RecentQuery(text=text))]
    assert got == [rows[i] for i in expected]
    assert store.count(RecentQuery(text=text)) == len(expected)


def test_recent_status_and_profile_filters(store, clock) -> None:
    rows = _fill(store, clock)
    in_progress = store.recent(RecentQuery(status=S.IN_PROGRESS))
    assert [e.id for e in in_progress] == [rows[4], rows[3], rows[0]]
    assert [e.id for e in store.recent(RecentQuery(profile="prod"))] == [rows[4], rows[2], rows[1]]
    both = store.recent(RecentQuery(profile="Sandbox", status=S.IN_PROGRESS, text="acme"))
    assert [e.id for e in both] == [rows[3], rows[0]]
    assert store.count(RecentQuery(profile="prod", status=S.IN_PROGRESS)) == 1
    assert store.count() == 5
    assert [e.id for e in store.in_progress()] == [rows[4], rows[3], rows[0]]
    assert [e.id for e in store.in_progress(profile="prod")] == [rows[4]]
    assert [e.id for e in store.in_progress(limit=1)] == [rows[4]]


def test_keyset_paging_breaks_timestamp_ties_by_id(store, clock) -> None:
    rows = [_add(store, number=f"4477009{i:05d}") for i in range(25)]  # same created_at
    seen: list[int] = []
    before = None
    while page := store.recent(RecentQuery(limit=7, before=before)):
        seen += [e.id for e in page]
        before = (page[-1].created_at, page[-1].id)
    assert seen == rows[::-1]


@pytest.mark.parametrize("rare", [900, 3], ids=["rare-terms-by-id", "common-terms-by-scan"])
def test_search_matches_a_brute_force_scan(
    mem_store, clock, monkeypatch: pytest.MonkeyPatch, rare: int
) -> None:
    # rare=3: every term counts as common, so the LIKE window and the index both serve.
    monkeypatch.setattr(_search, "RARE", rare)
    monkeypatch.setattr(_search, "WINDOW", 7)  # force both phases on a small table
    brands = ["Acme", "Globex", "Initech", "Umbrella"]
    for i in range(120):
        clock.advance(1 if i % 3 else 0)  # some equal timestamps
        row = _add(mem_store, number=f"44{(i * 7919) % 10**8:08d}", brand=brands[i % 4])
        mem_store.update_request(
            row, RequestChanges(request_id=f"req{i:04x}", status=S.IN_PROGRESS)
        )
    everything = mem_store.recent(RecentQuery(limit=1000))
    for term in ["Acme", "umbrella", "791", "req00", "req007", "44000", "zzz"]:
        expected = [
            e.id for e in everything
            if term.lower() in f"{e.number}|{e.request_id}|{e.brand}".lower()
        ]  # fmt: skip
        assert mem_store.count(RecentQuery(text=term)) == len(expected)
        for limit in (1, 5, 200):
            page = mem_store.recent(RecentQuery(text=term, limit=limit))
            assert [e.id for e in page] == expected[:limit]
        seen: list[int] = []
        before = None
        while page := mem_store.recent(RecentQuery(text=term, limit=4, before=before)):
            seen += [e.id for e in page]
            before = (page[-1].created_at, page[-1].id)
        assert seen == expected, term


@pytest.mark.sqlite_only  # SQLite's own file, pragmas or errors
def test_search_index_follows_updates_and_deletes(store, clock) -> None:
    row = _add(store)
    store.update_request(row, RequestChanges(request_id="first-id"))
    store.update_request(row, RequestChanges(request_id="second-id"))
    assert store.count(RecentQuery(text="first-id")) == 0
    assert [e.id for e in store.recent(RecentQuery(text="second-id"))] == [row]
    store.prune(clock.advance())
    assert store.count(RecentQuery(text="second-id")) == 0
    conn = store._db._writer
    conn.execute("INSERT INTO requests_fts (requests_fts) VALUES ('integrity-check')")


def test_a_non_positive_limit_returns_nothing(mem_store) -> None:
    _add(mem_store)
    assert mem_store.recent(RecentQuery(limit=0)) == []
    assert mem_store.recent(RecentQuery(limit=-1)) == []
    assert mem_store.recent(RecentQuery(limit=-1, text="Acme")) == []
