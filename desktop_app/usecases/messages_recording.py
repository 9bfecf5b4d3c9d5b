"""How a message's send lands in the history: its id's rule and the row after a refusal.

Nothing here receives a text or a code: only statuses, ids and the API's (scrubbed) text.
"""

from __future__ import annotations

from desktop_app.domain.errors import (
    ApiError,
    FieldError,
    TransportError,
    ValidationFailed,
    VerifyDeskError,
)
from desktop_app.domain.history_writes import RequestChanges
from desktop_app.domain.models import VerificationStatus
from desktop_app.domain.v2 import is_v2_request_id
from desktop_app.usecases.recording import HistoryWriter

__all__ = ["LOST_MESSAGE_ADVICE", "record_send_failure", "validate_message_id"]

#: Added to an OUTCOME UNKNOWN message row: what to do before sending it again.
LOST_MESSAGE_ADVICE = (
    "The message may have been accepted and delivered: ask the recipient (or look at the "
    "handset) before sending it again."
)


def validate_message_id(message_id: str) -> str:
    """A ``message_uuid`` (a UUID), stripped and lower-cased.

    Raises:
        ValidationFailed: On field ``"request_id"``.
    """
    text = message_id.strip()
    if not text:
        raise ValidationFailed([FieldError("request_id", "required, a message id (a UUID)")])
    if not is_v2_request_id(text):
        message = (
            "must be a message id, a UUID such as aaaaaaaa-bbbb-cccc-dddd-000000000000 "
            f"(got {text[:40]!r})"
        )
        raise ValidationFailed([FieldError("request_id", message)])
    return text.lower()


def record_send_failure(history: HistoryWriter, row: int, exc: VerifyDeskError) -> None:
    """A message row after an error: REFUSED, NOT SENT, or left OUTCOME UNKNOWN with advice."""
    if isinstance(exc, ApiError):
        change = RequestChanges(status=VerificationStatus.REFUSED, last_error=str(exc))
    elif isinstance(exc, TransportError) and not exc.outcome_unknown:
        change = RequestChanges(status=VerificationStatus.NOT_SENT, last_error=str(exc))
    else:
        change = RequestChanges(last_error=f"{exc} {LOST_MESSAGE_ADVICE}")
    history.update_request(row, change)
