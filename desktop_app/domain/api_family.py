"""Which API family a request belongs to (Verify v1, Verify v2, the Messages API), and the rule.

Each family has its own calls for checking a code, cancelling, moving on and looking a request
up, so every operation on an existing request first needs its family. The rule, in order:

1. **The history row, when there is one.** Every row records the ``api_version`` it was sent
   with, and that is the truth: a Messages API ``message_uuid`` is a UUID exactly like a Verify
   v2 request id, so the shape alone cannot tell those two apart.
2. **Otherwise the id's shape**: a UUID is taken for a Verify v2 request id (the only family
   whose ids a person types without this app having sent them), anything else for a v1 id
   (32 hex digits).

A new family is one more member here; the use-case facade
(:class:`desktop_app.usecases.operations.VerifyOperations`) gives it its operations.
"""

from __future__ import annotations

from enum import StrEnum

from desktop_app.domain.models import CheckResult
from desktop_app.domain.v2 import V2CheckResult, is_v2_request_id

__all__ = ["ApiFamily", "CheckOutcome", "family_of"]

#: What checking a code yields, whichever family answered.
CheckOutcome = CheckResult | V2CheckResult


class ApiFamily(StrEnum):
    """An API family; its value is the ``api_version`` a history row records.

    Attributes:
        label: The family's name for a person ("Verify v2").
    """

    label: str

    def __new__(cls, value: str, label: str) -> ApiFamily:
        """A member: its value is the recorded ``api_version``, ``label`` its name for people."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    V1 = "v1", "Verify v1"
    V2 = "v2", "Verify v2"
    MESSAGES = "messages", "Messages API"

    @classmethod
    def recorded(cls, api_version: str | None) -> ApiFamily | None:
        """The family a history row's ``api_version`` names, or None (no row, or unknown)."""
        text = (api_version or "").strip().lower()
        return next((family for family in cls if family.value == text), None)

    @classmethod
    def by_shape(cls, request_id: str) -> ApiFamily:
        """The family an id's shape suggests when no history row says: a UUID is v2, else v1."""
        return cls.V2 if is_v2_request_id(request_id) else cls.V1


def family_of(request_id: str, recorded: str | None = None) -> ApiFamily:
    """The family of ``request_id``: its history row's ``api_version`` first, else its shape.

    Args:
        request_id: The request (or message) id, as typed or stored.
        recorded: The ``api_version`` of the id's history row, or None when it has none. A value
            this version of the app does not know is ignored (the shape decides).
    """
    return ApiFamily.recorded(recorded) or ApiFamily.by_shape(request_id)
