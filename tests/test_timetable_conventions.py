"""How real organisers write timetables: festival days, 24:00-29:59, after-midnight sets
dated with the evening they follow, and cancelled sets (the parser's side)."""

from __future__ import annotations

import io

import pytest

from chalicelib.timetable import clock
from chalicelib.timetable.rows import Performance, Rejection, Schedule, read_schedule


def read(text: str, day_change: str = "06:00") -> tuple[Schedule, list[Performance | Rejection]]:
    hours, minutes = day_change.split(":")
    schedule = read_schedule(io.BytesIO(text.encode()), day_change=int(hours) * 60 + int(minutes))
    assert isinstance(schedule, Schedule), schedule
    return schedule, list(schedule.rows())


def accepted(text: str, day_change: str = "06:00") -> list[Performance]:
    _, rows = read(text, day_change)
    assert all(isinstance(row, Performance) for row in rows), rows
    return [row for row in rows if isinstance(row, Performance)]


def rejected(text: str) -> list[Rejection]:
    _, rows = read(text)
    return [row for row in rows if isinstance(row, Rejection)]


def times(performance: Performance) -> tuple[str, str]:
    return clock.iso(performance.start), clock.iso(performance.end)


class TestFestivalDay:
    def test_with_a_day_column_a_start_before_the_day_change_is_the_next_morning(self) -> None:
        rows = accepted(
            "stage,day,start,end,artist\n"
            "Main,2026-06-26,22:00,23:30,Headliner\n"
            "Main,2026-06-26,00:30,02:00,Late DJ\n"
            "Main,2026-06-26,05:00,06:30,Sunrise\n"
            "Main,2026-06-26,06:00,07:00,Breakfast\n"
        )
        assert [times(row) for row in rows] == [
            ("2026-06-26T22:00", "2026-06-26T23:30"),
            ("2026-06-27T00:30", "2026-06-27T02:00"),
            ("2026-06-27T05:00", "2026-06-27T06:30"),
            ("2026-06-26T06:00", "2026-06-26T07:00"),
        ]

    def test_the_day_change_time_is_the_deployments(self) -> None:
        row = accepted("stage,day,start,end,artist\nMain,2026-06-26,05:00,06:00,Sunrise\n", day_change="04:00")[0]
        assert times(row) == ("2026-06-26T05:00", "2026-06-26T06:00")

    def test_date_and_day_that_agree_are_accepted(self) -> None:
        row = accepted("stage,date,day,start,end,artist\nMain,2026-06-27,2026-06-26,01:00,02:00,Late DJ\n")[0]
        assert times(row) == ("2026-06-27T01:00", "2026-06-27T02:00")

    def test_date_and_day_that_disagree_reject_the_row_naming_both(self) -> None:
        [row] = rejected("stage,date,day,start,end,artist\nMain,2026-06-26,2026-06-26,01:00,02:00,Late DJ\n")
        assert row.line == 2 and row.artist == "Late DJ"
        assert "date 2026-06-26 at 01:00 is 2026-06-26T01:00" in row.reason
        assert "festival day 2026-06-25" in row.reason and "day says 2026-06-26" in row.reason
        assert "06:00" in row.reason

    def test_a_row_may_leave_date_empty_when_it_gives_the_day(self) -> None:
        rows = accepted(
            "stage,date,day,start,end,artist\n"
            "Main,,2026-06-26,01:00,02:00,Late DJ\n"
            "Main,2026-06-26,,20:00,21:00,Early\n"
        )
        assert [times(row)[0] for row in rows] == ["2026-06-27T01:00", "2026-06-26T20:00"]

    def test_a_row_with_neither_date_nor_day_says_so(self) -> None:
        [row] = rejected("stage,date,day,start,end,artist\nMain,,,01:00,02:00,Late DJ\n")
        assert "date and day are empty" in row.reason

    def test_a_bad_day_is_named(self) -> None:
        [row] = rejected("stage,day,start,end,artist\nMain,26/06/2026,01:00,02:00,Late DJ\n")
        assert 'day "26/06/2026" is not a date in the form YYYY-MM-DD' in row.reason

    def test_a_header_without_date_or_day_names_both(self) -> None:
        result = read_schedule(io.BytesIO(b"stage,start,end,artist\nMain,01:00,02:00,X\n"))
        assert isinstance(result, str) and "lacks the required column date" in result
        assert "with a day column, date may be left out" in result


class TestSmallHoursNotation:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("24:00", "25:30", ("2026-06-27T00:00", "2026-06-27T01:30")),
            ("23:00", "25:30", ("2026-06-26T23:00", "2026-06-27T01:30")),
            ("25:30", "29:59", ("2026-06-27T01:30", "2026-06-27T05:59")),
            ("22:00", "24:00", ("2026-06-26T22:00", "2026-06-27T00:00")),
        ],
    )
    def test_24_to_29_are_the_small_hours_after_the_date(self, start: str, end: str, expected: tuple[str, str]) -> None:
        row = accepted(f"stage,date,start,end,artist\nMain,2026-06-26,{start},{end},X\n")[0]
        assert times(row) == expected

    def test_with_a_day_column_25_30_is_the_same_as_01_30(self) -> None:
        rows = accepted("stage,day,start,end,artist\nMain,2026-06-26,25:30,26:00,A\nSide,2026-06-26,01:30,02:00,B\n")
        assert times(rows[0]) == times(rows[1]) == ("2026-06-27T01:30", "2026-06-27T02:00")

    @pytest.mark.parametrize("text", ["30:00", "24:60", "99:00"])
    def test_later_times_are_rejected_saying_what_is_allowed(self, text: str) -> None:
        [row] = rejected(f"stage,date,start,end,artist\nMain,2026-06-26,{text},23:00,X\n")
        assert f'start "{text}" is not a time of day (00:00 to 23:59, or 24:00 to 29:59' in row.reason

    def test_a_small_hours_time_written_as_24_to_29_raises_no_convention_warning(self) -> None:
        schedule, rows = read(
            "stage,date,start,end,artist\nMain,2026-06-26,22:00,23:30,Headliner\nMain,2026-06-26,25:00,26:00,Late\n"
        )
        assert all(isinstance(row, Performance) for row in rows)
        assert schedule.closing_warnings() == []


# A date-only file that lists Friday's after-midnight sets under Friday's date, as the
# programme prints them. Taken literally they are Thursday night's, when nothing plays.
FESTIVAL_DAY_DATED = """stage,date,start,end,artist
Main,2026-06-26,20:00,21:30,Friday Headliner
Main,2026-06-26,22:00,23:45,Friday Closer
Main,2026-06-26,00:30,02:00,Friday Late DJ
Main,2026-06-26,02:00,03:30,Friday Last DJ
Main,2026-06-27,20:00,21:30,Saturday Headliner
Main,2026-06-27,00:30,02:00,Saturday Late DJ
Tent,2026-06-26,21:00,22:00,Tent Band
"""


class TestTheDateOnlyConvention:
    def test_after_midnight_sets_under_their_festival_days_date_are_warned_about_by_line(self) -> None:
        schedule, rows = read(FESTIVAL_DAY_DATED)
        assert all(isinstance(row, Performance) for row in rows)  # never silently reinterpreted
        assert times(rows[2])[0] == "2026-06-26T00:30"
        [warning] = schedule.closing_warnings()
        assert "3 after-midnight sets (line 4, 5, 7)" in warning
        assert 'line 4 ("Friday Late DJ" on "Main", 2026-06-26T00:30) falls in the night of 2026-06-25' in warning
        assert "add a day column" in warning and "write the next date" in warning

    def test_a_file_with_calendar_dates_for_after_midnight_sets_gets_no_warning(self) -> None:
        schedule, rows = read(
            "stage,date,start,end,artist\n"
            "Main,2026-06-26,22:00,23:45,Friday Closer\n"
            "Main,2026-06-27,00:30,02:00,Friday Late DJ\n"
            "Main,2026-06-27,22:00,23:45,Saturday Closer\n"
            "Main,2026-06-28,00:30,02:00,Saturday Late DJ\n"
        )
        assert all(isinstance(row, Performance) for row in rows)
        assert schedule.closing_warnings() == []

    def test_an_overlap_caused_by_the_convention_says_so(self) -> None:
        schedule, rows = read(
            "stage,date,start,end,artist\n"
            "Main,2026-06-26,23:00,01:30,Friday Closer\n"
            "Main,2026-06-27,22:00,23:45,Saturday Closer\n"
            "Main,2026-06-27,01:00,02:00,Saturday Late DJ\n"
        )
        rejection = rows[2]
        assert isinstance(rejection, Rejection)
        assert "overlaps the set on line 2" in rejection.reason
        assert "if it follows the evening of 2026-06-27, write 2026-06-28 as its date" in rejection.reason
        [warning] = schedule.closing_warnings()
        assert "(line 4)" in warning and "overlaps its stage's previous night" in warning

    def test_a_stage_opening_at_midnight_while_another_still_plays_is_dated_right(self) -> None:
        """Its night is under way: the late club's set runs past midnight, so 00:00 on
        Saturday's date is Friday night, as written."""
        schedule, rows = read(
            "stage,date,start,end,artist\n"
            "Main,2026-07-03,20:00,22:00,Friday Main\n"
            "Club,2026-07-03,23:30,00:30,Friday Late\n"
            "Late,2026-07-04,00:00,01:00,Late Opens\n"
            "Late,2026-07-04,21:00,22:00,Late Saturday\n"
        )
        assert all(isinstance(row, Performance) for row in rows)
        assert schedule.closing_warnings() == []

    def test_a_file_with_a_day_column_is_never_warned(self) -> None:
        schedule, rows = read(FESTIVAL_DAY_DATED.replace("stage,date,", "stage,day,"))
        assert all(isinstance(row, Performance) for row in rows)
        assert times(rows[2])[0] == "2026-06-27T00:30"
        assert schedule.closing_warnings() == []


class TestCancelled:
    def test_status_cancelled_keeps_the_set_listed_as_cancelled(self) -> None:
        rows = accepted(
            "stage,date,start,end,artist,status\n"
            "Main,2026-06-26,20:00,21:00,Plays,\n"
            "Main,2026-06-26,21:00,22:00,Gone,Cancelled\n"
            "Main,2026-06-26,22:00,23:00,Also gone,canceled\n"
            "Main,2026-06-26,23:00,23:30,Plays too,scheduled\n"
        )
        assert [(row.artist, row.cancelled) for row in rows] == [
            ("Plays", False),
            ("Plays too", False),
            ("Gone", True),
            ("Also gone", True),
        ]

    def test_a_cancelled_set_frees_its_time_for_the_overlap_check(self) -> None:
        rows = accepted(
            "stage,date,start,end,artist,status\n"
            "Main,2026-06-26,20:00,22:00,Gone,cancelled\n"
            "Main,2026-06-26,20:30,21:30,Stand-in,\n"
        )
        assert {row.artist for row in rows} == {"Gone", "Stand-in"}

    def test_a_cancelled_set_in_the_same_slot_as_a_scheduled_one_is_rejected_whatever_the_order(self) -> None:
        for order in ((2, 3), (3, 2)):
            lines = {2: "Main,2026-06-26,20:00,21:00,Gone,cancelled", 3: "Main,2026-06-26,20:00,21:00,Stand-in,"}
            text = "stage,date,start,end,artist,status\n" + "\n".join(lines[n] for n in order) + "\n"
            _, rows = read(text)
            [performance] = [row for row in rows if isinstance(row, Performance)]
            [rejection] = [row for row in rows if isinstance(row, Rejection)]
            assert performance.artist == "Stand-in"
            assert rejection.artist == "Gone" and "is cancelled, and line" in rejection.reason
            assert "delete the cancelled row" in rejection.reason

    def test_an_unknown_status_is_rejected_saying_what_is_allowed(self) -> None:
        [row] = rejected("stage,date,start,end,artist,status\nMain,2026-06-26,20:00,21:00,X,postponed\n")
        assert 'status "postponed" is not one a set can have: write cancelled (or canceled)' in row.reason
