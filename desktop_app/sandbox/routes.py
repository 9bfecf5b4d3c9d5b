"""The sandbox's routes: which path (and method) reaches which operation, in which format.

Pure tables and two functions, read by :class:`~desktop_app.sandbox.handler.SandboxHandler`:
the Verify v1 endpoints (each in its spec's ``{format}``: ``json`` or ``xml``; PSD2 has no XML),
the Account API's balance, the ``/sandbox/...`` control endpoints, the Verify v2 paths under
:data:`V2_PREFIX` (see :func:`v2_route`) and the Messages API's :data:`MESSAGES_PATH` (with
:data:`INBOUND_PATH`, the control that plays a customer writing in). :func:`allowed_methods`
answers ``Allow`` for a path, so any other method is HTTP 405 with that header, and an unknown
path is 404.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_METHODS",
    "BALANCE_PATH",
    "INBOUND_PATH",
    "MESSAGES_PATH",
    "PSD2_XML_PATH",
    "SANDBOX_FIELD",
    "SANDBOX_ROUTES",
    "V1_METHODS",
    "V2_PREFIX",
    "VERIFY_ROUTES",
    "allowed_methods",
    "is_v2",
    "v2_route",
]

#: Verify v1 paths -> (engine operation, answer format).
VERIFY_ROUTES: dict[str, tuple[str, str]] = {
    "/verify/json": ("start", "json"),
    "/verify/xml": ("start", "xml"),
    "/verify/psd2/json": ("psd2", "json"),
    "/verify/check/json": ("check", "json"),
    "/verify/check/xml": ("check", "xml"),
    "/verify/search/json": ("search", "json"),
    "/verify/search/xml": ("search", "xml"),
    "/verify/control/json": ("control", "json"),
    "/verify/control/xml": ("control", "xml"),
}
#: The spec's ``/psd2/{format}`` allows ``xml`` in the path but says XML is not supported.
PSD2_XML_PATH = "/verify/psd2/xml"
#: Every Verify v1 endpoint takes GET as well as POST (spec: "available by GET request").
V1_METHODS = ("GET", "POST")
BALANCE_PATH = "/account/get-balance"
ACCOUNT_METHODS = ("GET", "POST")
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
    "/sandbox/inbound": ("POST",),
}
#: The one parameter a ``/sandbox/...`` control endpoint reads (when it reads one).
SANDBOX_FIELD = {
    "/sandbox/clock/advance": "seconds",
    "/sandbox/clock/scale": "time_scale",
    "/sandbox/latency": "seconds",
    "/sandbox/messages": "number",
    "/sandbox/callbacks": "url",
}
#: The Messages API's one endpoint (POST a message).
MESSAGES_PATH = "/v1/messages"
#: A customer writes in (a JSON object ``{channel, from, to, text}``; the Messages engine's).
INBOUND_PATH = "/sandbox/inbound"
#: Every Verify v2 path starts with this (see :func:`v2_route`).
V2_PREFIX = "/v2/verify"


def _v2_parts(path: str) -> list[str]:
    rest = path[len(V2_PREFIX) :].strip("/")
    return rest.split("/") if rest else []


def _v2_methods(path: str) -> tuple[str, ...] | None:
    parts = _v2_parts(path)
    if not parts:
        return ("POST",)
    tail = parts[1:]
    if not tail:
        return ("POST", "DELETE")
    if tail == ["next_workflow"]:
        return ("POST",)
    if tail == ["silent-auth", "redirect"]:
        return ("GET",)
    return None


def v2_route(method: str, path: str) -> tuple[str, str] | None:
    """``(operation, request_id)`` for a Verify v2 path and method, or None when none fits.

    ``POST /v2/verify`` start; ``POST /v2/verify/{id}`` check; ``DELETE /v2/verify/{id}``
    cancel; ``POST /v2/verify/{id}/next_workflow``; ``GET /v2/verify/{id}/silent-auth/redirect``.
    """
    methods = _v2_methods(path)
    if methods is None or method not in methods:
        return None
    parts = _v2_parts(path)
    if not parts:
        return "start", ""
    request_id, tail = parts[0], parts[1:]
    if not tail:
        return ("check" if method == "POST" else "cancel"), request_id
    if tail == ["next_workflow"]:
        return "next_workflow", request_id
    return "silent_auth", request_id


def is_v2(path: str) -> bool:
    """True for a path under :data:`V2_PREFIX`."""
    return path == V2_PREFIX or path.startswith(V2_PREFIX + "/")


def allowed_methods(path: str) -> tuple[str, ...] | None:
    """The methods ``path`` answers (its ``Allow`` header), or None for an unknown path."""
    if is_v2(path):
        return _v2_methods(path)
    if path in VERIFY_ROUTES or path == PSD2_XML_PATH:
        return V1_METHODS
    if path == BALANCE_PATH:
        return ACCOUNT_METHODS
    if path == MESSAGES_PATH:
        return ("POST",)
    return SANDBOX_ROUTES.get(path)
