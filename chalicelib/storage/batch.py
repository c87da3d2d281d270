"""Batched writes (the ingest's, to both tables): 25 puts or deletes a request, resent with
backoff while DynamoDB leaves some unprocessed or a passing fault stops them, each attempt
sent only while the ingest lease outlives it (`sending`).

This is the one place where the ingest trades plainness for speed (docs/benchmarks.md):
`EncodedBatchWrite` hands botocore a request body it encoded itself.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from chalicelib.storage.sending import Attempts, StoreUnavailable, passing

BATCH_SIZE = 25
Item = dict[str, dict[str, str]]
Key = dict[str, dict[str, str]]
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)  # items hold no cycles


def wire(value: Any) -> Any:
    """An item (or request) as boto3 read it, in the JSON form DynamoDB takes: binary
    values, which boto3 hands back as bytes, as base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {name: wire(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [wire(inner) for inner in value]
    return value


def encode_requests(requests: list[dict[str, Any]]) -> bytes:
    """A batch's write requests as the JSON array BatchWriteItem takes."""
    return _ENCODER.encode(requests).encode()


class EncodedBatchWrite:
    """One BatchWriteItem whose JSON body we encode ourselves.

    The items are already in DynamoDB's wire format, and botocore walking them
    attribute by attribute (to validate, then to serialise) cost a third of the
    ingest's CPU. botocore still signs, sends, retries and parses. The body is swapped
    in by a before-call hook, through a thread-local, so the client must be one made
    with `parameter_validation=False` (`clients.client("dynamodb", role="bulk")`), which
    only the ingest's writes use.
    """

    _body = threading.local()

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table
        self._table_json = json.dumps(table).encode()
        client.meta.events.register_first(
            "before-call.dynamodb.BatchWriteItem", self._swap_body, unique_id="festival-encoded-body"
        )

    def __call__(self, requests: bytes) -> Any:
        """Send one batch: `requests` is the JSON array of its write requests."""
        self._body.value = b'{"RequestItems":{' + self._table_json + b":" + requests + b"}}"
        try:
            return self._client.batch_write_item(RequestItems={self.table: []})
        finally:
            self._body.value = None

    @classmethod
    def _swap_body(cls, params: dict[str, Any], **_: Any) -> None:
        body = getattr(cls._body, "value", None)
        if body is not None:
            params["body"] = body


class BatchWriter:
    """Sends puts or deletes 25 to a BatchWriteItem request, and resends what DynamoDB
    leaves unprocessed or throttles, backing off between attempts.

    Up to `concurrency` batches are in flight at once, so that building the next
    batch overlaps with DynamoDB writing the last one. Callers never queue two
    requests for one key (real DynamoDB rejects such a batch), so the order in which
    batches land does not matter. A batch that fails for good raises from `put`,
    `delete`, `send` or `flush`.
    """

    def __init__(self, write: EncodedBatchWrite, attempts: Attempts, concurrency: int = 1) -> None:
        self._write = write
        self._attempts = attempts
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

    def send(self, requests: bytes) -> None:
        """Send a batch encoded already: the JSON array of at most 25 write requests."""
        self._submit_encoded(requests)

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
        self._submit_encoded(encode_requests(batch))

    def _submit_encoded(self, requests: bytes) -> None:
        if self._pool is None:
            self._send(requests)
            return
        while len(self._in_flight) >= self._concurrency:
            self._in_flight.popleft().result()
        self._in_flight.append(self._pool.submit(self._send, requests))

    def _send(self, requests: bytes) -> None:
        batch = requests
        backoff = self._attempts.backoff
        for attempt in range(backoff.attempts):
            self._attempts.lease.guard()
            with self._lock:
                self.requests += 1
            try:
                response = self._write(batch)
            except (ClientError, ConnectionError, HTTPClientError) as error:
                if not passing(error):
                    raise
            else:
                left = response.get("UnprocessedItems", {}).get(self._write.table, [])
                if not left:
                    return
                batch = encode_requests(left)
            if attempt + 1 < backoff.attempts:
                backoff.pause(attempt)
        count = len(json.loads(batch))
        raise StoreUnavailable(f"DynamoDB left {count} writes unprocessed after {backoff.attempts} attempts")
