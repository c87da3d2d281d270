"""How the API shows a stored performance, and where the API lives."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from chalicelib.storage.batch import Item
from chalicelib.timetable import clock

SCHEDULED = "scheduled"


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


def performance_json(item: Item, base: str, zone: ZoneInfo) -> dict[str, Any]:
    """A stored performance as the API shows it."""
    start = item["start"]["S"]
    set_id = item["id"]["S"]
    shown: dict[str, Any] = {
        "stage": item["stage"]["S"],
        "id": set_id,
        "date": item["date"]["S"],
        "start": start,
        "end": item["end"]["S"],
        "artist": item["artist"]["S"],
    }
    for optional in ("genre", "notes"):
        if optional in item:
            shown[optional] = item[optional]["S"]
    shown["day"] = item["day"]["S"]
    shown["status"] = item.get("status", {}).get("S", SCHEDULED)
    # The same times on the timeline, for clients in other zones (RFC 3339, the festival's offset).
    shown["starts_at"] = clock.rfc3339(clock.stored_moment(start), zone)
    shown["ends_at"] = clock.rfc3339(clock.stored_moment(item["end"]["S"]), zone)
    shown["url"] = f"{base}/performances/{set_id}"
    return shown
