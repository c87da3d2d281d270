"""The rules of an edit, pure: where an edited set goes, which sets a stage's delay moves,
and whether the file the edit makes is one the ingest takes with exactly that change.

The ingest's rules are the rules. The edit is written into the set's own file
(`timetable.cells`), and the file is read back by the ingest's reader and planned as an
upload (`ingest.plan`): the edit is refused when a row it moves is rejected (an overlap, a
set of more than 12 hours, a name no feed can carry: the ingest's own reason), when a row
the current version accepts would be rejected, when the plan would take another file's
set out of its slot, or when a set would not keep its id. One rule is the edit's own: a
set stays in its festival day, so `start` is read within the set's day and a delay past
the day change is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib.edits.model import Edit, StageDelay
from chalicelib.ingest.plan import Plan
from chalicelib.sets.changes import REMOVED
from chalicelib.sets.model import Set, Slot
from chalicelib.timetable import clock
from chalicelib.timetable.cells import Refusal, RowChange, TimetableFile
from chalicelib.timetable.rows import Performance, Rejection
from chalicelib.timetable.text import shown


@dataclass(frozen=True)
class Refused:
    """Why an edit cannot be made: in words, and where (the file, the line, the columns)."""

    reason: str
    source: str = ""
    line: int = 0
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileEdit:
    """One file's next version as an edit makes it, and where each set it moves now is."""

    source: str
    data: bytes
    moved: dict[str, Slot]  # set id -> its slot in the new version
    lines: dict[str, int]  # set id -> its row's line


def placed(current: Set, edit: Edit, day_change: int) -> RowChange | Refused:
    """Where and how `edit` puts the set: within its festival day."""
    start, end = current.start, current.end
    if edit.delay is not None:
        start, end = start + edit.delay, end + edit.delay
    if edit.start is not None:
        start = _in_day(current.day, edit.start, day_change)
    if edit.start is not None or edit.end is not None:  # the end is the next time it names, as in a file
        end = start + ((end if edit.end is None else edit.end) - start) % clock.MINUTES_PER_DAY
    if clock.festival_day(start, day_change) != current.day:
        return _past_day_change(current, start, day_change)
    return RowChange(stage=edit.stage, start=start, end=end, cancelled=edit.cancelled)


def delayed(sets: Iterable[Set], delay: StageDelay, day_change: int) -> list[tuple[Set, RowChange]] | Refused:
    """The sets a stage delay moves (those on its stage starting at or after `since`, in that
    festival day; cancelled ones too, so that none is left in a slot another moves into),
    each with its new place."""
    day = clock.festival_day(delay.since, day_change)
    _, day_end = clock.day_bounds(day, day_change)
    moved = sorted(
        (s for s in sets if s.stage == delay.stage and delay.since <= s.start < day_end),
        key=lambda s: s.start,
    )
    if not moved:
        return Refused(
            f"no set on {shown(delay.stage)} starts at or after {clock.iso(delay.since)} in festival day "
            f"{clock.iso_date(day)}"
        )
    found = []
    for current in moved:
        start = current.start + delay.minutes
        if clock.festival_day(start, day_change) != current.day:
            return _past_day_change(current, start, day_change)
        found.append((current, RowChange(start=start, end=current.end + delay.minutes)))
    return found


def edited_file(
    source: str, data: bytes, changes: Sequence[tuple[Set, RowChange]], day_change: int
) -> FileEdit | Refused:
    """The file's next version with these sets' rows changed, refused when the ingest would
    read it otherwise than as exactly that change."""
    file = TimetableFile.read(data, day_change)
    if isinstance(file, Refusal):
        return Refused(f"{source} cannot be read: {file.reason}", source)
    lines: dict[str, int] = {}
    for current, _ in changes:
        line = file.line_of(current.stage, current.start)
        if line is None:
            return Refused(
                f"{source} holds no row the timetable accepts for {shown(current.artist)} on "
                f"{shown(current.stage)} at {clock.iso(current.start)}: a rejected row keeps the set live as it "
                "was; fix that row in the file and upload it first",
                source,
            )
        lines[current.id] = line
    data_after = file.rewritten({lines[current.id]: change for current, change in changes})
    if isinstance(data_after, Refusal):
        columns = (data_after.column,) if data_after.column else ()
        return Refused(f"{source}: {data_after.reason}", source, data_after.line, columns)
    if data_after == data:
        return Refused("nothing changes: the set is already so", source)
    after = TimetableFile.read(data_after, day_change)
    if isinstance(after, Refusal):  # the cells module wrote what the reader refuses: never expected
        return Refused(f"{source} would not be readable: {after.reason}", source)
    before, rows = file.rows(), after.rows()
    slots: dict[str, Slot] = {}
    for current, _ in changes:
        line = lines[current.id]
        row = rows.get(line)
        if not isinstance(row, Performance):
            if isinstance(row, Rejection):
                return Refused(f"{shown(current.artist)} (line {line}) {row.reason}", source, line, row.columns)
            return Refused(f"{shown(current.artist)} (line {line}) would hold no set", source, line)
        slots[current.id] = (row.stage, row.start)
    for line, row in sorted(rows.items()):
        if isinstance(row, Rejection) and isinstance(before.get(line), Performance):
            return Refused(f"line {line}, live now, would be rejected: {row.reason}", source, line, row.columns)
    return FileEdit(source, data_after, slots, lines)


def reviewed(plan: Plan, edit: FileEdit) -> Refused | None:
    """Whether the upload plan of the edited file makes exactly the edit: it takes no other
    set's slot and every edited set keeps its id."""
    for change in plan.changes.changes:
        if change.kind != REMOVED:
            continue
        gone = change.set
        if gone.source != edit.source:
            return Refused(
                f"{shown(gone.artist)}'s set from {gone.source} is on {shown(gone.stage)} at {clock.iso(gone.start)}: "
                "a set moved there would take its slot (and remove it); move that set first, or choose another time",
                edit.source,
            )
        return Refused(f"{shown(gone.artist)}'s set would be removed, not moved", edit.source)
    live = {s.id: s.slot for s in plan.sets}
    for set_id, slot in edit.moved.items():
        if live.get(set_id) != slot:
            return Refused(
                f"the set on line {edit.lines[set_id]} would not keep its id (its artist plays again in the file "
                "and the two would swap): edit the file and upload it",
                edit.source,
                edit.lines[set_id],
            )
    return None


def _in_day(day: int, minutes: int, day_change: int) -> int:
    """A time as a `day` column reads it: before the day change, the night after the day
    (24:00-29:59 say the same)."""
    moment = day * clock.MINUTES_PER_DAY + minutes
    return moment + clock.MINUTES_PER_DAY if minutes < day_change else moment


def _past_day_change(current: Set, start: int, day_change: int) -> Refused:
    return Refused(
        f"{shown(current.artist)} would start at {clock.iso(start)}, outside festival day "
        f"{clock.iso_date(current.day)} (the day changes at {clock.hh_mm(day_change)}): a set is edited within "
        "its day; to move it to another day, edit the file and upload it",
        current.source,
        columns=("start",),
    )
