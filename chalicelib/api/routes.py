"""What each route answers: the route logic over the performances table and the indexes.

Every list is one DynamoDB Query per page (a stage's times are one key range; days,
artists and the stage list have their own index), so a request's cost is bounded
whatever the table holds. Nothing here ever Scans. What only some routes need (releases,
the exports, the ingest's planner) is imported by them: a cold start pays for every module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from botocore.exceptions import ClientError
from chalice.app import NotFoundError

from chalicelib.api.cursors import Cursor
from chalicelib.api.params import FIRST_MOMENT, LAST_MOMENT, InvalidParameter, Params
from chalicelib.api.params import shown as _shown
from chalicelib.api.shapes import path_value
from chalicelib.services import Services
from chalicelib.sets.index import now_and_next
from chalicelib.sets.items import from_item
from chalicelib.sets.model import SET_ID, Set, set_version
from chalicelib.sets.shown import day_json, performance_json
from chalicelib.settings import UPLOAD_PREFIX
from chalicelib.storage.indexes import SLOTS, Head
from chalicelib.storage.performances import BY_ARTIST, BY_DAY, Page
from chalicelib.timetable import clock

if TYPE_CHECKING:  # the batch writer is the ingest's: the API's cold start does without it
    from chalicelib.storage.batch import Item

# /days lists each day's stages: a page holds as many days as fit in this many bytes of
# items read (at least one), so that it reads a bounded amount whatever the festival's size
# (docs/architecture.md, "Reads").
DAYS_PAGE_BYTES = 64 * 1024 - 1024  # the head read first is under 1 KB
# Now playing reads the stages of a page and then each one's two sets in one BatchGetItem
# (at most 100 keys): a page holds at most this many stages.
NOW_PER_PAGE = 50
# A preview answers the changes that fit in this much JSON (all counts are complete, and a
# draft's report lists them all): well inside a Lambda answer's 6 MB.
PREVIEW_BYTES = 1_000_000


class NotFound(NotFoundError):
    """No stage, artist or performance by that name."""


def _page(items: list[dict[str, Any]], cursor: Cursor, page: Page) -> dict[str, Any]:
    return {"items": items, "next": cursor.encode(page.last_key)}


class ScheduleApi:
    """What each route answers, given its decoded parameters."""

    def __init__(self, services: Services, base: str = "", origin: str = "") -> None:
        self._performances = services.performances
        self._indexes = services.indexes
        self._services = services  # for what only some routes use (set up on first use)
        self._head: Head | None = None
        self._set: tuple[Set, str] | None = None  # the set `/performances/{id}` answers, and its version
        self._settings = services.settings
        self._zone = services.settings.zone
        self._base = base
        self._origin = origin  # where clients reach the API, for the feeds' absolute links

    def head(self) -> Head:
        """The festival's head, read once per request (the ETag and the answer share it)."""
        if self._head is None:  # read consistently: an upload marked pending is seen at once
            self._head = self._indexes.head(consistent=True)
        return self._head

    def release(self) -> str | None:
        """The current release's id: what every answer's ETag is made from; None while a
        run's writes are being applied (answers may change from one read to the next)."""
        head = self.head()
        return None if head.pending else head.release

    def stages(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        params = Params(query, "/stages")
        cursor = Cursor(["stages"], ("pk", "sk"), {"pk": "stage"})
        stages, last = self._indexes.stages(limit=params.limit(), after=cursor.decode(params.get("cursor")))
        return _page([{"stage": name, "performances": count} for name, count in stages], cursor, Page([], last))

    def days(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        params = Params(query, "/days")
        cursor = Cursor(["days"], ("pk", "sk"), {"pk": "day"})
        days, last = self._indexes.days_within(
            DAYS_PAGE_BYTES, limit=params.limit(), after=cursor.decode(params.get("cursor"))
        )
        items = [day_json(day) for day in days]
        return {
            "timezone": self._settings.timezone,
            "day_change": self._settings.day_change,
            **_page(items, cursor, Page([], last)),
        }

    def stage_performances(self, raw_stage: str, query: Mapping[str, str] | None) -> dict[str, Any]:
        stage = path_value(raw_stage)
        params = Params(query, "/stages/{stage}/performances")
        first, last, playing_at = self._window(params)
        cursor = Cursor(["stage", stage, first, last], ("stage", "slot"), {"stage": stage})
        low, high = clock.slot(first), clock.slot(last)
        start_key = cursor.decode(params.get("cursor"), check=lambda key: low <= key["slot"] <= high)
        # A window's first page also has the sets that began before it and still play:
        # they started at most 12 hours earlier (the longest set), so that is one more
        # key range, read whole. The sets starting inside the window then fill the page.
        earlier: list[Item] = []
        if playing_at is not None and start_key is None and playing_at > FIRST_MOMENT:
            earlier = self._performances.stage_range(
                stage,
                max(playing_at - clock.MAX_SET_MINUTES, FIRST_MOMENT),
                playing_at - 1,
                ending_after=playing_at,
                limit=None,
            ).items
        limit = max(params.limit() - len(earlier), 1)
        page = (
            self._read(
                lambda: self._performances.stage_range(stage, first, last, limit=limit, start_key=start_key), params
            )
            if first <= last
            else Page([], None)
        )
        items = earlier + page.items
        if not items and not page.last_key and start_key is None and self._indexes.stage_count(stage) is None:
            raise NotFound(f"no stage named {_shown(stage)}")
        return _page([performance_json(from_item(item), self._base, self._zone) for item in items], cursor, page)

    def performance_in_slot(
        self, raw_stage: str, raw_start: str, query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The set on a stage starting at a moment, whichever set that is now."""
        Params(query, "/stages/{stage}/performances/{start}")
        stage, start_text = path_value(raw_stage), unquote(raw_start)
        start = clock.parse_moment(start_text)
        if start is None:
            raise InvalidParameter("start", f"expected the set's start as YYYY-MM-DDTHH:MM, got {_shown(start_text)}")
        item = self._performances.get(stage, start)
        if item is None:
            raise NotFound(f"no performance on {_shown(stage)} starting {start_text}")
        return performance_json(from_item(item), self._base, self._zone)

    def performance(self, raw_id: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The set with this id, wherever it is now."""
        found, _ = self._set_with_version(raw_id, query)
        return performance_json(found, self._base, self._zone)

    def performance_version(self, raw_id: str, query: Mapping[str, str] | None = None) -> str:
        """The set's own version, which its ETag is made from: it changes when the set changes
        or its file's live version does, and with nothing else (see `sets.model.set_version`)."""
        _, version = self._set_with_version(raw_id, query)
        return version

    def _set_with_version(self, raw_id: str, query: Mapping[str, str] | None) -> tuple[Set, str]:
        """The set with this id and its version, read once per request."""
        if self._set is None:
            Params(query, "/performances/{performance_id}")
            set_id = unquote(raw_id)
            if not SET_ID.fullmatch(set_id):
                raise InvalidParameter("id", f"expected a performance id as the API gives it, got {_shown(set_id)}")
            item = self._performances.by_id(set_id)
            if item is None:
                raise NotFound(f"no performance with id {set_id}: it was removed, or never existed")
            found = from_item(item)
            self._set = found, set_version(found, self._services.sources.live_version(found.source))
        return self._set

    def changes(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        """The festival's releases, newest first, each with its counts and first changes."""
        from chalicelib.storage.releases import KIND

        params = Params(query, "/changes")
        since = params.since(self._zone)
        cursor = Cursor(["changes", since or ""], ("pk", "sk"), {"pk": KIND})
        start_key = cursor.decode(params.get("cursor"), check=lambda key: since is None or key["sk"] > since)
        page = self._services.releases.newest(after=since, limit=params.limit(), start_key=start_key)
        return _page([release.as_json(self._base) for release in page.releases], cursor, Page([], page.last_key))

    def release_changes(self, raw_release: str, query: Mapping[str, str] | None) -> dict[str, Any]:
        """Every change of one release, a page at a time."""
        from chalicelib.storage.releases import RELEASE_ID

        params = Params(query, "/changes/{release}")
        release_id = unquote(raw_release)
        if not RELEASE_ID.fullmatch(release_id):
            raise InvalidParameter("release", f"expected a release id as /changes gives it, got {_shown(release_id)}")
        release = self._services.releases.release(release_id)
        if release is None:
            raise NotFound(f"no release {release_id}")
        cursor = Cursor(["release", release_id], ("page",), {})
        start = cursor.decode(params.get("cursor"), check=lambda key: key["page"].isdigit())
        number = int(start["page"]["S"]) if start else 0
        changes = self._services.releases.changes(release, number) if number < release.pages else []
        following = {"page": {"S": str(number + 1)}} if number + 1 < release.pages else None
        return {
            "release": release.release,
            "source": release.source,
            **({"note": release.note} if release.note else {}),
            "counts": release.counts,
            "total": release.total,
            **_page(changes, cursor, Page([], following)),
        }

    def performances(self, query: Mapping[str, str] | None, now: datetime) -> dict[str, Any]:
        """`?day=`: a whole festival day across stages; otherwise what is on `at`
        (default: now in the festival's time zone) and what is next, per stage."""
        params = Params(query, "/performances")
        day = params.day()
        if day is not None:
            if params.get("at") is not None:
                raise InvalidParameter("at", "give either at or day, not both")
            return self._index_page(BY_DAY, clock.iso_date(day), params, ("day", "start", "stage", "slot"))
        # The cursor carries its moment: the next page of "now" is the same moment's.
        cursor = Cursor(["now"], ("pk", "sk", "at"), {})
        start_key = cursor.decode(params.get("cursor"))
        at = params.moment("at")
        if start_key is not None:
            carried = clock.parse_moment(start_key["at"]["S"])
            if carried is None or (at is not None and at != carried):
                raise InvalidParameter("cursor", "not a cursor from the previous page of this same request")
            at = carried
        if at is None:
            at = clock.moment_of(now.astimezone(self._settings.zone))
        day = clock.festival_day(at, self._settings.day_change_minutes)
        after = None if start_key is None else {"pk": start_key["pk"], "sk": start_key["sk"]}
        if after is not None and after["pk"]["S"] != SLOTS + clock.iso_date(day):
            raise InvalidParameter("cursor", "not a cursor from the previous page of this same request")
        stage_days, last = self._indexes.stage_days(day, limit=min(params.limit(), NOW_PER_PAGE), after=after)
        wanted = {stage_day.stage: now_and_next(stage_day, at) for stage_day in stage_days}
        slots = [(stage, start) for stage, pair in wanted.items() for start in pair if start is not None]
        found = {
            (item["stage"]["S"], clock.stored_moment(item["start"]["S"])): item
            for item in (self._performances.in_slots(slots) if slots else [])
        }
        items = [
            {
                "stage": stage,
                "now": self._json(found.get((stage, playing)) if playing is not None else None),
                "next": self._json(found.get((stage, following)) if following is not None else None),
            }
            for stage, (playing, following) in wanted.items()
        ]
        last_key = None if last is None else {**last, "at": {"S": clock.iso(at)}}
        return {"at": clock.iso(at), "timezone": self._settings.timezone, **_page(items, cursor, Page([], last_key))}

    def artist_performances(self, raw_artist: str, query: Mapping[str, str] | None) -> dict[str, Any]:
        artist = path_value(raw_artist)
        params = Params(query, "/artists/{artist}/performances")
        answer = self._index_page(BY_ARTIST, artist, params, ("artist", "start", "stage", "slot"))
        if not answer["items"] and params.get("cursor") is None:
            raise NotFound(f"no performances by {_shown(artist)}")
        return answer

    def calendar(self, query: Mapping[str, str] | None) -> str:
        """The festival (or one stage's, one artist's, or a list of sets) as iCalendar; a
        filter reads only what it names (`ids=` those sets, `artist=` the artist's, `stage=`
        the stage's: a stage that does not exist is a 404 after one small read)."""
        from chalicelib.exports.calendar import CalendarFeed
        from chalicelib.exports.festival import festival_of
        from chalicelib.exports.picks import read_sets
        from chalicelib.exports.query import CalendarQuery

        wanted = CalendarQuery.parse(query)
        if wanted.ids is not None:
            found = read_sets(self._performances.by_id, wanted.ids)
        elif wanted.stage is not None and self._indexes.stage_count(wanted.stage) is None:
            raise NotFound(f"no stage named {_shown(wanted.stage)}")  # one GetItem of under 2 KB
        elif wanted.artist is not None:  # the artist's sets (fewer than a stage's), whatever the stage
            found = [from_item(item) for item in self._performances.artist_sets(wanted.artist)]
        elif wanted.stage is not None:
            found = [from_item(item) for item in self._performances.stage_sets(wanted.stage)]
        else:
            found = self._exported_sets()
        festival = festival_of([s for s in found if wanted.wants(s)], self._settings, self.head().release, self._origin)
        return CalendarFeed(wanted.narrowed_by()).render(festival)

    def schedule(self, query: Mapping[str, str] | None, route: str) -> Any:
        """The festival in the frab / c3voc schedule format, as JSON or XML."""
        from chalicelib.exports.c3voc import C3vocJson, C3vocXml
        from chalicelib.exports.festival import festival_of

        Params(query, route)
        release = self.head().release
        current = self._services.releases.release(release) if release else None
        note = current.note if current else ""
        festival = festival_of(self._exported_sets(), self._settings, release, self._origin, note)
        if not route.endswith(".xml"):
            return C3vocJson().render(festival)
        if not festival.days:  # the format needs at least one day
            raise NotFound("no performances yet: upload a timetable first")
        return C3vocXml().render(festival)

    def preview(self, body: bytes, query: Mapping[str, str] | None, now: datetime) -> dict[str, Any] | None:
        """What this CSV would change if it were uploaded now (nothing is stored); None while
        an upload's writes are landing, when what is live cannot be compared with. What it
        reads is bounded whatever the body names (`storage.committed.PreviewFestival`)."""
        import io

        from chalicelib.ingest.plan import Planner, Version
        from chalicelib.ingest.preview import answered_preview, refused_preview
        from chalicelib.storage.committed import PreviewFestival
        from chalicelib.storage.plans import Header, PlanFile, PlanTooLarge
        from chalicelib.storage.releases import release_id

        params = Params(query, "/previews")
        source = UPLOAD_PREFIX + (params.file() or "preview.csv")
        head = self.head()
        if head.pending:
            return None
        computed_at = release_id(now)
        version = Version(source, "", {}, f"preview of a file uploaded as {source}", "request body")
        day_change = self._settings.day_change_minutes
        festival = PreviewFestival(self._indexes, self._services.sources, self._performances)
        writes = PlanFile(Header("preview", source, "request body"), day_change)
        planner = Planner(
            version,
            self._services.sources.record(source),
            festival,
            writes,
            now=computed_at,
            zone=self._zone,
            day_change=day_change,
        )
        try:
            plan = planner.ingest(io.BytesIO(body))
            return answered_preview(
                plan,
                against_release=head.release,
                computed_at=computed_at,
                max_bytes=PREVIEW_BYTES,
                not_compared=festival.not_compared,
            )
        except PlanTooLarge as error:  # as the ingest would fail it, the file fails
            return refused_preview(planner, str(error), against_release=head.release, computed_at=computed_at)
        finally:
            writes.close()

    def _exported_sets(self) -> list[Set]:
        """Every set of the festival: one Query per festival day (and per MB)."""
        return [
            from_item(item)
            for day in self._indexes.all_days()
            for item in self._performances.day_from(clock.iso_date(day), FIRST_MOMENT)
        ]

    def _json(self, item: Item | None) -> dict[str, Any] | None:
        return None if item is None else performance_json(from_item(item), self._base, self._zone)

    def _index_page(self, index: str, value: str, params: Params, names: tuple[str, ...]) -> dict[str, Any]:
        cursor = Cursor([index, value], names, {names[0]: value})
        start_key = cursor.decode(params.get("cursor"))
        page = self._read(
            lambda: self._performances.index_page(index, value, limit=params.limit(), start_key=start_key), params
        )
        return _page([performance_json(from_item(item), self._base, self._zone) for item in page.items], cursor, page)

    def _window(self, params: Params) -> tuple[int, int, int | None]:
        """The range of start times to read, and the moment from which sets that began
        earlier but are still playing belong in the answer too."""
        day = params.day()
        if day is not None:
            if params.get("from") is not None or params.get("to") is not None:
                raise InvalidParameter("day", "give either day or from/to, not both")
            day_start, day_end = clock.day_bounds(day, self._settings.day_change_minutes)
            return day_start, min(day_end - 1, LAST_MOMENT), None
        begin, until = params.moment("from"), params.moment("to")
        if begin is not None and until is not None and until <= begin:
            return begin, begin - 1, None  # [from, to) is empty: no set overlaps it
        first = FIRST_MOMENT if begin is None else begin
        last = LAST_MOMENT if until is None else max(until - 1, FIRST_MOMENT)
        return first, last, begin

    def _read(self, query: Callable[[], Page], params: Params) -> Page:
        """Run a query; DynamoDB refusing the start key of a (tampered) cursor is the
        caller's error, not ours."""
        try:
            return query()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "ValidationException" and params.get("cursor") is not None:
                raise InvalidParameter("cursor", "not a cursor from the previous page of this same request") from error
            raise
