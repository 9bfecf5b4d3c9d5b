"""Decoding request parameters the way the Verify API accepts them.

Parameters may come from the query string, an ``application/x-www-form-urlencoded`` body or a
JSON object body (the Node SDK sends JSON); they are merged (query first). Credentials may also
come from an HTTP Basic ``Authorization`` header, or (Verify v2) a Bearer JWT whose claims
:func:`bearer_claims` reads **without verifying the signature**.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qs

#: Parameters a single request may carry (a guard against hash-flooding bodies).
MAX_FIELDS = 200


class BadParametersError(ValueError):
    """The query or body cannot be decoded (invalid UTF-8, malformed JSON, too many fields)."""


_TOO_MANY = f"there are more than {MAX_FIELDS} parameters"


def parse_query(query: str) -> dict[str, list[str]]:
    """Decode a query string (or form body) into name -> values."""
    try:
        return parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise BadParametersError("the parameters are not valid UTF-8 form data") from exc
    except ValueError as exc:  # parse_qs says "Max number of fields exceeded"
        raise BadParametersError(_TOO_MANY) from exc


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def parse_body(body: bytes, content_type: str) -> dict[str, list[str]]:
    """Decode a request body according to its ``Content-Type``."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadParametersError("the body is not valid UTF-8") from exc
    if "json" not in content_type.lower():
        return parse_query(text)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadParametersError("the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadParametersError("the body is not a JSON object")
    if len(data) > MAX_FIELDS:
        raise BadParametersError(_TOO_MANY)
    out: dict[str, list[str]] = {}
    for name, value in data.items():
        items = value if isinstance(value, list) else [value]
        values = [s for s in (_scalar(v) for v in items[:MAX_FIELDS]) if s is not None]
        if values:
            out[str(name)] = values
    return out


def merge(*sources: dict[str, list[str]]) -> dict[str, list[str]]:
    """Merge parameter dicts, keeping every value in order."""
    out: dict[str, list[str]] = {}
    for source in sources:
        for name, values in source.items():
            out.setdefault(name, []).extend(values)
    return out


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(key, secret)`` from an ``Authorization: Basic`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


def bearer_claims(header: str | None) -> dict[str, Any] | None:
    """The claims of an ``Authorization: Bearer <JWT>`` header, unverified; None otherwise.

    Only the shape is checked (three base64url parts, a JSON object payload): the sandbox has
    no key to verify a signature with.
    """
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3 or len(token) > 8192:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None
