"""Likely fixes for the mistakes real timetables hold, each with its reason, for a preview to
offer in one tap: an end time typed twelve hours off (a 2022 timetable had four end times
typed `13:45` for `01:45`, each rejected as "would last 14 h 15 min"), an after-midnight set
dated with the evening it follows, a stage one letter from a known stage or with stray spaces.

A fix names one cell (line and column), the text it holds and the text to write instead,
in the cell's own form; `timetable.cells.replace_cells` writes it. A fix is offered only when
the set it makes would take no other set's time (the file's own overlap rule, `Timetable`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from chalicelib.timetable import clock
from chalicelib.timetable.cells import short_hour, time_text
from chalicelib.timetable.rows import Performance, Rejection, Schedule
from chalicelib.timetable.text import shown

MAX_FIXES = 1000  # as many as a report lists rejected rows
_HALF_DAY = clock.MINUTES_PER_DAY // 2
_LINES_PER_STAGE = 100  # the lines of a misspelt stage a preview offers to fix
_SHORTEST_NAME = 4  # shorter names one letter apart are as likely two stages (`Tent` `Tant`?)


@dataclass(frozen=True)
class Fix:
    """Write `suggested` in the cell at `line`, `column` (it holds `value`), because `reason`."""

    line: int
    column: str
    value: str
    suggested: str
    reason: str
    rejected: bool  # the row is rejected (the fix answers its error), or accepted (a warning)

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "suggested": self.suggested,
            "reason": self.reason,
            "rejected": self.rejected,
        }


@dataclass
class _Stage:
    """A stage name as the file writes it: how many rows, and the first of them."""

    rows: int = 0
    sets: list[tuple[int, int, int, bool]] = field(default_factory=list)  # line, start, end, rejected


class Fixes:
    """Notes a file's rows as they are read (`note`), then suggests fixes (`suggest`)."""

    def __init__(self, schedule: Schedule, day_change: int) -> None:
        self._schedule = schedule
        self._day_change = day_change
        self._dated_by_date = "day" not in schedule.columns.index  # (a day column places small hours itself)
        self._rejections: dict[int, Rejection] = {}
        self._small_hours: dict[int, Performance] = {}  # the sets a date may put a day early
        self._stages: dict[str, _Stage] = {}

    def note(self, row: Performance | Rejection) -> None:
        if isinstance(row, Rejection):
            if len(self._rejections) < MAX_FIXES:
                self._rejections[row.line] = row
        elif self._dated_by_date and row.start % clock.MINUTES_PER_DAY < self._day_change:
            self._small_hours[row.line] = row
        if row.stage:
            stage = self._stages.setdefault(row.stage, _Stage())
            stage.rows += 1
            if len(stage.sets) < _LINES_PER_STAGE and row.start is not None:
                end = row.end if isinstance(row, Performance) else row.start
                stage.sets.append((row.line, row.start, end, isinstance(row, Rejection)))

    def suggest(self, festival_stages: Collection[str]) -> tuple[list[Fix], list[str]]:
        """The fixes, by line, and a warning for each stage name that looks misspelt. Call
        after the schedule's `closing_warnings()`: checking a fix claims its time in the
        schedule's timetable, so fixes offered together never overlap each other either."""
        dated_early = self._schedule.dated_a_day_early()
        fixes = [*self._ends(), *self._dates(dated_early)]
        stage_fixes, warnings = self._stage_names(festival_stages)
        fixes = sorted([*fixes, *stage_fixes], key=lambda fix: (fix.line, fix.column))
        return fixes[:MAX_FIXES], warnings

    def _ends(self) -> list[Fix]:
        """An end time twelve hours off: the set would last more than 12 hours, and less
        than 12 ending twelve hours earlier or later."""
        found = []
        for line, rejection in sorted(self._rejections.items()):
            cells = dict(rejection.cells)
            start, end = (clock.parse_time(cells.get(name, "")) for name in ("start", "end"))
            if not isinstance(start, int) or not isinstance(end, int) or rejection.start is None:
                continue
            length = (end - start) % clock.MINUTES_PER_DAY
            if length <= clock.MAX_SET_MINUTES:
                continue
            fixed = (end + _HALF_DAY) % clock.MINUTES_PER_DAY
            shorter = length - _HALF_DAY
            if rejection.stage and not self._free(rejection.stage, rejection.start, shorter, line):
                continue
            suggested = time_text(fixed, cells["end"], short=short_hour(cells["end"]))
            found.append(
                Fix(
                    line,
                    "end",
                    cells["end"],
                    suggested,
                    f"the set would last {_duration(length)}; ending at {suggested} it lasts {_duration(shorter)}: "
                    f"was {cells['end']} typed for {suggested}?",
                    rejected=True,
                )
            )
        return found

    def _dates(self, lines: list[int]) -> list[Fix]:
        """An after-midnight set dated with the evening it follows: the next date."""
        found = []
        for line in lines:
            row: Performance | Rejection | None = self._small_hours.get(line) or self._rejections.get(line)
            if row is None or row.start is None:
                continue
            length = row.end - row.start if isinstance(row, Performance) else 0
            day = row.start // clock.MINUTES_PER_DAY
            if not self._free(row.stage, row.start + clock.MINUTES_PER_DAY, length, line):
                continue
            written, following = clock.iso_date(day), clock.iso_date(day + 1)
            found.append(
                Fix(
                    line,
                    "date",
                    written,
                    following,
                    f"{clock.hh_mm(row.start)} on {written} is the small hours before that day's evening; a set after "
                    f"the evening of {written} is dated {following}",
                    rejected=isinstance(row, Rejection),
                )
            )
        return found

    def _stage_names(self, festival_stages: Collection[str]) -> tuple[list[Fix], list[str]]:
        """A stage name with stray spaces, or one letter from a stage the festival has, or
        from one the file writes more often."""
        known = set(festival_stages)
        fixes, warnings = [], []
        for name, stage in sorted(self._stages.items()):
            if name in known:
                continue
            meant = [
                (other, how)
                for other in sorted(known | set(self._stages))
                if (other in known or self._stages[other].rows > stage.rows) and (how := _near(name, other))
            ]
            if len(meant) != 1:  # none, or no telling which
                continue
            other, how = meant[0]
            where = "the festival has" if other in known else f"{self._stages[other].rows:,} rows of the file name"
            reason = f"stage {shown(name)} {how} the stage {shown(other)}, which {where}: a typo?"
            lines = []
            for line, start, end, rejected in stage.sets:
                if rejected or self._free(other, start, end - start, line):
                    fixes.append(Fix(line, "stage", name, other, reason, rejected))
                    lines.append(line)
            if lines:
                shown_lines = ", ".join(map(str, lines[:10])) + (", ..." if len(lines) > 10 else "")
                warnings.append(f"{reason} (line {shown_lines})")
        return fixes, warnings

    def _free(self, stage: str, start: int, length: int, line: int) -> bool:
        """Whether a set there takes no other set's time; if so, it takes it (see `suggest`)."""
        if length <= 0:
            return True
        return self._schedule.timetable.claim(stage, start, start + length, line) is None


def _near(name: str, other: str) -> str | None:
    """How `name` is a likely misspelling of `other`, in words, or None."""
    if name == other:
        return None
    if " ".join(name.split()) == " ".join(other.split()):
        return "has stray spaces: it is"
    if min(len(name), len(other)) < _SHORTEST_NAME or abs(len(name) - len(other)) > 1:
        return None
    at = next((i for i, (a, b) in enumerate(zip(name, other, strict=False)) if a != b), min(len(name), len(other)))
    longer = name if len(name) >= len(other) else other
    if len(name) == len(other):
        same = name[at + 1 :] == other[at + 1 :]
    else:
        shorter = other if longer is name else name
        same = longer[at + 1 :] == shorter[at:]
    if not same or longer[at].isdigit() or _alone(longer, at):
        return None  # `Stage 1` and `Stage 2`, `Tent A` and `Tent B` are two stages
    return "is one letter from"


def _alone(text: str, at: int) -> bool:
    """Whether `text[at]` is a word by itself."""
    return (at == 0 or text[at - 1].isspace()) and (at + 1 >= len(text) or text[at + 1].isspace())


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min"
