"""The report of one ingest (or one validation): what was accepted, what was rejected
and why, what changed. The Lambda writes it beside the upload; the CLI prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.sets.changes import Changelog
from chalicelib.timetable.problems import Problem, coded

MAX_ERRORS = 1000
MAX_LISTED_CHANGES = 1000  # the report lists this many; the release keeps them all
OK, PARTIAL, FAILED, REMOVED = "ok", "partial", "failed", "removed"
ERROR = "error"  # a transient AWS failure: Lambda retries, and the retry replaces this report


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

    def reject(self, line: int, reason: str, columns: tuple[str, ...] = (), problems: tuple[Problem, ...] = ()) -> None:
        """A rejected row: its English reason and, for a page to translate, each of its
        problems with its code (`code` is the first one's)."""
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            error: dict[str, Any] = {"line": line, "reason": reason}
            if columns:
                error["columns"] = list(columns)
            if problems:
                error["code"] = problems[0].code
                error["problems"] = [problem.as_json() for problem in problems]
            self.errors.append(error)

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
            reason = self.reason or Problem(
                "all-rejected", f"every one of the {self.rejected:,} data rows was rejected", count=self.rejected
            )
            report["reason"] = str(reason)
            if isinstance(reason, Problem):  # its code, for a page to translate it by
                report["reason_code"], report["reason_values"] = reason.code, dict(reason.values)
        report.update(
            source=self.source,
            accepted=self.accepted,
            rejected=self.rejected,
            errors=self.errors,
            errors_truncated=self.rejected > len(self.errors),
            warnings=[str(warning) for warning in self.warnings],
            # The warnings' codes and values, in the same order, for a page to translate them by.
            warning_details=[coded(warning) for warning in self.warnings],
        )
        if self.changes is not None:
            report["changes"] = self.changes.as_dict()
            report["changelog"] = list(self.changes.entries(MAX_LISTED_CHANGES))
            report["changelog_truncated"] = self.changes.total > MAX_LISTED_CHANGES
        report.update(self.details)
        return report
