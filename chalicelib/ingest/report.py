"""The report of one ingest (or one validation): what was accepted, what was rejected
and why, what changed. The Lambda writes it beside the upload; the CLI prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chalicelib.storage.performances import changed_fields
from chalicelib.storage.sources import StoredSet
from chalicelib.timetable import clock

MAX_ERRORS = 1000
OK, PARTIAL, FAILED, REMOVED = "ok", "partial", "failed", "removed"
ERROR = "error"  # a transient AWS failure: Lambda retries, and the retry replaces this report


NEW, MOVED, CHANGED, CANCELLED, GONE, UNCHANGED = "new", "moved", "changed", "cancelled", "removed", "unchanged"
KINDS = (NEW, MOVED, CHANGED, CANCELLED, GONE, UNCHANGED)
MAX_LISTED_CHANGES = 1000  # the report lists this many; the counts are always complete


def _where(stored: StoredSet) -> dict[str, str]:
    return {"stage": stored.stage, "start": clock.iso(stored.start), "end": clock.iso(stored.end)}


@dataclass
class Changelog:
    """What a new version of a file changed, set by set: the release's entries.

    Sets are matched by their stable id (see `ingest.identity`): `new`, `moved` (with
    where `from`), `changed` (with which `fields`), `cancelled`, `removed`; unchanged
    sets are only counted.
    """

    counts: Counter[str] = field(default_factory=Counter)
    entries: list[dict[str, Any]] = field(default_factory=list)

    def compare(self, new: StoredSet, previous: StoredSet | None) -> str:
        """Record how a set of the new version differs from the one it continues; returns
        the kind of change (`unchanged` too)."""
        if previous is None:
            self._add(NEW, new)
            return NEW
        moved = (previous.stage, previous.start) != (new.stage, new.start)
        fields = changed_fields(previous, new)
        if moved and new.end - new.start == previous.end - previous.start:
            fields = [name for name in fields if name != "end"]  # it only moved with the start
        if new.cancelled and not previous.cancelled:
            kind = CANCELLED
        elif moved:
            kind = MOVED
        else:
            kind = CHANGED if fields else UNCHANGED
        self._add(kind, new, previous if moved else None, fields)
        return kind

    def removed(self, gone: StoredSet) -> None:
        self._add(GONE, gone)

    def _add(
        self, kind: str, stored: StoredSet, origin: StoredSet | None = None, fields: list[str] | None = None
    ) -> None:
        self.counts[kind] += 1
        if kind == UNCHANGED or len(self.entries) >= MAX_LISTED_CHANGES:
            return
        entry: dict[str, Any] = {
            "change": kind,
            "id": stored.id,
            "artist": stored.artist,
            **_where(stored),
            "status": CANCELLED if stored.cancelled else "scheduled",
        }
        if origin is not None:
            entry["from"] = _where(origin)
        if fields:
            entry["fields"] = list(fields)
        self.entries.append(entry)

    @property
    def total(self) -> int:
        return sum(count for kind, count in self.counts.items() if kind != UNCHANGED)

    def as_dict(self) -> dict[str, int]:
        return {kind: self.counts[kind] for kind in KINDS}


@dataclass
class Report:
    """Built row by row; `as_dict()` is what users see."""

    source: dict[str, Any]
    accepted: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    status_override: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    changes: Changelog | None = None

    def describe(self, encoding: str, delimiter: str, warnings: list[str]) -> None:
        """Record how the file was read."""
        self.details.update(encoding=encoding, delimiter=delimiter)
        self.warnings.extend(warnings)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "reason": reason})

    def fail(self, reason: str) -> None:
        self.reason = reason

    @property
    def status(self) -> str:
        if self.status_override:
            return self.status_override
        if self.reason or (self.rejected and not self.accepted):
            return FAILED
        return PARTIAL if self.rejected else OK

    def as_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {"status": self.status}
        if self.status in (FAILED, ERROR):
            report["reason"] = self.reason or f"every one of the {self.rejected:,} data rows was rejected"
        report.update(
            source=self.source,
            accepted=self.accepted,
            rejected=self.rejected,
            errors=self.errors,
            errors_truncated=self.rejected > len(self.errors),
            warnings=self.warnings,
        )
        if self.changes is not None:
            report["changes"] = self.changes.as_dict()
            report["changelog"] = self.changes.entries
            report["changelog_truncated"] = self.changes.total > len(self.changes.entries)
        report.update(self.details)
        return report
