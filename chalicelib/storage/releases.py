"""The festival's releases (`release/<id>` in the bookkeeping table): one per processed
version that changed what is live, with its counts and its first changes; every change
is kept, in pages of 50 (`changes#<run>/<n>`), written before the release is.

A release id is the UTC time its run committed, to the millisecond
(`2026-06-26T18:04:05.123Z`), and each is later than the one before (see
`next_release_id`): so "what came after release X" and "what was committed after this
moment" are the same one-Query key range.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.sets.changes import Change, change_json
from chalicelib.sets.model import StoredSet
from chalicelib.storage.bookkeeping import BookkeepingTable, Key, item_key, packed, unpacked

KIND = "release"
CHANGES = "changes#"
RELEASE_ID = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
PAGE_CHANGES = 50  # changes per page of `/changes/{release}`, and per stored chunk
INLINE_CHANGES = 20  # the first changes a release shows in `/changes` itself
MAX_INLINE_BYTES = 24_000


def release_id(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_release_id(now: datetime, latest: str) -> str:
    """`now` as a release id, or a millisecond after `latest` if that is not earlier."""
    candidate = release_id(now)
    if latest and candidate <= latest:
        candidate = release_id(datetime.fromisoformat(latest) + timedelta(milliseconds=1))
    return candidate


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def change_pages(run: str, changes: list[Change]) -> list[dict[str, Any]]:
    """The items that keep a run's changes, PAGE_CHANGES a page, each change a compact row
    (a page stays under 256 KB even of the longest names, and compresses well)."""
    return [
        {
            **item_key(CHANGES + run, f"{number:05d}"),
            "changes": packed(_json([_row(change) for change in changes[first : first + PAGE_CHANGES]])),
        }
        for number, first in enumerate(range(0, len(changes), PAGE_CHANGES))
    ]


def _row(change: Change) -> list[Any]:
    stored, origin = change.set, change.origin
    row: list[Any] = [
        change.kind,
        stored.id,
        stored.artist,
        stored.stage,
        stored.start,
        stored.end,
        int(stored.cancelled),
    ]
    row.append(list(change.fields))
    if origin is not None:
        row += [origin.stage, origin.start, origin.end]
    return row


def _change(row: list[Any]) -> dict[str, Any]:
    """A compact row as the API shows the change (`sets.changes.change_json`)."""
    kind, set_id, artist, stage, start, end, cancelled, fields, *origin = row
    stored = StoredSet(stage, start, end, artist, "", id=set_id, cancelled=bool(cancelled))
    moved_from = StoredSet(origin[0], origin[1], origin[2], artist, "") if origin else None
    return change_json(Change(kind, stored, moved_from, tuple(fields)))


@dataclass
class Release:
    """One release: where it came from, what it changed, how much."""

    release: str
    source: str
    run: str
    counts: dict[str, int]
    changes: list[dict[str, Any]] = field(default_factory=list)  # the first ones
    total: int = 0  # changes in all
    pages: int = 0  # pages of changes
    report: str = ""
    note: str = ""
    # How it came (`ingest.authorship`): upload, publish, rollback, edit or removal; the
    # organiser who made it ("" for the bucket's); the release it rolls back; the object
    # version it made live ("" for a removal). Never shown by the public API.
    action: str = "upload"
    author: str = ""
    rollback_of: str = ""
    version: str = ""

    @property
    def complete(self) -> bool:
        return len(self.changes) == self.total

    def as_json(self, base: str) -> dict[str, Any]:
        shown: dict[str, Any] = {"release": self.release, "at": self.release, "source": self.source}
        if self.note:
            shown["note"] = self.note
        shown["counts"] = self.counts
        shown["total"] = self.total
        shown["changes"] = self.changes
        shown["complete"] = self.complete
        shown["all_changes"] = f"{base}/changes/{self.release}"
        return shown


def inline(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first changes a release item holds itself."""
    shown: list[dict[str, Any]] = []
    size = 0
    for change in changes[:INLINE_CHANGES]:
        size += len(_json(change).encode("utf-8", "surrogateescape"))
        if size > MAX_INLINE_BYTES:
            break
        shown.append(change)
    return shown


@dataclass(frozen=True)
class ReleasePage:
    releases: list[Release]
    last_key: Key | None


class Releases(BookkeepingTable):
    """Reads the releases (the ingest writes each when it commits)."""

    @staticmethod
    def encode(release: Release) -> dict[str, Any]:
        item: dict[str, Any] = {
            **item_key(KIND, release.release),
            "source": {"S": release.source},
            "run": {"S": release.run},
            "counts": {"S": _json(release.counts)},
            "changes": {"S": _json(release.changes)},
            "total": {"N": str(release.total)},
            "pages": {"N": str(release.pages)},
            "report": {"S": release.report},
        }
        if release.note:
            item["note"] = {"S": release.note}
        item["action"] = {"S": release.action}
        for name in ("author", "rollback_of", "version"):
            if getattr(release, name):
                item[name] = {"S": getattr(release, name)}
        return item

    @staticmethod
    def decode(item: dict[str, Any]) -> Release:
        return Release(
            release=item["sk"]["S"],
            source=item["source"]["S"],
            run=item["run"]["S"],
            counts=json.loads(item["counts"]["S"]),
            changes=json.loads(item["changes"]["S"]),
            total=int(item["total"]["N"]),
            pages=int(item["pages"]["N"]),
            report=item.get("report", {}).get("S", ""),
            note=item.get("note", {}).get("S", ""),
            action=item.get("action", {}).get("S", "upload"),
            author=item.get("author", {}).get("S", ""),
            rollback_of=item.get("rollback_of", {}).get("S", ""),
            version=item.get("version", {}).get("S", ""),
        )

    def newest(self, *, after: str | None, limit: int, start_key: Key | None = None) -> ReleasePage:
        """One page of releases, newest first; with `after`, only those committed after it."""
        items, last = self.page(KIND, limit=limit, after=start_key, newest_first=True, above=after)
        return ReleasePage([self.decode(item) for item in items], last)

    def release(self, release: str, *, consistent: bool = False) -> Release | None:
        item = self.get(item_key(KIND, release), consistent=consistent)
        return None if item is None else self.decode(item)

    def changes(self, release: Release, page: int, *, consistent: bool = False) -> list[dict[str, Any]]:
        """One page of a release's changes (one GetItem)."""
        item = self.get(item_key(CHANGES + release.run, f"{page:05d}"), consistent=consistent)
        return [] if item is None else [_change(row) for row in json.loads(unpacked(item["changes"]))]
