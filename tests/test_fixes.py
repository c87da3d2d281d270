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
