"""Publishing a release as files (README, "The public files"): after a commit, the head's
release is written under the bucket's `public/` prefix, and the pointer last.

What is published is always the head's release, as the festival is now (the run holds the
lease and nothing is pending, so the tables hold exactly that release), compared with what
the last publication wrote (`publish.files.Published`, in the bookkeeping table). So a
publication is repeatable: a run killed anywhere in it leaves the pointer on the last
complete release, and whichever run comes next (its retry, the next upload, the scheduled
run) publishes again, writing the same bytes under the same names; a run whose release is
no longer the head publishes the head instead, so the pointer never moves backwards.

The pointer is written twice: once the days and lists are in, naming the last release's
exports, and again once this release's exports are. Rendering the exports is most of a large
festival's publication (about a minute at 50,000 sets), and open pages follow the days, not
the exports; each pointer names only files that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from chalicelib.publish.files import EXPORTS, Publication, PublicFile, Published, as_json, day_body, publication
from chalicelib.sets.index import Day
from chalicelib.sets.model import Set
from chalicelib.sets.shown import day_json, performance_json
from chalicelib.settings import Settings
from chalicelib.storage.indexes import Head
from chalicelib.storage.releases import Release


class Shelf(Protocol):
    """What a publication reads and writes (`storage.unit_of_work.UnitOfWork`)."""

    def head(self) -> Head: ...
    def keep_alive(self) -> None: ...
    def published(self) -> Published: ...
    def release(self, release_id: str) -> tuple[Release, list[dict[str, Any]]] | None: ...
    def index_days(self) -> list[Day]: ...
    def index_stages(self) -> list[tuple[str, int]]: ...
    def all_sets(self, count: int) -> list[Set]: ...
    def put_public(self, file: PublicFile) -> None: ...
    def put_pointer(self, pointer: bytes) -> None: ...
    def retire_public(self, path: str) -> None: ...
    def record_published(self, state: Published) -> None: ...


def due(head: Head, published: Published) -> bool:
    """Whether the head's release is whole and not yet published."""
    return bool(head.release) and not head.pending and published.release != head.release


def publish_head(shelf: Shelf, settings: Settings) -> str | None:
    """Publish the head's release unless it is published already; returns it if it was."""
    head = shelf.head()
    previous = shelf.published()
    if not due(head, previous):
        return None
    found = shelf.release(head.release)
    stages = shelf.index_stages()
    sets = sorted(shelf.all_sets(sum(count for _, count in stages)), key=lambda s: (s.start, s.stage, s.id))
    shelf.keep_alive()
    days = day_files(sets, settings)
    lists = list_files(shelf.index_days(), stages, found, head.release, settings)

    def decide(whole: Mapping[str, bytes], carried: Mapping[str, str] | None = None) -> Publication:
        return publication(
            head.release,
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
    decided = decide({**lists, **export_files(sets, found, head.release, settings, shelf)})
    for file in decided.files:
        if file.path not in written:
            shelf.put_public(file)
    shelf.put_pointer(decided.pointer)
    for path in decided.retired:
        shelf.retire_public(path)
    shelf.record_published(decided.state)
    return head.release


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
