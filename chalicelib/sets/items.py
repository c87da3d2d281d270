"""A set <-> its item in the performances table (DynamoDB's low-level form). The one place
that knows the item's attributes; the API, the exports and the ingest all go through it."""

from __future__ import annotations

from typing import Any

from chalicelib.sets.model import CANCELLED, Set, StoredSet, content_digest
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
        changed=item.get("changed", {}).get("S", ""),
        source=item.get("source", {}).get("S", ""),
    )


def key_of(stage: str, start: int) -> Item:
    """A slot's key in the performances table."""
    return {"stage": {"S": stage}, "slot": {"S": clock.slot(start)}}


class ItemFactory:
    """Builds the items of one file's sets, as JSON ready for a batch write."""

    def __init__(self, source: str, day_change: int) -> None:
        # Every attribute costs on each write (and the date is the slot's): the version and
        # the run are in the source's record.
        self._source = {"S": source}
        self._day_change = day_change

    def item(self, stored: StoredSet, genre: str, notes: str) -> Item:
        """The item of a set: where it is, its identity and history (`stored`), its text."""
        start = stored.start
        item: Item = {
            "stage": {"S": stored.stage},
            "slot": {"S": clock.slot(start)},
            "day": {"S": clock.iso_date(clock.festival_day(start, self._day_change))},
            "start": {"S": clock.iso(start)},
            "end": {"S": clock.iso(stored.end)},
            "artist": {"S": stored.artist},
            "id": {"S": stored.id},
            "changed": {"S": stored.changed},
            "source": self._source,
        }
        if stored.sequence:  # 0, for a set that never changed, goes without saying
            item["sequence"] = {"N": str(stored.sequence)}
        if stored.cancelled:
            item["status"] = {"S": CANCELLED}
        if genre:
            item["genre"] = {"S": genre}
        if notes:
            item["notes"] = {"S": notes}
        return item


def stored_set(performance: Set) -> StoredSet:
    """A set read from the table, as a manifest remembers it."""
    return StoredSet(
        performance.stage,
        performance.start,
        performance.end,
        performance.artist,
        content_digest(performance.genre, performance.notes),
        performance.source,
        performance.id,
        performance.cancelled,
        performance.sequence,
        performance.changed,
    )
