"""A run's plan as a file: every write the run makes, in the order the unit of work sends
them, one line each:

    h<JSON>                                    which run, for which file
    p<JSON array of up to 25 write requests>   a BatchWriteItem on the performances table
    b<JSON array of up to 25 write requests>   a BatchWriteItem on the bookkeeping table
    u<JSON array>, v<JSON array>               the same, undoing them (see below)
    c<JSON>                                    what the commit writes (the record, the release)
    f<JSON>                                    what follows the commit (report, garbage)

The planner speaks sets, stage-days and records (`ingest.plan.Writes`); this file is where
they become items. The file is built on local disk while the run reads the upload (so a
large file never has to fit in memory), then kept in the bucket (`plans/<run>.jsonl`) until
the run's message is out: a run that dies leaves it there, and the next run applies it
exactly.

Every item and key is checked against DynamoDB's limits as it is written here, so a plan
that is kept can be applied. Should a write still be refused for good (a policy, say), the
plan's undo lines put back what each item was before the plan (read when the plan is
closed) and delete what it made: the file fails on its own, and nothing stays half applied.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from chalicelib.sets.changes import Change
from chalicelib.sets.index import IndexChanges
from chalicelib.sets.items import ItemFactory, key_of
from chalicelib.sets.model import Slot, StoredSet
from chalicelib.storage.batch import BATCH_SIZE, encode_requests, wire
from chalicelib.storage.bookkeeping import Key, item_key
from chalicelib.storage.indexes import (
    DAY,
    STAGE,
    STAGE_DAYS,
    encode_day,
    encode_edges,
    encode_stage,
    encode_stage_day,
    stage_day_key,
)
from chalicelib.storage.releases import Release, change_pages, inline
from chalicelib.storage.sizes import MAX_ITEM_BYTES, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, item_size
from chalicelib.storage.sources import Manifest, SourceRecord, SourceRecords, manifest_chunks, manifest_keys
from chalicelib.timetable import clock

PLAN_PREFIX = "plans/"
HEADER, PERFORMANCES, BOOKKEEPING, UNDO_PERFORMANCES, UNDO_BOOKKEEPING, COMMIT, FINISH = (
    b"h",
    b"p",
    b"b",
    b"u",
    b"v",
    b"c",
    b"f",
)
_READ_KEYS = 100  # a BatchGetItem's


class PlanTooLarge(ValueError):
    """A write of the plan is one DynamoDB would refuse whatever is retried: the file fails."""


class BeforeImages(Protocol):
    """Reads what the items a plan writes hold before it (consistently)."""

    def sets_at(self, slots: list[Slot]) -> list[dict[str, Any]]: ...
    def bookkeeping_at(self, keys: list[Key]) -> list[dict[str, Any] | None]: ...


def plan_key(run: str) -> str:
    return f"{PLAN_PREFIX}{run}.jsonl"


@dataclass(frozen=True)
class Header:
    run: str
    source: str
    version: str  # the version the run applies, for a report should it fail


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


class PlanFile:
    """Writes a plan's lines to a temporary file, batching writes 25 to a line: the storage
    side of `ingest.plan.Writes`."""

    def __init__(self, header: Header, day_change: int, *, before: BeforeImages | None = None) -> None:
        self.header = header
        self.run = header.run
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        self._factory = ItemFactory(header.source, day_change)
        self._before = before  # None for a preview: it is never applied, so never undone
        self._performances: list[str] = []  # write requests, as JSON
        self._bookkeeping: list[dict[str, Any]] = []
        self._set_slots: set[Slot] = set()  # every slot written, for the undo
        self._bookkeeping_keys: dict[tuple[str, str], Key] = {}  # every item written that may exist already
        self._made: list[Key] = []  # items this run makes (its manifests, its changes): the undo deletes them
        self.requests = {"performance_writes": 0, "bookkeeping_writes": 0}
        self._step(HEADER, dataclasses.asdict(header))

    # The sets.

    def put_set(self, stored: StoredSet, genre: str, notes: str) -> None:
        """Put a set's item into the performances table."""
        for name, value in (("stage", stored.stage), ("artist", stored.artist)):
            if _size(value) > MAX_PARTITION_KEY_BYTES:  # the table's and by_artist's partition keys
                raise PlanTooLarge(
                    f"the set of {stored.artist[:80]!r} has a {name} of {_size(value):,} bytes, and DynamoDB keeps "
                    f"at most {MAX_PARTITION_KEY_BYTES:,} in a key"
                )
        self._set_slots.add(stored.slot)
        self._performance('{"PutRequest":{"Item":' + self._factory.item(stored, genre, notes) + "}}")

    def delete_set(self, slot: Slot) -> None:
        self._set_slots.add(slot)
        self._performance(json.dumps({"DeleteRequest": {"Key": key_of(*slot)}}, separators=(",", ":")))

    def _performance(self, request: str) -> None:
        self._performances.append(request)
        if len(self._performances) == BATCH_SIZE:
            self._flush_performances()

    def _flush_performances(self) -> None:
        if self._performances:
            self.file.write(PERFORMANCES + ("[" + ",".join(self._performances) + "]").encode() + b"\n")
            self.requests["performance_writes"] += 1
            self._performances = []

    # The bookkeeping.

    def put_index(self, changes: IndexChanges) -> None:
        """Write what a version changes in the festival index."""
        for stage_day in changes.stage_days:
            self._put(encode_stage_day(stage_day))
        for stage, day in changes.gone:
            self._delete(stage_day_key(stage, day))
        for stage, days in sorted(changes.edges.items()):
            self._put(encode_edges(stage, days)) if days else self._delete(item_key(STAGE_DAYS, stage))
        for stage, count in sorted(changes.stages.items()):
            self._put(encode_stage(stage, count)) if count else self._delete(item_key(STAGE, stage))
        for day, summary in sorted(changes.days.items()):
            self._put(encode_day(summary)) if summary else self._delete(item_key(DAY, clock.iso_date(day)))

    def put_record(self, source: str, record: SourceRecord) -> None:
        """Another file's record, changed by this run (it lost slots to this file)."""
        self._put(SourceRecords.encode(source, record))

    def put_manifest(self, source: str, sets: list[StoredSet]) -> Manifest:
        """A file's manifest, under this run (the record the commit writes names it)."""
        chunks = manifest_chunks(source, self.run, sets)
        for chunk in chunks:
            self._put(chunk, made=True)
        return Manifest(self.run, len(chunks), len(sets))

    def put_changes(self, changes: list[Change]) -> int:
        """Every change of this run, in pages; returns how many."""
        pages = change_pages(self.run, changes)
        for page in pages:
            self._put(page, made=True)
        return len(pages)

    def _put(self, item: dict[str, Any], *, made: bool = False) -> None:
        """Put an item into the bookkeeping table; one DynamoDB would refuse is refused now,
        before anything is written, so that a kept plan can always be applied."""
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        size = item_size(item)
        if size > MAX_ITEM_BYTES:
            raise PlanTooLarge(
                f"the index item {pk} / {sk} would be {size:,} bytes, and DynamoDB keeps "
                f"at most {MAX_ITEM_BYTES:,} in one item"
            )
        if _size(pk) > MAX_PARTITION_KEY_BYTES or _size(sk) > MAX_SORT_KEY_BYTES:
            raise PlanTooLarge(
                f"the index item {pk[:80]} / {sk[:80]} has a key of {_size(pk):,} and {_size(sk):,} bytes, and "
                f"DynamoDB keeps at most {MAX_PARTITION_KEY_BYTES:,} and {MAX_SORT_KEY_BYTES:,}"
            )
        self._note({"pk": item["pk"], "sk": item["sk"]}, made)
        self._bookkeeping_request({"PutRequest": {"Item": item}})

    def _delete(self, key: Key) -> None:
        self._note(key, made=False)
        self._bookkeeping_request({"DeleteRequest": {"Key": key}})

    def _note(self, key: Key, made: bool) -> None:
        if made:
            self._made.append(key)
        else:
            self._bookkeeping_keys[(key["pk"]["S"], key["sk"]["S"])] = key

    def _bookkeeping_request(self, request: dict[str, Any]) -> None:
        self._flush_performances()  # every set is written before the index that points at it
        self._bookkeeping.append(request)
        if len(self._bookkeeping) == BATCH_SIZE:
            self._flush_bookkeeping()

    def _flush_bookkeeping(self) -> None:
        if self._bookkeeping:
            self.file.write(BOOKKEEPING + encode_requests(self._bookkeeping) + b"\n")
            self.requests["bookkeeping_writes"] += 1
            self._bookkeeping = []

    # Closing: the undo, the commit, what follows it.

    def close_writes(self, occupied: Iterable[Slot]) -> None:
        """Every set and bookkeeping write is in. `occupied`: the slots that held a set at the
        last commit (the others need no read to be undone: they were empty)."""
        self._flush_performances()
        self._flush_bookkeeping()
        if self._before is None:
            return
        taken = set(occupied)
        empty = [slot for slot in self._set_slots if slot not in taken]
        was = sorted(slot for slot in self._set_slots if slot in taken)
        undo = _Lines(self.file, UNDO_PERFORMANCES)
        for slot in empty:
            undo.add({"DeleteRequest": {"Key": key_of(*slot)}})
        for first in range(0, len(was), _READ_KEYS):
            slots = was[first : first + _READ_KEYS]
            found = {(item["stage"]["S"], item["slot"]["S"]): item for item in self._before.sets_at(slots)}
            for stage, start in slots:
                item = found.get((stage, clock.slot(start)))
                undo.add({"PutRequest": {"Item": item}} if item else {"DeleteRequest": {"Key": key_of(stage, start)}})
        undo.flush()
        undo = _Lines(self.file, UNDO_BOOKKEEPING)
        for key in self._made:
            undo.add({"DeleteRequest": {"Key": key}})
        keys = list(self._bookkeeping_keys.values())
        for first in range(0, len(keys), _READ_KEYS):
            chunk = keys[first : first + _READ_KEYS]
            for key, item in zip(chunk, self._before.bookkeeping_at(chunk), strict=True):
                undo.add({"PutRequest": {"Item": item}} if item else {"DeleteRequest": {"Key": key}})
        undo.flush()

    def commit(self, record: SourceRecord, release: Release | None) -> None:
        """What the commit writes: the file's record, and its release (its id is given then)."""
        planned = None
        if release is not None:  # the first changes, as many as a release item holds
            planned = {**dataclasses.asdict(release), "changes": inline(release.changes)}
            del planned["release"]
        self._step(COMMIT, {"record": SourceRecords.encode(self.header.source, record), "release": planned})

    def finish(self, report: dict[str, Any], forget: list[tuple[str, Manifest]]) -> None:
        """What follows the commit: the report, and the manifests the commit makes garbage."""
        garbage = [key for source, manifest in forget for key in manifest_keys(source, manifest)]
        self._step(FINISH, {"source": self.header.source, "report": report, "garbage": garbage})

    def _step(self, kind: bytes, value: dict[str, Any]) -> None:
        self.file.write(kind + json.dumps(value, separators=(",", ":")).encode() + b"\n")

    def rewind(self) -> IO[bytes]:
        self.file.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


class _Lines:
    """Undo requests, 25 to a line."""

    def __init__(self, file: IO[bytes], kind: bytes) -> None:
        self._file = file
        self._kind = kind
        self._requests: list[dict[str, Any]] = []

    def add(self, request: dict[str, Any]) -> None:
        self._requests.append(wire(request))
        if len(self._requests) == BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if self._requests:
            self._file.write(self._kind + encode_requests(self._requests) + b"\n")
            self._requests = []


def plan_lines(lines: Iterable[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """(kind, payload) for each line of a plan file."""
    for line in lines:
        line = line.rstrip(b"\n")
        if line:
            yield line[:1], line[1:]
