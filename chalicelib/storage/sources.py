"""One record per uploaded object (`source/<object key>`): which version of it is live, what
came of it, and where its manifest is: the list of the sets it has in the table, so that
the next version is compared with the last one without reading the table.

A manifest is kept in chunks (`manifest#<object key>/<run>#<n>`), each well under
DynamoDB's 400 KB, however large the file. A run writes its chunks under its own id
before it commits; the record names the run whose chunks are current, so a run that
dies leaves the current manifest untouched, and the old chunks go once the new are named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chalicelib.sets.model import SET_ID, StoredSet
from chalicelib.storage.bookkeeping import BookkeepingTable, Key, item_key, packed, unpacked

SOURCE = "source"
MANIFEST = "manifest#"
COMMITTED, NOTIFIED = "committed", "notified"
# Each chunk's JSON stays under this, well inside an item's 400 KB.
MAX_CHUNK_BYTES = 256_000


@dataclass(frozen=True)
class Manifest:
    """Where a source's manifest is: the run that wrote it, in how many chunks."""

    run: str
    chunks: int
    sets: int


@dataclass
class SourceRecord:
    """What is remembered about one uploaded object."""

    processed: dict[str, str] = field(default_factory=dict)  # the version last handled: version_id, etag, uploaded
    live: bool = False  # whether sets of this source are in the table
    status: str = ""  # COMMITTED, then NOTIFIED once its message is out
    summary: dict[str, Any] = field(default_factory=dict)  # the message, for sending it again
    manifest: Manifest | None = None
    release: str = ""  # the release its last run made, if any
    plan: str = ""  # where its last run's plan is kept, until the message is out


def version_of(processed: dict[str, str]) -> str:
    """A processed version as one string: its version id, or its ETag where there is none."""
    return processed.get("version_id") or processed.get("etag", "")


def manifest_chunks(source: str, run: str, sets: list[StoredSet]) -> list[dict[str, Any]]:
    """The manifest's items: compact JSON (moments as ints, a length for the end, each
    set's last change as an index into the few the file's sets share), in chunks."""
    items: list[dict[str, Any]] = []
    chunk: list[StoredSet] = []
    size = 0
    for stored in sets:
        # At most 4 bytes a character in the JSON (UTF-8, or a doubled quote or backslash).
        entry = 4 * (len(stored.stage) + len(stored.artist)) + 80
        if chunk and size + entry > MAX_CHUNK_BYTES:
            items.append(_chunk_item(source, run, len(items), chunk))
            chunk, size = [], 0
        chunk.append(stored)
        size += entry
    if chunk:
        items.append(_chunk_item(source, run, len(items), chunk))
    return items


def _chunk_item(source: str, run: str, number: int, sets: list[StoredSet]) -> dict[str, Any]:
    changes = sorted({s.changed for s in sets})
    position = {changed: index for index, changed in enumerate(changes)}
    entries = [
        [
            s.id,
            s.stage,
            s.start,
            s.end - s.start,
            s.artist,
            s.content,
            int(s.cancelled),
            s.sequence,
            position[s.changed],
        ]
        for s in sets
    ]
    text = json.dumps({"changed": changes, "sets": entries}, ensure_ascii=False, separators=(",", ":"))
    return {**item_key(MANIFEST + source, f"{run}#{number:05d}"), "sets": packed(text)}


_CHANGED = re.compile(r"[0-9A-Za-z:.-]*")  # a UTC timestamp this program wrote (or none)


def _decode_chunk(item: dict[str, Any], source: str) -> Iterator[StoredSet]:
    chunk = json.loads(unpacked(item["sets"]))
    changes = chunk["changed"]
    # An item's id and time of change go into its JSON unquoted (`sets.items.ItemFactory`):
    # what comes back from the table must still be of the form this program gave them.
    if not all(_CHANGED.fullmatch(changed) for changed in changes):
        raise ValueError(f"a manifest chunk of {source} holds a malformed time of change")
    for set_id, stage, start, length, artist, content, cancelled, sequence, changed in chunk["sets"]:
        if not SET_ID.fullmatch(set_id):
            raise ValueError(f"a manifest chunk of {source} holds the malformed set id {set_id!r}")
        yield StoredSet(
            stage, start, start + length, artist, content, source, set_id, bool(cancelled), sequence, changes[changed]
        )


def manifest_keys(source: str, manifest: Manifest) -> list[Key]:
    """The keys of a manifest's chunks (to delete them once another is current)."""
    return [item_key(MANIFEST + source, f"{manifest.run}#{number:05d}") for number in range(manifest.chunks)]


class SourceRecords(BookkeepingTable):
    """Reads the per-object records and manifests; writes only the status once announced
    (everything else is written through the unit of work)."""

    @staticmethod
    def key(source: str) -> Key:
        return item_key(SOURCE, source)

    @staticmethod
    def decode(item: dict[str, Any] | None) -> SourceRecord | None:
        if not item:
            return None
        manifest = item.get("manifest", {}).get("M")
        return SourceRecord(
            processed={name: value["S"] for name, value in item.get("processed", {}).get("M", {}).items()},
            live=item.get("live", {}).get("BOOL", False),
            status=item.get("status", {}).get("S", ""),
            summary=json.loads(item.get("summary", {}).get("S", "{}")),
            manifest=None
            if manifest is None
            else Manifest(manifest["run"]["S"], int(manifest["chunks"]["N"]), int(manifest["sets"]["N"])),
            release=item.get("release", {}).get("S", ""),
            plan=item.get("plan", {}).get("S", ""),
        )

    @staticmethod
    def encode(source: str, state: SourceRecord) -> dict[str, Any]:
        item: dict[str, Any] = {
            **item_key(SOURCE, source),
            "processed": {"M": {name: {"S": value} for name, value in state.processed.items()}},
            "live": {"BOOL": state.live},
            "status": {"S": state.status},
            "summary": {"S": json.dumps(state.summary, ensure_ascii=False, separators=(",", ":"))},
        }
        if state.manifest is not None:
            item["manifest"] = {
                "M": {
                    "run": {"S": state.manifest.run},
                    "chunks": {"N": str(state.manifest.chunks)},
                    "sets": {"N": str(state.manifest.sets)},
                }
            }
        for name in ("release", "plan"):
            if getattr(state, name):
                item[name] = {"S": getattr(state, name)}
        return item

    def record(self, source: str) -> SourceRecord | None:
        return self.decode(self.get(self.key(source), consistent=True))

    def live_version(self, source: str) -> str:
        """The version of a source its live sets come from (its version id; its ETag in an
        unversioned bucket), or "" when it has no record: only that, not the whole record."""
        item = self.client.get_item(
            TableName=self.table,
            Key=self.key(source),
            ProjectionExpression="#p",
            ExpressionAttributeNames={"#p": "processed"},
            ConsistentRead=True,
        ).get("Item")
        record = self.decode(item)
        return version_of(record.processed) if record else ""

    def records(self, sources: list[str]) -> dict[str, SourceRecord]:
        found = self.read(*(self.key(source) for source in sources))
        decoded = {source: self.decode(item) for source, item in zip(sources, found, strict=True)}
        return {source: state for source, state in decoded.items() if state is not None}

    def manifest(self, source: str, state: SourceRecord | None) -> list[StoredSet]:
        """The sets a source's record says are live (one Query per MB of manifest)."""
        if state is None or state.manifest is None:
            return []
        return [
            stored
            for item in self.partition(MANIFEST + source, begins=f"{state.manifest.run}#")
            for stored in _decode_chunk(item, source)
        ]

    def set_status(self, source: str, status: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=self.key(source),
            UpdateExpression="SET #s = :status",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )
