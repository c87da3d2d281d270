"""Reads of the performances table: one item per set, partition `stage`, sort key `slot`
(`date#start`, so text order is time order), plus the `by_day`, `by_artist` and `by_id`
indexes. Items are read in DynamoDB's low-level form and turned into sets by
`sets.items`; the ingest writes them through the unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.sets.items import key_of
from chalicelib.storage.sizes import MAX_PARTITION_KEY_BYTES, fits_key
from chalicelib.timetable import clock

if TYPE_CHECKING:  # the batch writer is the ingest's: the API's cold start does without it
    from chalicelib.storage.batch import Item, Key

BY_DAY = "by_day"
BY_ARTIST = "by_artist"
BY_ID = "by_id"


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    last_key: Key | None


class PerformanceStore:
    """Reads the performances table."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    # Reads for the API: each is one request, and a page carries the key to go on from.

    def get(self, stage: str, start: int) -> Item | None:
        if not fits_key(stage, MAX_PARTITION_KEY_BYTES):  # DynamoDB would refuse to look
            return None
        item: Item | None = self.client.get_item(TableName=self.table, Key=key_of(stage, start)).get("Item")
        return item

    def by_id(self, set_id: str) -> Item | None:
        """The set with this id, wherever it is now (one Query on the `by_id` index). While
        a plan that moves it is being applied, its new slot may be written before its old
        one is deleted: the item changed last is the set."""
        response = self.client.query(
            TableName=self.table,
            IndexName=BY_ID,
            KeyConditionExpression="id = :id",
            ExpressionAttributeValues={":id": {"S": set_id}},
            Limit=2,
        )
        items: list[Item] = response["Items"]
        return max(items, key=lambda item: item.get("changed", {}).get("S", "")) if items else None

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
        return self._all(request)

    def stage_sets(self, stage: str) -> list[Item]:
        """Every set of a stage (one Query per MB), for a feed of that stage."""
        if not fits_key(stage, MAX_PARTITION_KEY_BYTES):  # no stage has that name, and DynamoDB would refuse it
            return []
        return self._all(
            {
                "TableName": self.table,
                "KeyConditionExpression": "stage = :stage",
                "ExpressionAttributeValues": {":stage": {"S": stage}},
            }
        )

    def segment(self, segment: int, segments: int) -> list[Item]:
        """One segment of every set in the table, for a publication, which needs the whole
        festival: a parallel Scan reads it in one request per MB and segment, whatever the
        number of stages (a Query a stage costs a request even for a stage of one set).
        Consistent: a publication reads right after its commit."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "Segment": segment,
            "TotalSegments": segments,
            "ConsistentRead": True,
        }
        return self._all(request, self.client.scan)

    def artist_sets(self, artist: str) -> list[Item]:
        """Every set of an artist (one Query of `by_artist` per MB)."""
        if not fits_key(artist, MAX_PARTITION_KEY_BYTES):
            return []
        return self._all(
            {
                "TableName": self.table,
                "IndexName": BY_ARTIST,
                "KeyConditionExpression": "#k = :value",
                "ExpressionAttributeNames": {"#k": "artist"},
                "ExpressionAttributeValues": {":value": {"S": artist}},
            }
        )

    def _all(self, request: dict[str, Any], read: Callable[..., Any] | None = None) -> list[Item]:
        """Every page of a Query (or, with `read`, of another paged read such as a Scan)."""
        send = read or self.client.query
        items: list[Item] = []
        while True:
            response = send(**request)
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def in_slots(self, slots: list[tuple[str, int]], *, consistent: bool = False) -> list[Item]:
        """The sets in these slots (one BatchGetItem per 100)."""
        found: list[Item] = []
        for first in range(0, len(slots), 100):
            keys = [key_of(stage, start) for stage, start in slots[first : first + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": consistent}}
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
        if not fits_key(stage, MAX_PARTITION_KEY_BYTES):  # no stage has that name, and DynamoDB would refuse it
            return Page([], None)
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
        if not fits_key(value, MAX_PARTITION_KEY_BYTES):  # none has that value, and DynamoDB would refuse it
            return Page([], None)
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
