"""A set: one performance of one artist on one stage, as every part of the product sees it."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.timetable import clock

SCHEDULED, CANCELLED = "scheduled", "cancelled"


@dataclass(frozen=True, slots=True)
class Set:
    """A live set. `start` and `end` are festival-local moments (see `timetable.clock`);
    `day` is the festival day it belongs to (a day number)."""

    id: str
    stage: str
    start: int
    end: int
    day: int
    artist: str
    genre: str = ""
    notes: str = ""
    cancelled: bool = False
    sequence: int = 0  # how many times it changed since it was new (iCalendar's SEQUENCE)
    changed: str = ""  # when it last changed: UTC, ISO 8601 to the millisecond
    source: str = ""  # the upload it came from

    @property
    def status(self) -> str:
        return CANCELLED if self.cancelled else SCHEDULED

    @property
    def date(self) -> str:
        """The calendar date on which it starts."""
        return clock.iso_date(self.start // clock.MINUTES_PER_DAY)

    @property
    def festival_day(self) -> str:
        return clock.iso_date(self.day)
