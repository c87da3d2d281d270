"""What a new version of a file changed, set by set: a release's changelog.

Sets are matched by their stable id (see `sets.identity`): `new`, `moved` (with where
`from`), `changed` (with which `fields`), `cancelled`, `removed`; unchanged sets are only
counted. Every change is kept (a release lists them all, in pages); they are held as
small tuples and turned into JSON only when written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chalicelib.sets.model import CANCELLED, SCHEDULED, StoredSet, changed_fields
from chalicelib.timetable import clock

NEW, MOVED, CHANGED, CANCELLED_KIND, REMOVED, UNCHANGED = "new", "moved", "changed", "cancelled", "removed", "unchanged"
KINDS = (NEW, MOVED, CHANGED, CANCELLED_KIND, REMOVED, UNCHANGED)


class Change(NamedTuple):
    kind: str
    set: StoredSet
    origin: StoredSet | None = None  # where a moved set was
    fields: tuple[str, ...] = ()


def _where(stored: StoredSet) -> dict[str, str]:
    return {"stage": stored.stage, "start": clock.iso(stored.start), "end": clock.iso(stored.end)}


def change_json(change: Change) -> dict[str, Any]:
    """One change as the report, the release and `/changes` show it."""
    stored = change.set
    entry: dict[str, Any] = {
        "change": change.kind,
        "id": stored.id,
        "artist": stored.artist,
        **_where(stored),
        "status": CANCELLED if stored.cancelled else SCHEDULED,
    }
    if change.origin is not None:
        entry["from"] = _where(change.origin)
    if change.fields:
        entry["fields"] = list(change.fields)
    return entry


@dataclass
class Changelog:
    """The changes of one version, in the order they were found."""

    counts: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)

    def compare(self, new: StoredSet, previous: StoredSet | None) -> str:
        """Record how a set of the new version differs from the one it continues; returns
        the kind of change (`unchanged` too)."""
        if previous is None:
            self._add(Change(NEW, new))
            return NEW
        moved = previous.slot != new.slot
        fields = changed_fields(previous, new)
        if moved and new.end - new.start == previous.end - previous.start:
            fields = [name for name in fields if name != "end"]  # it only moved with the start
        if new.cancelled and not previous.cancelled:
            kind = CANCELLED_KIND
        elif moved:
            kind = MOVED
        else:
            kind = CHANGED if fields else UNCHANGED
        self._add(Change(kind, new, previous if moved else None, tuple(fields)))
        return kind

    def removed(self, gone: StoredSet) -> None:
        self._add(Change(REMOVED, gone))

    def _add(self, change: Change) -> None:
        self.counts[change.kind] += 1
        if change.kind != UNCHANGED:
            self.changes.append(change)

    @property
    def total(self) -> int:
        return len(self.changes)

    def as_dict(self) -> dict[str, int]:
        """The count of every kind, unchanged sets too."""
        return {kind: self.counts[kind] for kind in KINDS}

    def entries(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The changes as JSON, the first `limit` of them."""
        for change in self.changes[:limit]:
            yield change_json(change)
