"""The read model every export is made from: the festival as one request sees it.

Built once per request from the sets (the domain's typed `Set`, decoded from the table by
`chalicelib.sets.items.from_item` alone) and the settings; the calendar and both frab
formats then show the same days, stages and sets, with the same instants and links.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.exports.numbers import event_numbers
from chalicelib.sets.model import Set
from chalicelib.settings import Settings
from chalicelib.timetable import clock


@dataclass(frozen=True)
class Day:
    """A festival day: from its day-change time to the next day's."""

    index: int  # 1 for the first day
    date: str  # YYYY-MM-DD
    start: datetime  # aware, the festival's zone
    end: datetime
    stages: dict[str, list[Set]]  # stage -> its sets this day, by start (cancelled ones too)


@dataclass(frozen=True)
class Festival:
    """The festival, its days and stages, and what every format says of each set."""

    name: str
    zone: ZoneInfo
    day_change: int  # minutes after midnight
    release: str  # the current release's id, or "" before the first
    origin: str  # where clients reach the API and the page, without a trailing slash
    sets: tuple[Set, ...]  # by start, stage and id; cancelled ones too
    days: tuple[Day, ...]
    stages: tuple[str, ...]
    numbers: Mapping[str, int] = field(repr=False)  # set id -> the frab format's numeric id
    note: str = ""  # the current release's note, where a format has room for it
    language: str = "en"  # the language of the fixed words a format writes (exports.words)

    @property
    def version(self) -> str:
        """The schedule's version as the frab format gives it: the release, and its note."""
        return (self.release or "0") + (f": {self.note}" if self.note else "")

    @property
    def acronym(self) -> str:
        return acronym(self.name)

    def starts(self, performance: Set) -> datetime:
        """When the set starts, in the festival's zone (a repeated hour means its first time)."""
        return clock.local_datetime(performance.start, self.zone)

    def ends(self, performance: Set) -> datetime:
        return clock.local_datetime(performance.end, self.zone)

    def duration(self, performance: Set) -> timedelta:
        """The real interval: across a clock change it is not the clocks' difference."""
        return self.ends(performance).astimezone(UTC) - self.starts(performance).astimezone(UTC)

    def page_link(self, set_id: str) -> str:
        """The schedule page, opened at this set (its day, scrolled to it, details shown)."""
        return f"{self.origin}/#set={set_id}"

    def years(self) -> tuple[int, int]:
        """The first and last calendar years a set touches (the release's year when none)."""
        if not self.sets:
            year = int(self.release[:4]) if self.release[:4].isdigit() else datetime.now(UTC).year
            return year, year
        return self.starts(self.sets[0]).year, max(self.ends(s).year for s in self.sets)


def acronym(name: str) -> str:
    """The festival's short name as both frab schemas accept it (lower-case ASCII letters,
    digits and _, at least four): it follows the name, so that two festivals never share
    one (pretalx's importer would merge them)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    letters = re.sub(r"[^a-z0-9_]", "", folded)
    if len(letters) >= 4:
        return letters
    return (letters or "fest") + hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=3).hexdigest()


def build_festival(
    sets: Iterable[Set],
    *,
    name: str,
    zone: ZoneInfo,
    day_change: int,
    release: str,
    origin: str,
    note: str = "",
    language: str = "en",
) -> Festival:
    """The read model of these sets."""
    ordered = tuple(sorted(sets, key=lambda s: (s.start, s.stage, s.id)))
    by_day: dict[int, dict[str, list[Set]]] = {}
    for performance in ordered:
        by_day.setdefault(performance.day, {}).setdefault(performance.stage, []).append(performance)
    days = []
    for index, day in enumerate(sorted(by_day), start=1):
        first, end = clock.day_bounds(day, day_change)
        stages = {stage: by_day[day][stage] for stage in sorted(by_day[day])}
        days.append(
            Day(index, clock.iso_date(day), clock.local_datetime(first, zone), clock.local_datetime(end, zone), stages)
        )
    return Festival(
        name=name,
        zone=zone,
        day_change=day_change,
        release=release,
        origin=origin.rstrip("/"),
        sets=ordered,
        days=tuple(days),
        stages=tuple(sorted({s.stage for s in ordered})),
        numbers=event_numbers(s.id for s in ordered),
        note=note,
        language=language,
    )


def festival_of(sets: Iterable[Set], settings: Settings, release: str, origin: str, note: str = "") -> Festival:
    """The read model of these sets, with the deployment's name, zone and day change."""
    return build_festival(
        sets,
        name=settings.festival_name,
        zone=settings.zone,
        day_change=settings.day_change_minutes,
        release=release,
        origin=origin,
        note=note,
        language=settings.festival_language,
    )
