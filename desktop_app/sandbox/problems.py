"""RFC 7807 problem documents: how Verify v2 (and any sandbox HTTP error) words a refusal.

The v2 spec requires ``type``, ``title`` and ``instance`` on every error (``Error`` schema);
the sandbox always sends all four members (``type``, ``title``, ``detail``, ``instance``), plus
extras such as ``invalid_parameters`` (422) or ``request_id`` (409). ``instance`` is a fresh
trace id for each answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from desktop_app.sandbox.journal import Answer

__all__ = ["ERRORS_URL", "Problem", "problem_body"]

ERRORS_URL = "https://developer.nexmo.com/api-errors"


def problem_body(
    title: str, detail: str, kind: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A complete problem document.

    ``kind`` names the ``type`` anchor under :data:`ERRORS_URL` (``not-found``), or is a whole
    ``https://`` URL (the Messages API's codes: ``.../api-errors/messages#1000``).
    """
    body: dict[str, Any] = {
        "type": kind if kind.startswith("https://") else f"{ERRORS_URL}#{kind}",
        "title": title,
        "detail": detail,
        "instance": str(uuid.uuid4()),
    }
    if extra:
        body.update(extra)
    return body


class Problem(Answer):
    """An RFC 7807 answer: HTTP ``status`` with ``title``, ``detail`` and extra members.

    Args:
        status: The HTTP status.
        title: The short, fixed title of this kind of problem.
        detail: What went wrong this time.
        kind: The ``type`` anchor (``bad-request``, ``not-found``, ...) or a whole URL.
        extra: More members (``invalid_parameters``, ``request_id``).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        kind: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The problem document (a fresh ``instance`` trace id each time)."""
        return problem_body(self.title, self.detail, self.kind, self.extra)
