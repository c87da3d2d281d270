"""How the API shows a stored performance, and where the API lives."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice.app import BadRequestError

from chalicelib.api.params import shown
from chalicelib.settings import HOST

_SCHEMES = ("http", "https")


def path_value(raw: str) -> str:
    """A path parameter as the user spelt it. API Gateway and `chalice local` may pass
    it still URL-encoded; `unquote` (not `unquote_plus`) keeps a literal '+'."""
    return unicodedata.normalize("NFC", unquote(raw))


def api_base(context: Mapping[str, Any], configured: str = "") -> str:
    """The path prefix clients reach the API under (`/api` on API Gateway, '' locally): the
    configured public origin's path when there is one (behind the CDN, which serves the API
    at its root, '')."""
    if configured:
        return urlsplit(configured).path.rstrip("/")
    stage = context.get("stage")
    path = context.get("path") or ""
    return f"/{stage}" if stage and path.startswith(f"/{stage}/") else ""


def public_origin(headers: Mapping[str, str], base: str, configured: str = "") -> str:
    """Where clients reach the API (`https://host/api`), for the absolute links feeds need.

    The configured origin when there is one (behind the CDN: its address). Otherwise the
    request's own Host, which API Gateway only routes when it is the API's, and the
    scheme API Gateway says in X-Forwarded-Proto if it is http or https (http locally).
    X-Forwarded-Host is never read: any client can write it."""
    if configured:
        return configured
    host = headers.get("host", "localhost")
    if not HOST.fullmatch(host):
        raise BadRequestError(f"Host: expected a host name and maybe a port, got {shown(host)}")
    scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return f"{scheme if scheme in _SCHEMES else 'http'}://{host}{base}"
