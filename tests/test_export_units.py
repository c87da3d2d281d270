"""The exports' parts on their own, without AWS: numbering, text cleaning, the acronym,
and each exporter given characters no format can carry."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from lxml import etree

from chalicelib.exports import calendar
from chalicelib.exports.c3voc import C3vocJson, C3vocXml
from chalicelib.exports.calendar import CalendarFeed
from chalicelib.exports.festival import Festival, acronym, build_festival
from chalicelib.exports.numbers import LARGEST, candidate, event_numbers
from chalicelib.exports.text import clean
from chalicelib.exports.words import word
from chalicelib.sets.model import Set
from chalicelib.timetable import clock
from tests.clients_node import run_node


def _collision() -> tuple[str, str]:
    """Two set-like ids whose first candidate numbers collide (found in about 2**16 tries)."""
    seen: dict[int, str] = {}
    for i in range(1_000_000):
        set_id = f"{i:016d}"
        number = candidate(set_id)
        if number in seen:
            return seen[number], set_id
        seen[number] = set_id
    raise AssertionError("no collision")


def test_numbers_fit_a_signed_32_bit_int_and_collisions_resolve_the_same_way_every_time() -> None:
    first, second = _collision()
    numbers = event_numbers([second, first, "other"])
    assert numbers == event_numbers(["other", first, second, first])  # order and repeats do not matter
    assert numbers[first] == candidate(first)  # the smaller id keeps its number
    assert numbers[second] == candidate(second, 1)
    assert len(set(numbers.values())) == 3
    assert all(1 <= number <= LARGEST < 2**31 for number in numbers.values())
    assert event_numbers([second]) == {second: candidate(second)}  # alone, a set has its own number


@pytest.mark.parametrize(
    ("raw", "one_line", "cleaned"),
    [
        ("a\r\nb\rc\nd", False, "a\nb\nc\nd"),
        ("a\r\nb\tc", True, "a b c"),
        ("a\x00b\x1bc\x7fd\x85e\x9ff", False, "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"),
        ("a\ufffeb\uffffc\ufdd0d\U0001fffee\U0010ffff", False, "a\ufffdb\ufffdc\ufffdd\ufffde\ufffd"),
        ("lone \ud800 surrogate", False, "lone \ufffd surrogate"),
        ("Björk 🎤 Sigur Rós", True, "Björk 🎤 Sigur Rós"),
    ],
)
def test_clean_keeps_text_and_replaces_what_no_format_carries(raw: str, one_line: bool, cleaned: str) -> None:
    assert clean(raw, one_line=one_line) == cleaned


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Festival", "festival"), ("Fête de la Musique 2026", "fetedelamusique2026"), ("Øya", None), ("音楽祭", None)],
)
def test_the_acronym_follows_the_name_and_fits_both_schemas(name: str, expected: str | None) -> None:
    made = acronym(name)
    assert re.fullmatch(r"[a-z0-9_-][a-z0-9_]{3,}", made)
    if expected is not None:
        assert made == expected
    assert acronym(name) == made and acronym(name + " II") != made


HOSTILE = "x\ud800\udfff\ufffe\uffff\x00\x0b\x85\x9b\ufdd0\U0010ffff\r\n;,\\<&>\"'y"


def _festival(zone: str = "Europe/Amsterdam", sets: tuple[Set, ...] | None = None) -> Festival:
    start = clock.parse_date_strict("2026-07-03") * clock.MINUTES_PER_DAY + 21 * 60
    if sets is None:
        sets = (
            Set(
                id="aaaaaaaaaaaaaaaa",
                stage=HOSTILE,
                start=start,
                end=start + 90,
                day=clock.parse_date_strict("2026-07-03"),
                artist=HOSTILE,
                genre=HOSTILE,
                notes=HOSTILE,
                changed="2026-06-01T12:00:00.000Z",
            ),
        )
    return build_festival(
        sets, name=HOSTILE, zone=ZoneInfo(zone), day_change=360, release="", origin="https://festival.example/"
    )


UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0010ffff]")


def test_each_exporter_is_safe_on_its_own() -> None:
    festival = _festival()
    xml = C3vocXml().render(festival)
    assert not UNCARRIABLE.search(xml)
    document = etree.fromstring(xml.encode("utf-8"))
    assert document.find("day/room/event/title").text.startswith("x\ufffd")
    body = json.dumps(C3vocJson().render(festival), ensure_ascii=False)
    assert not UNCARRIABLE.search(body)
    json.loads(body.encode("utf-8"))
    feed = CalendarFeed([HOSTILE]).render(festival)
    assert not UNCARRIABLE.search(feed) and "\r" not in feed.replace("\r\n", "")
    feed.encode("utf-8")
    IcsCalendarStream.calendar_from_ics(feed)
    [event] = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("x\ufffd")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Amsterdam", "Pacific/Chatham"])
def test_an_empty_calendar_still_has_a_component(zone: str) -> None:
    feed = CalendarFeed().render(_festival(zone, sets=()))
    assert "BEGIN:VTIMEZONE" in feed
    IcsCalendarStream.calendar_from_ics(feed)
    assert run_node("parse-calendar.mjs", feed)["calendar"]["components"] == ["vtimezone"]


def test_a_utc_festival_reads_the_same_in_every_client() -> None:
    festival = _festival("UTC")
    feed = CalendarFeed().render(festival)
    [event] = run_node("parse-calendar.mjs", feed)["icaljs"]
    assert (event["start"], event["end"]) == ("2026-07-03T21:00:00.000Z", "2026-07-03T22:30:00.000Z")
    assert festival.years() == (2026, 2026)


def _as_icalendar_writes_it(festival: Festival, performance: Set) -> str:
    """The set's VEVENT built with `icalendar`'s `Event`, as the feed was before it wrote
    its events' lines itself: the oracle for `calendar.event_lines`."""
    event = icalendar.Event()
    event.add("uid", calendar.uid(performance.id))
    event.add("sequence", performance.sequence)
    changed = calendar._moment(performance.changed)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", calendar._unambiguous(festival.starts(performance)))
    event.add("dtend", calendar._unambiguous(festival.ends(performance)))
    artist = clean(performance.artist, one_line=True)
    event.add("summary", word(festival.language, "cancelled", artist=artist) if performance.cancelled else artist)
    event.add("location", clean(performance.stage, one_line=True))
    event.add("status", "CANCELLED" if performance.cancelled else "CONFIRMED")
    event.add("url", festival.page_link(performance.id))
    description = "\n".join(clean(part) for part in (performance.genre, performance.notes) if part)
    if description:
        event.add("description", description)
    if performance.genre:
        event.add("categories", [clean(performance.genre, one_line=True)])
    return bytes(event.to_ical()).decode("utf-8")


_TEXT = st.text(st.characters(codec="utf-8"), max_size=120) | st.sampled_from(
    # lines of 74 and 75 octets around icalendar's fold, as SUMMARY, LOCATION or CATEGORIES
    ["", HOSTILE, "é" * 80, "🎤" * 40, *("b" * n for n in range(62, 68)), "a\\b;c,d" * 12, "Sigur Rós, Björk; 🎤\n" * 5]
)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Amsterdam", "UTC", "Pacific/Chatham", "America/Argentina/Buenos_Aires"]),
    artist=_TEXT,
    stage=_TEXT,
    genre=_TEXT,
    notes=_TEXT,
    set_id=st.sampled_from(["aaaaaaaaaaaaaaaa", "z" * 70]),
    # 2026-10-25 02:30 happens twice in Amsterdam (written in UTC); 24:00 and past it
    start=st.sampled_from(["2026-07-03 21:00", "2026-10-25 02:30", "2026-07-03 23:59", "2026-03-29 01:30"]),
    length=st.integers(1, 600),
    cancelled=st.booleans(),
    sequence=st.integers(0, 2**31 - 1),
    changed=st.sampled_from(["2026-06-01T12:00:00.000Z", "2026-06-01T14:00:00+02:00", "", "not a time"]),
)
def test_each_event_is_written_as_icalendars_event_writes_it(
    zone: str,
    artist: str,
    stage: str,
    genre: str,
    notes: str,
    set_id: str,
    start: str,
    length: int,
    cancelled: bool,
    sequence: int,
    changed: str,
) -> None:
    day, time = start.split()
    begins = clock.parse_date_strict(day) * clock.MINUTES_PER_DAY + int(time[:2]) * 60 + int(time[3:])
    performance = Set(
        id=set_id,
        stage=stage,
        start=begins,
        end=begins + length,
        day=clock.parse_date_strict(day),
        artist=artist,
        genre=genre,
        notes=notes,
        changed=changed,
        cancelled=cancelled,
        sequence=sequence,
    )
    festival = _festival(zone, sets=(performance,))
    assert calendar.event_lines(festival, performance) == _as_icalendar_writes_it(festival, performance)
