"""What the frab-format clients read from `/schedule.xml` and `/schedule.json`, field by
field, written down from their source (read, not copied; each function names the files
and functions it follows). A reader raises `Refused` where its client would fail the whole
document, and leaves out what its client would silently drop; what it returns is what the
client's user would see: each session's instants, day, room, title, link and text.

Sources, as read in 2026:
- EventFahrplan, github.com/EventFahrplan/EventFahrplan (commit 24d19521):
  network/.../serialization/ParserTask.java (`parseFahrplan`, `parseEvent`, `parseConference`),
  network/.../temporal/DateParser.kt (`getDateTime`, `getMinutes`), DurationParser.kt (`getMinutes`),
  commons/.../extensions/StringSanitization.kt (`sanitize`),
  app/.../dataconverters/schedulev1/EventExtensions.kt (`toSessionNetworkModel`),
  app/.../serialization/ScheduleChanges.kt (`computeSessionsWithChangeFlags`: a session
  missing from a new schedule is flagged cancelled, matched by `sessionId`).
- EventFahrplan's JSON library, github.com/EventFahrplan/schedule, schedule-base/.../v1/:
  models/ScheduleV1.kt, Schedule.kt, Conference.kt, Day.kt, Event.kt, Person.kt, Room.kt;
  serializers/DaySerializer.kt, RoomsSerializer.kt (`deserialize`: an event that fails to
  decode is dropped, with only a print), DurationSerializer.kt, LocalTimeSerializer.kt,
  OffsetDateTimeSerializer.kt, ConferenceDateSerializer.kt, ZoneIdSerializer.kt;
  ScheduleJson.kt (`ignoreUnknownKeys = true`).
- Giggity, github.com/Wilm0r/giggity (commit c6330ae): app/src/main/java/net/gaast/giggity/
  Schedule.java (`loadSchedule`, `PentabarfParser.startElement` / `endElement`, `Item`).
- pretalx 2023.1.3 (its last version with a frab importer), github.com/pretalx/pretalx:
  src/pretalx/schedule/utils.py (`process_frab`, `_create_talk`),
  src/pretalx/orga/management/commands/import_schedule.py (`Command.handle`, `create_event`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from dateutil.parser import parse as dateutil_parse


class Refused(Exception):
    """The client would reject the whole document here."""


@dataclass(frozen=True)
class Seen:
    """A session as a client's user sees it."""

    key: str  # what the client matches sessions by across updates
    start: datetime  # aware
    end: datetime
    day: str  # the day it is listed under (index or date, as the client has it)
    room: str
    title: str
    url: str
    description: str


def _text(element: ElementTree.Element | None) -> str:
    """EventFahrplan's `getSanitizedText`: null-safe, U+FEFF as a space, trimmed."""
    if element is None or element.text is None:
        return ""
    return element.text.replace("\ufeff", " ").strip().replace("\r\n", "\n")


def _parse_xml(document: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise Refused(f"not well-formed: {error}") from error


# --- EventFahrplan, XML ------------------------------------------------------------------


def _hours_minutes(text: str) -> timedelta:
    """DurationParser.getMinutes: "M", "H:MM" or "D:H:MM"; anything else throws."""
    parts = text.split(":")
    if not all(part.isdigit() for part in parts) or not 1 <= len(parts) <= 3:
        raise Refused(f"duration {text!r}")
    numbers = [int(part) for part in parts]
    units = [timedelta(minutes=1)] if len(parts) == 1 else [timedelta(hours=1), timedelta(minutes=1)]
    if len(parts) == 3:
        units = [timedelta(days=1), *units]
    return sum((n * u for n, u in zip(numbers, units, strict=True)), timedelta())


def _epoch(text: str) -> datetime:
    """DateParser.getDateTime: longer than 10 characters is an ISO-8601 date-time with an
    offset; otherwise a date, at 00:00 UTC."""
    if len(text) > 10:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise Refused(f"date {text!r}") from error
        if moment.tzinfo is None:
            raise Refused(f"date {text!r} has no offset")
        return moment
    return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)


def eventfahrplan_xml(document: bytes) -> list[Seen]:
    """ParserTask.parseFahrplan / parseEvent."""
    root = _parse_xml(document)
    if root.tag != "schedule":  # scheduleComplete is set only at </schedule>
        raise Refused("no <schedule>")
    seen: list[Seen] = []
    for day in root.iter("day"):
        index = day.get("index")
        if index is None or not re.fullmatch(r"[+-]?\d+", index):  # Integer.parseInt
            raise Refused("day without a numeric index")
        if day.get("end") is None:  # MissingXmlAttributeException("day", "end")
            raise Refused("day without end")
        for room in day.iter("room"):
            for event in room.iter("event"):
                start_minutes = _text(event.find("start"))
                if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", start_minutes):  # ofPattern("H:mm[:ss]")
                    raise Refused(f"start {start_minutes!r}")
                begins = _epoch(_text(event.find("date")))
                seen.append(
                    Seen(
                        key=event.get("id") or "",
                        start=begins,
                        end=begins + _hours_minutes(_text(event.find("duration"))),
                        day=index,
                        room=room.get("name") or "",
                        title=_text(event.find("title")),
                        url=_text(event.find("url")),
                        description=_text(event.find("description")),
                    )
                )
    return seen


# --- EventFahrplan, JSON (the schedule library) -------------------------------------------


def _string(value: Any, what: str, *, nullable: bool = False) -> str:
    """A Kotlin `String` (or `String?`) field: kotlinx.serialization refuses anything else."""
    if value is None and nullable:
        return ""
    if not isinstance(value, str):
        raise Refused(f"{what}: not a string")
    return value


def _int32(value: Any, what: str) -> int:
    """A Kotlin `Int`: a JSON integer from -2**31 to 2**31 - 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise Refused(f"{what}: not a 32-bit integer")
    return value


def _uuid(value: Any, what: str) -> str:
    try:
        return str(uuid.UUID(_string(value, what)))
    except ValueError as error:
        raise Refused(f"{what}: not a UUID") from error


def _offset_date_time(value: Any, what: str) -> datetime:
    """OffsetDateTime.parse: ISO-8601 with an offset."""
    text = _string(value, what)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise Refused(f"{what}: {text!r}") from error
    if moment.tzinfo is None or "T" not in text:
        raise Refused(f"{what}: {text!r} has no offset")
    return moment


def _duration(value: Any, what: str) -> timedelta:
    """DurationSerializer.deserialize: "H+:MM", minutes 0 to 59."""
    parts = _string(value, what).split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts) or int(parts[1]) > 59:
        raise Refused(f"{what}: {value!r}")
    return timedelta(hours=int(parts[0]), minutes=int(parts[1]))


def _conference_date(value: Any) -> None:
    """ConferenceDateSerializer: an OffsetDateTime, else a LocalDate."""
    text = _string(value, "conference date")
    try:
        datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError as error:
        raise Refused(f"conference date {text!r}") from error


def _event(raw: Any, day: str) -> Seen:
    """Event.kt, decoded as kotlinx.serialization would, then toSessionNetworkModel."""
    if not isinstance(raw, dict):
        raise Refused("event: not an object")
    _uuid(raw.get("guid"), "guid")
    number = _int32(raw.get("id"), "id")
    begins = _offset_date_time(raw.get("date"), "date")
    if not re.fullmatch(r"\d{2}:\d{2}", _string(raw.get("start"), "start")):  # ofPattern("HH:mm")
        raise Refused("start")
    lasts = _duration(raw.get("duration"), "duration")
    for required in ("room", "slug", "title", "type", "url"):
        _string(raw.get(required), required)
    for optional in ("subtitle", "language", "track", "abstract", "description"):
        _string(raw.get(optional), optional, nullable=True)
    for person in raw.get("persons", []):
        _uuid(person.get("guid"), "person guid")
        _string(person.get("name"), "person name")
    return Seen(
        key=str(number),
        start=begins,
        end=begins + lasts,
        day=day,
        room=raw["room"],
        title=raw["title"].strip(),
        url=raw["url"].strip(),
        description=(raw.get("description") or "").strip(),
    )


def eventfahrplan_json(document: Any) -> list[Seen]:
    """ScheduleV1 -> Schedule -> Conference -> Day (DaySerializer) -> rooms
    (RoomsSerializer, which drops an event it cannot decode) -> Event."""
    schedule = document.get("schedule") if isinstance(document, dict) else None
    if not isinstance(schedule, dict):
        raise Refused("no schedule")
    _string(schedule.get("version"), "version")
    conference = schedule.get("conference")
    if not isinstance(conference, dict):
        raise Refused("no conference")
    _string(conference.get("acronym"), "acronym")
    _string(conference.get("title"), "title")
    _conference_date(conference.get("start"))
    _conference_date(conference.get("end"))
    _int32(conference.get("daysCount"), "daysCount")
    _duration(conference.get("timeslot_duration"), "timeslot_duration")
    if conference.get("time_zone_name") is not None:
        try:
            ZoneInfo(_string(conference["time_zone_name"], "time_zone_name"))  # ZoneId.of
        except (ValueError, KeyError) as error:
            raise Refused("time_zone_name") from error
    for room in conference.get("rooms", []):
        _string(room.get("name"), "room name")
        _uuid(room.get("guid"), "room guid")
    seen: list[Seen] = []
    for day in conference.get("days"):
        index = _int32(day.get("index"), "day index")
        _string(day.get("date"), "day date")
        _offset_date_time(day.get("day_start"), "day_start")
        _offset_date_time(day.get("day_end"), "day_end")
        for events in day.get("rooms").values():
            for raw in events:
                try:
                    seen.append(_event(raw, str(index)))
                except Refused:
                    continue  # RoomsSerializer: runCatching { ... }.getOrNull()
    return seen


# --- Giggity --------------------------------------------------------------------------------


def giggity(document: bytes) -> tuple[list[Seen], time]:
    """Schedule.loadSchedule and PentabarfParser; returns the items and the day change it uses."""
    head = document[:1024].decode("utf-8", "replace").lower()
    if "<schedule" not in head or "<conference" not in head:  # format sniffing: FormatException
        raise Refused("not recognised as Pentabarf/frab XML")
    root = _parse_xml(document)
    conference = root.find("conference")
    props = {child.tag: (child.text or "").strip() for child in (conference if conference is not None else [])}
    day_change = time(6, 0)
    if "day_change" in props:
        day_change = _giggity_time(props["day_change"])
    zone = ZoneInfo(props["time_zone_name"]) if "time_zone_name" in props else ZoneInfo("UTC")
    items: dict[str, Seen] = {}
    for day in root.iter("day"):
        for room in day.iter("room"):
            for event in room.iter("event"):
                fields = {child.tag: (child.text or "").strip() for child in event}
                key = event.get("guid") or event.get("id")
                if key is None or "title" not in fields or "duration" not in fields:
                    continue  # "Invalid event, some attributes are missing."
                if "date" in fields:
                    begins = datetime.fromisoformat(fields["date"]).astimezone(zone)
                else:
                    raw = _giggity_time(fields["start"])
                    begins = datetime.combine(date.fromisoformat(day.get("date", "")), raw, tzinfo=zone)
                    if raw < day_change:
                        begins += timedelta(days=1)
                lasts = _giggity_time(fields["duration"])  # LocalTime.parse: under 24 hours
                # ZonedDateTime.plusHours/plusMinutes work on the instant time-line.
                ends = (begins.astimezone(UTC) + timedelta(hours=lasts.hour, minutes=lasts.minute)).astimezone(zone)
                description = fields.get("description", "")
                if fields.get("abstract"):
                    description = fields["abstract"] + "\n\n" + description
                items[key] = Seen(
                    key=key,
                    start=begins,
                    end=ends,
                    day=day.get("date", ""),
                    room=room.get("name") or "",
                    title=fields["title"],
                    url=fields.get("url", ""),
                    description=description,
                )
    if not items:
        raise Refused("schedule_empty")
    return list(items.values()), day_change


def _giggity_time(text: str) -> time:
    """DateTimeFormatter.ofPattern("H:mm[:ss]")."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Refused(f"time {text!r}")
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def giggity_days(items: list[Seen], day_change: time, zone: ZoneInfo) -> dict[datetime, list[Seen]]:
    """Schedule.loadSchedule's day list: days start at the day change; an item is shown in
    a day only when it starts and ends inside it (ItemList.getItems)."""
    first = min(item.start for item in items).astimezone(zone)
    last = max(item.end for item in items)
    day = datetime.combine(first.date(), day_change, tzinfo=zone)
    if day > first:
        day -= timedelta(days=1)
    days: dict[datetime, list[Seen]] = {}
    while day < last:
        end = datetime.combine(day.date() + timedelta(days=1), day_change, tzinfo=zone)
        inside = [item for item in items if item.start >= day and item.end <= end]
        if inside:
            days[day] = inside
        day = end
    return days


# --- pretalx 2023.1.3 -----------------------------------------------------------------------


def _found(parent: ElementTree.Element, tag: str) -> ElementTree.Element:
    """`talk.find(tag).text`: a missing element is an AttributeError that aborts the import."""
    element = parent.find(tag)
    if element is None:
        raise Refused(f"<{tag}> missing: AttributeError, the whole import fails")
    return element


def pretalx(document: bytes) -> list[Seen]:
    """import_schedule.Command.handle / create_event, process_frab, _create_talk."""
    root = _parse_xml(document)
    conference = _found(root, "conference")
    for tag in ("acronym", "title"):
        if not _found(conference, tag).text:
            raise Refused(f"conference {tag} empty")
    for tag in ("start", "end"):
        try:
            datetime.strptime(_found(conference, tag).text or "", "%Y-%m-%d")
        except ValueError as error:
            raise Refused(f"conference {tag}") from error
    _found(root, "version")
    seen: list[Seen] = []
    for day in root.findall("day"):
        for room in day.findall("room"):
            if "name" not in room.attrib:
                raise Refused("room without name")
            for talk in room.findall("event"):
                seen.append(_pretalx_talk(talk, room.attrib["name"]))
    return seen


def _pretalx_talk(talk: ElementTree.Element, room: str) -> Seen:
    when = _found(talk, "date").text or ""
    start = dateutil_parse(when + " " + (_found(talk, "start").text or ""))
    hours, minutes = (_found(talk, "duration").text or "").split(":")  # exactly two parts
    duration = timedelta(hours=int(hours), minutes=int(minutes))
    end_element = talk.find("end")
    end = start + duration if end_element is None else dateutil_parse(when + " " + (end_element.text or ""))
    for tag in ("type", "track", "abstract", "language"):
        _found(talk, tag)
    for attribute in ("id", "guid"):
        if attribute not in talk.attrib:
            raise Refused(f"event without {attribute}")
    title = _found(talk, "title").text
    description = _found(talk, "description").text
    if _found(talk, "subtitle").text:
        description = (_found(talk, "subtitle").text or "") + "\n" + (description or "")
    for person in _found(talk, "persons").findall("person"):
        if person.text is None:
            raise Refused("person without a name: TypeError")
    return Seen(
        key=talk.attrib["id"],
        start=start,
        end=end,
        day="",
        room=room,
        title=title or "",
        url="",
        description=description or "",
    )
