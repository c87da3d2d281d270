"""One record per uploaded object (`source/<object key>`): which version of it is live, what
came of it, and the sets it put in the table (its manifest), so that the next version is
compared with the last one without reading the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.storage.bookkeeping import BookkeepingTable, item_key

# A manifest larger than this is not kept (a DynamoDB item holds at most 400 KB);
# the next run then reads the source's stages from the table instead.
MAX_MANIFEST_BYTES = 300_000


@dataclass(frozen=True, slots=True)
class StoredSet:
    """A set in the table, as the ingest compares it with a new row."""

    stage: str
    start: int
    end: int
    artist: str
    content: str  # digests of genre and notes (see storage.performances.content_digest)
    source: str = ""
    id: str = ""
    cancelled: bool = False
    sequence: int = 0  # how many times the set changed since it was new (iCalendar's SEQUENCE)
    changed: str = ""  # the release that last changed it


@dataclass
class SourceState:
    """What is remembered about one uploaded object."""

    processed: dict[str, str] = field(default_factory=dict)  # the version last handled: version_id, etag, uploaded
    live: bool = False  # whether sets of this source are in the table
    status: str = ""
    stages: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    sets: list[StoredSet] | None = None  # None: not kept (too large), read the stages instead
    in_progress: str = ""  # a run began writing and has not finished: its writes may be anywhere


def encode_sets(sets: list[StoredSet]) -> str | None:
    """The manifest, compactly: moments as ints, a length for the end, and each set's last
    release as an index into the few releases the file's sets share. None when too large."""
    releases = sorted({s.changed for s in sets})
    position = {release: index for index, release in enumerate(releases)}
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
    text = json.dumps({"releases": releases, "sets": entries}, ensure_ascii=False, separators=(",", ":"))
    return text if len(text.encode()) <= MAX_MANIFEST_BYTES else None


def _decode_sets(text: str, source: str) -> list[StoredSet]:
    manifest = json.loads(text)
    releases = manifest["releases"]
    return [
        StoredSet(stage, start, start + length, artist, content, source, set_id, bool(cancelled), sequence, releases[r])
        for set_id, stage, start, length, artist, content, cancelled, sequence, r in manifest["sets"]
    ]


class SourceRecords(BookkeepingTable):
    """Reads and writes the per-object records."""

    @staticmethod
    def key(source: str) -> dict[str, dict[str, str]]:
        return item_key("source", source)

    @staticmethod
    def decode(source: str, item: dict[str, Any] | None) -> SourceState | None:
        if not item:
            return None
        sets = item.get("sets", {}).get("S")
        return SourceState(
            processed={name: value["S"] for name, value in item.get("processed", {}).get("M", {}).items()},
            live=item.get("live", {}).get("BOOL", False),
            status=item.get("status", {}).get("S", ""),
            stages=[value["S"] for value in item.get("stages", {}).get("L", [])],
            summary=json.loads(item.get("summary", {}).get("S", "{}")),
            sets=None if sets is None else _decode_sets(sets, source),
            in_progress=item.get("in_progress", {}).get("S", ""),
        )

    @staticmethod
    def encode(source: str, state: SourceState) -> dict[str, Any]:
        item: dict[str, Any] = {
            **item_key("source", source),
            "processed": {"M": {name: {"S": value} for name, value in state.processed.items()}},
            "live": {"BOOL": state.live},
            "status": {"S": state.status},
            "stages": {"L": [{"S": stage} for stage in state.stages]},
            "summary": {"S": json.dumps(state.summary, ensure_ascii=False)},
        }
        manifest = None if state.sets is None else encode_sets(state.sets)
        if manifest is not None:
            item["sets"] = {"S": manifest}
        if state.in_progress:
            item["in_progress"] = {"S": state.in_progress}
        return item

    def mark_in_progress(self, source: str, run: str) -> None:
        """Note, before the first write, that a run is writing this source's sets: if it
        dies, the next run looks for what it wrote on every stage."""
        self.client.update_item(
            TableName=self.table,
            Key=self.key(source),
            UpdateExpression="SET in_progress = :run",
            ExpressionAttributeValues={":run": {"S": run}},
        )

    def set_status(self, source: str, status: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=self.key(source),
            UpdateExpression="SET #s = :status",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )
