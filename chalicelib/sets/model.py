"""A set: one performance of one artist on one stage, as every part of the product sees it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.timetable import clock

SCHEDULED, CANCELLED = "scheduled", "cancelled"
SET_ID = re.compile(r"[a-z2-7]{16}")  # a set id's form (see `sets.identity.set_id`)
Slot = tuple[str, int]  # where a set is: stage, start


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


@dataclass(frozen=True, slots=True)
class StoredSet:
    """What a file's manifest remembers of one of its live sets: enough to tell, without
    reading the table, whether a new row continues it and what changed."""

    stage: str
    start: int
    end: int
    artist: str
    content: str  # digests of genre and notes (see `content_digest`)
    source: str = ""
    id: str = ""
    cancelled: bool = False
    sequence: int = 0  # how many times the set changed since it was new (iCalendar's SEQUENCE)
    changed: str = ""  # when it last changed (UTC, ISO 8601)

    @property
    def slot(self) -> tuple[str, int]:
        return self.stage, self.start

    @property
    def status(self) -> str:
        return CANCELLED if self.cancelled else SCHEDULED


def set_version(performance: Set, file_version: str) -> str:
    """A set's own version: changes when anything about the set changes, or its file's live
    version does (so an edit made from one read of the set cannot pass after either)."""
    fields = (*(str(getattr(performance, name)) for name in Set.__slots__), file_version)
    return hashlib.blake2b("\x1f".join(fields).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


@lru_cache(maxsize=4096)  # one string for the many sets that say the same (a large file's memory)
def content_digest(genre: str, notes: str) -> str:
    """Short, stable digests of what a set says beyond its artist, place and time, to tell
    which of them changed; kept in manifests, so they must not vary by process."""
    return _digest(genre) + _digest(notes)


def changed_fields(old: StoredSet, new: StoredSet) -> list[str]:
    """The fields, beyond stage and start, in which two versions of a set differ."""
    changed = [name for name in ("end", "artist") if getattr(old, name) != getattr(new, name)]
    half = len(old.content) // 2
    changed += [
        name
        for name, a, b in (
            ("genre", old.content[:half], new.content[:half]),
            ("notes", old.content[half:], new.content[half:]),
        )
        if a != b
    ]
    if old.cancelled != new.cancelled:
        changed.append("status")
    return changed


@lru_cache(maxsize=1024)  # genres repeat, and most notes are empty
def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
