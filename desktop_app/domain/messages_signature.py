"""Signed Messages webhooks: an HS256 JWT in ``Authorization`` whose ``payload_hash`` is the body's.

With a signature secret set on the account, every Messages webhook carries
``Authorization: Bearer <JWT>``, signed HS256 with that secret, whose ``payload_hash`` claim is
the hex SHA-256 of the exact body bytes (and ``iat``, ``jti``, ``iss``, ``api_key`` /
``application_id``). :func:`sign_webhook` makes such a header (the sandbox's side);
:func:`verify_webhook` checks one (the local receiver's side). Both are the standard library's
HMAC: the sandbox depends on the domain only, and PyJWT stays an optional dependency.

What :func:`verify_webhook` refuses, each with a :class:`WebhookSignatureError` saying why
(never quoting the token or the secret): no ``Bearer`` token; a token that is not three
base64url parts of JSON; any ``alg`` but ``HS256`` (``none`` included); a signature that does
not match; a ``payload_hash`` that is missing or not the body's; an ``iat`` older than
``max_age`` seconds when a ``max_age`` is given. Digests are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["WebhookSignatureError", "payload_hash", "sign_webhook", "verify_webhook"]


class WebhookSignatureError(ValueError):
    """A webhook whose signature or body hash does not check out; the message says which."""


def payload_hash(body: bytes) -> str:
    """The hex SHA-256 of the exact body bytes."""
    return hashlib.sha256(body).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_part(data: Mapping[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())


def _mac(secret: str, signing_input: str) -> bytes:
    return hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()


def sign_webhook(
    body: bytes,
    secret: str,
    *,
    api_key: str = "",
    application_id: str = "",
    clock: Callable[[], float] = time.time,
) -> str:
    """The ``Authorization`` header value for a webhook of ``body``: ``Bearer <HS256 JWT>``.

    Args:
        body: The exact bytes that will be posted.
        secret: The signature secret.
        api_key: Put in the ``api_key`` claim when given.
        application_id: Put in the ``application_id`` claim when given.
        clock: Unix seconds for ``iat`` (the real clock: tokens are judged by real time).
    """
    claims: dict[str, Any] = {
        "iat": int(clock()),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": payload_hash(body),
    }
    if api_key:
        claims["api_key"] = api_key
    if application_id:
        claims["application_id"] = application_id
    signing_input = f"{_json_part({'alg': 'HS256', 'typ': 'JWT'})}.{_json_part(claims)}"
    return f"Bearer {signing_input}.{_b64(_mac(secret, signing_input))}"


def verify_webhook(
    authorization: str | None,
    body: bytes,
    secret: str,
    *,
    max_age: float | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Check a webhook's signature and body hash; return the token's claims.

    Args:
        authorization: The ``Authorization`` header as received (``None`` when absent).
        body: The exact body bytes received.
        secret: The signature secret.
        max_age: Refuse tokens issued longer ago than this many seconds (``None``: no limit).
        clock: Unix seconds now.

    Raises:
        WebhookSignatureError: The webhook must not be trusted; the message says why.
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WebhookSignatureError("no Bearer token in the Authorization header")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise WebhookSignatureError("the token is not a JWT (three dot-separated parts)")
    try:
        header, claims = (json.loads(_unb64(part)) for part in parts[:2])
        signature = _unb64(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise WebhookSignatureError("the token's parts are not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise WebhookSignatureError("the token's header and claims must be JSON objects")
    if header.get("alg") != "HS256":
        raise WebhookSignatureError("the token is not signed with HS256")
    if not hmac.compare_digest(signature, _mac(secret, f"{parts[0]}.{parts[1]}")):
        raise WebhookSignatureError("the signature does not match the signature secret")
    claimed = claims.get("payload_hash")
    if not isinstance(claimed, str) or not hmac.compare_digest(
        claimed.lower().encode(), payload_hash(body).encode()
    ):
        raise WebhookSignatureError("the body is not the one that was signed (payload_hash)")
    if max_age is not None:
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or clock() - issued > max_age:
            raise WebhookSignatureError(f"the token is older than {max_age:g} s")
    return claims
