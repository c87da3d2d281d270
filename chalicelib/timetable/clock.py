"""Festival-local time as whole minutes, and the text forms the table and the API use.

A moment is an int: minutes since 0001-01-01T00:00 in the festival's time zone.
Ints are compact (the ingest keeps one per row) and compare and subtract cheaply.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
MAX_SET_MINUTES = 12 * 60
DEFAULT_DAY_CHANGE = 6 * 60  # sets starting before 06:00 belong to the previous festival day
# Timetables write the small hours after a date as 24:00 to 29:59 (25:30 = 01:30 the next morning).
_LATEST_HOUR = 29

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")
_HH_MM = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(MINUTES_PER_DAY))


def parse_date(text: str) -> int | str:
    """A `YYYY-MM-DD` date as a day number, or the reason it is not one."""
    if not _DATE.fullmatch(text):
        return "is not a date in the form YYYY-MM-DD"
    try:
        return date.fromisoformat(text).toordinal()
    except ValueError:
        return "is not a calendar date"


def parse_time(text: str) -> int | str:
    """A 24-hour `HH:MM` (or `H:MM`, or `HH:MM:00`) as minutes after midnight, or the
    reason it is not one. 24:00 to 29:59 are the small hours of the next morning, so
    they come back as 1440 and more."""
    match = _TIME.fullmatch(text)
    if not match:
        return "is not a time in the form HH:MM (24-hour)"
    hours, minutes, seconds = int(match[1]), int(match[2]), match[3]
    if seconds is not None and seconds != "00":
        return "has seconds; times are whole minutes (HH:MM)"
    if hours > _LATEST_HOUR or minutes > 59:
        return "is not a time of day (00:00 to 23:59, or 24:00 to 29:59 for the small hours after the date)"
    return hours * 60 + minutes


def time_of_day(text: str) -> int | None:
    """`HH:MM` from 00:00 to 23:59 as minutes, or None (for the API's parameters)."""
    value = parse_time(text)
    return value if isinstance(value, int) and value < MINUTES_PER_DAY else None


def hh_mm(minutes: int) -> str:
    """Minutes after midnight as `HH:MM`."""
    return _HH_MM[minutes % MINUTES_PER_DAY]


def parse_moment(text: str) -> int | None:
    """`YYYY-MM-DDTHH:MM` as a moment, or None when it is not one."""
    match = _MOMENT.fullmatch(text)
    if not match:
        return None
    day, time = parse_date(match[1]), time_of_day(match[2])
    if isinstance(day, str) or time is None:
        return None
    return day * MINUTES_PER_DAY + time


def day_number(text: str) -> int | None:
    """`YYYY-MM-DD` as a day number, or None when it is not one."""
    value = parse_date(text)
    return None if isinstance(value, str) else value


@lru_cache(maxsize=4096)
def iso_date(day: int) -> str:
    return date.fromordinal(day).isoformat()


def iso(moment: int) -> str:
    """`YYYY-MM-DDTHH:MM`."""
    day, minute = divmod(moment, MINUTES_PER_DAY)
    return f"{iso_date(day)}T{_HH_MM[minute]}"


def slot(moment: int) -> str:
    """The table's sort key, `YYYY-MM-DD#HH:MM`: text order is time order."""
    day, minute = divmod(moment, MINUTES_PER_DAY)
    return f"{iso_date(day)}#{_HH_MM[minute]}"


def stored_moment(text: str) -> int:
    """The inverse of `slot` and of `iso`, for values this program wrote."""
    day, time = text[:10], text[11:16]
    return parse_date_strict(day) * MINUTES_PER_DAY + int(time[:2]) * 60 + int(time[3:5])


def parse_date_strict(text: str) -> int:
    """A date known to be well formed, as a day number."""
    return date.fromisoformat(text).toordinal()


def festival_day(moment: int, day_change: int) -> int:
    """The festival day a set starting at `moment` belongs to: before the day-change
    time, it is still the previous day's night."""
    return (moment - day_change) // MINUTES_PER_DAY


def festival_date(moment: int, day_change: int) -> str:
    """`YYYY-MM-DD` of the festival day a set starting at `moment` belongs to."""
    return iso_date(festival_day(moment, day_change))


def day_bounds(day: int, day_change: int) -> tuple[int, int]:
    """The half-open range of start moments that belong to festival day `day`."""
    start = day * MINUTES_PER_DAY + day_change
    return start, start + MINUTES_PER_DAY


def moment_of(when: datetime) -> int:
    """A naive or zone-converted local datetime as a moment (seconds are dropped)."""
    return when.toordinal() * MINUTES_PER_DAY + when.hour * 60 + when.minute


def local_datetime(moment: int, zone: ZoneInfo) -> datetime:
    """A moment as an aware datetime. A time the autumn change makes ambiguous means its
    first occurrence (fold=0: before the clocks go back), as printed programmes mean it."""
    day, minute = divmod(moment, MINUTES_PER_DAY)
    return datetime.combine(date.fromordinal(day), datetime.min.time(), tzinfo=zone) + timedelta(minutes=minute)


@lru_cache(maxsize=256)
def _changes_clock(day: int, zone: ZoneInfo) -> bool:
    """Whether the zone's UTC offset changes during this calendar day."""
    start = datetime.combine(date.fromordinal(day), datetime.min.time(), tzinfo=zone)
    return start.utcoffset() != (start + timedelta(days=1)).utcoffset()


def exists(moment: int, zone: ZoneInfo) -> bool:
    """False for a local time the spring change skips (e.g. 02:30 when 02:00 becomes 03:00)."""
    if not _changes_clock(moment // MINUTES_PER_DAY, zone):
        return True
    local = local_datetime(moment, zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def rfc3339(moment: int, zone: ZoneInfo) -> str:
    """`YYYY-MM-DDTHH:MM:00+02:00`: the local time with the festival's UTC offset."""
    return local_datetime(moment, zone).isoformat(timespec="seconds")
