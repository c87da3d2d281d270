"""A timetable CSV -> typed performances, and a reason for every row it rejects.

`read_schedule` checks what must hold before the first data row (encoding, header,
required columns); a string instead of a `Schedule` says why the file fails. Then
`Schedule.rows()` yields, for every non-blank data row, either a `Performance` or a
`Rejection` naming the line on which the row starts. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from chalicelib.timetable import clock
from chalicelib.timetable.overlaps import Timetable
from chalicelib.timetable.text import (
    MAX_LINE_CHARS,
    TextFile,
    control_character,
    open_text,
    sniff_delimiter,
    undecodable,
)
from chalicelib.timetable.text import (
    shown as _shown,
)

REQUIRED = ("stage", "date", "start", "end", "artist")
OPTIONAL = ("genre", "notes")
KNOWN = frozenset(REQUIRED + OPTIONAL)
MAX_VALUE_CHARS = 1000
# Timetables are for festivals of this century; other years are typos (0226, 20266).
EARLIEST_DATE, LATEST_DATE = "2000-01-01", "2099-12-31"
_EARLIEST_DAY, _LATEST_DAY = (clock.parse_date_strict(text) for text in (EARLIEST_DATE, LATEST_DATE))
_SHOWN_UNKNOWN = 20
_NORMALISED = ("stage", "artist")
# Stage is the table's partition key and artist the by_artist index's: DynamoDB refuses
# a partition key over 2,048 bytes, and would fail the whole file on every retry.
MAX_KEY_BYTES = 2048
_KEYS = ("stage", "artist")


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

    @property
    def date(self) -> str:
        return clock.iso_date(self.start // clock.MINUTES_PER_DAY)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not accepted, and why, in words an organiser can act on."""

    line: int
    reason: str
    artist: str = ""  # when the row names one: its set in the previous version stays live


@dataclass(frozen=True)
class Columns:
    """Where each known column sits in the header."""

    index: dict[str, int]
    width: int
    ignored: tuple[str, ...]

    def warnings(self) -> list[str]:
        if not self.ignored:
            return []
        names = ", ".join(_shown(name) for name in self.ignored[:_SHOWN_UNKNOWN])
        more = len(self.ignored) - _SHOWN_UNKNOWN
        tail = f" and {more:,} more" if more > 0 else ""
        noun = "column" if len(self.ignored) == 1 else "columns"
        return [f"ignored {len(self.ignored):,} unknown {noun}: {names}{tail}"]


def resolve_columns(names: list[str]) -> Columns | str:
    """Match header names case-insensitively, ignoring surrounding spaces."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, raw in enumerate(names):
        name = raw.strip().lstrip("\ufeff").strip().lower()
        if name in KNOWN:
            if name in index:
                return f'the header names the column "{name}" twice (columns {index[name] + 1} and {position + 1})'
            index[name] = position
        elif name:
            ignored.append(raw.strip())
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        found = ", ".join(_shown(n.strip()) for n in names[:_SHOWN_UNKNOWN] if n.strip()) or "nothing"
        noun = "column" if len(missing) == 1 else "columns"
        return (
            f"the header lacks the required {noun} {', '.join(missing)} (found {found}); "
            f"the header must name {', '.join(REQUIRED)} (and may name {', '.join(OPTIONAL)})"
        )
    return Columns(index=index, width=len(names), ignored=tuple(ignored))


class Schedule:
    """A timetable file whose header has been read; `rows()` reads the rest."""

    def __init__(
        self, text: TextFile, delimiter: str, columns: Columns, header_end: int, zone: ZoneInfo | None = None
    ) -> None:
        self._zone = zone
        self.text = text
        self.delimiter = delimiter
        self.columns = columns
        self._header_end = header_end
        self.timetable = Timetable()
        self._dates: dict[str, int | str] = {}
        self._times: dict[str, int | str] = {}

    @property
    def encoding(self) -> str:
        return self.text.encoding

    def warnings(self) -> list[str]:
        notes = []
        if self.encoding != "UTF-8":
            notes.append(f"the file is not valid UTF-8, so it was read as {self.encoding}")
        if self.delimiter != ",":
            name = {";": "semicolon", "\t": "tab"}[self.delimiter]
            notes.append(f"the file is {name}-separated")
        return notes + self.columns.warnings()

    def rows(self) -> Iterator[Performance | Rejection]:
        """One result per non-blank data row, in file order."""
        text = self.text
        reader = csv.reader(text.lines(), delimiter=self.delimiter, strict=True)
        previous_end = self._header_end
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                line, previous_end = previous_end + 1, text.lines_read
                yield Rejection(line, _csv_problem(str(error), self.delimiter))
                continue
            line, previous_end = previous_end + 1, text.lines_read
            if text.overlong_lines and text.overlong_lines[-1] >= line:
                yield Rejection(
                    line,
                    f"line {text.overlong_lines[-1]} is longer than {MAX_LINE_CHARS:,} characters",
                )
                continue
            joined = "".join(fields)
            if not joined.strip():
                continue
            result = self._performance(fields, joined, line)
            if isinstance(result, Performance):
                conflict = self.timetable.claim(result.stage, result.start, result.end, line)
                if conflict:
                    result = Rejection(line, conflict, result.artist)
            yield result

    def _performance(self, fields: list[str], joined: str, line: int) -> Performance | Rejection:
        problems: list[str] = []
        bad_byte = undecodable(joined)
        if bad_byte:
            problems.append(f"contains bytes that are not valid {self.encoding} (first: {bad_byte})")
        control = control_character(joined)
        if control:
            problems.append(f"contains {control}")
        width = self.columns.width
        if len(fields) > width:
            # Never guess: an unquoted comma shifts every later value into the wrong column.
            problems.append(
                f"has {len(fields)} values but the header has {width} columns; quote values that contain "
                f'"{self.delimiter}" (in double quotes), or remove the extra "{self.delimiter}" at the end'
            )
        values: dict[str, str] = {}
        for name, position in self.columns.index.items():
            value = fields[position].strip() if position < len(fields) else ""
            if len(value) > MAX_VALUE_CHARS:
                problems.append(f"{name} is {len(value):,} characters long (at most {MAX_VALUE_CHARS:,})")
                value = ""
            elif name in _NORMALISED and not value.isascii() and not bad_byte:
                value = unicodedata.normalize("NFC", value)
            values[name] = value
        for name in _KEYS:
            size = len(values[name].encode("utf-8", "surrogateescape"))
            if size > MAX_KEY_BYTES:
                problems.append(
                    f"{name} is {size:,} bytes long in UTF-8; the table keeps at most {MAX_KEY_BYTES:,} bytes "
                    "(DynamoDB's key limit): shorten it"
                )
                values[name] = ""
        missing = [name for name in REQUIRED if not values[name]]
        if missing:
            problems.append(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty")
        parsed: dict[str, int] = {}
        for name, parse in (("date", self._date), ("start", self._time), ("end", self._time)):
            if values[name]:
                result = parse(values[name])
                if isinstance(result, str):
                    problems.append(f"{name} {_shown(values[name])} {result}")
                else:
                    parsed[name] = result
        start = end = 0
        if len(parsed) == 3:
            start = parsed["date"] * clock.MINUTES_PER_DAY + parsed["start"]
            length = (parsed["end"] - parsed["start"]) % clock.MINUTES_PER_DAY
            end = start + length
            if length == 0:
                problems.append("end is the same as start; a set must last at least a minute")
            elif length > clock.MAX_SET_MINUTES:
                next_day = " the next day" if parsed["end"] < parsed["start"] else ""
                problems.append(
                    f"the set would last {length // 60} h {length % 60:02d} min "
                    f"({values['start']} to {values['end']}{next_day}); the longest allowed is 12 h"
                )
        if self._zone is not None and not problems:
            for name, moment in (("start", start), ("end", end)):
                if not clock.exists(moment, self._zone):
                    problems.append(
                        f"{name} {clock.iso(moment)} does not exist in {self._zone.key}: the clocks "
                        "go forward that night (write the time as the clocks showed it)"
                    )
        if problems:
            return Rejection(line, "; ".join(problems), values["artist"])
        return Performance(
            line=line,
            stage=values["stage"],
            start=start,
            end=end,
            artist=values["artist"],
            genre=values.get("genre", ""),
            notes=values.get("notes", ""),
        )

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


def _csv_problem(error: str, delimiter: str) -> str:
    """The csv module's complaint, in an organiser's words."""
    if "end of data" in error:
        return 'a quoted value is not closed before the end of the file (a closing " is missing)'
    if "expected after" in error:
        return (
            f'has text right after a closing double quote; a value that contains " must be quoted '
            f'as a whole, with each " inside doubled (""), and values separated by "{delimiter}"'
        )
    if "field limit" in error:
        return "has a value longer than 131,072 characters (at most 1,000); is a closing double quote missing?"
    return f"cannot be read as CSV: {error}"


def read_schedule(stream: BinaryIO, zone: ZoneInfo | None = None) -> Schedule | str:
    """Read a file's encoding and header; a string says why the file cannot be used."""
    text = open_text(stream)
    if isinstance(text, str):
        return text
    lines = text.lines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        return "the file has no header row: it holds only blank lines"
    header_number = text.lines_read
    if text.overlong_lines:
        return f"the header (line {header_number}) is longer than {MAX_LINE_CHARS:,} characters: not a timetable CSV"
    if control_character(header_line) or undecodable(header_line):
        return f"the first line (line {header_number}) holds binary data, not a CSV header: this is not a text file"
    delimiter = sniff_delimiter(header_line, set(KNOWN))
    if header_line.count('"') % 2:
        return f"the header (line {header_number}) has an unclosed double quote"
    names = next(csv.reader([header_line], delimiter=delimiter))
    columns = resolve_columns(names)
    if isinstance(columns, str):
        return columns
    return Schedule(text, delimiter, columns, header_number, zone)
