"""Contract tests: `/schedule.xml` and `/schedule.json` as EventFahrplan (XML and JSON),
Giggity and pretalx's frab importer read them (tests/frab_readers.py, written down from
their source), on the sample festival and on a night of after-midnight, cancelled and
clock-change sets. Every client must see every set that plays, at the API's instants,
under its festival day, with the page link; and no cancelled one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests import frab_readers
from tests.conftest import Festival, csv_text
from tests.frab_readers import Refused, Seen

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ROOT.parent / "shared" / "formats" / "c3voc"
HEADER = "stage,day,start,end,artist,genre,notes,status\n"
# Amsterdam's clocks go back at 03:00 on 2026-10-25: a set from 01:00 to 04:00 lasts four hours.
NIGHTS = csv_text(
    "Main,2026-10-23,22:00,23:30,Friday Headliner,rock,,",
    "Main,2026-10-23,23:45,01:15,Past Midnight,techno,runs past midnight,",
    "Main,2026-10-23,01:30,03:00,Small Hours,ambient,,",
    "Tent,2026-10-23,21:00,22:00,Called Off,folk,,cancelled",
    "Tent,2026-10-24,01:00,04:00,Across The Change,techno,four real hours,",
    "Club,2026-10-24,02:30,03:15,In The Repeated Hour,house,,",
    "Club,2026-10-24,20:00,21:00,No Notes,,,",
    header=HEADER,
)
HOST = {"Host": "festival.example", "X-Forwarded-Proto": "https"}


def _body(festival: Festival, path: str) -> bytes:
    response = festival.client.http.get(path, headers=HOST)
    assert response.status_code == 200, (path, response.body)
    return response.body if isinstance(response.body, bytes) else response.body.encode()


def _api_sets(festival: Festival) -> dict[str, dict[str, Any]]:
    """Every set as the API shows it, by id, with its festival day's index."""
    days = [item["day"] for item in json.loads(_body(festival, "/days?limit=500"))["items"]]
    found = {}
    for index, day in enumerate(days, start=1):
        for item in json.loads(_body(festival, f"/performances?day={day}&limit=500"))["items"]:
            found[item["id"]] = {**item, "index": str(index)}
    return found


def _sample(festival: Festival) -> Festival:
    for path in sorted((ROOT / "local" / "sample").glob("*.csv")):
        assert festival.upload(f"uploads/sample/{path.name}", path.read_bytes())["status"] == "ok"
    return festival


def _nights(festival: Festival) -> Festival:
    report = festival.upload("uploads/nights.csv", NIGHTS)
    assert report["status"] == "ok" and report["rejected"] == 0, report
    return festival


@pytest.fixture(params=["sample", "nights"])
def loaded(festival: Festival, request: pytest.FixtureRequest) -> Festival:
    return _sample(festival) if request.param == "sample" else _nights(festival)


def _expected(api: dict[str, Any]) -> tuple[datetime, datetime, str, str]:
    return (_utc(api["starts_at"]), _utc(api["ends_at"]), api["stage"], api["artist"])


def _utc(moment: str | datetime) -> datetime:
    """Instants compared in UTC: Python never finds two zones' times equal inside a
    repeated hour (PEP 495), even when they are the same instant."""
    return (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).astimezone(UTC)


def _check(seen: list[Seen], api: dict[str, dict[str, Any]], by_key: dict[str, str]) -> None:
    """Every set that plays seen once, where and when the API says; none cancelled."""
    playing = {set_id: item for set_id, item in api.items() if item["status"] == "scheduled"}
    seen_ids = [by_key[session.key] for session in seen]
    assert sorted(seen_ids) == sorted(playing)
    for session, set_id in zip(seen, seen_ids, strict=True):
        item = playing[set_id]
        assert (_utc(session.start), _utc(session.end), session.room, session.title) == _expected(item), session
        assert session.url == f"https://festival.example/#set={set_id}"


def _keys(festival: Festival) -> tuple[dict[str, str], dict[str, str]]:
    """JSON event id -> set id, and guid -> set id (the set id is the page link's)."""
    days = json.loads(_body(festival, "/schedule.json"))["schedule"]["conference"]["days"]
    events = [event for day in days for room in day["rooms"].values() for event in room]
    ids = {str(event["id"]): event["url"].rsplit("=", 1)[1] for event in events}
    guids = {event["guid"]: event["url"].rsplit("=", 1)[1] for event in events}
    return ids, guids


class TestEventFahrplan:
    def test_the_xml_shows_every_set_under_its_festival_day(self, loaded: Festival) -> None:
        api = _api_sets(loaded)
        seen = frab_readers.eventfahrplan_xml(_body(loaded, "/schedule.xml"))
        ids, _ = _keys(loaded)
        _check(seen, api, ids)
        for session in seen:
            assert session.day == api[ids[session.key]]["index"]

    def test_the_json_shows_every_set_none_dropped(self, loaded: Festival) -> None:
        api = _api_sets(loaded)
        seen = frab_readers.eventfahrplan_json(json.loads(_body(loaded, "/schedule.json")))
        ids, _ = _keys(loaded)
        _check(seen, api, ids)

    def test_session_ids_are_32_bit_unique_and_follow_a_moved_set(self, festival: Festival) -> None:
        _nights(festival)
        document = json.loads(_body(festival, "/schedule.json"))
        days = document["schedule"]["conference"]["days"]
        numbers = {e["guid"]: e["id"] for d in days for room in d["rooms"].values() for e in room}
        assert all(1 <= number < 2**31 for number in numbers.values())
        assert len(set(numbers.values())) == len(numbers)
        xml_ids = {
            e.get("guid"): int(e.get("id")) for e in etree.fromstring(_body(festival, "/schedule.xml")).iter("event")
        }
        assert xml_ids == numbers
        festival.upload(
            "uploads/nights.csv", NIGHTS.replace("Main,2026-10-23,22:00,23:30", "Club,2026-10-23,21:00,22:30")
        )
        moved = json.loads(_body(festival, "/schedule.json"))["schedule"]["conference"]["days"]
        assert {e["guid"]: e["id"] for d in moved for room in d["rooms"].values() for e in room} == numbers

    def test_a_cancelled_set_disappears_so_the_app_flags_it_cancelled(self, festival: Festival) -> None:
        """ScheduleChanges.computeSessionsWithChangeFlags: a session missing from the new
        schedule is the only way the app marks one cancelled (and drops its alarm)."""
        _nights(festival)
        before = {s.key for s in frab_readers.eventfahrplan_xml(_body(festival, "/schedule.xml"))}
        festival.upload(
            "uploads/nights.csv", NIGHTS.replace("Friday Headliner,rock,,", "Friday Headliner,rock,,cancelled")
        )
        after = {s.key for s in frab_readers.eventfahrplan_xml(_body(festival, "/schedule.xml"))}
        assert len(before - after) == 1 and after < before


class TestGiggity:
    def test_every_set_is_in_a_giggity_day_at_the_apis_instants(self, loaded: Festival) -> None:
        api = _api_sets(loaded)
        items, day_change = frab_readers.giggity(_body(loaded, "/schedule.xml"))
        _, guids = _keys(loaded)
        _check(items, api, guids)
        # Without a day_change element (the c3voc XSD has none) Giggity starts days at 06:00,
        # which is DAY_CHANGE's default; every set fits inside one of its days.
        assert day_change.hour == 6
        shown = [
            item
            for items_of_day in frab_readers.giggity_days(items, day_change, _zone()).values()
            for item in items_of_day
        ]
        assert sorted(item.key for item in shown) == sorted(item.key for item in items)

    def test_the_format_has_no_place_for_day_change(self, loaded: Festival) -> None:
        """Giggity reads <conference><day_change>, but the c3voc XSD refuses it (and the JSON
        Schema refuses any conference property it does not list): the day change is in each
        day's start and end instead, which EventFahrplan and pretalx read."""
        document = etree.fromstring(_body(loaded, "/schedule.xml"))
        etree.SubElement(document.find("conference"), "day_change").text = "06:00"
        assert not etree.XMLSchema(etree.parse(str(FORMATS / "schedule.xml.xsd"))).validate(document)


class TestPretalx:
    def test_the_importer_takes_every_set_at_the_apis_instants(self, loaded: Festival) -> None:
        api = _api_sets(loaded)
        talks = frab_readers.pretalx(_body(loaded, "/schedule.xml"))
        ids, _ = _keys(loaded)
        playing = {set_id for set_id, item in api.items() if item["status"] == "scheduled"}
        assert sorted(ids[talk.key] for talk in talks) == sorted(playing)
        for talk in talks:
            start, end, stage, artist = _expected(api[ids[talk.key]])
            assert (_utc(talk.start), _utc(talk.end), talk.room, talk.title) == (start, end, stage, artist)
            assert talk.description == (api[ids[talk.key]].get("notes") or "")

    def test_a_missing_description_would_abort_the_import(self) -> None:
        document = b"""<schedule><version>1</version><conference><acronym>fest</acronym><title>F</title>
            <start>2026-07-03</start><end>2026-07-03</end></conference><day index="1" date="2026-07-03"
            start="2026-07-03T06:00:00+02:00" end="2026-07-04T06:00:00+02:00"><room name="Main"><event id="1"
            guid="6f1e0c59-3c5c-4b8e-9a57-7e2f3d0f6a10"><date>2026-07-03T21:00:00+02:00</date><start>21:00</start>
            <duration>01:00</duration><title>A</title><subtitle/><type>concert</type><track/><abstract/>
            <language/><persons><person>A</person></persons></event></room></day></schedule>"""
        with pytest.raises(Refused, match="description"):
            frab_readers.pretalx(document)


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")


def test_every_element_a_client_reads_is_there_even_when_empty(festival: Festival) -> None:
    _nights(festival)
    document = etree.fromstring(_body(festival, "/schedule.xml"))
    for event in document.iter("event"):
        for tag in ("title", "subtitle", "type", "date", "start", "duration", "room", "slug", "url", "track"):
            assert event.find(tag) is not None, tag
        for tag in ("abstract", "description", "language", "persons", "links"):
            assert event.find(tag) is not None, tag
    days = json.loads(_body(festival, "/schedule.json"))["schedule"]["conference"]["days"]
    for event in (e for d in days for room in d["rooms"].values() for e in room):
        for key in ("subtitle", "track", "language", "abstract", "description"):
            assert isinstance(event[key], str), key


def test_duration_is_the_real_interval_across_the_clock_change(festival: Festival) -> None:
    _nights(festival)
    days = json.loads(_body(festival, "/schedule.json"))["schedule"]["conference"]["days"]
    [event] = [e for d in days for room in d["rooms"].values() for e in room if e["title"] == "Across The Change"]
    assert (event["date"], event["duration"], event["end"]) == (
        "2026-10-25T01:00:00+02:00",
        "04:00",
        "2026-10-25T04:00:00+01:00",
    )
