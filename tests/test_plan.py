"""The plan's decisions, without AWS: which set each row continues (the identity rule and
the rejected-row rule), what the changelog says, and what happens to other files' sets.
The festival is an in-memory stand-in for what the last commit left (`tests.fakes.MemoryFestival`),
and the plan's decisions are kept as the planner says them (`FakeWrites`)."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from chalicelib.ingest.plan import Plan, Planner, Version
from chalicelib.ingest.preview import preview_json
from chalicelib.sets.identity import set_id
from chalicelib.sets.index import Reindex
from chalicelib.sets.items import ItemFactory, from_item
from chalicelib.sets.model import StoredSet
from chalicelib.storage.sources import _decode_chunk, manifest_chunks
from chalicelib.timetable import clock
from chalicelib.timetable.rows import Performance
from tests.conftest import csv_text
from tests.fakes import FakeWrites, MemoryFestival

ZONE = ZoneInfo("Europe/Amsterdam")
DAY_CHANGE = 6 * 60


def plan(festival: MemoryFestival, source: str, text: str, day_change: int = DAY_CHANGE) -> Plan:
    """Plan a version against the festival, then commit it there (as the unit of work would)."""
    previous = festival.source_records.get(source)
    version = Version(source, "bucket", {"etag": "x"}, "ingested", "x")
    writes = FakeWrites(f"run{len(festival.manifests)}", source)
    planner = Planner(
        version, previous, festival, writes, now="2026-06-01T00:00:00.000Z", zone=ZONE, day_change=day_change
    )
    made = planner.ingest(io.BytesIO(text.encode()))
    festival.apply(writes)
    assert writes.committed is not None
    festival.source_records[source] = writes.committed[0]
    return made


def ids(made: Plan) -> dict[str, list[tuple[str, str, str]]]:
    """artist -> [(id, stage, start)] of the sets a plan puts."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for s in sorted(made.sets, key=lambda s: s.start):
        found.setdefault(s.artist, []).append((s.id, s.stage, clock.iso(s.start)))
    return found


def changes(made: Plan) -> list[tuple[str, str]]:
    return sorted((entry["change"], entry["artist"]) for entry in made.report["changelog"])


TWICE = csv_text("Main,2026-07-03,20:00,21:00,Aurora,,", "Main,2026-07-04,20:00,21:00,Aurora,,")


def test_a_rejected_row_keeps_its_own_set_when_the_artist_has_another_valid_row() -> None:
    festival = MemoryFestival()
    first = ids(plan(festival, "day.csv", TWICE))["Aurora"]
    # Saturday's set moves to 21:00; Friday's row has a typo in its end (its slot can be read).
    made = plan(
        festival, "day.csv", csv_text("Main,2026-07-03,20:00,2x:00,Aurora,,", "Main,2026-07-04,21:00,22:00,Aurora,,")
    )
    assert made.report["rejected"] == 1
    after = ids(made)["Aurora"]
    assert after == [(first[0][0], "Main", "2026-07-03T20:00"), (first[1][0], "Main", "2026-07-04T21:00")]
    assert changes(made) == [("moved", "Aurora")]  # Friday's set stays as it was


def test_a_rejected_row_that_cannot_be_placed_keeps_every_set_of_its_artist_and_no_id_moves() -> None:
    festival = MemoryFestival()
    first = ids(plan(festival, "day.csv", TWICE))["Aurora"]
    made = plan(
        festival, "day.csv", csv_text("Main,2026-13-03,20:00,21:00,Aurora,,", "Main,2026-07-04,21:00,22:00,Aurora,,")
    )
    after = ids(made)["Aurora"]
    assert [entry[0] for entry in after if entry[0] in {i for i, _, _ in first}] == [first[0][0], first[1][0]]
    new = [entry for entry in after if entry[0] not in {i for i, _, _ in first}]
    assert [(stage, start) for _, stage, start in new] == [("Main", "2026-07-04T21:00")]
    assert changes(made) == [("new", "Aurora")]


def test_two_artists_who_swap_keep_their_ids() -> None:
    festival = MemoryFestival()
    first = ids(
        plan(festival, "day.csv", csv_text("Main,2026-07-03,19:00,20:00,A,,", "Main,2026-07-03,20:00,21:00,B,,"))
    )
    made = plan(festival, "day.csv", csv_text("Main,2026-07-03,19:00,20:00,B,,", "Main,2026-07-03,20:00,21:00,A,,"))
    after = ids(made)
    assert after["A"][0][0] == first["A"][0][0] and after["A"][0][2] == "2026-07-03T20:00"
    assert after["B"][0][0] == first["B"][0][0] and after["B"][0][2] == "2026-07-03T19:00"
    assert changes(made) == [("moved", "A"), ("moved", "B")]


def test_an_artist_who_plays_twice_keeps_both_ids_in_time_order_when_both_move() -> None:
    festival = MemoryFestival()
    first = ids(plan(festival, "day.csv", TWICE))["Aurora"]
    made = plan(
        festival, "day.csv", csv_text("Tent,2026-07-03,22:00,23:00,Aurora,,", "Tent,2026-07-04,22:00,23:00,Aurora,,")
    )
    assert [entry[0] for entry in ids(made)["Aurora"]] == [first[0][0], first[1][0]]
    assert changes(made) == [("moved", "Aurora"), ("moved", "Aurora")]


def test_a_row_in_another_files_slot_takes_it_and_that_file_forgets_it() -> None:
    festival = MemoryFestival()
    plan(festival, "other.csv", csv_text("Tent,2026-07-03,22:00,23:00,Other,,", "Tent,2026-07-03,20:00,21:00,Stays,,"))
    made = plan(festival, "day.csv", csv_text("Tent,2026-07-03,22:00,23:00,Taker,,"))
    assert changes(made) == [("new", "Taker"), ("removed", "Other")]
    assert any('came from "other.csv" (same stage and start; line 2)' in w for w in made.report["warnings"])
    state = festival.source_records["other.csv"]
    assert state.live and state.manifest is not None and state.manifest.sets == 1
    assert [s.artist for s in festival.manifest("other.csv", state)] == ["Stays"]


def test_the_index_follows_a_moved_set_and_counts_every_file() -> None:
    festival = MemoryFestival()
    plan(festival, "a.csv", csv_text("Main,2026-07-03,20:00,21:00,A,,"))
    plan(festival, "b.csv", csv_text("Main,2026-07-03,22:00,23:00,B,,"))
    friday = clock.parse_date_strict("2026-07-03")
    assert sorted(festival.stage_days[("Main", friday)].sets) == [
        clock.parse_moment("2026-07-03T20:00"),
        clock.parse_moment("2026-07-03T22:00"),
    ]


def test_reindex_carries_the_last_scheduled_set_of_the_night_past_a_cancelled_one() -> None:
    """A set cancelled as the night's last start does not hide the one still playing."""
    friday, saturday = (clock.parse_date_strict(d) for d in ("2026-07-03", "2026-07-04"))
    moment = clock.parse_moment
    long_set = StoredSet("Main", moment("2026-07-04T04:00"), moment("2026-07-04T07:00"), "Long", "")
    cancelled = StoredSet("Main", moment("2026-07-04T05:00"), moment("2026-07-04T05:30"), "Off", "", cancelled=True)
    reindex = Reindex(DAY_CHANGE, [], {}, [], [long_set, cancelled])
    writes, deletes = reindex.finish([])
    by_key = {sd.key: sd for sd in writes}
    assert set(by_key) == {("Main", friday), ("Main", saturday)}
    assert by_key[("Main", saturday)].carry == (long_set.start, long_set.end)
    assert deletes == []


def test_a_set_id_is_the_same_in_every_version_of_the_code() -> None:
    """Favourites, share links and calendars hold ids: computing them differently (here,
    faster) must give the very ids every earlier release gave."""
    opener = Performance(2, "Main", 29_700_000, 29_700_060, "Björk")
    assert set_id("uploads/main.csv", opener) == "nfq2cuu5po6aogiw"
    assert set_id("uploads/main.csv", opener, 1) == "6soeefmpnji65pyd"  # the artist's second set in that place


def test_a_preview_says_each_sets_festival_day_by_the_festivals_day_change() -> None:
    """The organiser's page groups sets and changes by these days; it keeps no rule of its own."""
    festival, three = MemoryFestival(), 3 * 60
    before = (
        "Club,2026-07-04,02:00,02:50,Late,,",
        "Club,2026-07-04,04:00,05:00,Early,,",
        "Club,2026-07-04,01:00,01:50,Gone,,",
    )
    plan(festival, "uploads/night.csv", csv_text(*before), three)
    after = ("Club,2026-07-04,03:10,03:50,Late,,", "Club,2026-07-04,05:00,06:00,Early,,")  # Late crosses 03:00
    preview = preview_json(
        plan(festival, "uploads/night.csv", csv_text(*after), three), against_release="r", computed_at="t"
    )
    assert {s["artist"]: s["day"] for s in preview["sets"]} == {"Late": "2026-07-04", "Early": "2026-07-04"}
    days = {c["artist"]: (c.get("from", {}).get("day"), c["day"]) for c in preview["changelog"]}
    assert days == {
        "Late": ("2026-07-03", "2026-07-04"),  # from the night before to its own day
        "Early": ("2026-07-04", "2026-07-04"),
        "Gone": (None, "2026-07-03"),  # removed, on the day it would have played
    }


def test_a_manifest_read_back_must_hold_ids_and_times_of_this_programs_form() -> None:
    """An item's id and time of change are written into its JSON unquoted: a manifest that
    holds anything else is refused, not turned into a plan no retry could apply."""
    start = clock.stored_moment("2026-07-04T20:00")
    good = StoredSet("Main", start, start + 60, "Act", "", id="abcdefghijklmnop", changed="2026-06-01T00:00:00.000Z")

    def read_back(stored: StoredSet) -> list[StoredSet]:
        [chunk] = manifest_chunks("uploads/a.csv", "run", [stored])
        as_read = {**chunk, "sets": {"B": base64.b64decode(chunk["sets"]["B"])}}  # boto3 gives bytes
        return list(_decode_chunk(as_read, "uploads/a.csv"))

    assert read_back(good) == [replace(good, source="uploads/a.csv")]
    for bad in (replace(good, id='abc"defghijklmno'), replace(good, changed='2026"}, "x": {"S": "')):
        with pytest.raises(ValueError, match="malformed"):
            read_back(bad)


def test_an_item_is_the_json_dynamodb_takes_whatever_the_files_text_holds() -> None:
    """Items are written out as JSON text (for speed): every value must arrive as it was."""
    start = clock.stored_moment("2026-07-05T01:30")  # after midnight: the night before's festival day
    stored = StoredSet(
        'Main "Stage" \\ ☃',
        start,
        start + 90,
        "Ar\ttist 😀 \u202f",
        "digest",
        "",
        "abcdefghijklmnop",
        True,
        3,
        "2026-06-01T00:00:00.000Z",
    )
    text = ItemFactory('uploads/a "b".csv', DAY_CHANGE).item(stored, 'genre "x"', "notes\nover two lines")
    item = json.loads(text)
    assert item == {
        "stage": {"S": 'Main "Stage" \\ ☃'},
        "slot": {"S": "2026-07-05#01:30"},
        "day": {"S": "2026-07-04"},
        "start": {"S": "2026-07-05T01:30"},
        "end": {"S": "2026-07-05T03:00"},
        "artist": {"S": "Ar\ttist 😀 \u202f"},
        "id": {"S": "abcdefghijklmnop"},
        "changed": {"S": "2026-06-01T00:00:00.000Z"},
        "source": {"S": 'uploads/a "b".csv'},
        "sequence": {"N": "3"},
        "status": {"S": "cancelled"},
        "genre": {"S": 'genre "x"'},
        "notes": {"S": "notes\nover two lines"},
    }
    read = from_item(item)
    assert (read.stage, read.artist, read.start, read.end, read.cancelled, read.sequence) == (
        stored.stage,
        stored.artist,
        start,
        start + 90,
        True,
        3,
    )
    plain = json.loads(
        ItemFactory("uploads/a.csv", DAY_CHANGE).item(
            StoredSet("Tent", start, start + 60, "Act", "", id="x" * 16), "", ""
        )
    )
    assert set(plain) == {"stage", "slot", "day", "start", "end", "artist", "id", "changed", "source"}
