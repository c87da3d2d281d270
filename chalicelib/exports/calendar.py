"""The festival as an iCalendar feed (RFC 5545, with RFC 7986's NAME and REFRESH-INTERVAL),
for calendar apps to subscribe to. Built with `icalendar`; imported only when asked for.

A set's UID comes from its stable id, so a set that moves stays the same event and
subscribed calendars move it; SEQUENCE counts its changes; DTSTAMP and LAST-MODIFIED are
when it last changed, never "now", so the same release gives the same bytes. Cancelled
sets stay, with STATUS:CANCELLED, so calendars that hold them update.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from chalicelib.sets.model import Set
from chalicelib.timetable import clock

REFRESH = timedelta(hours=1)
MEDIA_TYPE = "text/calendar; charset=utf-8"


def uid(set_id: str) -> str:
    return f"{set_id}@festival-schedule"


def calendar_feed(sets: Iterable[Set], *, name: str, zone: ZoneInfo, origin: str) -> bytes:
    """One VEVENT per set, with the festival's VTIMEZONE."""
    calendar = Calendar()
    calendar.add("prodid", "-//festival-schedule//calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for exported in sets:
        calendar.add_component(_event(exported, zone, origin))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(exported: Set, zone: ZoneInfo, origin: str) -> Event:
    event = Event()
    event.add("uid", uid(exported.id))
    event.add("sequence", exported.sequence)
    changed = datetime.fromisoformat(exported.changed)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", clock.local_datetime(exported.start, zone))
    event.add("dtend", clock.local_datetime(exported.end, zone))
    event.add("summary", f"{exported.artist} (cancelled)" if exported.cancelled else exported.artist)
    event.add("location", exported.stage)
    event.add("status", "CANCELLED" if exported.cancelled else "CONFIRMED")
    event.add("url", f"{origin}/performances/{exported.id}")
    description = "\n".join(part for part in (exported.genre, exported.notes) if part)
    if description:
        event.add("description", description)
    if exported.genre:
        event.add("categories", [exported.genre])
    return event
