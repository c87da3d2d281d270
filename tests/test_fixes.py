"""Typos fixed in one tap: a preview suggests the likely fix of the mistakes real timetables
hold, with the reason, and the suggestion written into the file (timetable.cells) gives a
preview without them (chalicelib/timetable/fixes.py)."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import pytest

from chalicelib.api.openapi import openapi_spec
from chalicelib.timetable.cells import replace_cells
from chalicelib.timetable.fixes import Fix, Fixes
from chalicelib.timetable.rows import Schedule, read_schedule
from tests.conftest import Festival

# Four end times typed 13:45 for 01:45, as a real 2022 timetable had them.
TYPED = (
    "stage,date,start,end,artist\n"
    "Main Stage,2026-07-03,18:00,19:00,Opener\n"
    "Main Stage,2026-07-03,23:30,13:45,Late One\n"
    "Tent,2026-07-03,23:00,13:45,Late Two\n"
    "Club,2026-07-03,23:45,13:45,Late Three\n"
    "Dome,2026-07-03,22:15,13:45,Late Four\n"
    "Main Stage,2026-07-04,15:00,16:00,Afternoon\n"
    "Main  Stage,2026-07-04,17:00,18:00,Stray Space\n"
)


def suggested(text: str, festival_stages: tuple[str, ...] = ()) -> tuple[list[Fix], list[str]]:
    """The fixes and warnings the planner adds, for a file read alone."""
    schedule = read_schedule(io.BytesIO(text.encode()))
    assert isinstance(schedule, Schedule)
    fixes = Fixes(schedule, 6 * 60)
    for row in schedule.rows():
        fixes.note(row)
    schedule.closing_warnings()
    return fixes.suggest(festival_stages)


def applied(data: bytes, fixes: list[dict[str, Any]]) -> bytes:
    cells: dict[int, dict[str, str]] = {}
    for fix in fixes:
        cells.setdefault(fix["line"], {})[fix["column"]] = fix["suggested"]
    result = replace_cells(data, cells)
    assert isinstance(result, bytes), result
    return result


def preview(festival: Festival, data: bytes) -> dict[str, Any]:
    response = festival.client.http.post("/previews?file=day.csv", body=data, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    return json.loads(response.body)  # type: ignore[no-any-return]


def test_a_preview_suggests_both_fixes_and_applying_them_gives_a_preview_without_errors(festival: Festival) -> None:
    first = preview(festival, TYPED.encode())
    assert first["rejected"] == 4
    assert [
        (fix["line"], fix["column"], fix["value"], fix["suggested"], fix["rejected"]) for fix in first["fixes"]
    ] == [
        (3, "end", "13:45", "01:45", True),
        (4, "end", "13:45", "01:45", True),
        (5, "end", "13:45", "01:45", True),
        (6, "end", "13:45", "01:45", True),
        (8, "stage", "Main  Stage", "Main Stage", False),
    ]
    assert first["fixes"][0]["reason"] == (
        "the set would last 14 h 15 min; ending at 01:45 it lasts 2 h 15 min: was 13:45 typed for 01:45?"
    )
    assert any("Main  Stage" in warning and "stray spaces" in warning for warning in first["warnings"])
    spec = openapi_spec()
    jsonschema.validate(first, {"$ref": "#/components/schemas/Preview", "components": spec["components"]})
    second = preview(festival, applied(TYPED.encode(), first["fixes"]))
    assert (second["status"], second["rejected"], second["errors"]) == ("ok", 0, [])
    assert "fixes" not in second and not any("typo" in warning for warning in second["warnings"])
    assert {s["artist"]: (s["stage"], s["end"]) for s in second["sets"]}["Late One"] == (
        "Main Stage",
        "2026-07-04T01:45",
    )


def test_a_drafts_report_carries_the_fixes(festival: Festival) -> None:
    report = festival.upload("drafts/day.csv", TYPED)
    assert [fix["column"] for fix in report["fixes"]] == ["end", "end", "end", "end", "stage"]


def test_a_stage_one_letter_from_a_stage_the_festival_has(festival: Festival) -> None:
    festival.upload("uploads/main.csv", "stage,date,start,end,artist\nMain Stage,2026-07-03,18:00,19:00,Opener\n")
    answer = preview(
        festival,
        b"stage,date,start,end,artist\nMain Stgae,2026-07-03,20:00,21:00,A\nMain Stage,2026-07-03,21:00,22:00,B\n",
    )
    assert "fixes" not in answer  # two letters swapped: not one letter
    answer = preview(festival, b"stage,date,start,end,artist\nMain Stag,2026-07-03,20:00,21:00,A\n")
    (fix,) = answer["fixes"]
    assert (fix["line"], fix["suggested"]) == (2, "Main Stage")
    assert (
        fix["reason"] == 'stage "Main Stag" is one letter from the stage "Main Stage", which the festival has: a typo?'
    )


def test_an_after_midnight_set_dated_like_its_evening_gets_the_next_date(festival: Festival) -> None:
    text = (
        "stage,date,start,end,artist\n"
        "Main,2026-07-03,21:00,23:00,Headliner\n"
        "Main,2026-07-03,01:00,02:00,Night Owl\n"  # meant: the night after the 3rd
    )
    first = preview(festival, text.encode())
    assert [(f["line"], f["column"], f["value"], f["suggested"], f["rejected"]) for f in first["fixes"]] == [
        (3, "date", "2026-07-03", "2026-07-04", False)
    ]
    second = preview(festival, applied(text.encode(), first["fixes"]))
    assert second["warnings"] == [] and "fixes" not in second


def test_an_overlap_caused_by_the_date_is_fixed_by_it() -> None:
    fixes, _ = suggested(
        "stage,date,start,end,artist\n"
        "Main,2026-07-03,21:00,23:00,Headliner\n"
        "Main,2026-07-04,00:30,02:00,Late\n"
        "Main,2026-07-04,01:00,02:30,Owl\n"  # meant 07-05 (its night), read as overlapping Late
        "Main,2026-07-04,21:00,23:00,Saturday\n"
    )
    assert [(fix.line, fix.column, fix.suggested, fix.rejected) for fix in fixes] == [(4, "date", "2026-07-05", True)]


@pytest.mark.parametrize(
    "rows",
    [
        # Numbered or lettered stages are not typos of each other.
        ["Stage 1,2026-07-03,18:00,19:00,A", "Stage 1,2026-07-03,19:00,20:00,B", "Stage 2,2026-07-03,18:00,19:00,C"],
        ["Tent A,2026-07-03,18:00,19:00,A", "Tent A,2026-07-03,19:00,20:00,B", "Tent B,2026-07-03,18:00,19:00,C"],
        # Short names one letter apart are as likely two stages.
        ["Bar,2026-07-03,18:00,19:00,A", "Bar,2026-07-03,19:00,20:00,B", "Car,2026-07-03,18:00,19:00,C"],
        # As many rows each: no telling which is meant.
        ["Main Stage,2026-07-03,18:00,19:00,A", "Main Stagе,2026-07-03,20:00,21:00,C"],
        # The end twelve hours earlier would overlap the next set: no fix.
        ["Main,2026-07-03,23:30,13:45,Late", "Main,2026-07-04,01:00,02:00,Owl"],
    ],
)
def test_what_is_not_suggested(rows: list[str]) -> None:
    fixes, warnings = suggested("stage,date,start,end,artist\n" + "\n".join(rows) + "\n")
    assert fixes == [] and not any("typo" in warning for warning in warnings)


def test_each_end_form_is_kept() -> None:
    fixes, _ = suggested("stage,date,start,end,artist\nMain,2026-07-03,12:30,1:15:00,Early\n")
    assert [(fix.value, fix.suggested) for fix in fixes] == [("1:15:00", "13:15:00")]


def fix_request(festival: Festival, data: bytes, fix: dict[str, Any]) -> Any:
    """POST /fixes, as the organiser's page sends a tapped fix."""
    from urllib.parse import urlencode

    query = urlencode({name: fix[name] for name in ("line", "column", "value", "suggested")})
    return festival.client.http.post(
        f"/fixes?{query}", body=data, headers={"Content-Type": "text/csv", "Accept": "text/csv"}
    )


class TestOneTap:
    """POST /fixes writes one fix into the file, every other byte kept; the page previews
    the answer again (chalicelib/api/fixes.py)."""

    def test_each_fix_applied_in_turn_gives_a_preview_without_errors(self, festival: Festival) -> None:
        data = TYPED.encode()
        first = preview(festival, data)
        for fix in first["fixes"]:  # one tap each
            answer = fix_request(festival, data, fix)
            assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
            assert answer.headers["Content-Type"] == "text/csv"
            data = answer.body
        assert data == applied(TYPED.encode(), first["fixes"])
        second = preview(festival, data)
        assert (second["status"], second["rejected"], second["errors"]) == ("ok", 0, [])
        assert "fixes" not in second

    def test_a_windows_1252_file_keeps_its_encoding_delimiter_quotes_and_line_breaks(self, festival: Festival) -> None:
        data = (
            'stage;date;start;end;artist;notes\r\n"Scène  Est";2026-07-03;23:30;13:45;Bébé;"a; b"\r\n'
            "Scène Est;2026-07-04;20:00;21:00;Garçon;\r\n"
            "Scène Est;2026-07-04;22:00;23:00;Noël;\r\n"
        ).encode("cp1252")
        fixes = preview(festival, data)["fixes"]
        assert [(f["line"], f["column"], f["value"], f["suggested"]) for f in fixes] == [
            (2, "end", "13:45", "01:45"),
            (2, "stage", "Scène  Est", "Scène Est"),
        ]
        for fix in fixes:
            data = fix_request(festival, data, fix).body
        assert data == (
            'stage;date;start;end;artist;notes\r\n"Scène Est";2026-07-03;23:30;01:45;Bébé;"a; b"\r\n'
            "Scène Est;2026-07-04;20:00;21:00;Garçon;\r\n"
            "Scène Est;2026-07-04;22:00;23:00;Noël;\r\n"
        ).encode("cp1252")
        assert preview(festival, data)["status"] == "ok"

    def test_a_fix_the_file_no_longer_matches_is_409_and_what_cannot_be_written_422(self, festival: Festival) -> None:
        data = TYPED.encode()
        fix = {"line": 3, "column": "end", "value": "13:45", "suggested": "01:45"}
        assert fix_request(festival, data, fix).status_code == 200
        stale = fix_request(festival, applied(data, [fix]), fix)
        assert stale.status_code == 409 and '"01:45", not "13:45"' in json.loads(stale.body)["Message"]
        nowhere = fix_request(festival, data, {**fix, "line": 99})
        assert nowhere.status_code == 422 and "line 99 holds no row" in json.loads(nowhere.body)["Message"]
        cp1252 = "stage,date,start,end,artist\nScène  Est,2026-07-03,18:00,19:00,A\n".encode("cp1252")
        emoji = fix_request(
            festival, cp1252, {"line": 2, "column": "stage", "value": "Scène  Est", "suggested": "Scène ✓"}
        )
        assert emoji.status_code == 422 and "U+2713 CHECK MARK" in json.loads(emoji.body)["Message"]

    @pytest.mark.parametrize(
        ("query", "words"),
        [
            ("column=end&value=a&suggested=b", "line: missing"),
            ("line=0&column=end&value=a&suggested=b", "line: expected a line number"),
            ("line=٣&column=end&value=a&suggested=b", "line: expected a line number"),
            ("line=3&column=artist&value=a&suggested=b", "column: expected one of end, date, stage"),
            ("line=3&column=end&suggested=b", "value: missing"),
            ("line=3&column=end&value=a&suggested=b%0Ac", "suggested: a fix is written on one line"),
            ("line=3&column=end&value=a&suggested=b&bogus=1", "bogus: unknown parameter"),
        ],
    )
    def test_a_malformed_fix_is_400_naming_what_is_wrong(self, festival: Festival, query: str, words: str) -> None:
        answer = festival.client.http.post(f"/fixes?{query}", body=TYPED.encode(), headers={"Content-Type": "text/csv"})
        assert answer.status_code == 400 and json.loads(answer.body)["Message"].startswith(words), answer.body

    def test_a_file_over_2_mb_is_413(self, festival: Festival) -> None:
        big = TYPED.encode() + b" " * (2 * 1024 * 1024)
        assert (
            fix_request(festival, big, {"line": 3, "column": "end", "value": "a", "suggested": "b"}).status_code == 413
        )
