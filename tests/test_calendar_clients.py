"""The calendar feed as real calendar clients read it: ical.js (Thunderbird's engine, which
trusts the feed's VTIMEZONE), node-ical, icalendar and `ical`, in a northern and a southern
zone with summer time and in one without. Every event's instants must be the API's
`starts_at` / `ends_at`, including sets that cross a clock change or start in the hour an
autumn change repeats (which means its first occurrence, as RFC 5545 3.3.5 says)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from chalicelib.services import get_services, reset_services
from tests.clients_node import run_node
from tests.conftest import Festival, csv_text

HEADER = "stage,day,start,end,artist,genre,notes,status\n"
ZONES = {
    # Summer time from 2026-03-29 02:00 (to 03:00) until 2026-10-25 03:00 (back to 02:00).
    "Europe/Amsterdam": csv_text(
        "Main,2026-03-28,23:00,01:30,Before The Gap,,,",
        "Main,2026-03-28,01:30,04:00,Across The Gap,,,",
        "Main,2026-07-03,21:00,22:30,Summer Night,,,",
        "Main,2026-07-03,23:00,00:30,Gone,,,cancelled",
        "Main,2026-10-24,23:30,02:30,Into The Repeat,,,",
        "Tent,2026-10-24,01:00,04:00,Across The Repeat,,,",
        "Club,2026-10-24,02:30,03:15,Inside The Repeat,,,",
        "Club,2026-12-31,23:00,01:00,New Year,,,",
        header=HEADER,
    ),
    # South of the equator: summer time ends 2026-04-05 03:00 (to 02:00), starts 2026-10-04 02:00.
    "Australia/Sydney": csv_text(
        "Main,2026-01-10,20:00,21:00,January Summer,,,",
        "Main,2026-04-04,23:00,04:00,Across The Repeat,,,",
        "Tent,2026-04-04,02:30,03:30,Inside The Repeat,,,",
        "Main,2026-07-10,20:00,21:00,July Winter,,,",
        "Main,2026-10-03,23:00,04:00,Across The Gap,,,",
        header=HEADER,
    ),
    # No summer time, and an offset that is not whole hours.
    "Asia/Kolkata": csv_text(
        "Main,2026-07-03,21:00,23:30,Evening,,,",
        "Main,2026-07-03,23:45,02:00,After Midnight,,,",
        header=HEADER,
    ),
}


def _text(body: str | bytes) -> str:
    return body.decode() if isinstance(body, bytes) else body


def _get(festival: Festival, path: str) -> Any:
    response = festival.client.http.get(path, headers={"Host": "festival.example", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200, (path, response.body)
    return response


def _api_instants(festival: Festival) -> dict[str, tuple[datetime, datetime]]:
    """Each set's (starts_at, ends_at) as the API gives them, by calendar UID."""
    import json

    found: dict[str, tuple[datetime, datetime]] = {}
    for day in json.loads(_get(festival, "/days?limit=500").body)["items"]:
        for item in json.loads(_get(festival, f"/performances?day={day['day']}&limit=500").body)["items"]:
            found[f"{item['id']}@festival-schedule"] = (
                datetime.fromisoformat(item["starts_at"]),
                datetime.fromisoformat(item["ends_at"]),
            )
    return found


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(
    params=[
        pytest.param("Asia/Kolkata"),
        pytest.param("Australia/Sydney"),
        pytest.param("Europe/Amsterdam"),
    ]
)
def zoned(festival: Festival, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Festival:
    # Chalice's test client overlays .chalice/config.json's environment on every call:
    # the settings are read (and cached) here first, with this zone.
    monkeypatch.setenv("FESTIVAL_TIMEZONE", request.param)
    reset_services()
    assert get_services().settings.timezone == request.param
    report = festival.upload("uploads/timetable.csv", ZONES[request.param])
    assert report["status"] == "ok" and report["rejected"] == 0, report
    return festival


def test_every_client_puts_every_set_at_the_apis_instants(zoned: Festival) -> None:
    expected = _api_instants(zoned)
    feed = _text(_get(zoned, "/calendar.ics").body)
    parsed = run_node("parse-calendar.mjs", feed)
    for client in ("icaljs", "nodeical"):
        got = {event["uid"]: (_instant(event["start"]), _instant(event["end"])) for event in parsed[client]}
        assert got == expected, client
    python_icalendar = {
        str(event["UID"]): (event["DTSTART"].dt, event["DTEND"].dt)
        for event in icalendar.Calendar.from_ical(feed).walk("VEVENT")
    }
    assert python_icalendar == expected
    strict = {event.uid: (event.dtstart, event.dtend) for event in IcsCalendarStream.calendar_from_ics(feed).events}
    assert strict == expected


def test_the_zone_is_described_at_the_local_times_rfc_5545_asks_for(zoned: Festival) -> None:
    """An observance's DTSTART (and each RDATE) is the local time just before the change,
    read with the offset it changes from: 02:00 for Europe's spring change, 03:00 for its
    autumn one. ical.js reads one value per RDATE line, so there is one per line."""
    from chalicelib.settings import get_settings

    zone = get_settings().zone
    feed = _text(_get(zoned, "/calendar.ics").body)
    [vtimezone] = icalendar.Calendar.from_ical(feed).walk("VTIMEZONE")
    changes = 0
    for observance in vtimezone.subcomponents:
        offset_from, offset_to = observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td
        rdates = observance.get("RDATE", [])
        onsets = [observance["DTSTART"].dt] + [
            value.dt for prop in (rdates if isinstance(rdates, list) else [rdates]) for value in prop.dts
        ]
        for onset in onsets:
            if offset_from == offset_to:
                continue
            changes += 1
            utc = (onset.replace(tzinfo=None) - offset_from).replace(tzinfo=UTC)
            assert (utc - timedelta(seconds=1)).astimezone(zone).utcoffset() == offset_from, onset
            assert utc.astimezone(zone).utcoffset() == offset_to, onset
    assert changes > 0 or zone.key == "Asia/Kolkata"
    for line in feed.splitlines():
        if line.startswith("RDATE"):
            assert "," not in line.split(":", 1)[1], line
