"""The festival as an iCalendar feed (RFC 5545, with RFC 7986's NAME and REFRESH-INTERVAL),
for calendar apps to subscribe to. Built with `icalendar`; imported only when asked for.

A set's UID comes from its stable id, so a set that moves stays the same event and
subscribed calendars move it; SEQUENCE counts its changes; DTSTAMP and LAST-MODIFIED are
when it last changed, never "now", so the same release gives the same bytes. Cancelled
sets stay, with STATUS:CANCELLED, so calendars that hold them update. Its URL opens the
set on the schedule page. An empty feed still has its VTIMEZONE: RFC 5545 wants at least
one component.

The calendar's head and VTIMEZONE are `icalendar`'s own; each event's lines are written
here from `icalendar`'s value types (its escaping, its date and time forms, its folding),
in the order its `Event` writes them. Building an `Event` a set costs about 1 ms, most of
it the object model around the values: twenty seconds at 20,000 sets, on every release.
tests/test_export_units.py holds these bytes equal to an `Event`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, vCategory, vDDDTypes, vDuration, vInt, vText, vUri
from icalendar.parser import Contentline

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
        head = bytes(calendar.to_ical()).decode("utf-8").removesuffix(_END)  # the events go before its end
        return head + "".join(event_lines(festival, performance) for performance in festival.sets) + _END


_END = "END:VCALENDAR\r\n"


def event_lines(festival: Festival, performance: Set) -> str:
    """One set's VEVENT, as `icalendar`'s `Event` writes it: SUMMARY, DTSTART, DTEND,
    DTSTAMP, UID and SEQUENCE first, then the rest alphabetically."""
    changed = _ical(vDDDTypes(_moment(performance.changed)))
    artist = clean(performance.artist, one_line=True)
    summary = word(festival.language, "cancelled", artist=artist) if performance.cancelled else artist
    description = "\n".join(clean(part) for part in (performance.genre, performance.notes) if part)
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY" + _ical(vText(summary)),
        "DTSTART" + _ical(vDDDTypes(_unambiguous(festival.starts(performance)))),
        "DTEND" + _ical(vDDDTypes(_unambiguous(festival.ends(performance)))),
        "DTSTAMP" + changed,
        "UID" + _ical(vText(uid(performance.id))),
        "SEQUENCE" + _ical(vInt(performance.sequence)),
    ]
    if performance.genre:
        lines.append("CATEGORIES" + _ical(vCategory([clean(performance.genre, one_line=True)])))
    if description:
        lines.append("DESCRIPTION" + _ical(vText(description)))
    lines += [
        "LAST-MODIFIED" + changed,
        "LOCATION" + _ical(vText(clean(performance.stage, one_line=True))),
        "STATUS" + _ical(vText("CANCELLED" if performance.cancelled else "CONFIRMED")),
        "URL" + _ical(vUri(festival.page_link(performance.id))),
        "END:VEVENT",
    ]
    return "".join(_folded(line) for line in lines)


def _ical(value: vText | vDDDTypes | vInt | vCategory | vUri) -> str:
    """A property's parameters and value, as they follow its name on its line."""
    params = value.params.to_ical().decode("utf-8") if value.params else ""
    return (f";{params}" if params else "") + ":" + value.to_ical().decode("utf-8")


def _folded(line: str) -> str:
    """A content line and its line break; one of 75 octets or more folded by `icalendar`."""
    if len(line.encode("utf-8")) < _FOLD_AT:
        return line + "\r\n"
    # icalendar's parser module is untyped
    folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
    return folded.decode("utf-8") + "\r\n"


_FOLD_AT = 75  # RFC 5545 3.1: no line longer than 75 octets; icalendar folds from 75 on


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
