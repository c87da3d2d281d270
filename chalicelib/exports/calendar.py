"""The festival as an iCalendar feed (RFC 5545, with RFC 7986's NAME and REFRESH-INTERVAL),
for calendar apps to subscribe to. Built with `icalendar`; imported only when asked for.

A set's UID comes from its stable id, so a set that moves stays the same event and
subscribed calendars move it; SEQUENCE counts its changes; DTSTAMP and LAST-MODIFIED are
when it last changed, never "now", so the same release gives the same bytes. Cancelled
sets stay, with STATUS:CANCELLED, so calendars that hold them update. Its URL opens the
set on the schedule page. An empty feed still has its VTIMEZONE: RFC 5545 wants at least
one component.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration, vText

from chalicelib.exports import CALENDAR
from chalicelib.exports.festival import Festival
from chalicelib.exports.text import clean
from chalicelib.exports.vtimezone import vtimezone
from chalicelib.exports.words import word
from chalicelib.sets.model import Set

REFRESH = timedelta(hours=1)
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def uid(set_id: str) -> str:
    return f"{set_id}@festival-schedule"


class CalendarFeed:
    """The iCalendar exporter: the sets it is given, titled with what they were chosen by."""

    media_type = CALENDAR

    def __init__(self, narrowed_by: Sequence[str] = ()) -> None:
        self._narrowed_by = tuple(narrowed_by)

    def title(self, festival: Festival) -> str:
        return clean(" · ".join((festival.name, *self._narrowed_by)), one_line=True)

    def render(self, festival: Festival) -> str:
        calendar = Calendar()
        calendar.add("prodid", "-//festival-schedule//calendar feed//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        title = self.title(festival)
        # Typed as TEXT explicitly: icalendar leaves properties it does not know unescaped.
        calendar.add("name", vText(title))
        calendar.add("x-wr-calname", vText(title))
        calendar.add("x-wr-timezone", vText(festival.zone.key))
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
        calendar.add_component(vtimezone(festival.zone, *festival.years()))
        for performance in festival.sets:
            calendar.add_component(self._event(festival, performance))
        return bytes(calendar.to_ical()).decode("utf-8")

    def _event(self, festival: Festival, performance: Set) -> Event:
        event = Event()
        event.add("uid", uid(performance.id))
        event.add("sequence", performance.sequence)
        changed = _moment(performance.changed)
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("dtstart", _unambiguous(festival.starts(performance)))
        event.add("dtend", _unambiguous(festival.ends(performance)))
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
        return event


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return _NEVER


def _unambiguous(local: datetime) -> datetime:
    """A local time the autumn change repeats is written in UTC: the set means its first
    occurrence (RFC 5545 says so too), but ical.js reads such a time as the second."""
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        return local.astimezone(UTC)
    return local
