"""A set <-> its item in the performances table (DynamoDB's low-level form). The one place
that knows the item's attributes; the API, the exports and the ingest all go through it."""

from __future__ import annotations

from typing import Any

from chalicelib.sets.model import CANCELLED, Set
from chalicelib.timetable import clock

Item = dict[str, dict[str, Any]]


def from_item(item: Item) -> Set:
    """The set an item holds."""
    return Set(
        id=item["id"]["S"],
        stage=item["stage"]["S"],
        start=clock.stored_moment(item["start"]["S"]),
        end=clock.stored_moment(item["end"]["S"]),
        day=clock.parse_date_strict(item["day"]["S"]),
        artist=item["artist"]["S"],
        genre=item.get("genre", {}).get("S", ""),
        notes=item.get("notes", {}).get("S", ""),
        cancelled=item.get("status", {}).get("S") == CANCELLED,
        sequence=int(item.get("sequence", {}).get("N", "0")),
        changed=item.get("changed", {}).get("S") or item.get("ingested_at", {}).get("S", ""),
        source=item.get("source", {}).get("S", ""),
    )
