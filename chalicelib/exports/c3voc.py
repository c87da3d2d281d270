"""The festival in the frab / c3voc schedule format (`schedule.json`, `schedule.xml`), the
interchange format pretalx and frab publish and EventFahrplan, Giggity, ConfClerk and
signage systems read. Days are festival days (after-midnight sets in their night), rooms
are stages, persons are artists; genre is the track, notes the description.

What the clients read decides the details (tests/test_frab_clients.py cites their code):
every element they read is always there, empty when there is nothing; `id` fits a signed
32-bit integer (`numbers`); `duration` is the real interval, across a clock change too;
`url` opens the set on the schedule page. A cancelled set is left out: EventFahrplan
marks a session cancelled (and drops its alarm) only when it disappears, and neither
format has a field for it. Every festival day stays, so day indexes never shift.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405: builds XML, never parses it

from chalicelib.exports import C3VOC_JSON, C3VOC_XML
from chalicelib.exports.festival import Festival
from chalicelib.exports.text import clean
from chalicelib.sets.model import Set

JSON_SCHEMA = "https://c3voc.de/schedule/schema.json"
_NAMESPACE = uuid.UUID("6f1e0c59-3c5c-4b8e-9a57-7e2f3d0f6a10")  # this product's guids, stable forever
TYPE = "concert"


def guid(kind: str, name: str) -> str:
    """uuid5 of the name (as `uuid.uuid5` makes it, but any string can be hashed)."""
    data = f"{kind}:{name}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(_NAMESPACE.bytes + data, usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


@dataclass(frozen=True)
class FrabEvent:
    """One set as both frab formats show it, every text already cleaned."""

    guid: str
    id: int
    date: str  # RFC 3339 with the festival's offset
    start: str  # HH:MM, local
    end: str
    duration: str  # HH:MM, the real interval
    room: str
    slug: str
    url: str
    title: str
    track: str
    description: str
    person_guid: str
    person: str

    def as_json(self) -> dict[str, Any]:
        return {
            "guid": self.guid,
            "id": self.id,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "duration": self.duration,
            "room": self.room,
            "slug": self.slug,
            "url": self.url,
            "title": self.title,
            "subtitle": "",
            "track": self.track,
            "type": TYPE,
            "language": "",
            "abstract": "",
            "description": self.description,
            "persons": [{"guid": self.person_guid, "name": self.person}],
            "links": [],
        }


def frab_event(festival: Festival, performance: Set) -> FrabEvent:
    minutes = int(festival.duration(performance).total_seconds()) // 60
    return FrabEvent(
        guid=guid("set", performance.id),
        id=festival.numbers[performance.id],
        date=festival.starts(performance).isoformat(timespec="seconds"),
        start=festival.starts(performance).strftime("%H:%M"),
        end=festival.ends(performance).isoformat(timespec="seconds"),
        duration=f"{minutes // 60:02d}:{minutes % 60:02d}",
        room=clean(performance.stage, one_line=True),
        slug=f"{festival.acronym}-{performance.id}",
        url=festival.page_link(performance.id),
        title=clean(performance.artist, one_line=True),
        track=clean(performance.genre, one_line=True),
        description=clean(performance.notes),
        person_guid=guid("artist", performance.artist),
        person=clean(performance.artist, one_line=True),
    )


def _rooms(festival: Festival, sets: list[Set]) -> list[FrabEvent]:
    return [frab_event(festival, performance) for performance in sets if not performance.cancelled]


def _first_and_last(festival: Festival) -> tuple[str, str]:
    return (festival.days[0].date, festival.days[-1].date) if festival.days else ("", "")


class C3vocJson:
    """`schedule.json`: the c3voc JSON schema's shape."""

    media_type = C3VOC_JSON

    def render(self, festival: Festival) -> dict[str, Any]:
        """The document (the app serialises it)."""
        first, last = _first_and_last(festival)
        conference = {
            "acronym": festival.acronym,
            "title": clean(festival.name, one_line=True),
            "start": first,
            "end": last,
            "daysCount": len(festival.days),
            "timeslot_duration": "00:05",
            "time_zone_name": festival.zone.key,
            "url": f"{festival.origin}/",
            "rooms": [
                {"name": clean(stage, one_line=True), "guid": guid("stage", stage), "type": "stage"}
                for stage in festival.stages
            ],
            "days": [
                {
                    "index": day.index,
                    "date": day.date,
                    "day_start": day.start.isoformat(timespec="seconds"),
                    "day_end": day.end.isoformat(timespec="seconds"),
                    "rooms": {
                        clean(stage, one_line=True): [event.as_json() for event in _rooms(festival, sets)]
                        for stage, sets in day.stages.items()
                    },
                }
                for day in festival.days
            ],
        }
        return {
            "$schema": JSON_SCHEMA,
            "generator": {"name": "festival-schedule"},
            "schedule": {
                "version": clean(festival.version, one_line=True),
                "base_url": f"{festival.origin}/",
                "conference": conference,
            },
        }


class C3vocXml:
    """`schedule.xml`: the c3voc XSD's shape (the format needs at least one day)."""

    media_type = C3VOC_XML

    def render(self, festival: Festival) -> str:
        root = Element("schedule")
        SubElement(root, "generator", name="festival-schedule")
        SubElement(root, "version").text = clean(festival.version, one_line=True)
        conference = SubElement(root, "conference")
        first, last = _first_and_last(festival)
        for name, text in (
            ("title", clean(festival.name, one_line=True)),
            ("acronym", festival.acronym),
            ("start", first),
            ("end", last),
            ("days", str(len(festival.days))),
            ("timeslot_duration", "00:05"),
            ("base_url", f"{festival.origin}/"),
            ("time_zone_name", festival.zone.key),
        ):
            SubElement(conference, name).text = text
        for day in festival.days:
            day_element = SubElement(
                root,
                "day",
                index=str(day.index),
                date=day.date,
                start=day.start.isoformat(timespec="seconds"),
                end=day.end.isoformat(timespec="seconds"),
            )
            for stage, sets in day.stages.items():
                room = SubElement(day_element, "room", name=clean(stage, one_line=True), guid=guid("stage", stage))
                for event in _rooms(festival, sets):
                    _xml_event(room, event)
        body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + body.decode("utf-8")


def _xml_event(room: Element, event: FrabEvent) -> None:
    element = SubElement(room, "event", id=str(event.id), guid=event.guid)
    for name, text in (
        ("room", event.room),
        ("title", event.title),
        ("subtitle", ""),
        ("type", TYPE),
        ("date", event.date),
        ("start", event.start),
        ("duration", event.duration),
        ("abstract", ""),
        ("slug", event.slug),
        ("track", event.track),
        ("language", ""),
        ("description", event.description),
    ):
        SubElement(element, name).text = text
    persons = SubElement(element, "persons")
    SubElement(persons, "person", guid=event.person_guid).text = event.person
    SubElement(element, "links")
    SubElement(element, "url").text = event.url
