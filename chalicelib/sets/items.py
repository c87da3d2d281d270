"""A set <-> its item in the performances table (DynamoDB's low-level form). The one place
that knows the item's attributes; the API, the exports and the ingest all go through it."""

from __future__ import annotations

import json
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


_quoted = json.dumps  # a str as a JSON string literal


class ItemFactory:
    """Builds the items of one file's sets as the JSON a batch write sends them in.

    Written out as text rather than built as a dict and then encoded: an item is made for
    every set a file puts, and this takes a fifth of the time (about 1 µs a set instead of
    5). Text from the file is JSON-quoted. Every other value needs no quoting: dates,
    times and counts this function formats, an id of `SET_ID`'s form and a UTC timestamp
    (both made by this program, and checked where a manifest is read back:
    `storage.sources._decode_chunk`).
    """

    def __init__(self, source: str, day_change: int) -> None:
        # Every attribute costs on each write (and the date is the slot's): the version and
        # the run are in the source's record.
        self._source = _quoted(source)
        self._day_change = day_change

    def item(self, stored: StoredSet, genre: str, notes: str) -> str:
        """The item of a set (a JSON object): where it is, its identity and history
        (`stored`), its text."""
        start = stored.start
        text = (
            f'{{"stage":{{"S":{_quoted(stored.stage)}}},"slot":{{"S":"{clock.slot(start)}"}},'
            f'"day":{{"S":"{clock.festival_date(start, self._day_change)}"}},'
            f'"start":{{"S":"{clock.iso(start)}"}},"end":{{"S":"{clock.iso(stored.end)}"}},'
            f'"artist":{{"S":{_quoted(stored.artist)}}},"id":{{"S":"{stored.id}"}},'
            f'"changed":{{"S":"{stored.changed}"}},"source":{{"S":{self._source}}}'
        )
        if stored.sequence:  # 0, for a set that never changed, goes without saying
            text += f',"sequence":{{"N":"{stored.sequence}"}}'
        if stored.cancelled:
            text += f',"status":{{"S":"{CANCELLED}"}}'
        if genre:
            text += f',"genre":{{"S":{_quoted(genre)}}}'
        if notes:
            text += f',"notes":{{"S":{_quoted(notes)}}}'
        return text + "}"


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
