"""The festival's VTIMEZONE, written so that every client reads the same instants.

ical.js (Thunderbird and many web calendars) trusts the feed's VTIMEZONE rather than its
own zone database, reads only the first value of an RDATE property, and ignores DTSTART
once an observance has RDATEs. `icalendar`'s own `Timezone.from_tzinfo` writes each
season as one long RDATE list, starting at the local time after the change, which ical.js
reads as one offset all year. So this module finds the zone's real transitions (from
zoneinfo) and writes one observance per kind of change, with its DTSTART and one RDATE
per line, each the local time just before the change as RFC 5545 3.6.5 asks (02:00 for
Europe's spring change, 03:00 for its autumn one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Transition:
    """One change of the zone's UTC offset."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool  # summer time after the change
    name: str  # the abbreviation after the change

    @property
    def local_before(self) -> datetime:
        """The wall-clock time at which it happens, read with the offset it changes from."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() or timedelta(0)


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """The zone's offset changes in [start, end), both UTC: a day's step finds the days
    with a change, a bisection of that day finds its second."""
    found: list[Transition] = []
    day = start
    while day < end:
        following = day + _DAY
        if _offset(zone, day) != _offset(zone, following):
            low, high = day, following  # the offset at low differs from the one at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(zone, middle) == _offset(zone, low):
                    low = middle
                else:
                    high = middle
            local = high.astimezone(zone)
            found.append(
                Transition(
                    at=high,
                    offset_from=_offset(zone, low),
                    offset_to=_offset(zone, high),
                    daylight=bool(local.dst()),
                    name=local.tzname() or "",
                )
            )
        day = following
    return found


@lru_cache(maxsize=32)
def vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE good for local times from `first_year` to `last_year`: it starts with the
    last change before `first_year` began (or, in a zone that does not change, with its
    one offset), so every such time has a defined offset in every client."""
    start = datetime(first_year - 1, 1, 1, tzinfo=UTC)
    changes = transitions(zone, start, datetime(last_year + 1, 1, 1, tzinfo=UTC))
    before = [change for change in changes if change.at < datetime(first_year, 1, 1, tzinfo=UTC)]
    if before:
        changes = changes[len(before) - 1 :]
    else:  # the offset in force from the start, as an observance that changes nothing
        local = start.astimezone(zone)
        offset = _offset(zone, start)
        changes = [Transition(start, offset, offset, bool(local.dst()), local.tzname() or ""), *changes]
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    groups: dict[tuple[bool, timedelta, timedelta, str], list[Transition]] = {}
    for change in changes:
        groups.setdefault((change.daylight, change.offset_from, change.offset_to, change.name), []).append(change)
    for (daylight, offset_from, offset_to, name), members in groups.items():
        observance = TimezoneDaylight() if daylight else TimezoneStandard()
        observance.add("dtstart", members[0].local_before)
        if len(members) > 1:
            for member in members:  # one per line: ical.js reads one value per RDATE
                observance.add("rdate", member.local_before)
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        if name:
            observance.add("tzname", name)
        timezone.add_component(observance)
    return timezone
