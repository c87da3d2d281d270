"""The report of one ingest (or one validation): what was accepted, what was rejected
and why, what changed. The Lambda writes it beside the upload; the CLI prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chalicelib.settings import REPORT_PREFIX, UPLOAD_PREFIX

MAX_ERRORS = 1000
OK, PARTIAL, FAILED, REMOVED = "ok", "partial", "failed", "removed"
ERROR = "error"  # a transient AWS failure: Lambda retries, and the retry replaces this report


def report_key(upload_key: str) -> str:
    """`uploads/day 1.csv` -> `reports/day 1.csv.json`."""
    name = upload_key[len(UPLOAD_PREFIX) :] if upload_key.startswith(UPLOAD_PREFIX) else upload_key
    return f"{REPORT_PREFIX}{name}.json"


@dataclass
class Changes:
    """How a new version of a file differs from the previous one.

    A set is identified by stage and start. A set that disappears from one slot and
    appears in another of the same stage with the same artist counts as moved.
    """

    changed: int = 0
    unchanged: int = 0
    _added: Counter[tuple[str, str]] = field(default_factory=Counter)
    _removed: Counter[tuple[str, str]] = field(default_factory=Counter)
    _added_total: int = 0
    _removed_total: int = 0
    track_moves: bool = True

    def added(self, stage: str, artist: str) -> None:
        self._added_total += 1
        if self.track_moves:
            self._added[stage, artist] += 1

    def removed(self, stage: str, artist: str) -> None:
        self._removed_total += 1
        self._removed[stage, artist] += 1

    def as_dict(self) -> dict[str, int]:
        moved = sum(min(count, self._removed[pair]) for pair, count in self._added.items() if pair in self._removed)
        return {
            "added": self._added_total - moved,
            "moved": moved,
            "changed": self.changed,
            "removed": self._removed_total - moved,
            "unchanged": self.unchanged,
        }


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
    changes: Changes | None = None

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
        report.update(self.details)
        return report
