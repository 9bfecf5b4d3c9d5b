"""A history writer that prints one acknowledgement per write *after* the write returned.

Usage: ``python writer_child.py DB SEED [COUNT] [LABEL]``. Loops add_request, update_request,
record_check, begin_call and end_call on a ``HistoryStore`` (forever without COUNT), printing
one JSON line per completed write and flushing it. The parent SIGKILLs it mid-loop (crash test)
or lets it finish COUNT cycles (two-writer test). Exit status 0; "ERROR ..." lines on a failure.
"""

from __future__ import annotations

import json
import random
import sys

from desktop_app.domain.errors import StoreError
from desktop_app.domain.history_writes import CallEnd, NewCall
from desktop_app.domain.models import VerificationStatus
from desktop_app.store.history import HistoryStore, NewRequest, RequestChanges


def ack(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main() -> int:
    db, seed = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    label = sys.argv[4] if len(sys.argv) > 4 else "w"
    rng = random.Random(seed)
    store = HistoryStore(db)
    ack(op="ready")
    cycle = 0
    try:
        while count == 0 or cycle < count:
            cycle += 1
            number = f"44{rng.randrange(10**9, 10**10)}"
            brand = f"{label}{cycle}"[:18]
            row = store.add_request(NewRequest(
                profile=label, operator="op", kind="start", number=number, brand=brand,
                workflow_id=rng.randrange(1, 8),
            ))  # fmt: skip
            ack(op="add", row=row, number=number, brand=brand)
            rid = f"{seed:08x}{cycle:024x}"
            store.update_request(
                row, RequestChanges(request_id=rid, status=VerificationStatus.IN_PROGRESS)
            )
            ack(op="update", row=row, request_id=rid, status="IN PROGRESS")
            store.record_check(rid, "INVALID")
            ack(op="check", row=row, request_id=rid)
            new_call = NewCall(profile=label, operator="op", operation="check", request_id=rid)
            call = store.begin_call(new_call)
            ack(op="begin", call=call, request_id=rid)
            store.end_call(call, CallEnd(outcome="api_error", api_status="16"))
            ack(op="end", call=call, outcome="api_error")
    except StoreError as exc:  # pragma: no cover - reported to the parent, which fails
        ack(op="error", error=str(exc))
        return 1
    finally:
        store.close()
    ack(op="done", cycles=cycle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
