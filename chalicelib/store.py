"""The performances table: one item per set, partition `stage`, sort key `slot`
(`date#start`, so text order is time order), plus the `by_day` and `by_artist` indexes.

Items are written and read in DynamoDB's low-level form: the ingest builds them
directly from typed performances, which keeps the per-row cost of a write small.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import clock
from chalicelib.schedule import Performance

BATCH_SIZE = 25
BY_DAY = "by_day"
BY_ARTIST = "by_artist"
THROTTLING = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
Item = dict[str, dict[str, str]]
Key = dict[str, dict[str, str]]
_CONTENT = ("end", "artist", "genre", "notes")


class StoreUnavailable(RuntimeError):
    """DynamoDB kept refusing writes after every retry: the caller should fail and retry later."""


@dataclass(frozen=True, slots=True)
class StoredSet:
    """What the ingest needs to know about a set already in the table."""

    start: int
    end: int
    source: str
    content: int  # hash of end, artist, genre and notes, to tell changed from unchanged
    artist: str


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Item]
    last_key: Key | None


def key_of(stage: str, start: int) -> Key:
    return {"stage": {"S": stage}, "slot": {"S": clock.slot(start)}}


def content_hash(end: str, artist: str, genre: str, notes: str) -> int:
    return hash((end, artist, genre, notes))


class ItemFactory:
    """Builds table items for the performances of one source file."""

    def __init__(self, source: str, ingested_at: str, day_change: int) -> None:
        # Every attribute costs on each write; the version is in the source's record.
        self._provenance = {"source": {"S": source}, "ingested_at": {"S": ingested_at}}
        self._day_change = day_change

    def item(self, performance: Performance) -> Item:
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
            **self._provenance,
        }
        if performance.genre:
            item["genre"] = {"S": performance.genre}
        if performance.notes:
            item["notes"] = {"S": performance.notes}
        return item


def content_of(item: Item) -> int:
    """The content hash of a stored item, comparable with `content_hash` of a new row."""
    return content_hash(*(item.get(name, {}).get("S", "") for name in _CONTENT))


def content_of_performance(performance: Performance) -> int:
    return content_hash(clock.iso(performance.end), performance.artist, performance.genre, performance.notes)


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter, for a bounded number of attempts."""

    attempts: int = 8
    base: float = 0.05
    cap: float = 5.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, attempt: int) -> None:
        self.sleep(random.uniform(0, min(self.cap, self.base * 2**attempt)))  # noqa: S311


class BatchWriter:
    """Sends puts or deletes 25 to a BatchWriteItem request, and resends what DynamoDB
    leaves unprocessed or throttles, backing off between attempts.

    Up to `concurrency` batches are in flight at once, so that building the next
    batch overlaps with DynamoDB writing the last one. Callers never queue two
    requests for one key (real DynamoDB rejects such a batch), so the order in which
    batches land does not matter. A batch that fails for good raises from `put`,
    `delete` or `flush`.
    """

    def __init__(self, client: Any, table: str, backoff: Backoff, concurrency: int = 1) -> None:
        self._client = client
        self._table = table
        self._backoff = backoff
        self._pending: list[dict[str, Any]] = []
        self._concurrency = concurrency
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="batch-write") if concurrency > 1 else None
        self._in_flight: deque[Future[None]] = deque()
        self._lock = threading.Lock()
        self.requests = 0

    def put(self, item: Item) -> None:
        self._pending.append({"PutRequest": {"Item": item}})
        if len(self._pending) == BATCH_SIZE:
            self._submit()

    def delete(self, key: Key) -> None:
        self._pending.append({"DeleteRequest": {"Key": key}})
        if len(self._pending) == BATCH_SIZE:
            self._submit()

    def flush(self) -> None:
        """Send what is queued and wait until every batch has landed."""
        if self._pending:
            self._submit()
        while self._in_flight:
            self._in_flight.popleft().result()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _submit(self) -> None:
        batch, self._pending = self._pending, []
        if self._pool is None:
            self._send(batch)
            return
        while len(self._in_flight) >= self._concurrency:
            self._in_flight.popleft().result()
        self._in_flight.append(self._pool.submit(self._send, batch))

    def _send(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(self._backoff.attempts):
            with self._lock:
                self.requests += 1
            try:
                response = self._write(batch)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in THROTTLING:
                    raise
                unprocessed = batch
            else:
                unprocessed = response.get("UnprocessedItems", {}).get(self._table, [])
            if not unprocessed:
                return
            batch = unprocessed
            if attempt + 1 < self._backoff.attempts:
                self._backoff.pause(attempt)
        raise StoreUnavailable(f"DynamoDB left {len(batch)} writes unprocessed after {self._backoff.attempts} attempts")

    def _write(self, batch: list[dict[str, Any]]) -> Any:
        """One BatchWriteItem whose JSON body we encode ourselves: the items are already
        in DynamoDB's wire format, and botocore walking them attribute by attribute
        cost a third of the ingest's CPU. botocore still signs, sends, retries and parses."""
        _encoded.body = json.dumps({"RequestItems": {self._table: batch}}, separators=(",", ":")).encode()
        try:
            return self._client.batch_write_item(RequestItems={self._table: []})
        finally:
            _encoded.body = None


_encoded = threading.local()


def _send_encoded_body(params: dict[str, Any], **_: Any) -> None:
    """botocore hook (before-call): swap in the body BatchWriter encoded on this thread."""
    body = getattr(_encoded, "body", None)
    if body is not None:
        params["body"] = body


class PerformanceStore:
    """Reads and writes the performances table."""

    def __init__(self, client: Any, table: str, backoff: Backoff | None = None, concurrency: int = 4) -> None:
        self.client = client
        self.table = table
        self.backoff = backoff or Backoff()
        self.concurrency = concurrency
        client.meta.events.register_first(
            "before-call.dynamodb.BatchWriteItem", _send_encoded_body, unique_id="festival-encoded-body"
        )

    def writer(self) -> BatchWriter:
        return BatchWriter(self.client, self.table, self.backoff, self.concurrency)

    def stage_sets(self, stage: str) -> Iterator[StoredSet]:
        """Every set stored for a stage, in time order."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "stage = :stage",
            "ExpressionAttributeValues": {":stage": {"S": stage}},
            "ExpressionAttributeNames": {"#e": "end", "#n": "notes", "#s": "source"},
            "ProjectionExpression": "slot, #e, artist, genre, #n, #s",
        }
        while True:
            response = self.client.query(**request)
            for item in response["Items"]:
                yield StoredSet(
                    start=clock.stored_moment(item["slot"]["S"]),
                    end=clock.stored_moment(item["end"]["S"]),
                    source=item["source"]["S"],
                    content=content_of(item),
                    artist=item["artist"]["S"],
                )
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # Reads for the API: each is one request, and a page carries the key to go on from.

    def get(self, stage: str, start: int) -> Item | None:
        item: Item | None = self.client.get_item(TableName=self.table, Key=key_of(stage, start)).get("Item")
        return item

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
