"""An edited set's row is rewritten in place, in the file's own conventions, and every other
byte of the organiser's file is kept (chalicelib/timetable/cells.py)."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.timetable import clock
from chalicelib.timetable.cells import Refusal, RowChange, replace_cells, rewrite_rows
from chalicelib.timetable.rows import Performance, Rejection, Schedule, read_schedule

BOM = b"\xef\xbb\xbf"


def at(text: str) -> int:
    moment = clock.parse_moment(text)
    assert moment is not None
    return moment


def rows_of(data: bytes) -> tuple[Schedule, dict[int, Performance | Rejection]]:
    schedule = read_schedule(io.BytesIO(data))
    assert isinstance(schedule, Schedule), schedule
    return schedule, {row.line: row for row in schedule.rows()}


def rewritten(data: bytes, changes: dict[int, RowChange]) -> bytes:
    result = rewrite_rows(data, changes)
    assert isinstance(result, bytes), result
    return result


def lines(*rows: str, end: str = "\n", encoding: str = "utf-8") -> bytes:
    """A file of these rows, each ended by `end`."""
    return "".join(row + end for row in rows).encode(encoding)


class TestByteForByte:
    def test_utf8_with_a_bom_keeps_its_bom_and_changes_only_the_moved_rows_times(self) -> None:
        data = BOM + lines(
            "stage,date,start,end,artist", "Main,2026-07-03,21:00,22:00,Björk", "Main,2026-07-03,22:30,23:30,Sigur Rós"
        )
        edited = rewritten(data, {3: RowChange(start=at("2026-07-03T22:45"), end=at("2026-07-03T23:45"))})
        assert edited == BOM + lines(
            "stage,date,start,end,artist", "Main,2026-07-03,21:00,22:00,Björk", "Main,2026-07-03,22:45,23:45,Sigur Rós"
        )

    def test_windows_1252_with_semicolons_stays_so_and_refuses_what_it_cannot_hold(self) -> None:
        data = lines("stage;date;start;end;artist", "Große Bühne;2026-07-03;21:00;22:00;Björk", encoding="cp1252")
        edited = rewritten(data, {2: RowChange(stage="Zelt für €")})
        assert edited == lines(
            "stage;date;start;end;artist", "Zelt für €;2026-07-03;21:00;22:00;Björk", encoding="cp1252"
        )
        refused = rewrite_rows(data, {2: RowChange(stage="Zelt ✓")})
        assert isinstance(refused, Refusal)
        assert (refused.line, refused.column) == (2, "stage")
        assert "U+2713 CHECK MARK" in refused.reason and "Windows-1252" in refused.reason

    def test_crlf_endings_and_a_last_line_without_one_are_kept(self) -> None:
        header, first, second = (
            "stage,date,start,end,artist",
            "Main,2026-07-03,21:00,22:00,A",
            "Main,2026-07-03,23:00,23:30,B",
        )
        data = lines(header, first, end="\r\n") + second.encode()
        edited = rewritten(data, {2: RowChange(start=at("2026-07-03T21:10"), end=at("2026-07-03T22:10"))})
        assert edited == lines(header, first.replace("21:00,22:00", "21:10,22:10"), end="\r\n") + second.encode()
        edited = rewritten(data, {3: RowChange(end=at("2026-07-03T23:40"))})
        assert edited == lines(header, first, end="\r\n") + second.replace("23:30", "23:40").encode()

    def test_quoted_fields_holding_commas_and_line_breaks_stay_quoted_and_whole(self) -> None:
        header = "stage,date,start,end,artist,notes"
        tent = '"Tent, the",2026-07-03,21:00,22:00,"Earth, Wind & Fire","first, then\r\nsecond line"'
        main = 'Main,2026-07-03,21:00,22:00,"Say ""Hi""",'
        data = lines(header, tent, main)
        moved = RowChange(stage="Tent, big", start=at("2026-07-03T21:30"), end=at("2026-07-03T22:30"))
        edited = rewritten(data, {2: moved})
        assert edited == lines(
            header, tent.replace('"Tent, the"', '"Tent, big"').replace("21:00,22:00", "21:30,22:30"), main
        )
        # The row after a quoted line break starts on line 4, where the ingest says it does.
        edited = rewritten(data, {4: RowChange(stage='The "Dome"')})
        assert edited == lines(header, tent, main.replace("Main", '"The ""Dome"""'))

    def test_a_file_that_quotes_every_value_has_its_edited_values_quoted(self) -> None:
        data = lines('"stage","date","start","end","artist"', '"Main","2026-07-03","21:00","22:00","A"')
        edited = rewritten(data, {2: RowChange(stage="Tent", start=at("2026-07-03T21:05"), end=at("2026-07-03T22:05"))})
        assert edited == lines('"stage","date","start","end","artist"', '"Tent","2026-07-03","21:05","22:05","A"')

    def test_extra_columns_and_the_column_order_are_kept(self) -> None:
        header = "artist,url,end,start,date,stage,room id"
        data = lines(header, "A,https://a.example/x?y=1,22:00,21:00,2026-07-03,Main,7")
        edited = rewritten(data, {2: RowChange(stage="Tent", start=at("2026-07-03T21:15"), end=at("2026-07-03T22:15"))})
        assert edited == lines(header, "A,https://a.example/x?y=1,22:15,21:15,2026-07-03,Tent,7")

    def test_the_day_form_keeps_its_day_across_midnight(self) -> None:
        data = lines(
            "stage,day,start,end,artist", "Main,2026-07-03,23:30,00:30,Late", "Main,2026-07-03,01:00,02:00,Later"
        )
        edited = rewritten(data, {2: RowChange(start=at("2026-07-04T00:00"), end=at("2026-07-04T00:55"))})
        assert edited == lines(
            "stage,day,start,end,artist", "Main,2026-07-03,00:00,00:55,Late", "Main,2026-07-03,01:00,02:00,Later"
        )

    def test_the_date_form_writes_the_next_date_across_midnight(self) -> None:
        data = lines("stage,date,start,end,artist", "Main,2026-07-03,23:30,00:30,Late")
        edited = rewritten(data, {2: RowChange(start=at("2026-07-04T00:10"), end=at("2026-07-04T01:10"))})
        assert edited == lines("stage,date,start,end,artist", "Main,2026-07-04,00:10,01:10,Late")

    def test_a_file_that_writes_late_sets_as_24_to_29_keeps_doing_so(self) -> None:
        header = "stage,date,start,end,artist"
        data = lines(header, "Main,2026-07-03,23:30,24:30,Late", "Main,2026-07-03,25:00,26:00,Later")
        edited = rewritten(data, {2: RowChange(start=at("2026-07-04T00:10"), end=at("2026-07-04T00:55"))})
        assert edited == lines(header, "Main,2026-07-03,24:10,24:55,Late", "Main,2026-07-03,25:00,26:00,Later")
        # ...and back before midnight, as the plain time.
        edited = rewritten(data, {3: RowChange(start=at("2026-07-03T23:55"), end=at("2026-07-04T00:20"))})
        assert edited == lines(header, "Main,2026-07-03,23:30,24:30,Late", "Main,2026-07-03,23:55,24:20,Later")

    def test_short_hours_and_seconds_are_written_as_the_file_writes_them(self) -> None:
        data = lines(
            "stage,date,start,end,artist", "Main,2026-07-03,9:00:00,9:45:00,Early", "Main,2026-07-03,12:00,13:00,Noon"
        )
        edited = rewritten(data, {2: RowChange(start=at("2026-07-03T08:05"), end=at("2026-07-03T09:05"))})
        assert edited.splitlines()[1] == b"Main,2026-07-03,8:05:00,9:05:00,Early"

    def test_date_and_day_both_follow_a_set_past_midnight(self) -> None:
        data = lines("stage,date,day,start,end,artist", "Main,2026-07-03,2026-07-03,23:00,23:50,Late")
        edited = rewritten(data, {2: RowChange(start=at("2026-07-04T00:20"), end=at("2026-07-04T01:10"))})
        assert edited == lines("stage,date,day,start,end,artist", "Main,2026-07-04,2026-07-03,00:20,01:10,Late")

    def test_spaces_around_a_value_are_kept(self) -> None:
        data = lines("stage , date , start , end , artist", " Main , 2026-07-03 , 21:00 , 22:00 , A ")
        edited = rewritten(data, {2: RowChange(stage="Tent")})
        assert edited == lines("stage , date , start , end , artist", " Tent , 2026-07-03 , 21:00 , 22:00 , A ")


class TestStatus:
    def test_cancel_and_restore_use_the_files_own_spelling(self) -> None:
        data = lines(
            "stage,date,start,end,artist,status",
            "Main,2026-07-03,21:00,22:00,A,",
            "Main,2026-07-03,23:00,23:30,B,Canceled",
        )
        cancelled = rewritten(data, {2: RowChange(cancelled=True)})
        assert cancelled.splitlines()[1] == b"Main,2026-07-03,21:00,22:00,A,Canceled"
        restored = rewritten(data, {3: RowChange(cancelled=False)})
        assert restored.splitlines()[2] == b"Main,2026-07-03,23:00,23:30,B,"

    def test_cancelling_in_a_file_without_a_status_column_adds_it_to_the_header_and_that_row_only(self) -> None:
        first, second = "Main;2026-07-03;21:00;22:00;A", "Main;2026-07-03;23:00;23:30;B"
        data = lines("stage;date;start;end;artist", first, second, end="\r\n")
        edited = rewritten(data, {3: RowChange(cancelled=True)})
        assert edited == lines("stage;date;start;end;artist;status", first, second + ";cancelled", end="\r\n")
        _, rows = rows_of(edited)
        assert [row.cancelled for row in rows.values() if isinstance(row, Performance)] == [False, True]

    def test_a_row_shorter_than_the_header_gets_the_cells_up_to_its_status(self) -> None:
        data = b"stage,date,start,end,artist,genre,notes,status\nMain,2026-07-03,21:00,22:00,A\n"
        edited = rewritten(data, {2: RowChange(cancelled=True)})
        assert edited.splitlines()[1] == b"Main,2026-07-03,21:00,22:00,A,,,cancelled"


class TestRefusals:
    def test_a_rejected_row_or_a_line_of_no_row_cannot_be_edited(self) -> None:
        data = b"stage,date,start,end,artist\nMain,2026-07-03,21:00,22:00,A\n\nMain,2026-07-03,25:99,22:00,B\n"
        for line in (1, 3, 4, 9):
            refused = rewrite_rows(data, {line: RowChange(stage="Tent")})
            assert isinstance(refused, Refusal) and refused.line == line, line

    def test_a_file_the_ingest_cannot_read_is_refused_with_its_reason(self) -> None:
        refused = rewrite_rows(b"", {2: RowChange(stage="Tent")})
        assert isinstance(refused, Refusal) and refused.reason == "the file is empty"

    def test_an_end_a_day_or_more_after_the_start_cannot_be_written(self) -> None:
        data = b"stage,date,start,end,artist\nMain,2026-07-03,21:00,22:00,A\n"
        refused = rewrite_rows(data, {2: RowChange(end=at("2026-07-04T21:00"))})
        assert isinstance(refused, Refusal) and refused.column == "end"

    def test_raw_cells_of_any_row_can_be_replaced(self) -> None:
        # A rejected row (its end typed twelve hours off) is fixed by replacing its cell's text.
        data = b"stage,date,start,end,artist\nMain,2026-07-03,23:30,13:45,A\n"
        fixed = replace_cells(data, {2: {"end": "01:45"}})
        assert fixed == b"stage,date,start,end,artist\nMain,2026-07-03,23:30,01:45,A\n"
        refused = replace_cells(data, {2: {"genre": "x"}})
        assert isinstance(refused, Refusal) and "no genre column" in refused.reason


# Property: whatever the file's conventions, an edit changes exactly the edited row.

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
ARTISTS = ["Björk", "Earth, Wind & Fire", 'Say "Hi"', "two\nlines", "Zoë; Co", "A\tB", "Plain"]
NOTES = ["", "first, then\r\nsecond", "€5 at the door", '"quoted"']
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


@st.composite
def timetables(draw: st.DrawFn) -> bytes:
    """A file in random conventions, its sets apart enough that an hour's delay overlaps none."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    form = draw(st.sampled_from(["date", "day", "both"]))
    late = draw(st.booleans())  # after-midnight times as 24:00-29:59
    columns = {"date": ["date"], "day": ["day"], "both": ["date", "day"]}[form]
    header = ["stage", *columns, "start", "end", "artist", "notes"]
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), "room id")
    if draw(st.booleans()):
        header.append("status")
    header = draw(st.permutations(header))
    count = draw(st.integers(1, 12))
    rows = []
    for number in range(count):
        stage = ["Main", "Tent"][number % 2]
        day = clock.parse_date_strict("2026-07-03") + number // 6
        # Three hours apart from 14:00 to 05:00 the next morning: an hour's delay never overlaps.
        start = day * clock.MINUTES_PER_DAY + 14 * 60 + (number % 6) * 180 + (number % 2) * 30
        end = start + draw(st.integers(15, 90))
        festival_day = clock.festival_day(start, clock.DEFAULT_DAY_CHANGE)
        base = festival_day if late or form == "day" else start // clock.MINUTES_PER_DAY
        after = start - base * clock.MINUTES_PER_DAY
        if not late:
            after %= clock.MINUTES_PER_DAY
        values = {
            "stage": stage,
            "date": clock.iso_date(base),
            "day": clock.iso_date(festival_day),
            "start": f"{after // 60:02d}:{after % 60:02d}",
            "end": clock.hh_mm(end),
            "artist": draw(st.sampled_from(ARTISTS)) + f" {number}",
            "notes": draw(st.sampled_from(NOTES)),
            "room id": str(number),
            "status": "",
        }
        rows.append([values[name] for name in header])
    buffer = io.StringIO(newline="")
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)  # Windows-1252 holds every character used


def physical_lines(data: bytes) -> list[bytes]:
    return [match.group() for match in _LINE.finditer(data)]


@PROPERTY_SETTINGS
@given(
    data=timetables(),
    pick=st.integers(0, 11),
    delay=st.integers(-60, 60),
    stage=st.sampled_from([None, "Main", "Tent", "New, stage", "Zelt"]),
    cancel=st.sampled_from([None, True, False]),
)
def test_an_edit_changes_exactly_the_edited_set(
    data: bytes, pick: int, delay: int, stage: str | None, cancel: bool | None
) -> None:
    before_schedule, before = rows_of(data)
    assert all(isinstance(row, Performance) for row in before.values()), before
    performances = [row for row in before.values() if isinstance(row, Performance)]
    row = sorted(performances, key=lambda p: p.line)[pick % len(performances)]
    change = RowChange(stage=stage, start=row.start + delay, end=row.end + delay, cancelled=cancel)
    edited = rewritten(data, {row.line: change})

    after_schedule, after = rows_of(edited)
    assert (after_schedule.encoding, after_schedule.delimiter) == (before_schedule.encoding, before_schedule.delimiter)
    assert edited.startswith(BOM) == data.startswith(BOM)
    assert {line: other for line, other in after.items() if line != row.line} == {
        line: other for line, other in before.items() if line != row.line
    }
    assert after[row.line] == Performance(
        line=row.line,
        stage=row.stage if stage is None else stage,
        start=row.start + delay,
        end=row.end + delay,
        artist=row.artist,
        genre=row.genre,
        notes=row.notes,
        cancelled=row.cancelled if cancel is None else cancel,
    )
    # Byte for byte: only the edited row's lines differ (and the header, when a status column
    # had to be added).
    old, new = physical_lines(data), physical_lines(edited)
    assert len(old) == len(new)
    last = row.line + row.artist.count("\n") + row.notes.count("\n")  # a quoted line break spans lines
    differing = {number for number, (a, b) in enumerate(zip(old, new, strict=True), start=1) if a != b}
    allowed = set(range(row.line, last + 1)) | ({1} if "status" not in before_schedule.columns.index else set())
    assert differing <= allowed


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_undecodable_bytes_elsewhere_are_kept_as_they_are(encoding: str) -> None:
    # A byte that does not decode rejects its own row; the rest of the file is edited around it.
    data = "stage,date,start,end,artist\nMain,2026-07-03,21:00,22:00,Björk\n".encode(encoding) + (
        b"Main,2026-07-03,23:00,23:30,Bad \x81\n"
    )
    edited = rewritten(data, {2: RowChange(stage="Tent")})
    assert edited == data.replace(b"Main,2026-07-03,21", b"Tent,2026-07-03,21")
