"""The performances table: one item per set, partition `stage`, sort key `slot`
(`date#start`, so text order is time order), plus the `by_day` and `by_artist` indexes.

Items are written and read in DynamoDB's low-level form: the ingest builds them
directly from typed performances, which keeps the per-row cost of a write small.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.storage.batch import Backoff, BatchWriter, EncodedBatchWrite, Item, Key
from chalicelib.storage.sources import StoredSet
from chalicelib.timetable import clock

if TYPE_CHECKING:  # the API's function never parses a CSV: it starts faster without the parser
    from chalicelib.timetable.rows import Performance

BY_DAY = "by_day"
BY_ARTIST = "by_artist"
BY_ID = "by_id"
CANCELLED = "cancelled"
SET_ID = re.compile(r"[a-z2-7]{16}")  # see ingest.identity.set_id


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    last_key: Key | None


def key_of(stage: str, start: int) -> Key:
    return {"stage": {"S": stage}, "slot": {"S": clock.slot(start)}}


class ItemFactory:
    """Builds table items for the performances of one source file."""

    def __init__(self, source: str, ingested_at: str, day_change: int) -> None:
        # Every attribute costs on each write; the version is in the source's record.
        self._provenance = {"source": {"S": source}, "ingested_at": {"S": ingested_at}}
        self._day_change = day_change

    def item(self, performance: Performance, stored: StoredSet) -> Item:
        """The item of a row, with the identity and history the ingest gave it (`stored`)."""
        start = performance.start
        day = start // clock.MINUTES_PER_DAY
        item = {
            "stage": {"S": performance.stage},
            "slot": {"S": clock.slot(start)},
            "date": {"S": clock.iso_date(day)},
            "day": {"S": clock.iso_date(clock.festival_day(start, self._day_change))},
            "start": {"S": clock.iso(start)},
            "end": {"S": clock.iso(performance.end)},
            "artist": {"S": performance.artist},
            "id": {"S": stored.id},
            "sequence": {"N": str(stored.sequence)},
            "changed": {"S": stored.changed},
            **self._provenance,
        }
        if performance.cancelled:
            item["status"] = {"S": CANCELLED}
        if performance.genre:
            item["genre"] = {"S": performance.genre}
        if performance.notes:
            item["notes"] = {"S": performance.notes}
        return item


def content_digest(genre: str, notes: str) -> str:
    """Short, stable digests of what a set says beyond its artist, place and time, to tell
    which of them changed; kept in the source's manifest, so they must not vary by process."""
    return _digest(genre) + _digest(notes)


def changed_fields(old: StoredSet, new: StoredSet) -> list[str]:
    """The fields, beyond stage and start, in which two versions of a set differ."""
    changed = [name for name in ("end", "artist") if getattr(old, name) != getattr(new, name)]
    half = len(old.content) // 2
    changed += [
        name
        for name, a, b in (
            ("genre", old.content[:half], new.content[:half]),
            ("notes", old.content[half:], new.content[half:]),
        )
        if a != b
    ]
    if old.cancelled != new.cancelled:
        changed.append("status")
    return changed


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()


def stored_set(performance: Performance, set_id: str, source: str) -> StoredSet:
    """A row just read, as the manifest keeps it."""
    return StoredSet(
        performance.stage,
        performance.start,
        performance.end,
        performance.artist,
        content_digest(performance.genre, performance.notes),
        source,
        set_id,
        performance.cancelled,
    )


class PerformanceStore:
    """Reads and writes the performances table."""

    def __init__(
        self,
        client: Any,
        table: str,
        *,
        write_client: Callable[[], Any] | None = None,
        backoff: Backoff | None = None,
        concurrency: int = 4,
    ) -> None:
        self.client = client
        self.table = table
        self._write_client = write_client or (lambda: client)
        self.backoff = backoff or Backoff()
        self.concurrency = concurrency

    def writer(self) -> BatchWriter:
        """Puts and deletes in batches of 25 (for the ingest only: the API never writes)."""
        return BatchWriter(EncodedBatchWrite(self._write_client(), self.table), self.backoff, self.concurrency)

    def stage_sets(self, stage: str) -> Iterator[StoredSet]:
        """Every set stored for a stage, in time order."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "stage = :stage",
            "ExpressionAttributeValues": {":stage": {"S": stage}},
        }
        return self._stored_sets(self.client.query, request)

    def sets_from(self, source: str) -> Iterator[StoredSet]:
        """Every set a source put in the table, wherever it is. A Scan: only for repairing
        after a run that died before it could record what it wrote."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "#s = :source",
            "ExpressionAttributeValues": {":source": {"S": source}},
        }
        return self._stored_sets(self.client.scan, request)

    def _stored_sets(self, read: Callable[..., Any], request: dict[str, Any]) -> Iterator[StoredSet]:
        request["ExpressionAttributeNames"] = {
            "#e": "end",
            "#n": "notes",
            "#s": "source",
            "#st": "status",
            "#q": "sequence",
            "#c": "changed",
        }
        request["ProjectionExpression"] = "stage, slot, #e, artist, genre, #n, #s, id, #st, #q, #c"
        while True:
            response = read(**request)
            for item in response["Items"]:
                genre, notes = (item.get(name, {}).get("S", "") for name in ("genre", "notes"))
                yield StoredSet(
                    stage=item["stage"]["S"],
                    start=clock.stored_moment(item["slot"]["S"]),
                    end=clock.stored_moment(item["end"]["S"]),
                    source=item["source"]["S"],
                    content=content_digest(genre, notes),
                    artist=item["artist"]["S"],
                    id=item["id"]["S"],
                    cancelled=item.get("status", {}).get("S") == CANCELLED,
                    sequence=int(item.get("sequence", {}).get("N", "0")),
                    changed=item.get("changed", {}).get("S", ""),
                )
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # Reads for the API: each is one request, and a page carries the key to go on from.

    def get(self, stage: str, start: int) -> Item | None:
        item: Item | None = self.client.get_item(TableName=self.table, Key=key_of(stage, start)).get("Item")
        return item

    def by_id(self, set_id: str) -> Item | None:
        """The set with this id, wherever it is now (one Query on the `by_id` index)."""
        response = self.client.query(
            TableName=self.table,
            IndexName=BY_ID,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": set_id}},
            Limit=1,
        )
        items: list[Item] = response["Items"]
        return items[0] if items else None

    def day_from(self, day: str, first_start: int, *, ending_after: int | None = None) -> list[Item]:
        """The sets of a festival day starting at `first_start` or later, in time order
        (one Query on the `by_day` index, and one more per MB of sets); with `ending_after`,
        only those that end after it (DynamoDB drops the others before answering)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_DAY,
            "KeyConditionExpression": "#d = :day AND #s >= :first",
            "ExpressionAttributeNames": {"#d": "day", "#s": "start"},
            "ExpressionAttributeValues": {":day": {"S": day}, ":first": {"S": clock.iso(first_start)}},
        }
        if ending_after is not None:
            request["FilterExpression"] = "#e > :after"
            request["ExpressionAttributeNames"]["#e"] = "end"
            request["ExpressionAttributeValues"][":after"] = {"S": clock.iso(ending_after)}
        items: list[Item] = []
        while True:
            response = self.client.query(**request)
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def in_slots(self, slots: list[tuple[str, int]]) -> list[Item]:
        """The sets in these slots (one BatchGetItem per 100)."""
        found: list[Item] = []
        for first in range(0, len(slots), 100):
            keys = [key_of(stage, start) for stage, start in slots[first : first + 100]]
            request = {self.table: {"Keys": keys}}
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                found += response["Responses"].get(self.table, [])
                request = response.get("UnprocessedKeys") or {}
        return found

    def stage_range(
        self,
        stage: str,
        first_start: int,
        last_start: int,
        *,
        ending_after: int | None = None,
        limit: int | None,
        start_key: Key | None = None,
        descending: bool = False,
    ) -> Page:
        """Sets of a stage starting in [first_start, last_start]; with `ending_after`,
        only those still playing after that moment."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "stage = :stage AND slot BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":stage": {"S": stage},
                ":first": {"S": clock.slot(first_start)},
                ":last": {"S": clock.slot(last_start)},
            },
            "ScanIndexForward": not descending,
        }
        if limit is not None:
            request["Limit"] = limit
        if ending_after is not None:
            request["FilterExpression"] = "#e > :after"
            request["ExpressionAttributeNames"] = {"#e": "end"}
            request["ExpressionAttributeValues"][":after"] = {"S": clock.iso(ending_after)}
        if start_key:
            request["ExclusiveStartKey"] = start_key
        return self._page(request)

    def index_page(self, index: str, value: str, *, limit: int, start_key: Key | None = None) -> Page:
        """Sets with `day` (BY_DAY) or `artist` (BY_ARTIST) equal to value, by start time."""
        attribute = "day" if index == BY_DAY else "artist"
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :value",
            "ExpressionAttributeNames": {"#k": attribute},
            "ExpressionAttributeValues": {":value": {"S": value}},
            "Limit": limit,
        }
        if start_key:
            request["ExclusiveStartKey"] = start_key
        return self._page(request)

    def _page(self, request: dict[str, Any]) -> Page:
        response = self.client.query(**request)
        return Page(items=response["Items"], last_key=response.get("LastEvaluatedKey"))
