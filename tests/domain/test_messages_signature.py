"""Signed Messages webhooks: HS256 JWTs interoperable with PyJWT, bound to the exact body."""

from __future__ import annotations

import hashlib
import json

import jwt
import pytest

from desktop_app.domain.messages_signature import (
    WebhookSignatureError,
    payload_hash,
    sign_webhook,
    verify_webhook,
)

SECRET = "sig-secret-0123456789abcdef0123456789"
BODY = json.dumps({"message_uuid": "u-1", "status": "delivered"}, separators=(",", ":")).encode()
NOW = 1_700_000_000


def token_of(header: str) -> str:
    return header.split(" ", 1)[1]


def test_a_signed_webhook_verifies_and_pyjwt_agrees() -> None:
    header = sign_webhook(BODY, SECRET, api_key="key-1", clock=lambda: NOW)
    claims = verify_webhook(header, BODY, SECRET, clock=lambda: NOW)
    assert claims["payload_hash"] == hashlib.sha256(BODY).hexdigest() == payload_hash(BODY)
    assert claims["iat"] == NOW and claims["api_key"] == "key-1" and claims["jti"]
    decoded = jwt.decode(token_of(header), SECRET, algorithms=["HS256"])
    assert decoded == claims


def test_a_token_pyjwt_signed_verifies_too() -> None:
    token = jwt.encode({"iat": NOW, "payload_hash": payload_hash(BODY)}, SECRET, algorithm="HS256")
    assert verify_webhook(f"Bearer {token}", BODY, SECRET)["iat"] == NOW


@pytest.mark.parametrize(
    ("authorization", "body", "secret", "why"),
    [
        (None, BODY, SECRET, "no Bearer"),
        ("Basic abc", BODY, SECRET, "no Bearer"),
        ("Bearer a.b", BODY, SECRET, "three"),
        ("Bearer !!.??.##", BODY, SECRET, "base64url"),
        ("SIGNED", BODY + b" ", SECRET, "payload_hash"),
        ("SIGNED", BODY, "another-secret-value", "signature"),
        ("NONE", BODY, SECRET, "HS256"),
        ("HS512", BODY, SECRET, "HS256"),
        ("NOHASH", BODY, SECRET, "payload_hash"),
    ],
)
def test_what_is_refused(authorization: str | None, body: bytes, secret: str, why: str) -> None:
    if authorization == "SIGNED":
        authorization = sign_webhook(BODY, SECRET)
    elif authorization == "NONE":
        token = jwt.encode({"payload_hash": payload_hash(BODY)}, None, algorithm="none")
        authorization = f"Bearer {token}"
    elif authorization == "HS512":
        claims = {"payload_hash": payload_hash(BODY)}
        authorization = f"Bearer {jwt.encode(claims, SECRET * 2, algorithm='HS512')}"
    elif authorization == "NOHASH":
        authorization = f"Bearer {jwt.encode({'iat': NOW}, SECRET, algorithm='HS256')}"
    with pytest.raises(WebhookSignatureError, match=why) as caught:
        verify_webhook(authorization, body, secret)
    assert SECRET not in str(caught.value)


def test_an_old_token_is_refused_only_when_a_max_age_is_given() -> None:
    header = sign_webhook(BODY, SECRET, clock=lambda: NOW)
    assert verify_webhook(header, BODY, SECRET, clock=lambda: NOW + 3600)
    with pytest.raises(WebhookSignatureError, match="older than 300 s"):
        verify_webhook(header, BODY, SECRET, max_age=300, clock=lambda: NOW + 301)
    assert verify_webhook(header, BODY, SECRET, max_age=300, clock=lambda: NOW + 299)
