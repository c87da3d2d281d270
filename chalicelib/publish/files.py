"""The public files of a release, decided: their paths, which a release writes, the pointer.

A release's files are immutable (`releases/<R>/...`, cached a year); the pointer
(`current.json`) names the release and, for each festival day, the file that holds it now.
A day's file is written again only when what it holds changed: its digest is compared with
the one the last publication wrote, so a release that changes one day writes that day, and
a publication that follows several releases (one died before publishing) writes every day
any of them changed. The whole-festival files are written for every release.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "public/"
POINTER = "current.json"
RELEASES = "releases/"
# The pointer: a page polling it sees a new release within seconds; CloudFront keeps it as long.
# 9 s: the edge then asks the origin about seven times a minute whatever the crowd, which at
# 2,000 phones polling every 20 s lets it answer 99.9% of their requests itself; and a release
# is on every phone within 30 s of its commit (under a second to publish, 9 s at the edge, 20 s
# until the last phone's next poll). bench/edge.py measures both.
POINTER_CACHE = "public, max-age=9"
# A release's file never changes under its name (RFC 8246: browsers do not even revalidate).
RELEASE_CACHE = "public, max-age=31536000, immutable"
JSON_TYPE = "application/json; charset=utf-8"
CALENDAR_TYPE = "text/calendar; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
# The whole-festival files, by the name the pointer gives each: (file name, media type).
WHOLE = {
    "days": ("days.json", JSON_TYPE),
    "stages": ("stages.json", JSON_TYPE),
    "changes": ("changes.json", JSON_TYPE),
    "schedule.json": ("schedule.json", JSON_TYPE),
    "schedule.xml": ("schedule.xml", XML_TYPE),
    "calendar.ics": ("calendar.ics", CALENDAR_TYPE),
}
# The exports among them: most of a large festival's publication is rendering these.
EXPORTS = ("schedule.json", "schedule.xml", "calendar.ics")
# What a release's folder holds, by file name: the media type of each.
RELEASE_FILES = {name: media for name, media in WHOLE.values()}
DAY_FILE = "days/"


def release_path(release: str, name: str) -> str:
    """`releases/<R>/<name>`, relative to `public/` (as the pointer names it)."""
    return f"{RELEASES}{release}/{name}"


def day_path(release: str, day: str) -> str:
    return release_path(release, f"{DAY_FILE}{day}.json")


def media_type(path: str) -> str:
    """A public file's media type, from its name."""
    name = path.rsplit("/", 1)[-1]
    return RELEASE_FILES.get(name, JSON_TYPE)


def as_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")


def day_body(day: str, items: list[dict[str, Any]]) -> bytes:
    """A festival day's file: its sets as `GET /performances?day=` lists them."""
    return as_json({"day": day, "items": items})


def digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


@dataclass(frozen=True)
class Published:
    """What the last publication left: its release, the path of each day's file and the
    digest of what it holds, and the whole-festival files (the pointer, and what the next
    publication compares with)."""

    release: str = ""
    days: Mapping[str, str] = field(default_factory=dict)  # day -> path
    digests: Mapping[str, str] = field(default_factory=dict)  # day -> digest of its file
    files: Mapping[str, str] = field(default_factory=dict)  # WHOLE's names -> path
    origin: str = ""  # the PUBLIC_ORIGIN its exports link to

    def paths(self) -> set[str]:
        return {*self.days.values(), *self.files.values()}

    def as_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "days": self.days,
            "digests": self.digests,
            "files": self.files,
            "origin": self.origin,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Published:
        return cls(
            value.get("release", ""),
            value.get("days", {}),
            value.get("digests", {}),
            value.get("files", {}),
            value.get("origin", ""),
        )


@dataclass(frozen=True)
class PublicFile:
    """One file to write: its path under `public/`, what it holds (not yet compressed)."""

    path: str
    body: bytes
    media_type: str


@dataclass(frozen=True)
class Publication:
    """Everything one publication writes, in order: the files, then the pointer; then the
    files no pointer names any more (retired: they expire a week later), then the state."""

    files: list[PublicFile]
    pointer: bytes
    retired: list[str]
    state: Published


def publication(
    release: str,
    previous: Published,
    days: Mapping[str, bytes],
    whole: Mapping[str, bytes],
    *,
    timezone: str,
    day_change: int,
    origin: str = "",
    carried: Mapping[str, str] | None = None,
) -> Publication:
    """The files of `release`: each day whose file's digest changed (or that is new) under the
    release's own name, the others where they are; every whole-festival file in `whole`, and
    those `carried` names (an earlier release's, by path) where `whole` has none."""
    files = []
    day_paths: dict[str, str] = {}
    digests: dict[str, str] = {}
    for day, body in sorted(days.items()):
        found = digest(body)
        kept = previous.days.get(day)
        if kept is not None and previous.digests.get(day) == found:
            day_paths[day] = kept
        else:
            day_paths[day] = day_path(release, day)
            files.append(PublicFile(day_paths[day], body, JSON_TYPE))
        digests[day] = found
    paths: dict[str, str] = {}
    for name, (file_name, media) in WHOLE.items():
        if name in whole:
            paths[name] = release_path(release, file_name)
            files.append(PublicFile(paths[name], whole[name], media))
        elif carried and name in carried:
            paths[name] = carried[name]
    state = Published(release, day_paths, digests, paths, origin)
    pointer = as_json(
        {"release": release, "timezone": timezone, "day_change": day_change, "days": day_paths, "files": paths}
    )
    return Publication(files, pointer, sorted(previous.paths() - state.paths()), state)
