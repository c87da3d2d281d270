"""The sets a feed or export shows, read from table items once for every format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.storage.batch import Item
from chalicelib.storage.performances import CANCELLED
from chalicelib.timetable import clock


@dataclass(frozen=True, slots=True)
class ExportedSet:
    """A set as the calendar and the schedule exports see it."""

    id: str
    stage: str
    start: int  # moments, festival-local (see timetable.clock)
    end: int
    day: str  # the festival day
    artist: str
    genre: str
    notes: str
    cancelled: bool
    sequence: int  # how often it changed since it was new
    changed: datetime  # when it last changed (UTC)

    @classmethod
    def from_item(cls, item: Item) -> ExportedSet:
        changed = item.get("changed", {}).get("S") or item.get("ingested_at", {}).get("S", "")
        return cls(
            id=item["id"]["S"],
            stage=item["stage"]["S"],
            start=clock.stored_moment(item["start"]["S"]),
            end=clock.stored_moment(item["end"]["S"]),
            day=item["day"]["S"],
            artist=item["artist"]["S"],
            genre=item.get("genre", {}).get("S", ""),
            notes=item.get("notes", {}).get("S", ""),
            cancelled=item.get("status", {}).get("S") == CANCELLED,
            sequence=int(item.get("sequence", {}).get("N", "0")),
            changed=datetime.fromisoformat(changed),
        )
