"""Application JWTs for Verify v2 (``Authorization: Bearer <jwt>``), signed RS256 with PyJWT.

A Vonage application authenticates with a JWT it signs itself with its private key. The claims
are the ones the official SDKs send: ``application_id``, ``iat``, ``jti`` (a fresh uuid4 per
token) and ``exp`` (``iat`` + 15 minutes by default). A new token is made for every request, so
a token never outlives the call that used it.

PyJWT (with ``cryptography`` for RS256) is an optional dependency: it is imported only when a
:class:`JwtAuth` is built, and a missing PyJWT or an unreadable key is reported as
:class:`~desktop_app.domain.errors.ValidationFailed` (nothing was sent). The private key never
appears in ``repr``, logs or errors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from desktop_app.domain.errors import FieldError, ValidationFailed

__all__ = ["DEFAULT_TTL", "JwtAuth"]

#: Token lifetime in seconds (the Python SDK's default).
DEFAULT_TTL = 15 * 60


def _jwt_module() -> Any:
    try:
        import jwt
    except ImportError:  # pragma: no cover - depends on the installation
        message = "JWT authentication needs PyJWT with cryptography (pip install 'PyJWT[crypto]')"
        raise ValidationFailed([FieldError("auth", message)]) from None
    return jwt


@dataclass(frozen=True)
class JwtAuth:
    """Signs a fresh RS256 application JWT for each request.

    Args:
        application_id: The Vonage application's id.
        private_key: The application's private key, PEM text.
        ttl: Seconds until ``exp``.
        clock: Returns Unix seconds (injectable for tests).

    Raises:
        ValidationFailed: PyJWT is missing, ``application_id`` is empty, or the key cannot
            sign (field ``application_id`` or ``private_key``).
    """

    application_id: str
    private_key: str = field(repr=False)
    ttl: int = DEFAULT_TTL
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.application_id.strip():
            raise ValidationFailed([FieldError("application_id", "required for JWT auth")])
        if self.ttl <= 0:
            raise ValidationFailed([FieldError("ttl", "must be a positive number of seconds")])
        self.token()  # fail now, before anything is sent, if the key cannot sign

    def claims(self) -> dict[str, Any]:
        """A fresh claim set: ``application_id``, ``iat``, ``jti``, ``exp``."""
        now = int(self.clock())
        return {
            "application_id": self.application_id,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "exp": now + self.ttl,
        }

    def token(self) -> str:
        """A newly signed token.

        Raises:
            ValidationFailed: The key is not an RSA private key PyJWT can sign with.
        """
        jwt = _jwt_module()
        try:
            return str(jwt.encode(self.claims(), self.private_key, algorithm="RS256"))
        except (ValueError, TypeError, jwt.PyJWTError):
            # Never chain: the original message could quote part of the key.
            message = "must be the application's RSA private key in PEM format"
            error = ValidationFailed([FieldError("private_key", message)])
        raise error

    def authorization(self) -> str:
        """The ``Authorization`` header value: ``Bearer <token>``."""
        return f"Bearer {self.token()}"
