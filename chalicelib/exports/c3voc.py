"""The festival in the frab / c3voc schedule format (`schedule.json`, `schedule.xml`), the
interchange format pretalx and frab publish and EventFahrplan, Giggity, ConfClerk and
signage systems read. Days are festival days (after-midnight sets in their night),
rooms are stages, persons are artists; genre is the track, notes the description.
Guids are UUIDs derived from the stable set ids, so an app keeps a moved set's place.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405: builds XML, never parses it
from zoneinfo import ZoneInfo

from chalicelib.sets.model import Set
from chalicelib.timetable import clock

JSON_SCHEMA = "https://c3voc.de/schedule/schema.json"
_NAMESPACE = uuid.UUID("6f1e0c59-3c5c-4b8e-9a57-7e2f3d0f6a10")  # this product's guids, stable forever


@dataclass(frozen=True)
class Festival:
    """What the export says about the festival itself."""

    name: str
    zone: ZoneInfo
    day_change: int
    release: str
    origin: str

    @property
    def acronym(self) -> str:
        """Lower-case letters, digits and _ only, at least four: what both schemas accept."""
        letters = re.sub(r"[^a-z0-9_]", "", self.name.lower())
        return (letters + "fest")[: max(len(letters), 4)]


def guid(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def legacy_id(set_id: str) -> int:
    """The format's deprecated numeric id: stable, positive, below 2**52."""
    return int(hashlib.blake2b(set_id.encode(), digest_size=8).hexdigest()[:13], 16) + 1


def _duration(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Schedule:
    """The sets grouped by festival day and stage, with what both formats need of each."""

    def __init__(self, sets: Iterable[Set], festival: Festival) -> None:
        self.festival = festival
        self.days: dict[str, dict[str, list[Set]]] = {}
        for exported in sorted(sets, key=lambda s: (s.start, s.stage)):
            self.days.setdefault(exported.festival_day, {}).setdefault(exported.stage, []).append(exported)
        self.stages = sorted({stage for stages in self.days.values() for stage in stages})

    def _moment(self, moment: int) -> str:
        return clock.rfc3339(moment, self.festival.zone)

    def day_bounds(self, day: str) -> tuple[str, str]:
        first, end = clock.day_bounds(clock.parse_date_strict(day), self.festival.day_change)
        return self._moment(first), self._moment(end)

    def event(self, exported: Set) -> dict[str, Any]:
        title = f"{exported.artist} (cancelled)" if exported.cancelled else exported.artist
        description = "\n".join(part for part in ("Cancelled." if exported.cancelled else "", exported.notes) if part)
        return {
            "guid": guid("set", exported.id),
            "id": legacy_id(exported.id),
            "date": self._moment(exported.start),
            "start": clock.hh_mm(exported.start),
            "end": self._moment(exported.end),
            "duration": _duration(exported.end - exported.start),
            "room": exported.stage,
            "slug": f"{self.festival.acronym}-{exported.id}",
            "url": f"{self.festival.origin}/performances/{exported.id}",
            "title": title,
            "subtitle": "",
            "track": exported.genre or None,
            "type": "concert",
            "language": None,
            "abstract": "",
            "description": description or None,
            "persons": [{"guid": guid("artist", exported.artist), "name": exported.artist}],
            "links": [],
        }

    def as_json(self) -> dict[str, Any]:
        days = sorted(self.days)
        conference: dict[str, Any] = {
            "acronym": self.festival.acronym,
            "title": self.festival.name,
            "start": days[0] if days else "",
            "end": days[-1] if days else "",
            "daysCount": len(days),
            "timeslot_duration": "00:05",
            "time_zone_name": self.festival.zone.key,
            "url": f"{self.festival.origin}/",
            "rooms": [{"name": stage, "guid": guid("stage", stage), "type": "stage"} for stage in self.stages],
            "days": [],
        }
        for index, day in enumerate(days, start=1):
            start, end = self.day_bounds(day)
            conference["days"].append(
                {
                    "index": index,
                    "date": day,
                    "day_start": start,
                    "day_end": end,
                    "rooms": {stage: [self.event(s) for s in sets] for stage, sets in sorted(self.days[day].items())},
                }
            )
        return {
            "$schema": JSON_SCHEMA,
            "generator": {"name": "festival-schedule"},
            "schedule": {
                "version": self.festival.release or "0",
                "base_url": f"{self.festival.origin}/",
                "conference": conference,
            },
        }

    def as_xml(self) -> bytes:
        root = Element("schedule")
        SubElement(root, "generator", name="festival-schedule")
        SubElement(root, "version").text = self.festival.release or "0"
        conference = SubElement(root, "conference")
        days = sorted(self.days)
        for name, text in (
            ("title", self.festival.name),
            ("acronym", self.festival.acronym),
            ("start", days[0] if days else None),
            ("end", days[-1] if days else None),
            ("days", str(len(days))),
            ("timeslot_duration", "00:05"),
            ("base_url", f"{self.festival.origin}/"),
            ("time_zone_name", self.festival.zone.key),
        ):
            if text is not None:
                SubElement(conference, name).text = text
        for index, day in enumerate(days, start=1):
            start, end = self.day_bounds(day)
            day_element = SubElement(root, "day", index=str(index), date=day, start=start, end=end)
            for stage, sets in sorted(self.days[day].items()):
                room = SubElement(day_element, "room", name=stage, guid=guid("stage", stage))
                for exported in sets:
                    self._xml_event(room, self.event(exported))
        body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + body

    @staticmethod
    def _xml_event(room: Element, event: dict[str, Any]) -> None:
        element = SubElement(room, "event", id=str(event["id"]), guid=event["guid"])
        for name in ("room", "title", "subtitle", "type", "date", "start", "duration", "abstract", "slug"):
            SubElement(element, name).text = event[name]
        SubElement(element, "track").text = event["track"] or ""
        SubElement(element, "language").text = ""
        if event["description"]:
            SubElement(element, "description").text = event["description"]
        persons = SubElement(element, "persons")
        for person in event["persons"]:
            SubElement(persons, "person", guid=person["guid"]).text = person["name"]
        SubElement(element, "links")
        SubElement(element, "url").text = event["url"]
