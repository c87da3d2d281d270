"""The calendar feed (parsed with icalendar and the stricter ical) and the frab / c3voc
schedule export (validated against the format's own JSON Schema and XSD)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest
from ical.calendar_stream import IcsCalendarStream
from lxml import etree

from chalicelib.services import reset_services
from tests.conftest import Festival, csv_text

FORMATS = Path(__file__).resolve().parents[2] / "shared" / "formats" / "c3voc"
HEADER = "stage,day,start,end,artist,genre,notes,status\n"
TIMETABLE = csv_text(
    "Main,2026-07-03,21:00,22:30,Björk,art pop,,",
    "Main,2026-07-03,23:00,01:00,Moderat,electronic,runs past midnight,",
    "Main,2026-07-03,01:30,03:00,Night Owl,techno,,",  # the small hours of the 4th, Friday night
    "Tent & Bar,2026-07-04,14:00,15:00,Gone,,,cancelled",
    "Tent & Bar,2026-07-04,15:30,16:30,Sigur Rós,post-rock,,",
    header=HEADER,
)


def fetch(festival: Festival, path: str, status: int = 200) -> Any:
    response = festival.client.http.get(path, headers={"Host": "festival.example", "X-Forwarded-Proto": "https"})
    assert response.status_code == status, (path, response.body)
    return response


def feed(festival: Festival, path: str = "/calendar.ics") -> icalendar.Calendar:
    response = fetch(festival, path)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    IcsCalendarStream.calendar_from_ics(text)  # the stricter parser must accept it too
    return icalendar.Calendar.from_ical(text)


def events(calendar: icalendar.Calendar) -> dict[str, Any]:
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    assert festival.upload("uploads/timetable.csv", TIMETABLE)["status"] == "ok"
    return festival


def ids_of(festival: Festival) -> dict[str, str]:
    return {item["artist"]: item["id"] for item in festival.items()}


class TestCalendar:
    def test_one_event_per_set_in_the_festivals_zone(self, loaded: Festival) -> None:
        calendar = feed(loaded)
        assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "Festival"
        assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
        assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
        assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/Amsterdam"
        found = events(calendar)
        assert set(found) == {"Björk", "Moderat", "Night Owl", "Gone (cancelled)", "Sigur Rós"}
        owl = found["Night Owl"]
        assert owl["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert owl["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 7, 4, 1, 30)
        assert owl["DTEND"].dt.replace(tzinfo=None) == datetime(2026, 7, 4, 3, 0)
        assert str(owl["LOCATION"]) == "Main" and str(owl["STATUS"]) == "CONFIRMED"
        ids = ids_of(loaded)
        assert str(owl["UID"]) == f"{ids['Night Owl']}@festival-schedule"
        assert str(owl["URL"]) == f"https://festival.example/#set={ids['Night Owl']}"  # the set on the page
        assert owl["SEQUENCE"] == 0
        moderat = found["Moderat"]
        assert "electronic" in str(moderat["DESCRIPTION"]) and "runs past midnight" in str(moderat["DESCRIPTION"])

    def test_a_cancelled_set_stays_with_status_cancelled(self, loaded: Festival) -> None:
        gone = events(feed(loaded))["Gone (cancelled)"]
        assert str(gone["STATUS"]) == "CANCELLED"

    @pytest.mark.parametrize(("language", "title"), [("de", "Gone (abgesagt)"), ("ar", "Gone (أُلغي)")])
    def test_a_cancelled_sets_title_is_in_the_festivals_language_and_names_stay_as_they_are(
        self, loaded: Festival, monkeypatch: pytest.MonkeyPatch, language: str, title: str
    ) -> None:
        from chalicelib.services import get_services, reset_services

        monkeypatch.setenv("FESTIVAL_LANGUAGE", language)
        reset_services()
        # Read now: during a request the test client sets .chalice/config.json's variables (English).
        assert get_services().settings.festival_language == language
        found = events(feed(loaded))
        assert set(found) == {"Björk", "Moderat", "Night Owl", title, "Sigur Rós"}
        assert str(found[title]["STATUS"]) == "CANCELLED" and str(found["Björk"]["LOCATION"]) == "Main"

    def test_the_stamps_are_the_last_change_not_now_so_the_bytes_stay_the_same(self, loaded: Festival) -> None:
        first = fetch(loaded, "/calendar.ics").body
        loaded.upload("uploads/timetable.csv", TIMETABLE + "\n")  # no change: no release
        assert fetch(loaded, "/calendar.ics").body == first
        stamp = events(feed(loaded))["Björk"]["DTSTAMP"].dt
        assert stamp == events(feed(loaded))["Björk"]["LAST-MODIFIED"].dt
        assert stamp.utcoffset() == timedelta(0)

    def test_a_moved_set_keeps_its_uid_and_gets_a_higher_sequence(self, loaded: Festival) -> None:
        before = events(feed(loaded))
        loaded.upload("uploads/timetable.csv", TIMETABLE.replace("21:00,22:30,Björk", "20:30,22:00,Björk"))
        after = events(feed(loaded))
        assert after["Björk"]["UID"] == before["Björk"]["UID"]
        assert after["Björk"]["SEQUENCE"] == 1 and after["Björk"]["DTSTART"].dt.hour == 20
        assert after["Björk"]["DTSTAMP"].dt >= before["Björk"]["DTSTAMP"].dt  # iCalendar keeps seconds
        assert after["Moderat"]["SEQUENCE"] == 0  # unchanged sets keep theirs
        assert after["Moderat"]["DTSTAMP"].dt == before["Moderat"]["DTSTAMP"].dt

    def test_stage_artist_and_ids_narrow_the_feed(self, loaded: Festival) -> None:
        assert set(events(feed(loaded, "/calendar.ics?stage=Tent%20%26%20Bar"))) == {"Gone (cancelled)", "Sigur Rós"}
        assert set(events(feed(loaded, "/calendar.ics?artist=Moderat"))) == {"Moderat"}
        ids = ids_of(loaded)
        picked = f"{ids['Björk']},{ids['Night Owl']}"
        calendar = feed(loaded, f"/calendar.ics?ids={picked}")
        assert set(events(calendar)) == {"Björk", "Night Owl"}

    def test_behind_the_cdn_links_use_the_viewers_host(self, loaded: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PUBLIC_ORIGIN", "https://d1.cloudfront.net")  # as `make deploy CDN=1` sets it
        reset_services()
        headers = {"Host": "abc.execute-api.eu-west-1.amazonaws.com", "X-Forwarded-Host": "evil.example"}
        response = loaded.client.http.get("/calendar.ics", headers={**headers, "X-Forwarded-Proto": "https"})
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        urls = [str(event["URL"]) for event in icalendar.Calendar.from_ical(text).walk("VEVENT")]
        assert urls and all(url.startswith("https://d1.cloudfront.net/#set=") for url in urls)

    def test_an_empty_stage_is_a_400(self, loaded: Festival) -> None:
        assert json.loads(fetch(loaded, "/calendar.ics?stage=", status=400).body)["Message"].startswith("stage: ")

    def test_bad_ids_are_a_400_naming_them(self, loaded: Festival) -> None:
        body = json.loads(fetch(loaded, "/calendar.ics?ids=abc", status=400).body)
        assert body["Message"].startswith('ids: expected performance ids separated by commas; "abc"')

    def test_an_empty_festival_is_an_empty_valid_calendar(self, festival: Festival) -> None:
        assert list(feed(festival).walk("VEVENT")) == []


def c3voc_json(festival: Festival) -> dict[str, Any]:
    response = fetch(festival, "/schedule.json")
    body = json.loads(response.body)
    schema = json.loads((FORMATS / "schedule.schema.json").read_text())
    jsonschema.validate(body, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return body


def c3voc_xml(festival: Festival) -> Any:
    response = fetch(festival, "/schedule.xml")
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    raw = response.body if isinstance(response.body, bytes) else response.body.encode()
    schema = etree.XMLSchema(etree.parse(str(FORMATS / "schedule.xml.xsd")))
    document = etree.fromstring(raw)
    schema.assertValid(document)
    return document


class TestScheduleExport:
    def test_the_json_validates_and_days_follow_the_festival_day(self, loaded: Festival) -> None:
        schedule = c3voc_json(loaded)["schedule"]
        conference = schedule["conference"]
        assert schedule["version"] == json.loads(fetch(loaded, "/changes").body)["items"][0]["release"]
        assert [day["date"] for day in conference["days"]] == ["2026-07-03", "2026-07-04"]
        friday = conference["days"][0]
        assert (friday["day_start"], friday["day_end"]) == ("2026-07-03T06:00:00+02:00", "2026-07-04T06:00:00+02:00")
        titles = [event["title"] for event in friday["rooms"]["Main"]]
        assert titles == ["Björk", "Moderat", "Night Owl"]  # the after-midnight set in its night
        owl = friday["rooms"]["Main"][2]
        assert (owl["date"], owl["start"], owl["duration"]) == ("2026-07-04T01:30:00+02:00", "01:30", "01:30")
        assert owl["persons"] == [{"guid": owl["persons"][0]["guid"], "name": "Night Owl"}]
        assert owl["track"] == "techno" and owl["room"] == "Main"
        saturday = conference["days"][1]["rooms"]["Tent & Bar"]
        assert [event["title"] for event in saturday] == ["Sigur Rós"]  # a cancelled set leaves the schedule

    def test_guids_are_stable_uuids_from_the_set_ids_and_follow_a_moved_set(self, loaded: Festival) -> None:
        def guids() -> dict[str, str]:
            days = c3voc_json(loaded)["schedule"]["conference"]["days"]
            return {e["title"]: e["guid"] for d in days for events in d["rooms"].values() for e in events}

        before = guids()
        assert len(set(before.values())) == 4  # and one cancelled
        loaded.upload(
            "uploads/timetable.csv", TIMETABLE.replace("Main,2026-07-03,21:00", "Tent & Bar,2026-07-03,21:00")
        )
        assert guids() == before

    def test_the_xml_validates_with_the_same_days_rooms_and_events(self, loaded: Festival) -> None:
        document = c3voc_xml(loaded)
        days = document.findall("day")
        assert [day.get("date") for day in days] == ["2026-07-03", "2026-07-04"]
        friday_main = days[0].find("room[@name='Main']")
        assert [event.findtext("title") for event in friday_main.findall("event")] == ["Björk", "Moderat", "Night Owl"]
        owl = friday_main.findall("event")[2]
        assert owl.findtext("date") == "2026-07-04T01:30:00+02:00" and owl.findtext("track") == "techno"
        assert owl.find("persons/person").text == "Night Owl"
        json_owl = c3voc_json(loaded)["schedule"]["conference"]["days"][0]["rooms"]["Main"][2]
        assert owl.get("guid") == json_owl["guid"] and int(owl.get("id")) == json_owl["id"]

    def test_an_empty_festival_has_an_empty_valid_json_and_no_xml_yet(self, festival: Festival) -> None:
        assert c3voc_json(festival)["schedule"]["conference"]["days"] == []
        # The XML format needs at least one day: until there is one, there is no XML.
        assert "upload a timetable first" in json.loads(fetch(festival, "/schedule.xml", status=404).body)["Message"]
