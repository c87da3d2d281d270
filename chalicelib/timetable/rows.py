"""A timetable CSV -> typed performances, and a reason for every row it rejects.

`read_schedule` checks what must hold before the first data row (encoding, header,
required columns); a string instead of a `Schedule` says why the file fails. Then
`Schedule.rows()` yields, for every non-blank data row, either a `Performance` or a
`Rejection` naming the line on which the row starts. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from chalicelib.timetable import clock
from chalicelib.timetable.overlaps import Timetable
from chalicelib.timetable.problems import Problem
from chalicelib.timetable.text import (
    MAX_LINE_CHARS,
    TextFile,
    bidi_control,
    control_character,
    invisible,
    open_text,
    sniff_delimiter,
    undecodable,
    unsafe_character,
)
from chalicelib.timetable.text import (
    shown as _shown,
)

REQUIRED = ("stage", "date", "start", "end", "artist")
OPTIONAL = ("day", "genre", "notes", "status")
KNOWN = frozenset(REQUIRED + OPTIONAL)
CANCELLED = frozenset({"cancelled", "canceled"})
SCHEDULED = frozenset({"", "scheduled"})
MAX_VALUE_CHARS = 1000
# Timetables are for festivals of this century; other years are typos (0226, 20266).
EARLIEST_DATE, LATEST_DATE = "2000-01-01", "2099-12-31"
_EARLIEST_DAY, _LATEST_DAY = (clock.parse_date_strict(text) for text in (EARLIEST_DATE, LATEST_DATE))
_SHOWN_UNKNOWN = 20
_SHOWN_LINES = 20
# An after-midnight set that starts within this many minutes of another stage's set ending
# continues a night the festival is playing: its date is taken to be meant.
_NIGHT_GAP = 60
_NORMALISED = ("stage", "artist")
# DynamoDB refuses a key over its limit, and would refuse the whole file's writes on every
# retry. Artist is the by_artist index's partition key (at most 2,048 bytes); stage is the
# table's partition key, and also the sort key of the festival index's items (a stage's
# count, its stage-days, its days), so at most 1,024 bytes, DynamoDB's limit for a sort key.
MAX_KEY_BYTES = {"stage": 1024, "artist": 2048}
_KEYS = tuple(MAX_KEY_BYTES)


@dataclass(frozen=True, slots=True)
class Performance:
    """One accepted row. `start`/`end` are festival-local moments (see `clock`)."""

    line: int
    stage: str
    start: int
    end: int
    artist: str
    genre: str = ""
    notes: str = ""
    cancelled: bool = False  # listed, shown as cancelled; frees its slot

    @property
    def date(self) -> str:
        return clock.iso_date(self.start // clock.MINUTES_PER_DAY)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not accepted, and why, in words an organiser can act on."""

    line: int
    reason: str
    artist: str = ""  # when the row names one: its set in the previous version stays live
    stage: str = ""  # where the row puts it, when that much can be read: which set it stands for
    start: int | None = None
    columns: tuple[str, ...] = ()  # the columns the problems are in (the file's cells to fix)
    cells: tuple[tuple[str, str], ...] = ()  # the known columns' values as read, for suggesting a fix
    problems: tuple[Problem, ...] = ()  # the reason's parts, each with its code (a page translates by it)

    def __post_init__(self) -> None:
        if not self.problems and isinstance(self.reason, Problem):
            object.__setattr__(self, "problems", (self.reason,))


@dataclass(frozen=True)
class Columns:
    """Where each known column sits in the header."""

    index: dict[str, int]
    width: int
    ignored: tuple[str, ...]
    names: tuple[str, ...] = ()  # the header as written, for naming a column in a reason

    def name_at(self, position: int) -> str:
        """A column as a reason names it: a known one by its name, another as the header
        writes it, one beyond the header by its number."""
        known = next((name for name, at in self.index.items() if at == position), None)
        if known:
            return known
        written = self.names[position] if position < len(self.names) else ""
        return _shown(written) if written else f"column {position + 1}"

    def warnings(self) -> list[str]:
        if not self.ignored:
            return []
        names = ", ".join(_shown(name) for name in self.ignored[:_SHOWN_UNKNOWN])
        more = len(self.ignored) - _SHOWN_UNKNOWN
        tail = f" and {more:,} more" if more > 0 else ""
        noun = "column" if len(self.ignored) == 1 else "columns"
        return [
            Problem(
                "ignored-columns",
                f"ignored {len(self.ignored):,} unknown {noun}: {names}{tail}",
                count=len(self.ignored),
                names=names,
                more=max(more, 0),
            )
        ]


def resolve_columns(names: list[str]) -> Columns | str:
    """Match header names case-insensitively, ignoring surrounding spaces."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, raw in enumerate(names):
        name = raw.strip().lstrip("\ufeff").strip().lower()
        if name in KNOWN:
            if name in index:
                return Problem(
                    "column-twice",
                    f'the header names the column "{name}" twice (columns {index[name] + 1} and {position + 1})',
                    column=name,
                    first=index[name] + 1,
                    second=position + 1,
                )
            index[name] = position
        elif name:
            ignored.append(raw.strip())
    missing = [name for name in REQUIRED if name not in index and not (name == "date" and "day" in index)]
    if missing:
        found = ", ".join(_shown(n.strip()) for n in names[:_SHOWN_UNKNOWN] if n.strip()) or "nothing"
        noun = "column" if len(missing) == 1 else "columns"
        return Problem(
            "columns-missing",
            f"the header lacks the required {noun} {', '.join(missing)} (found {found}); "
            f"the header must name {', '.join(REQUIRED)} (and may name {', '.join(OPTIONAL)}; "
            "with a day column, date may be left out)",
            columns=", ".join(missing),
            count=len(missing),
            found=found,
            required=", ".join(REQUIRED),
            optional=", ".join(OPTIONAL),
        )
    return Columns(index=index, width=len(names), ignored=tuple(ignored), names=tuple(n.strip() for n in names))


class Schedule:
    """A timetable file whose header has been read; `rows()` reads the rest."""

    def __init__(
        self,
        text: TextFile,
        delimiter: str,
        columns: Columns,
        header_end: int,
        zone: ZoneInfo | None = None,
        day_change: int = clock.DEFAULT_DAY_CHANGE,
    ) -> None:
        self._zone = zone
        self.text = text
        self.delimiter = delimiter
        self.columns = columns
        self._header_end = header_end
        self._day_change = day_change
        self.timetable = Timetable()
        self._dates: dict[str, int | str] = {}
        self._times: dict[str, int | str] = {}
        # Date-only files: sets written in the small hours of their date (see `closing_warnings`).
        self._dated_by_day = "day" in columns.index
        self._small_hours: list[Performance] = []
        self._small_hours_overlapping: list[int] = []

    @property
    def encoding(self) -> str:
        return self.text.encoding

    def warnings(self) -> list[str]:
        """What the header shows about how the file is read."""
        notes: list[str] = []
        if self.encoding != "UTF-8":
            notes.append(
                Problem(
                    "not-utf8",
                    f"the file is not valid UTF-8, so it was read as {self.encoding}",
                    encoding=self.encoding,
                )
            )
        if self.delimiter != ",":
            name = {";": "semicolon", "\t": "tab"}[self.delimiter]
            notes.append(Problem(f"{name}-separated", f"the file is {name}-separated"))
        return notes + self.columns.warnings()

    def rows(self) -> Iterator[Performance | Rejection]:
        """One result per non-blank data row: scheduled sets in file order, then the
        cancelled ones (they free their slot, so they are checked against the rest last)."""
        text = self.text
        reader = csv.reader(text.lines(), delimiter=self.delimiter, strict=True)
        previous_end = self._header_end
        cancelled: list[Performance] = []
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                line, previous_end = previous_end + 1, text.lines_read
                yield Rejection(line, _csv_problem(str(error), self.delimiter))
                continue
            line, previous_end = previous_end + 1, text.lines_read
            if text.overlong_lines and text.overlong_lines[-1] >= line:
                yield Rejection(
                    line,
                    Problem(
                        "line-too-long",
                        f"line {text.overlong_lines[-1]} is longer than {MAX_LINE_CHARS:,} characters",
                        line=text.overlong_lines[-1],
                        most=MAX_LINE_CHARS,
                    ),
                )
                continue
            joined = "".join(fields)
            if not joined.strip():
                continue
            result, small_hours = self._performance(fields, joined, line)
            if isinstance(result, Performance):
                if result.cancelled:
                    cancelled.append(result)
                    continue
                result = self._claim(result, small_hours)
            yield result
        for performance in cancelled:
            yield self._list_cancelled(performance)

    def _claim(self, performance: Performance, small_hours: bool) -> Performance | Rejection:
        """Accept a scheduled set unless it collides. `small_hours`: dated, in a file
        without a day column, with a time before the day change (not 24:00-29:59)."""
        conflict = self.timetable.claim(performance.stage, performance.start, performance.end, performance.line)
        if conflict is None:
            if small_hours:
                self._small_hours.append(performance)
            return performance
        problems: tuple[Problem, ...] = (conflict,)
        if small_hours:
            self._small_hours_overlapping.append(performance.line)
            problems += (self._next_date_hint(performance),)
        return Rejection(
            performance.line,
            "; ".join(problems),
            performance.artist,
            performance.stage,
            performance.start,
            ("stage", "start", "end"),
            problems=problems,
        )

    def _list_cancelled(self, performance: Performance) -> Performance | Rejection:
        taken_by = self.timetable.line_at(performance.stage, performance.start)
        if taken_by is None:
            taken_by = self.timetable.cancel(performance.stage, performance.start, performance.line)
        if taken_by is None:
            return performance
        return Rejection(
            performance.line,
            Problem(
                "cancelled-taken",
                f"is cancelled, and line {taken_by} has a set on {_shown(performance.stage)} starting "
                f"{clock.iso(performance.start)} too; the timetable keeps one set per stage and start: "
                "delete the cancelled row (its set is then listed as removed)",
                line=taken_by,
                stage=performance.stage,
                start=clock.iso(performance.start),
            ),
            performance.artist,
            performance.stage,
            performance.start,
            ("status",),
        )

    def _next_date_hint(self, performance: Performance) -> Problem:
        written = clock.iso_date(performance.start // clock.MINUTES_PER_DAY)
        following = clock.iso_date(performance.start // clock.MINUTES_PER_DAY + 1)
        return Problem(
            "small-hours-date",
            f"its date {written} makes it the small hours before that day's evening; if it follows the evening "
            f"of {written}, write {following} as its date, or add a day column with the festival day",
            date=written,
            following=following,
        )

    def closing_warnings(self) -> list[str]:
        """What only the whole file shows (call after `rows()`): after-midnight sets
        dated like the evening they follow, which the date column reads as the night before.

        A set starting before the day change, in a file without a day column, is taken
        at its written date. When such sets fall where their stage plays nothing that
        night (or overlap its previous night) while the same stage plays the evening of
        the written date, the file most likely lists them under their festival day.
        """
        lines, stranded = self._dated_a_day_early()
        if not lines:
            return []
        shown = ", ".join(str(line) for line in lines[:_SHOWN_LINES]) + (", ..." if len(lines) > _SHOWN_LINES else "")
        example = stranded[0] if stranded else None
        because = (
            f"line {example.line} ({_shown(example.artist)} on {_shown(example.stage)}, {clock.iso(example.start)}) "
            f"falls in the night of {clock.iso_date(example.start // clock.MINUTES_PER_DAY - 1)}, when that stage "
            "plays nothing else"
            if example
            else f"line {self._small_hours_overlapping[0]} overlaps its stage's previous night"
        )
        noun = "set" if len(lines) == 1 else "sets"
        return [
            Problem(
                "dated-day-early",
                f"{len(lines):,} after-midnight {noun} (line {shown}) may be dated with the festival day "
                f"they belong to: each was read as the small hours *before* its date's evening, and {because}. "
                "If they follow the evening of the date written, add a day column with the festival day "
                f"(the day changes at {clock.hh_mm(self._day_change)}), or write the next date, or write the time "
                "as 24:00 to 29:59",
                count=len(lines),
                lines=shown,
                change=clock.hh_mm(self._day_change),
            )
        ]

    def dated_a_day_early(self) -> list[int]:
        """The lines of the after-midnight sets most likely dated with the evening they follow
        (call after `rows()`): of those `closing_warnings` names, the ones in a night their
        stage plays nothing else, and the ones rejected for overlapping its previous night."""
        _, stranded = self._dated_a_day_early()
        return sorted({p.line for p in stranded} | set(self._small_hours_overlapping))

    def _dated_a_day_early(self) -> tuple[list[int], list[Performance]]:
        """Those lines, and the sets among them that fall where their stage plays nothing."""
        suspects = [p for p in self._small_hours if self._plays_evening_of(p)]
        stranded = [p for p in suspects if not self._played_before_midnight(p)]
        if not stranded and not self._small_hours_overlapping:
            return [], []
        return sorted({p.line for p in suspects} | set(self._small_hours_overlapping)), stranded

    def _plays_evening_of(self, performance: Performance) -> bool:
        """Whether the stage plays later on the date written (its evening)."""
        date = performance.start // clock.MINUTES_PER_DAY
        evening = clock.day_bounds(date, self._day_change)
        return self.timetable.starts_between(performance.stage, *evening)

    def _played_before_midnight(self, performance: Performance) -> bool:
        """Whether the set's literal night was already under way: its stage played the
        evening before, or the festival was still playing (on any stage) when it starts."""
        midnight = performance.start // clock.MINUTES_PER_DAY * clock.MINUTES_PER_DAY
        evening = midnight - clock.MINUTES_PER_DAY + self._day_change
        return self.timetable.starts_between(performance.stage, evening, midnight) or self.timetable.plays_into(
            evening, performance.start, _NIGHT_GAP
        )

    def _performance(self, fields: list[str], joined: str, line: int) -> tuple[Performance | Rejection, bool]:
        """The row, and whether it is dated in the small hours before the day change."""
        problems: list[Problem] = []
        columns: list[str] = []  # the columns the problems are in, for the organiser to see them

        def problem(found: Problem, *names: str) -> None:
            problems.append(found)
            columns.extend(name for name in names if name not in columns)

        bad_byte = undecodable(joined)
        if bad_byte:
            problem(
                Problem(
                    "undecodable",
                    f"contains bytes that are not valid {self.encoding} (first: {bad_byte})",
                    encoding=self.encoding,
                    byte=bad_byte,
                )
            )
        unusable: set[str] = set()  # columns whose value a rejection must not carry
        if not joined.isprintable():
            for position, field in enumerate(fields):
                character = unsafe_character(field)
                if character:
                    problem(
                        Problem(
                            "unsafe-character",
                            f"{self.columns.name_at(position)} contains {character}: "
                            "feeds (XML, iCalendar, JSON) cannot carry it; remove it",
                            column=self.columns.name_at(position),
                            character=character,
                        ),
                        self.columns.name_at(position),
                    )
                    unusable.add(self.columns.name_at(position))
        width = self.columns.width
        if len(fields) > width:
            # Never guess: an unquoted comma shifts every later value into the wrong column.
            problem(
                Problem(
                    "too-many-values",
                    f"has {len(fields)} values but the header has {width} columns; quote values that contain "
                    f'"{self.delimiter}" (in double quotes), or remove the extra "{self.delimiter}" at the end',
                    count=len(fields),
                    width=width,
                    delimiter=self.delimiter,
                )
            )
        values: dict[str, str] = dict.fromkeys(KNOWN, "")
        for name, position in self.columns.index.items():
            value = fields[position].strip() if position < len(fields) else ""
            if len(value) > MAX_VALUE_CHARS:
                problem(
                    Problem(
                        "value-too-long",
                        f"{name} is {len(value):,} characters long (at most {MAX_VALUE_CHARS:,})",
                        column=name,
                        count=len(value),
                        most=MAX_VALUE_CHARS,
                    ),
                    name,
                )
                value = ""
            elif name in _NORMALISED and not value.isascii() and not bad_byte:
                value = unicodedata.normalize("NFC", value)
            values[name] = value
        for name, limit in MAX_KEY_BYTES.items():
            size = len(values[name].encode("utf-8", "surrogateescape"))
            if size > limit:
                problem(
                    Problem(
                        "key-too-long",
                        f"{name} is {size:,} bytes long in UTF-8; the table keeps at most {limit:,} bytes "
                        "(DynamoDB's key limit): shorten it",
                        column=name,
                        count=size,
                        most=limit,
                    ),
                    name,
                )
                values[name] = ""
        for name in _KEYS:
            if values[name] and not bad_byte and name not in unusable:
                wrong = _name_problem(name, values[name])
                if wrong:
                    problem(wrong, name)
                    unusable.add(name)
        missing = [name for name in REQUIRED if not values[name]]
        if self._dated_by_day and values["day"] and "date" in missing:
            missing.remove("date")
        elif self._dated_by_day and "date" in missing:
            missing[missing.index("date")] = "date and day"
        if missing:
            named = " and ".join(missing)
            empty = named.split(" and ")
            problem(
                Problem(
                    "empty" if len(empty) == 1 else "empty-several",
                    f"{named} {'are' if ' and ' in named else 'is'} empty",
                    columns=", ".join(empty),
                    count=len(empty),
                ),
                *empty,
            )
        status = values["status"].lower()
        if status not in CANCELLED | SCHEDULED:
            problem(
                Problem(
                    "bad-status",
                    f"status {_shown(values['status'])} is not one a set can have: write cancelled (or canceled) "
                    "for a set that will not play, or leave it empty",
                    value=values["status"],
                ),
                "status",
            )
        parsed: dict[str, int] = {}
        for name, parse in (("date", self._date), ("day", self._date), ("start", self._time), ("end", self._time)):
            if values[name]:
                result = parse(values[name])
                if isinstance(result, str):
                    problem(
                        Problem(
                            _PARSE_CODES.get(result, "unreadable"),
                            f"{name} {_shown(values[name])} {result}",
                            column=name,
                            value=values[name],
                        ),
                        name,
                    )
                else:
                    parsed[name] = result
        start = end = 0
        located: int | None = None  # the start, when it can be read even if the row is rejected
        if "start" in parsed and ("date" in parsed or "day" in parsed):
            located = self._start(parsed, values, [])
        if "start" in parsed and "end" in parsed and ("date" in parsed or "day" in parsed):
            dated = len(problems)
            start = self._start(parsed, values, problems)
            if len(problems) > dated:  # the date and the day disagree
                columns.extend(name for name in ("date", "day") if name not in columns)
            length = (parsed["end"] - parsed["start"]) % clock.MINUTES_PER_DAY
            end = start + length
            if length == 0:
                problem(Problem("no-length", "end is the same as start; a set must last at least a minute"), "end")
            elif length > clock.MAX_SET_MINUTES:
                next_day = " the next day" if parsed["end"] < parsed["start"] else ""
                problem(
                    Problem(
                        "too-long",
                        f"the set would last {length // 60} h {length % 60:02d} min "
                        f"({values['start']} to {values['end']}{next_day}); the longest allowed is 12 h",
                        minutes=length,
                        start=values["start"],
                        end=values["end"],
                    ),
                    "start",
                    "end",
                )
        if self._zone is not None and not problems:
            for name, moment in (("start", start), ("end", end)):
                if not clock.exists(moment, self._zone):
                    problem(
                        Problem(
                            "clocks-forward",
                            f"{name} {clock.iso(moment)} does not exist in {self._zone.key}: the clocks "
                            "go forward that night (write the time as the clocks showed it)",
                            column=name,
                            moment=clock.iso(moment),
                            zone=self._zone.key,
                        ),
                        name,
                    )
        if problems:
            artist, stage = ("" if name in unusable else values[name] for name in ("artist", "stage"))
            cells = tuple(values.items())
            found = tuple(problems)
            return Rejection(line, "; ".join(found), artist, stage, located, tuple(columns), cells, found), False
        small_hours = not self._dated_by_day and parsed["start"] < self._day_change
        return Performance(
            line=line,
            stage=sys.intern(values["stage"]),  # one string for all of a stage's rows
            start=start,
            end=end,
            artist=values["artist"],
            genre=values["genre"],
            notes=values["notes"],
            cancelled=status in CANCELLED,
        ), small_hours

    def _start(self, parsed: dict[str, int], values: dict[str, str], problems: list[Problem]) -> int:
        """The start moment from the date (the calendar date; 24:00-29:59 run into the next
        morning) or the festival day (a time before the day change is the next morning)."""
        time = parsed["start"]
        if "date" in parsed:
            start = parsed["date"] * clock.MINUTES_PER_DAY + time
        else:
            start = parsed["day"] * clock.MINUTES_PER_DAY + time
            if time < self._day_change:
                start += clock.MINUTES_PER_DAY
        day = parsed.get("day")
        if day is not None and clock.festival_day(start, self._day_change) != day:
            written = f"date {values['date']} at {values['start']}" if "date" in parsed else f"{values['start']}"
            problems.append(
                Problem(
                    "day-disagrees",
                    f"{written} is {clock.iso(start)}, which belongs to festival day "
                    f"{clock.festival_date(start, self._day_change)} (the day changes at "
                    f"{clock.hh_mm(self._day_change)}), but day says {values['day']}; correct the one that is wrong",
                    written=written,
                    moment=clock.iso(start),
                    day=clock.festival_date(start, self._day_change),
                    change=clock.hh_mm(self._day_change),
                    says=values["day"],
                )
            )
        return start

    def _date(self, text: str) -> int | str:
        parsed = self._dates.get(text)
        if parsed is None:
            parsed = clock.parse_date(text)
            if isinstance(parsed, int) and not _EARLIEST_DAY <= parsed <= _LATEST_DAY:
                parsed = f"is outside {EARLIEST_DATE} to {LATEST_DATE}; is the year right?"
            self._dates[text] = parsed
        return parsed

    def _time(self, text: str) -> int | str:
        parsed = self._times.get(text)
        if parsed is None:
            parsed = self._times[text] = clock.parse_time(text)
        return parsed


def _name_problem(name: str, value: str) -> Problem | None:
    """Why a stage or artist name cannot be shown as written, or None."""
    control = bidi_control(value)
    if control:
        return Problem(
            "direction-control",
            f"{name} contains {control}, a control character that reorders the text around the {name} "
            "wherever it is shown: remove it (names in right-to-left scripts show right without it)",
            column=name,
            character=control,
        )
    held = invisible(value)
    if held:
        return Problem(
            "invisible-name",
            f"{name} has no visible character (it holds only {held}): write the {name}'s name "
            "in letters, digits or symbols",
            column=name,
            held=held,
        )
    return None


# What the clock's parsers say, by code (their messages follow the value: "start 25:00 is not ...").
_PARSE_CODES = {
    "is not a date in the form YYYY-MM-DD": "date-form",
    "is not a calendar date": "date-calendar",
    "is not a time in the form HH:MM (24-hour)": "time-form",
    "has seconds; times are whole minutes (HH:MM)": "time-seconds",
    "is not a time of day (00:00 to 23:59, or 24:00 to 29:59 for the small hours after the date)": "time-of-day",
    f"is outside {EARLIEST_DATE} to {LATEST_DATE}; is the year right?": "date-range",
}


def _csv_problem(error: str, delimiter: str) -> Problem:
    """The csv module's complaint, in an organiser's words."""
    if "end of data" in error:
        return Problem(
            "quote-unclosed", 'a quoted value is not closed before the end of the file (a closing " is missing)'
        )
    if "expected after" in error:
        return Problem(
            "text-after-quote",
            f'has text right after a closing double quote; a value that contains " must be quoted '
            f'as a whole, with each " inside doubled (""), and values separated by "{delimiter}"',
            delimiter=delimiter,
        )
    if "field limit" in error:
        return Problem(
            "field-limit",
            "has a value longer than 131,072 characters (at most 1,000); is a closing double quote missing?",
        )
    return Problem("not-csv", f"cannot be read as CSV: {error}", error=error)


def read_schedule(
    stream: BinaryIO, zone: ZoneInfo | None = None, day_change: int = clock.DEFAULT_DAY_CHANGE
) -> Schedule | str:
    """Read a file's encoding and header; a string says why the file cannot be used."""
    text = open_text(stream)
    if isinstance(text, str):
        return text
    lines = text.lines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        return Problem("no-header", "the file has no header row: it holds only blank lines")
    header_number = text.lines_read
    if text.overlong_lines:
        return Problem(
            "header-too-long",
            f"the header (line {header_number}) is longer than {MAX_LINE_CHARS:,} characters: not a timetable CSV",
            line=header_number,
            most=MAX_LINE_CHARS,
        )
    if control_character(header_line) or undecodable(header_line):
        return Problem(
            "binary",
            f"the first line (line {header_number}) holds binary data, not a CSV header: this is not a text file",
            line=header_number,
        )
    delimiter = sniff_delimiter(header_line, set(KNOWN))
    if header_line.count('"') % 2:
        return Problem(
            "header-quote", f"the header (line {header_number}) has an unclosed double quote", line=header_number
        )
    names = next(csv.reader([header_line], delimiter=delimiter))
    columns = resolve_columns(names)
    if isinstance(columns, str):
        return columns
    return Schedule(text, delimiter, columns, header_number, zone, day_change)
