"""A run's plan as a file: every write the run makes, in the order the unit of work sends
them, one line each:

    p<JSON array of up to 25 write requests>   a BatchWriteItem on the performances table
    b<JSON array of up to 25 write requests>   a BatchWriteItem on the bookkeeping table
    c<JSON>                                    what the commit writes (the record, the release)
    f<JSON>                                    what follows the commit (report, message, garbage)

The file is built on local disk while the run reads the upload (so a large file never has
to fit in memory), then kept in the bucket (`plans/<run>.jsonl`) until the run's message
is out: a run that dies leaves it there, and the next run applies it exactly.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from chalicelib.storage.batch import BATCH_SIZE, encode_requests
from chalicelib.storage.sizes import MAX_ITEM_BYTES, item_size

PLAN_PREFIX = "plans/"
PERFORMANCES, BOOKKEEPING, COMMIT, FINISH = b"p", b"b", b"c", b"f"


class PlanTooLarge(ValueError):
    """A write of the plan is one DynamoDB would refuse whatever is retried: the file fails."""


def plan_key(run: str) -> str:
    return f"{PLAN_PREFIX}{run}.jsonl"


class PlanFile:
    """Writes a plan's lines to a temporary file, batching writes 25 to a line."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        self._performances: list[str] = []  # write requests, as JSON
        self._bookkeeping: list[dict[str, Any]] = []
        self.requests = {"performance_writes": 0, "bookkeeping_writes": 0}

    def put_set(self, item: str) -> None:
        """Put a set's item (a JSON object in DynamoDB's form: `sets.items.ItemFactory`)
        into the performances table."""
        self._performance('{"PutRequest":{"Item":' + item + "}}")

    def delete_set(self, key: dict[str, Any]) -> None:
        self._performance(json.dumps({"DeleteRequest": {"Key": key}}, separators=(",", ":")))

    def _performance(self, request: str) -> None:
        self._performances.append(request)
        if len(self._performances) == BATCH_SIZE:
            self._flush_performances()

    def _flush_performances(self) -> None:
        if self._performances:
            self.file.write(PERFORMANCES + ("[" + ",".join(self._performances) + "]").encode() + b"\n")
            self.requests["performance_writes"] += 1
            self._performances = []

    def put_item(self, item: dict[str, Any]) -> None:
        """Put an item into the bookkeeping table; one DynamoDB would refuse is refused now,
        before anything is written, so that a kept plan can always be applied."""
        size = item_size(item)
        if size > MAX_ITEM_BYTES:
            raise PlanTooLarge(
                f"the index item {item['pk']['S']} / {item['sk']['S']} would be {size:,} bytes, and DynamoDB keeps "
                f"at most {MAX_ITEM_BYTES:,} in one item"
            )
        self._flush_performances()  # every set is written before the index that points at it
        self._bookkeeping.append({"PutRequest": {"Item": item}})
        if len(self._bookkeeping) == BATCH_SIZE:
            self._flush_bookkeeping()

    def delete_item(self, key: dict[str, Any]) -> None:
        self._flush_performances()
        self._bookkeeping.append({"DeleteRequest": {"Key": key}})
        if len(self._bookkeeping) == BATCH_SIZE:
            self._flush_bookkeeping()

    def _flush_bookkeeping(self) -> None:
        if self._bookkeeping:
            self.file.write(BOOKKEEPING + encode_requests(self._bookkeeping) + b"\n")
            self.requests["bookkeeping_writes"] += 1
            self._bookkeeping = []

    def close_writes(self) -> None:
        """Every set and bookkeeping write is in; what follows is the commit and after."""
        self._flush_performances()
        self._flush_bookkeeping()

    def write_step(self, kind: bytes, value: dict[str, Any]) -> None:
        self.file.write(kind + json.dumps(value, separators=(",", ":")).encode() + b"\n")

    def rewind(self) -> IO[bytes]:
        self.file.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


def plan_lines(lines: Iterator[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """(kind, payload) for each line of a plan file."""
    for line in lines:
        line = line.rstrip(b"\n")
        if line:
            yield line[:1], line[1:]
