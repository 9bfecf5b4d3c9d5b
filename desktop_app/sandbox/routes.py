"""The sandbox's routes: which path (and method) reaches which engine operation.

Pure tables and one function, read by :class:`~desktop_app.sandbox.handler.SandboxHandler`:
the Verify v1 endpoints, the ``/sandbox/...`` control endpoints with the methods each allows,
and the Verify v2 paths under :data:`V2_PREFIX` (see :func:`v2_route`).
"""

from __future__ import annotations

__all__ = ["SANDBOX_FIELD", "SANDBOX_ROUTES", "V2_PREFIX", "VERIFY_ROUTES", "v2_route"]

#: Verify v1 paths and the engine operation each one runs.
VERIFY_ROUTES = {
    "/verify/json": "start",
    "/verify/psd2/json": "psd2",
    "/verify/check/json": "check",
    "/verify/search/json": "search",
    "/verify/control/json": "control",
}
#: The sandbox control paths and the methods each one allows.
SANDBOX_ROUTES = {
    "/sandbox/clock": ("GET",),
    "/sandbox/clock/advance": ("POST",),
    "/sandbox/clock/scale": ("POST",),
    "/sandbox/latency": ("GET", "POST"),
    "/sandbox/messages": ("GET",),
    "/sandbox/requests": ("GET",),
    "/sandbox/callbacks": ("GET", "POST"),
    "/sandbox/faults": ("GET", "POST", "DELETE"),
    "/sandbox/faults/clear": ("POST",),
}
#: Every Verify v2 path starts with this (see :func:`v2_route`).
V2_PREFIX = "/v2/verify"
#: The one parameter a ``/sandbox/...`` control endpoint reads.
SANDBOX_FIELD = {
    "/sandbox/clock/advance": "seconds",
    "/sandbox/clock/scale": "time_scale",
    "/sandbox/latency": "seconds",
}


def v2_route(method: str, path: str) -> tuple[str, str] | None:
    """``(operation, request_id)`` for a Verify v2 path and method, or None when none fits.

    ``POST /v2/verify`` start; ``POST /v2/verify/{id}`` check; ``DELETE /v2/verify/{id}``
    cancel; ``POST /v2/verify/{id}/next_workflow``; ``GET /v2/verify/{id}/silent-auth/redirect``.
    """
    rest = path[len(V2_PREFIX) :].strip("/")
    parts = rest.split("/") if rest else []
    if not parts:
        return ("start", "") if method == "POST" else None
    request_id, tail = parts[0], parts[1:]
    if not tail:
        return {"POST": ("check", request_id), "DELETE": ("cancel", request_id)}.get(method)
    if tail == ["next_workflow"] and method == "POST":
        return "next_workflow", request_id
    if tail == ["silent-auth", "redirect"] and method == "GET":
        return "silent_auth", request_id
    return None
