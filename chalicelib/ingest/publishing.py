"""Publishing a release as files (README, "The public files"): after a commit, the head's
release is written under the bucket's `public/` prefix, and the pointer last.

The publisher (`ingest.handler.publish_release`) does it in two turns. In the runs' turn,
under the ingest lease, nothing is pending, so the tables hold exactly the head's release:
it is read (`read_head`). In the publishers' turn, under their own lease, it is rendered
and written (`publish_head`), compared with what the last publication wrote
(`publish.files.Published`, in the bookkeeping table), so the next run need not wait for
the rendering. A publication is repeatable: a publisher killed anywhere leaves the pointer
on the last complete release, and whichever comes next publishes the head again, writing
the same bytes under the same names; one that finds a later release published already
stops, so the pointer never moves backwards.

The pointer is written twice: once the days and lists are in, naming the last release's
exports, and again once this release's exports are. Rendering the exports is most of a large
festival's publication (about a minute at 50,000 sets), and open pages follow the days, not
the exports; each pointer names only files that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from chalicelib.publish.files import EXPORTS, Publication, PublicFile, Published, as_json, day_body, publication
from chalicelib.sets.index import Day
from chalicelib.sets.model import Set
from chalicelib.sets.shown import day_json, performance_json
from chalicelib.settings import Settings
from chalicelib.storage.indexes import Head
from chalicelib.storage.releases import Release


class Tables(Protocol):
    """What a publication reads, in the runs' turn (`storage.unit_of_work.UnitOfWork`)."""

    def head(self) -> Head: ...
    def published(self) -> Published: ...
    def release(self, release_id: str) -> tuple[Release, list[dict[str, Any]]] | None: ...
    def index_days(self) -> list[Day]: ...
    def index_stages(self) -> list[tuple[str, int]]: ...
    def all_sets(self, count: int) -> list[Set]: ...
    def keep_alive(self) -> None: ...


class Shelf(Protocol):
    """What a publication writes, in the publishers' turn (`storage.unit_of_work.UnitOfWork`)."""

    def keep_alive(self) -> None: ...
    def published(self) -> Published: ...
    def put_public(self, file: PublicFile) -> None: ...
    def put_pointer(self, pointer: bytes) -> None: ...
    def retire_public(self, path: str) -> None: ...
    def record_published(self, state: Published) -> None: ...


@dataclass(frozen=True)
class HeadRelease:
    """The head's release as the tables hold it: what a publication renders."""

    release: str
    found: tuple[Release, list[dict[str, Any]]] | None  # the release and its changes
    days: list[Day]
    stages: list[tuple[str, int]]
    sets: list[Set]  # in time order


def due(head: Head, published: Published) -> bool:
    """Whether the head's release is whole and newer than the last one published (release
    ids are times, and grow)."""
    return bool(head.release) and not head.pending and published.release < head.release


def read_head(tables: Tables) -> HeadRelease | None:
    """The head's release, unless it is published already (the tables must hold one release:
    read in the runs' turn)."""
    head = tables.head()
    if not due(head, tables.published()):
        return None
    stages = tables.index_stages()
    sets = sorted(tables.all_sets(sum(count for _, count in stages)), key=lambda s: (s.start, s.stage, s.id))
    read = HeadRelease(head.release, tables.release(head.release), tables.index_days(), stages, sets)
    tables.keep_alive()  # still the runs' turn (or LeaseLost): no run wrote while this was read
    return read


def publish_head(read: HeadRelease, shelf: Shelf, settings: Settings) -> str | None:
    """Publish a release read from the tables unless it or a later one is published
    already (another publisher came first); returns it if it was published."""
    previous = shelf.published()
    if previous.release >= read.release:
        return None
    days = day_files(read.sets, settings)
    lists = list_files(read.days, read.stages, read.found, read.release, settings)

    def decide(whole: Mapping[str, bytes], carried: Mapping[str, str] | None = None) -> Publication:
        return publication(
            read.release,
            previous,
            days,
            whole,
            timezone=settings.timezone,
            day_change=settings.day_change_minutes,
            origin=settings.public_origin,
            carried=carried,
        )

    written: set[str] = set()
    exports = {name: path for name, path in previous.files.items() if name in EXPORTS}
    if len(exports) == len(EXPORTS) and previous.origin == settings.public_origin:  # the last release's will do
        first = decide(lists, carried=exports)
        for file in first.files:
            shelf.put_public(file)
            written.add(file.path)
        shelf.put_pointer(first.pointer)
    decided = decide({**lists, **export_files(read.sets, read.found, read.release, settings, shelf)})
    for file in decided.files:
        if file.path not in written:
            shelf.put_public(file)
    shelf.put_pointer(decided.pointer)
    for path in decided.retired:
        shelf.retire_public(path)
    shelf.record_published(decided.state)
    return read.release


def _base(settings: Settings) -> str:
    """The path the API lives under, for the sets' `url` (as `api.shapes.api_base` gives it
    behind the CDN: the configured origin's path)."""
    return urlsplit(settings.public_origin).path.rstrip("/") if settings.public_origin else ""


def day_files(sets: list[Set], settings: Settings) -> dict[str, bytes]:
    """Each festival day's file: its sets, in time order, as `GET /performances?day=` shows them."""
    base, zone = _base(settings), settings.zone
    by_day: dict[str, list[dict[str, Any]]] = {}
    for found in sets:
        by_day.setdefault(found.festival_day, []).append(performance_json(found, base, zone))
    return {day: day_body(day, items) for day, items in by_day.items()}


def list_files(
    days: list[Day],
    stages: list[tuple[str, int]],
    found: tuple[Release, list[dict[str, Any]]] | None,
    release: str,
    settings: Settings,
) -> dict[str, bytes]:
    """The whole festival's lists (its days and stages) and the release's changes."""
    return {
        "days": as_json(
            {"timezone": settings.timezone, "day_change": settings.day_change, "items": [day_json(d) for d in days]}
        ),
        "stages": as_json({"items": [{"stage": name, "performances": count} for name, count in stages]}),
        "changes": as_json(_changes(found, release)),
    }


def export_files(
    sets: list[Set],
    found: tuple[Release, list[dict[str, Any]]] | None,
    release: str,
    settings: Settings,
    shelf: Shelf,
) -> Mapping[str, bytes]:
    """The whole festival's exports, each rendered once per release, here, rather than by
    the API on every request."""
    from chalicelib.exports.c3voc import C3vocJson, C3vocXml
    from chalicelib.exports.calendar import CalendarFeed
    from chalicelib.exports.festival import festival_of

    note = found[0].note if found else ""
    festival = festival_of(sets, settings, release, settings.public_origin, note)
    files = {"schedule.json": as_json(C3vocJson().render(festival))}
    shelf.keep_alive()
    if festival.days:  # the XML format needs at least one day
        files["schedule.xml"] = C3vocXml().render(festival).encode("utf-8")
        shelf.keep_alive()
    files["calendar.ics"] = CalendarFeed(()).render(festival).encode("utf-8")
    shelf.keep_alive()
    return files


def _changes(found: tuple[Release, list[dict[str, Any]]] | None, release: str) -> dict[str, Any]:
    """The release's changes as `/changes/{release}` lists them, all in one."""
    if found is None:
        return {"release": release, "counts": {}, "total": 0, "items": []}
    shown, changes = found
    return {
        "release": shown.release,
        "source": shown.source,
        **({"note": shown.note} if shown.note else {}),
        "counts": shown.counts,
        "total": shown.total,
        "items": changes,
    }
