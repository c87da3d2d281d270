"""A set as every reader sees it: the API's answers and the published day files share this
JSON, so a page reads the same set from either."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.sets.index import Day
from chalicelib.sets.model import Set
from chalicelib.timetable import clock


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


def day_json(day: Day) -> dict[str, Any]:
    """A festival day as `/days` lists it (and the published `days.json`)."""
    return {
        "day": clock.iso_date(day.day),
        "stages": list(day.stages),
        "first_start": clock.iso(day.first_start),
        "last_end": clock.iso(day.last_end),
        "performances": day.sets,
    }
