"""A timetable file with some of its rows' cells rewritten and every other byte kept: the
organiser's file stays theirs when a set is edited on the day.

The file is read by the ingest's own reader (`text.open_text` decides the encoding,
`rows.read_schedule` the delimiter, the columns and where the header is, `Schedule.rows`
which set each line holds), so a row is found where the ingest finds it. Only the named
cells change, each written the way the file writes that column: quoted when the cell was
quoted or the value needs it, with the spaces that surrounded it, times as `H:MM` or
`HH:MM` (and `:00` seconds) as the file has them, `24:00` to `29:59` after midnight when
the file writes its late sets so, the `date` and/or `day` the file has, its own spelling of
`cancelled`. The encoding (and a BOM), the delimiter, the line breaks, the other cells and
rows stay byte for byte. The one exception: cancelling a set in a file without a `status`
column adds the column, at the end of the header and of that row only (shorter rows read
as empty).

What cannot be written is a `Refusal`, with the line, the column and the reason: a value
the file's encoding cannot hold (a Windows-1252 file has no emoji), a line that holds no set.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from chalicelib.timetable import clock
from chalicelib.timetable.rows import CANCELLED, Performance, Rejection, Schedule, read_schedule
from chalicelib.timetable.text import CODECS, described, open_text
from chalicelib.timetable.text import shown as _shown

STATUS = "status"
_TIMES = ("start", "end")
# The latest time a file can write after midnight (29:59, see `clock.parse_time`).
_LATEST_LATE = 29 * 60 + 59
# One physical line as the ingest reads it (`TextFile.lines`: \n, \r\n or a lone \r ends it).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_SHORT_HOUR = re.compile(r"\d:\d\d(:00)?")  # `9:05`: the hour without its leading zero
_PADDED_HOUR = re.compile(r"0\d:\d\d(:00)?")


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be rewritten as asked: the row's line (0 for the file as a whole),
    the column, and the reason in words an organiser can act on."""

    line: int
    column: str
    reason: str


@dataclass(frozen=True)
class RowChange:
    """A set's new place and status, for its row; None keeps what the row says. `start` and
    `end` are moments (see `clock`); a new start with no new end keeps the end's moment."""

    stage: str | None = None
    start: int | None = None
    end: int | None = None
    cancelled: bool | None = None


@dataclass
class _Record:
    """One data row: where each of its cells' raw text is in the file, and where it ends
    (offsets in characters; the end is before its line break)."""

    spans: list[tuple[int, int]]
    end: int


@dataclass
class _Conventions:
    """How the file writes what an edit may write."""

    late_hours: bool = False  # an after-midnight time written as 24:00-29:59
    short_hours: bool = False  # `9:05` rather than `09:05`
    padded_hours: bool = False
    cancelled: str = ""  # its spelling of cancelled (`Cancelled`, `canceled`)
    scheduled: str = ""  # `scheduled`, where it writes that rather than leaving status empty


class TimetableFile:
    """A file's bytes as the ingest reads them, ready to have cells rewritten."""

    def __init__(self, data: bytes, schedule: Schedule, text: str, day_change: int) -> None:
        self.data = data
        self.schedule = schedule
        self.text = text
        self.bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        self.codec = CODECS[schedule.encoding]
        self.delimiter = schedule.delimiter
        self.index = dict(schedule.columns.index)
        self.width = schedule.columns.width
        self.day_change = day_change
        self.conventions = _Conventions()
        self._header_line = schedule.text.lines_read
        self._header_end = 0  # offset just past the header's last character
        self._records: dict[int, _Record] = {}  # the rows to rewrite (see `_scan`)
        self._rows: dict[int, Performance | Rejection] | None = None

    @classmethod
    def read(cls, data: bytes, day_change: int = clock.DEFAULT_DAY_CHANGE) -> TimetableFile | Refusal:
        schedule = read_schedule(io.BytesIO(data), day_change=day_change)
        if isinstance(schedule, str):
            return Refusal(0, "", schedule)
        decoded = open_text(io.BytesIO(data))
        if isinstance(decoded, str):  # read_schedule has said so already
            return Refusal(0, "", decoded)
        return cls(data, schedule, decoded.stream.read(), day_change)

    # Reading.

    def _scan(self, lines: set[int]) -> None:
        """Find the cells of the rows on these lines, and how the file writes times and
        statuses (once: from every row)."""
        if lines <= set(self._records):
            return
        numbered = self._lines()
        for number, _, content_end in numbered:
            if number == self._header_line:
                self._header_end = content_end
                break
        consumed: list[tuple[int, int, int]] = []

        def feed() -> Iterator[str]:
            for number, start, content_end in numbered:
                consumed.append((number, start, content_end))
                yield self.text[start : self._line_end(content_end)]

        self.conventions = _Conventions()
        reader = csv.reader(feed(), delimiter=self.delimiter, strict=True)
        while True:
            consumed.clear()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:  # the ingest rejects the row: it holds no set to edit
                continue
            self._learn(fields)
            first, last = consumed[0], consumed[-1]
            if first[0] not in lines:
                continue
            spans = _cell_spans(self.text, first[1], last[2], self.delimiter)
            if spans is not None and [_unquoted(self.text[a:b]) for a, b in spans] == fields:
                self._records[first[0]] = _Record(spans, last[2])
            # (a row whose cells could not be located exactly is never rewritten)

    def _lines(self) -> Iterator[tuple[int, int, int]]:
        """Each physical line: its number, its start, and where its content ends."""
        for number, match in enumerate(_LINE.finditer(self.text), start=1):
            line = match.group()
            yield number, match.start(), match.start() + len(line.rstrip("\r\n"))

    def _line_end(self, content_end: int) -> int:
        end = content_end
        if self.text.startswith("\r\n", end):
            return end + 2
        return end + 1 if self.text.startswith(("\r", "\n"), end) else end

    def _learn(self, fields: list[str]) -> None:
        conventions = self.conventions
        for name in _TIMES:
            value = _field(fields, self.index.get(name))
            parsed = clock.parse_time(value)
            if isinstance(parsed, int):
                conventions.late_hours |= parsed >= clock.MINUTES_PER_DAY
                conventions.short_hours |= short_hour(value)
                conventions.padded_hours |= bool(_PADDED_HOUR.fullmatch(value))
        status = _field(fields, self.index.get(STATUS))
        if status and status.lower() in CANCELLED and not conventions.cancelled:
            conventions.cancelled = status
        if status.lower() == "scheduled" and not conventions.scheduled:
            conventions.scheduled = status

    def _value(self, record: _Record, name: str) -> str:
        """A known column's value in a row, as the ingest reads it (trimmed)."""
        position = self.index.get(name)
        if position is None or position >= len(record.spans):
            return ""
        start, end = record.spans[position]
        return _unquoted(self.text[start:end]).strip()

    def value(self, line: int, column: str) -> str | None:
        """A known column's value in the row on `line`, as the ingest reads it (trimmed); None
        when the line holds no row or the file has no such column."""
        self._scan({line})
        record = self._records.get(line)
        if record is None or column not in self.index:
            return None
        return self._value(record, column)

    def rows(self) -> dict[int, Performance | Rejection]:
        """Every data row as the ingest reads it, by line: its set, or why it has none."""
        if self._rows is None:
            self._rows = {row.line: row for row in self.schedule.rows()}
        return self._rows

    def line_of(self, stage: str, start: int) -> int | None:
        """The line of the set the file places on this stage at this start, if any."""
        return next(
            (
                line
                for line, row in self.rows().items()
                if isinstance(row, Performance) and (row.stage, row.start) == (stage, start)
            ),
            None,
        )

    # Writing.

    def replaced(self, cells: Mapping[int, Mapping[str, str]]) -> bytes | Refusal:
        """The file's bytes with these cells (by line, then known column) holding these values."""
        self._scan(set(cells))
        edits: list[tuple[int, int, str]] = []
        index = dict(self.index)
        named = {name for values in cells.values() for name in values}
        for name in sorted(named - set(index)):
            if name != STATUS:
                line = next(line for line, values in cells.items() if name in values)
                return Refusal(line, name, f"the file has no {name} column to write it in")
            index[STATUS] = self.width  # a new column, at the end of the header
            edits.append((self._header_end, self._header_end, self.delimiter + STATUS))
        for line in sorted(cells):
            record = self._records.get(line)
            if record is None:
                return Refusal(line, "", f"line {line} holds no row of the timetable's data")
            for name, value in cells[line].items():
                refused = self._check_encodable(line, name, value)
                if refused:
                    return refused
                position = index[name]
                if position < len(record.spans):
                    start, end = record.spans[position]
                    edits.append((start, end, _written(self.text[start:end], value, self.delimiter)))
                else:  # the row stops short of the column: give it the cells up to there
                    padding = self.delimiter * (position - len(record.spans) + 1)
                    edits.append((record.end, record.end, padding + _written("", value, self.delimiter)))
        return self._spliced(sorted(edits, key=lambda edit: (edit[0], edit[1])))

    def _check_encodable(self, line: int, name: str, value: str) -> Refusal | None:
        try:
            value.encode(self.codec)
        except UnicodeEncodeError as error:
            character = described(value[error.start])
            return Refusal(
                line,
                name,
                f"{name} {_shown(value)} holds {character}, which the file's encoding "
                f"({self.schedule.encoding}) cannot hold: write it without that character, or save the "
                "file as UTF-8 and upload it again",
            )
        return None

    def _spliced(self, edits: list[tuple[int, int, str]]) -> bytes:
        """The original bytes between the edits, the edits encoded in the file's encoding."""
        out = [self.data[: self.bom]]
        at, byte = 0, self.bom
        for start, end, text in edits:
            kept = len(self.text[at:start].encode(self.codec, "surrogateescape"))
            out.append(self.data[byte : byte + kept])
            out.append(text.encode(self.codec))
            byte += kept + len(self.text[start:end].encode(self.codec, "surrogateescape"))
            at = end
        out.append(self.data[byte:])
        return b"".join(out)

    def rewritten(self, changes: Mapping[int, RowChange]) -> bytes | Refusal:
        """The file's bytes with the sets on these lines placed as `changes` say."""
        cells: dict[int, dict[str, str]] = {}
        rows = self.rows()
        self._scan(set(changes))
        for line, change in changes.items():
            row = rows.get(line)
            if not isinstance(row, Performance):
                return Refusal(line, "", f"line {line} holds no set the timetable accepts, so it cannot be edited")
            found = self._cells_for(row, change)
            if isinstance(found, Refusal):
                return found
            cells[line] = found
        return self.replaced(cells)

    def _cells_for(self, row: Performance, change: RowChange) -> dict[str, str] | Refusal:
        """The cells a row's set needs rewritten to be where, and as, `change` says, each in
        the file's form; cells that already say so are left alone."""
        self._scan({row.line})
        record = self._records.get(row.line)
        if record is None:
            return Refusal(row.line, "", f"line {row.line}'s cells cannot be told apart, so it cannot be edited")
        cells: dict[str, str] = {}
        if change.stage is not None and change.stage != row.stage:
            cells["stage"] = change.stage
        if change.cancelled is not None and change.cancelled != row.cancelled:
            conventions = self.conventions
            cells[STATUS] = (conventions.cancelled or "cancelled") if change.cancelled else conventions.scheduled
        start = row.start if change.start is None else change.start
        end = row.end if change.end is None else change.end
        if not 0 <= end - start < clock.MINUTES_PER_DAY:  # (a set of no length is the ingest's to refuse)
            return Refusal(
                row.line,
                "end",
                f"a set cannot end at {clock.iso(end)} when it starts at {clock.iso(start)}: a row's end is "
                "less than a day after its start",
            )
        written_start = clock.parse_time(self._value(record, "start"))
        if start != row.start or not isinstance(written_start, int):
            base, written_start = self._placed(start)
            if "date" in self.index:
                cells["date"] = clock.iso_date(base)
            if "day" in self.index:
                cells["day"] = clock.festival_date(start, self.day_change)
            cells["start"] = self._time_text(written_start, self._value(record, "start"))
        written_end = clock.parse_time(self._value(record, "end"))
        length = end - start
        if not isinstance(written_end, int) or (written_end - written_start) % clock.MINUTES_PER_DAY != length:
            minutes = written_start + length
            if minutes >= clock.MINUTES_PER_DAY and not (self.conventions.late_hours and minutes <= _LATEST_LATE):
                minutes -= clock.MINUTES_PER_DAY
            cells["end"] = self._time_text(minutes, self._value(record, "end"))
        return {name: value for name, value in cells.items() if value != self._value(record, name)}

    def _placed(self, start: int) -> tuple[int, int]:
        """The day a row's times count from, and its start's minutes after that day's
        midnight, as the file writes a set starting at `start`: the calendar date, or (a
        `day` column, or 24:00-29:59 after the evening's date) the festival day."""
        festival_day = clock.festival_day(start, self.day_change)
        after = start - festival_day * clock.MINUTES_PER_DAY
        if self.conventions.late_hours and after <= _LATEST_LATE:
            return festival_day, after
        if "date" not in self.index:  # the day column alone: the ingest puts small hours after the day
            return festival_day, after % clock.MINUTES_PER_DAY
        return start // clock.MINUTES_PER_DAY, start % clock.MINUTES_PER_DAY

    def _time_text(self, minutes: int, written: str) -> str:
        """`minutes` in the form of the cell it replaces (seconds) and of the file (`9:05`)."""
        return time_text(minutes, written, short=self.conventions.short_hours and not self.conventions.padded_hours)


def time_text(minutes: int, written: str, *, short: bool) -> str:
    """Minutes after midnight as a time cell: with seconds when `written` (the cell it
    replaces) has them, the hour without its leading zero when `short`."""
    hours, minute = divmod(minutes, 60)
    text = f"{hours}:{minute:02d}" if short else f"{hours:02d}:{minute:02d}"
    return text + ":00" if written.count(":") == 2 else text


def short_hour(written: str) -> bool:
    """Whether a time cell writes its hour without the leading zero (`9:05`)."""
    return bool(_SHORT_HOUR.fullmatch(written))


def _field(fields: list[str], position: int | None) -> str:
    return fields[position].strip() if position is not None and position < len(fields) else ""


def _cell_spans(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]] | None:
    """Where each cell of the row `text[start:end]` is (quotes included), read as the csv
    module reads it (the default dialect, strict); None when it cannot be."""
    spans = []
    at = start
    while True:
        if at < end and text[at] == '"':
            close = at + 1
            while True:
                close = text.find('"', close, end)
                if close < 0:
                    return None
                if text.startswith('""', close) and close + 1 < end:
                    close += 2
                    continue
                break
            spans.append((at, close + 1))
            at = close + 1
            if at == end:
                return spans
            if text[at] != delimiter:
                return None
            at += 1
            continue
        found = text.find(delimiter, at, end)
        if found < 0:
            spans.append((at, end))
            return spans
        spans.append((at, found))
        at = found + 1


def _unquoted(raw: str) -> str:
    if raw.startswith('"'):
        return raw[1:-1].replace('""', '"')
    return raw


def _written(raw: str, value: str, delimiter: str) -> str:
    """`value` as a cell whose raw text was `raw`: the spaces around it kept, quoted when
    the old cell was or the value needs it."""
    quoted = raw.startswith('"')
    inner = _unquoted(raw)
    if value and inner.strip():
        stripped = inner.strip()
        lead = inner[: inner.index(stripped)]
        value = lead + value + inner[len(lead) + len(stripped) :]
    if quoted or any(char in value for char in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def replace_cells(data: bytes, cells: Mapping[int, Mapping[str, str]]) -> bytes | Refusal:
    """The file with these cells (by line, then known column name) holding these values,
    every other byte as it was."""
    file = TimetableFile.read(data)
    if isinstance(file, Refusal):
        return file
    return file.replaced(cells)


def rewrite_rows(
    data: bytes, changes: Mapping[int, RowChange], day_change: int = clock.DEFAULT_DAY_CHANGE
) -> bytes | Refusal:
    """The file with the sets on these lines placed as `changes` say, written in the file's
    own conventions, every other byte as it was."""
    file = TimetableFile.read(data, day_change)
    if isinstance(file, Refusal):
        return file
    return file.rewritten(changes)
