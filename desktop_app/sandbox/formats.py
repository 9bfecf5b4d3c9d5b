"""Writing a Verify v1 answer in the format its path asks for: JSON or XML.

The spec (``verify.yml``) serves every v1 endpoint but PSD2 as ``/{format}`` with ``json`` or
``xml``; the XML body carries the same members as elements under the root its schema names:

=====================  =====================  ==============================================
operation              root element           notes
=====================  =====================  ==============================================
start, check           ``verify_response``    success and error alike
search                 ``verify_request``     ``checks`` / ``events`` wrapped, one ``check``
                                              / ``event`` element per item
search (several ids)   ``verification_requests``  one ``verify_request`` per request
control                ``response``
=====================  =====================  ==============================================

The several-ids root mirrors the JSON member; the spec shows only the one-request shape.
Characters XML 1.0 cannot hold (C0 controls other than tab and newlines) are replaced with
U+FFFD, so an echoed request id never makes the document malformed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["JSON_TYPE", "XML_TYPE", "json_bytes", "render_v1"]

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"
_ROOTS = {
    "start": "verify_response",
    "psd2": "verify_response",
    "check": "verify_response",
    "search": "verify_request",
    "control": "response",
}
#: A wrapped list's element -> the name of each item.
_ITEMS = {"checks": "check", "events": "event", "verification_requests": "verify_request"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def json_bytes(body: dict[str, Any]) -> bytes:
    """A JSON body as the sandbox writes it (compact, ASCII)."""
    return json.dumps(body, separators=(",", ":")).encode()


def render_v1(op: str, body: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """``(bytes, content type)`` of a v1 answer in ``fmt`` (``json`` or ``xml``)."""
    if fmt != "xml":
        return json.dumps(body, separators=(",", ":")).encode(), JSON_TYPE
    if op == "search" and "verification_requests" in body:
        root, members = "verification_requests", body["verification_requests"]
        inner = "".join(_element("verify_request", item) for item in members)
    else:
        root, inner = _ROOTS.get(op, "response"), _members(body)
    document = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>\n'
    return document.encode(), XML_TYPE


def _members(body: dict[str, Any]) -> str:
    return "".join(_element(name, value) for name, value in body.items())


def _element(name: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{name}>{_members(value)}</{name}>"
    if isinstance(value, list):
        item = _ITEMS.get(name, "item")
        return f"<{name}>{''.join(_element(item, v) for v in value)}</{name}>"
    return f"<{name}>{_text(value)}</{name}>"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_NOT_XML.sub("\ufffd", str(value)))
