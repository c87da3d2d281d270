"""Checking an organiser's bearer token, the same way on `chalice local` and in Lambda:
a Cognito ID token of this pool and this app client, RS256-signed by one of the pool's
keys, not expired, of an account in one of the two groups. Pure: the keys come in.

RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 3.3, RFC 8017 8.2.2): verifying is one
modular exponentiation with the public key and a comparison with the expected encoding,
a few lines of Python; no library (a native one weighs megabytes in the Lambda zip and
its import is most of a cold start, and verification needs none of what it offers).
Nothing here is secret (the key and the signature are public), so the arithmetic's time
leaks nothing; the comparison is constant-time all the same.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# DER of DigestInfo { sha256, NULL } before the 32-byte digest (RFC 8017 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
# Cognito group -> the role it gives; a member of both is a publisher.
ROLES = {"publishers": "publisher", "editors": "editor"}
PUBLISHER, EDITOR = "publisher", "editor"
# A clock a few seconds apart from Cognito's must not refuse a fresh token.
LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 16_384


@dataclass(frozen=True)
class PublicKey:
    """An RSA public key from the pool's JWKS."""

    modulus: int
    exponent: int

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey | None:
        """The key a JWK describes, or None for one that is not an RS256 signing key."""
        if jwk.get("kty") != "RSA" or jwk.get("alg", "RS256") != "RS256" or jwk.get("use", "sig") != "sig":
            return None
        try:
            return cls(_integer(jwk["n"]), _integer(jwk["e"]))
        except (KeyError, TypeError, ValueError):
            return None

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`."""
        size = (self.modulus.bit_length() + 7) // 8
        if len(signature) != size or size < 256:  # RSA keys under 2,048 bits are refused
            return False
        value = int.from_bytes(signature, "big")
        if value >= self.modulus:
            return False
        encoded = pow(value, self.exponent, self.modulus).to_bytes(size, "big")
        digest = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
        return hmac.compare_digest(encoded, expected)


@dataclass(frozen=True)
class Organiser:
    """Who a valid token says is asking, and in which role."""

    email: str
    subject: str  # Cognito's `sub`: the account, whatever its e-mail becomes
    role: str  # PUBLISHER or EDITOR
    expires: int  # when the token stops being valid (seconds since the epoch)


@dataclass(frozen=True)
class Expected:
    """What a token must say: this pool's issuer, this app client."""

    issuer: str
    client_id: str


class Refused(Exception):
    """The token is not one to act on; the reason is for the audit log, never for the caller."""


def header_of(token: str) -> dict[str, Any]:
    """A token's header (its `kid` says which key to verify with); Refused if malformed."""
    return _json_part(_parts(token)[0])


def verify(token: str, keys: Mapping[str, PublicKey], expected: Expected, now: float) -> Organiser:
    """The organiser a token stands for, or Refused saying why not."""
    header_part, payload_part, signature_part = _parts(token)
    header = _json_part(header_part)
    if header.get("alg") != "RS256":  # never `none`, never HS256 with the public key as a secret
        raise Refused(f"alg {str(header.get('alg'))[:20]!r} is not RS256")
    key = keys.get(str(header.get("kid")))
    if key is None:
        raise Refused("signed by no key of the pool")
    if not key.verifies(f"{header_part}.{payload_part}".encode("ascii"), _bytes(signature_part)):
        raise Refused("bad signature")
    claims = _json_part(payload_part)
    if claims.get("iss") != expected.issuer:
        raise Refused("issued by another pool")
    if claims.get("token_use") != "id":
        raise Refused(f"token_use {str(claims.get('token_use'))[:20]!r} is not id")
    if claims.get("aud") != expected.client_id:
        raise Refused("issued to another app client")
    expires = claims.get("exp")
    if not isinstance(expires, int) or isinstance(expires, bool) or expires + LEEWAY_SECONDS <= now:
        raise Refused("expired")
    email, subject = claims.get("email"), claims.get("sub")
    if not isinstance(email, str) or not isinstance(subject, str):
        raise Refused("no e-mail or subject")
    groups = claims.get("cognito:groups")
    role = role_of(groups if isinstance(groups, list) else [])
    if role is None:
        raise Refused("in no organisers' group")
    return Organiser(email, subject, role, expires)


def role_of(groups: list[Any]) -> str | None:
    """The role an account's groups give: publisher over editor; None for neither."""
    roles = {ROLES.get(group) for group in groups if isinstance(group, str)}
    return PUBLISHER if PUBLISHER in roles else EDITOR if EDITOR in roles else None


def _parts(token: str) -> list[str]:
    parts = token.split(".")
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii() or len(parts) != 3 or not all(parts):
        raise Refused("not a signed JWT")
    return parts


def _bytes(part: str) -> bytes:
    if not part.isascii():
        raise Refused("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:
        raise Refused("not base64url") from error


def _json_part(part: str) -> dict[str, Any]:
    try:
        value = json.loads(_bytes(part))
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused("not JSON") from error
    if not isinstance(value, dict):
        raise Refused("not a JSON object")
    return value


def _integer(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")
