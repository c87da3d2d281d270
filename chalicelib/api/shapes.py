"""How the API shows a stored performance, and where the API lives."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from chalicelib.sets.model import Set
from chalicelib.timetable import clock


def path_value(raw: str) -> str:
    """A path parameter as the user spelt it. API Gateway and `chalice local` may pass
    it still URL-encoded; `unquote` (not `unquote_plus`) keeps a literal '+'."""
    return unicodedata.normalize("NFC", unquote(raw))


def api_base(context: Mapping[str, Any]) -> str:
    """The path prefix the API lives under (`/api` on API Gateway, '' locally)."""
    stage = context.get("stage")
    path = context.get("path") or ""
    return f"/{stage}" if stage and path.startswith(f"/{stage}/") else ""


def public_origin(headers: Mapping[str, str], base: str) -> str:
    """Where clients reach the API (`https://host/api`), for the absolute links feeds need.
    API Gateway says the scheme in X-Forwarded-Proto (locally it is http); behind the CDN
    the viewer's host comes as X-Forwarded-Host, and the CDN serves the API at its root."""
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    forwarded = headers.get("x-forwarded-host")
    if forwarded:
        return f"{scheme}://{forwarded}"
    return f"{scheme}://{headers.get('host', 'localhost')}{base}"


def performance_json(performance: Set, base: str, zone: ZoneInfo) -> dict[str, Any]:
    """A set as the API shows it."""
    shown: dict[str, Any] = {
        "stage": performance.stage,
        "id": performance.id,
        "date": performance.date,
        "start": clock.iso(performance.start),
        "end": clock.iso(performance.end),
        "artist": performance.artist,
    }
    if performance.genre:
        shown["genre"] = performance.genre
    if performance.notes:
        shown["notes"] = performance.notes
    shown["day"] = performance.festival_day
    shown["status"] = performance.status
    # The same times on the timeline, for clients in other zones (RFC 3339, the festival's offset).
    shown["starts_at"] = clock.rfc3339(performance.start, zone)
    shown["ends_at"] = clock.rfc3339(performance.end, zone)
    shown["url"] = f"{base}/performances/{performance.id}"
    return shown
