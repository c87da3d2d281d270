"""The CSV contract, row by row: what is accepted, what is rejected and why."""

from __future__ import annotations

import io
import unicodedata

import pytest

from chalicelib.timetable.rows import Performance, Rejection, Schedule, read_schedule
from chalicelib.timetable.text import undecodable, unsafe_character

HEADER = "stage,date,start,end,artist\n"


def parse(data: str | bytes) -> tuple[Schedule, list[Performance | Rejection]]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    schedule = read_schedule(io.BytesIO(raw))
    assert isinstance(schedule, Schedule), schedule
    return schedule, list(schedule.rows())


def only(data: str | bytes) -> Performance | Rejection:
    _, rows = parse(data)
    assert len(rows) == 1, rows
    return rows[0]


def reason(data: str | bytes) -> str:
    row = only(data)
    assert isinstance(row, Rejection), row
    return row.reason


def failure(data: bytes) -> str:
    result = read_schedule(io.BytesIO(data))
    assert isinstance(result, str), result
    return result


class TestHeader:
    def test_names_match_case_insensitively_in_any_order_ignoring_spaces(self) -> None:
        row = only(" ARTIST , End,start ,Date,Stage\nBjörk,23:00,21:30,2026-07-03,Main\n")
        assert isinstance(row, Performance)
        assert (row.stage, row.artist, row.date) == ("Main", "Björk", "2026-07-03")

    def test_unknown_columns_are_ignored_and_named_once(self) -> None:
        schedule, rows = parse("stage,date,start,end,artist,Stage Manager,\nA,2026-07-03,10:00,11:00,x,Kim,\n")
        assert all(isinstance(row, Performance) for row in rows)
        assert schedule.warnings() == ['ignored 1 unknown column: "Stage Manager"']

    def test_thousands_of_unknown_columns_are_summarised(self) -> None:
        extra = ",".join(f"c{n}" for n in range(10_000))
        schedule, _ = parse(f"stage,date,start,end,artist,{extra}\n")
        [warning] = schedule.warnings()
        assert warning.startswith('ignored 10,000 unknown columns: "c0", "c1"')
        assert warning.endswith("and 9,980 more")

    def test_a_missing_required_column_fails_the_file_naming_it(self) -> None:
        message = failure(b"stage,date,start,artist\nA,2026-07-03,10:00,x\n")
        assert "lacks the required column end" in message
        assert '"stage", "date", "start", "artist"' in message

    def test_a_column_named_twice_fails_the_file(self) -> None:
        assert 'names the column "artist" twice (columns 5 and 6)' in failure(b"stage,date,start,end,artist,Artist\n")

    def test_a_header_without_rows_is_an_empty_schedule(self) -> None:
        _, rows = parse(HEADER)
        assert rows == []

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (b"", "the file is empty"),
            (b"\n\r\n  \n", "no header row"),
            (b"\x00\x01\x02\x03binary\xff\x00", "binary data"),
            (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
            ("stage,date\n".encode("utf-16"), "UTF-16 text"),
        ],
    )
    def test_files_that_cannot_be_read_fail_with_a_reason(self, data: bytes, expected: str) -> None:
        assert expected in failure(data)


class TestValues:
    def test_values_are_trimmed_and_names_nfc_normalised_but_otherwise_kept(self) -> None:
        decomposed = unicodedata.normalize("NFD", "Sigur Rós")
        row = only(HEADER + f"  main STAGE ,2026-07-03, 9:05 , 10:00:00 , {decomposed} \n")
        assert isinstance(row, Performance)
        assert row.stage == "main STAGE"
        assert row.artist == "Sigur Rós" and unicodedata.is_normalized("NFC", row.artist)

    def test_formulas_are_kept_as_plain_text(self) -> None:
        row = only(HEADER + 'A,2026-07-03,10:00,11:00,"=HYPERLINK(""http://x"",""y"")"\n')
        assert isinstance(row, Performance)
        assert row.artist == '=HYPERLINK("http://x","y")'

    def test_optional_columns(self) -> None:
        row = only("stage,date,start,end,artist,genre,notes\nA,2026-07-03,10:00,11:00,x, techno ,\n")
        assert isinstance(row, Performance)
        assert (row.genre, row.notes) == ("techno", "")

    def test_an_end_before_the_start_is_the_next_day(self) -> None:
        row = only(HEADER + "A,2026-07-03,23:30,01:15,x\n")
        assert isinstance(row, Performance)
        assert row.end - row.start == 105

    def test_a_twelve_hour_set_is_the_longest_allowed(self) -> None:
        assert isinstance(only(HEADER + "A,2026-07-03,10:00,22:00,x\n"), Performance)
        assert "the longest allowed is 12 h" in reason(HEADER + "A,2026-07-03,10:00,22:01,x\n")
        assert "(22:00 to 10:01 the next day)" in reason(HEADER + "A,2026-07-03,22:00,10:01,x\n")

    @pytest.mark.parametrize(
        ("row", "expected"),
        [
            ("A,2026-02-30,10:00,11:00,x", 'date "2026-02-30" is not a calendar date'),
            ("A,03/07/2026,10:00,11:00,x", 'date "03/07/2026" is not a date in the form YYYY-MM-DD'),
            ("A,2026-07-03,30:00,11:00,x", 'start "30:00" is not a time of day'),
            ("A,2026-07-03,10:00,10:60,x", 'end "10:60" is not a time of day'),
            ("A,2026-07-03,10:00,30:00,x", "is not a time of day (00:00 to 23:59, or 24:00 to 29:59"),
            ("A,2026-07-03,10:00:30,11:00,x", "has seconds"),
            ("A,2026-07-03,10am,11:00,x", "is not a time in the form HH:MM"),
            ("A,2026-07-03,10:00,10:00,x", "end is the same as start"),
            (",2026-07-03,10:00,11:00,", "stage and artist are empty"),
            ("A,2026-07-03,10:00,11:00", "artist is empty"),
            ("A,2026-07-03,10:00,11:00,x\x00y", "contains a NUL byte"),
            ("A,2026-07-03,10:00,11:00,x\x1by", "contains the control character U+001B"),
            ("A,2026-07-03,10:00,11:00,Earth, Wind & Fire", "has 6 values but the header has 5 columns"),
            ("A,2026-07-03,10:00,11:00,x,", "has 6 values but the header has 5 columns"),
            ("A,2026-07-03,10:00,11:00," + "x" * 1001, "artist is 1,001 characters long (at most 1,000)"),
        ],
    )
    def test_row_problems_are_rejections_with_a_reason(self, row: str, expected: str) -> None:
        assert expected in reason(HEADER + row + "\n")

    def test_every_problem_of_a_row_is_named(self) -> None:
        message = reason(HEADER + ",2026-13-01,7:5,11:00,\n")
        assert "stage and artist are empty" in message
        assert 'date "2026-13-01"' in message
        assert 'start "7:5"' in message

    def test_a_value_of_exactly_1000_characters_is_accepted(self) -> None:
        assert isinstance(only(HEADER + "A,2026-07-03,10:00,11:00," + "x" * 1000 + "\n"), Performance)


class TestLinesAndEncodings:
    def test_rows_are_named_by_the_line_they_start_on(self) -> None:
        data = (
            HEADER
            + "\r\n"
            + 'A,2026-07-03,10:00,11:00,"two\r\nlines, and a comma"\r\n'
            + "\r\n"
            + "A,2026-07-03,10:30,11:30,late\r\n"
        )
        _, rows = parse(data)
        assert [(row.line, type(row).__name__) for row in rows] == [(3, "Performance"), (6, "Rejection")]
        assert isinstance(rows[0], Performance) and rows[0].artist == "two\r\nlines, and a comma"
        assert isinstance(rows[1], Rejection) and rows[1].reason.startswith("overlaps the set on line 3")

    def test_blank_lines_and_rows_of_empty_values_are_skipped(self) -> None:
        _, rows = parse(HEADER + "\n,,,,\n  ,  ,,,\nA,2026-07-03,10:00,11:00,x\n")
        assert [row.line for row in rows] == [5]

    def test_utf8_with_a_byte_order_mark(self) -> None:
        schedule, rows = parse(b"\xef\xbb\xbf" + (HEADER + "A,2026-07-03,10:00,11:00,Bj\u00f6rk\n").encode())
        assert schedule.encoding == "UTF-8" and schedule.warnings() == []
        assert isinstance(rows[0], Performance) and rows[0].artist == "Björk"

    def test_windows_1252_is_recognised_and_reported(self) -> None:
        schedule, rows = parse((HEADER + "Caf\u00e9,2026-07-03,10:00,11:00,Bj\u00f6rk \u2013 live\n").encode("cp1252"))
        assert schedule.encoding == "Windows-1252"
        assert "read as Windows-1252" in schedule.warnings()[0]
        assert isinstance(rows[0], Performance) and (rows[0].stage, rows[0].artist) == ("Café", "Björk – live")

    def test_a_row_that_does_not_decode_after_the_first_64_kb_is_rejected_alone(self) -> None:
        filler = HEADER + "".join(f"S{n},2026-07-03,10:00,11:00,{'é' * 40}\n" for n in range(1500))
        assert len(filler.encode()) > 64 * 1024
        data = filler.encode() + b"Late,2026-07-03,10:00,11:00,Bj\xf6rk\nLast,2026-07-03,10:00,11:00,ok\n"
        schedule, rows = parse(data)
        assert schedule.encoding == "UTF-8"
        rejected = [row for row in rows if isinstance(row, Rejection)]
        assert [(row.line, row.reason) for row in rejected] == [
            (1502, "contains bytes that are not valid UTF-8 (first: 0xF6)")
        ]
        assert sum(isinstance(row, Performance) for row in rows) == 1501

    def test_semicolon_separated_files_are_recognised_from_the_header(self) -> None:
        schedule, rows = parse("Stage;Date;Start;End;Artist\nA;2026-07-03;10:00;11:00;Earth, Wind & Fire\n")
        assert schedule.delimiter == ";"
        assert isinstance(rows[0], Performance) and rows[0].artist == "Earth, Wind & Fire"

    def test_an_unclosed_quote_does_not_swallow_the_file_silently(self) -> None:
        data = HEADER + 'A,2026-07-03,10:00,11:00,"unclosed\nA,2026-07-03,12:00,13:00,y\n'
        _, rows = parse(data)
        assert [(row.line, row.reason) for row in rows if isinstance(row, Rejection)] == [
            (2, 'a quoted value is not closed before the end of the file (a closing " is missing)')
        ]
        assert len(rows) == 1

    def test_text_after_a_closing_quote_is_rejected_and_reading_goes_on(self) -> None:
        _, rows = parse(HEADER + 'A,2026-07-03,10:00,11:00,"The" Band\nA,2026-07-03,12:00,13:00,y\n')
        assert isinstance(rows[0], Rejection) and "right after a closing double quote" in rows[0].reason
        assert isinstance(rows[1], Performance) and rows[1].line == 3

    def test_a_quote_inside_an_unquoted_value_is_just_a_character(self) -> None:
        row = only(HEADER + 'A,2026-07-03,10:00,11:00,12" Vinyl Club\n')
        assert isinstance(row, Performance) and row.artist == '12" Vinyl Club'

    def test_a_very_long_field_is_rejected_and_reading_goes_on(self) -> None:
        data = HEADER + "A,2026-07-03,10:00,11:00," + "x" * 1_000_000 + "\nA,2026-07-03,12:00,13:00,y\n"
        _, rows = parse(data)
        assert isinstance(rows[0], Rejection) and rows[0].line == 2
        assert "longer than 131,072 characters" in rows[0].reason
        assert isinstance(rows[1], Performance) and rows[1].line == 3


class TestCharactersNoFeedCanCarry:
    """XML 1.0, iCalendar and JSON cannot carry every code point: a row holding one is
    refused at ingest, naming the column and the character, so that no export breaks."""

    @pytest.mark.parametrize(
        ("row", "expected"),
        [
            ("A,2026-07-03,10:00,11:00,x\ufffey,", "artist contains U+FFFE, a Unicode noncharacter"),
            ("A,2026-07-03,10:00,11:00,x,\uffff", "notes contains U+FFFF, a Unicode noncharacter"),
            ("A\ufdd0,2026-07-03,10:00,11:00,x,", "stage contains U+FDD0, a Unicode noncharacter"),
            ("A,2026-07-03,10:00,11:00,x\U0010ffff,", "artist contains U+10FFFF, a Unicode noncharacter"),
            ("A,2026-07-03,10:00,11:00,x\x85y,", "artist contains the C1 control character U+0085"),
            ("A,2026-07-03,10:00,11:00,x,caf\x96", "notes contains the C1 control character U+0096"),
            ("A,2026-07-03,10:00,11:00,x\x00y,", "artist contains a NUL byte"),
            ("A,2026-07-03,10:00,11:00,x,a\x1bb", "notes contains the control character U+001B"),
        ],
    )
    def test_the_reason_names_the_column_and_the_character(self, row: str, expected: str) -> None:
        rejection = only("stage,date,start,end,artist,notes\n" + row + "\n")
        assert isinstance(rejection, Rejection) and rejection.line == 2
        assert expected in rejection.reason
        assert "remove it" in rejection.reason

    def test_an_ignored_column_is_named_from_the_header(self) -> None:
        text = reason("stage,date,start,end,artist,Comment\nA,2026-07-03,10:00,11:00,x,\ufffe\n")
        assert text.startswith('"Comment" contains U+FFFE')

    def test_each_column_with_such_a_character_is_named(self) -> None:
        text = reason("stage,date,start,end,artist,notes\nA\x85,2026-07-03,10:00,11:00,x,\uffff\n")
        assert "stage contains the C1 control character U+0085" in text and "notes contains U+FFFF" in text

    def test_a_refused_artist_is_not_kept_as_the_rows_artist(self) -> None:
        rejection = only(HEADER + "A,2026-07-03,10:00,11:00,x\ufffe\n")
        assert isinstance(rejection, Rejection) and (rejection.artist, rejection.stage) == ("", "A")
        rejection = only(HEADER + "\u202eA,2026-07-03,10:00,11:00,x\n")
        assert isinstance(rejection, Rejection) and (rejection.artist, rejection.stage) == ("x", "")
        rejection = only("stage,date,start,end,artist,notes\nA,2026-07-03,10:00,11:00,Björk,\ufffe\n")
        assert isinstance(rejection, Rejection) and rejection.artist == "Björk"  # its set in the last version stays

    def test_lone_surrogates_are_refused_but_undecodable_bytes_are_reported_as_such(self) -> None:
        assert unsafe_character("a\ud800b") == "U+D800, a lone surrogate"
        assert unsafe_character("a\udfff") == "U+DFFF, a lone surrogate"
        assert unsafe_character("Bj\udcf6rk") is None  # the decoder's marker for the byte 0xF6
        assert undecodable("Bj\udcf6rk") == "0xF6"  # reported as "bytes that are not valid UTF-8"

    @pytest.mark.parametrize(
        "value",
        [
            "Björk",
            "فيروز",
            "\u200fفيروز",
            "👩\u200d🎤 Duo",
            "Sigur Rós",
            "Tab\tinside",
            "e\u0301",
            "\ue000",
            "x\u00a0y",
        ],
    )
    def test_text_any_feed_carries_is_accepted(self, value: str) -> None:
        row = only(HEADER + f'A,2026-07-03,10:00,11:00,"{value}"\n')
        assert isinstance(row, Performance), row


class TestNames:
    """A stage or artist name is shown in lists, calendars and on signage: it must be
    visible, and must not reorder the text around it."""

    @pytest.mark.parametrize(
        ("row", "expected"),
        [
            ("A,2026-07-03,10:00,11:00,\u202egnp.exe", "artist contains U+202E RIGHT-TO-LEFT OVERRIDE"),
            ("A,2026-07-03,10:00,11:00,x\u202a", "artist contains U+202A LEFT-TO-RIGHT EMBEDDING"),
            ("\u2066Main\u2069,2026-07-03,10:00,11:00,x", "stage contains U+2066 LEFT-TO-RIGHT ISOLATE"),
            ("Main,2026-07-03,10:00,11:00,\u2068x", "artist contains U+2068 FIRST STRONG ISOLATE"),
        ],
    )
    def test_bidirectional_controls_in_names_are_refused(self, row: str, expected: str) -> None:
        text = reason(HEADER + row + "\n")
        assert expected in text
        assert "remove it" in text and "right-to-left" in text

    @pytest.mark.parametrize(
        ("row", "column", "shown"),
        [
            ("\u200b,2026-07-03,10:00,11:00,x", "stage", "U+200B ZERO WIDTH SPACE"),
            ("A,2026-07-03,10:00,11:00,\u2060\u3164", "artist", "U+2060 WORD JOINER, U+3164 HANGUL FILLER"),
            ("A,2026-07-03,10:00,11:00,\u034f\u0301", "artist", "U+034F COMBINING GRAPHEME JOINER"),
            ("\u2800,2026-07-03,10:00,11:00,x", "stage", "U+2800 BRAILLE PATTERN BLANK"),
            ("\ufeff\u200d,2026-07-03,10:00,11:00,x", "stage", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ],
    )
    def test_a_name_with_no_visible_character_is_refused(self, row: str, column: str, shown: str) -> None:
        text = reason(HEADER + row + "\n")
        assert f"{column} has no visible character" in text and shown in text
        assert f"write the {column}" in text

    def test_bidirectional_controls_in_notes_are_left_to_the_page(self) -> None:
        row = only("stage,date,start,end,artist,notes\nA,2026-07-03,10:00,11:00,x,\u202eevil\n")
        assert isinstance(row, Performance) and row.notes == "\u202eevil"


class TestConflicts:
    def test_a_duplicate_stage_and_start_names_the_earlier_line(self) -> None:
        _, rows = parse(HEADER + "A,2026-07-03,10:00,11:00,x\nB,2026-07-03,10:00,11:00,y\nA,2026-07-03,10:00,10:30,z\n")
        assert isinstance(rows[2], Rejection)
        assert rows[2].reason == 'duplicate of line 2: "A" already has a set starting 2026-07-03T10:00'

    def test_overlaps_on_a_stage_keep_the_earlier_row(self) -> None:
        _, rows = parse(
            HEADER
            + "A,2026-07-03,23:00,01:00,night\n"  # line 2, past midnight
            + "A,2026-07-04,00:30,02:00,clash\n"  # line 3 overlaps line 2 across midnight
            + "A,2026-07-04,01:00,02:00,next\n"  # line 4 starts when line 2 ends: fine
            + "A,2026-07-03,22:00,23:00,before\n"  # line 5 ends when line 2 starts: fine
            + "A,2026-07-03,22:30,23:30,inside\n"  # line 6 overlaps lines 5 and 2
        )
        verdicts = [(row.line, isinstance(row, Performance)) for row in rows]
        assert verdicts == [(2, True), (3, False), (4, True), (5, True), (6, False)]
        assert isinstance(rows[1], Rejection)
        assert rows[1].reason.startswith('overlaps the set on line 2 (2026-07-03T23:00 to 2026-07-04T01:00 on "A");')

    def test_a_set_inside_a_long_set_from_the_day_before_overlaps(self) -> None:
        _, rows = parse(HEADER + "A,2026-07-03,20:00,07:00,all night\nA,2026-07-04,05:00,05:30,dawn\n")
        assert isinstance(rows[1], Rejection) and "line 2" in rows[1].reason

    def test_the_same_time_on_another_stage_is_fine(self) -> None:
        _, rows = parse(HEADER + "A,2026-07-03,10:00,11:00,x\nB,2026-07-03,10:00,11:00,x\n")
        assert all(isinstance(row, Performance) for row in rows)

    def test_rows_in_any_order(self) -> None:
        _, rows = parse(HEADER + "A,2026-07-03,12:00,13:00,x\nA,2026-07-03,10:00,11:00,y\nA,2026-07-03,10:30,12:30,z\n")
        assert [isinstance(row, Performance) for row in rows] == [True, True, False]


def test_dates_outside_this_century_are_typos() -> None:
    assert 'date "0226-07-03" is outside 2000-01-01 to 2099-12-31' in reason(HEADER + "A,0226-07-03,10:00,11:00,x\n")
    assert "is outside" in reason(HEADER + "A,9999-12-31,23:00,01:00,x\n")
