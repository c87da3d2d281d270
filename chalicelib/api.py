"""The query API's rules: parameters, cursors, and the JSON shape of a performance.

Every list is one DynamoDB Query per page (a stage's times are one key range; days,
artists and the stage list have their own index), so a request's cost is bounded
whatever the table holds. Nothing here ever Scans.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError
from chalice.app import BadRequestError, NotFoundError

from chalicelib import clock
from chalicelib.services import Services
from chalicelib.state import decode_day
from chalicelib.store import BY_ARTIST, BY_DAY, Item, Key, Page

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
FIRST_MOMENT = 1 * clock.MINUTES_PER_DAY  # 0001-01-01T00:00
LAST_MOMENT = clock.parse_date_strict("9999-12-31") * clock.MINUTES_PER_DAY + clock.MINUTES_PER_DAY - 1
_MOMENT_FORM = "YYYY-MM-DDTHH:MM or YYYY-MM-DD"


class InvalidParameter(BadRequestError):
    """A request parameter is missing its expected form; the message names both."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")


class NotFound(NotFoundError):
    """No stage, artist or performance by that name."""


def path_value(raw: str) -> str:
    """A path parameter as the user spelt it. API Gateway and `chalice local` may pass
    it still URL-encoded; `unquote` (not `unquote_plus`) keeps a literal '+'."""
    return unicodedata.normalize("NFC", unquote(raw))


def api_base(context: Mapping[str, Any]) -> str:
    """The path prefix the API lives under (`/api` on API Gateway, '' locally)."""
    stage = context.get("stage")
    path = context.get("path") or ""
    return f"/{stage}" if stage and path.startswith(f"/{stage}/") else ""


def performance_json(item: Item, base: str) -> dict[str, Any]:
    """A stored performance as the API shows it."""
    stage, start = item["stage"]["S"], item["start"]["S"]
    shown: dict[str, Any] = {
        "stage": stage,
        "id": start,
        "date": item["date"]["S"],
        "start": start,
        "end": item["end"]["S"],
        "artist": item["artist"]["S"],
    }
    for optional in ("genre", "notes"):
        if optional in item:
            shown[optional] = item[optional]["S"]
    shown["day"] = item["day"]["S"]
    shown["url"] = f"{base}/stages/{quote(stage, safe='')}/performances/{start}"
    return shown


class Params:
    """A request's query parameters, checked against what the route accepts."""

    def __init__(self, given: Mapping[str, str] | None, allowed: tuple[str, ...]) -> None:
        self._given = dict(given or {})
        unknown = sorted(set(self._given) - set(allowed))
        if unknown:
            raise InvalidParameter(unknown[0], f"unknown parameter; this route takes {', '.join(allowed) or 'none'}")

    def get(self, name: str) -> str | None:
        return self._given.get(name)

    def limit(self) -> int:
        text = self._given.get("limit")
        if text is None:
            return DEFAULT_LIMIT
        # The length check comes first: int() refuses strings of over 4,300 digits.
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not 1 <= int(text) <= MAX_LIMIT:
            raise InvalidParameter("limit", f"expected a whole number from 1 to {MAX_LIMIT}, got {_shown(text)}")
        return int(text)

    def moment(self, name: str) -> int | None:
        """`YYYY-MM-DDTHH:MM`, or `YYYY-MM-DD` meaning 00:00 of that date."""
        text = self._given.get(name)
        if text is None:
            return None
        moment = clock.parse_moment(text)
        if moment is None and len(text) == 10:
            day = clock.day_number(text)
            moment = None if day is None else day * clock.MINUTES_PER_DAY
        if moment is None:
            raise InvalidParameter(name, f"expected {_MOMENT_FORM}, got {_shown(text)}")
        return moment

    def day(self, name: str = "day") -> int | None:
        text = self._given.get(name)
        if text is None:
            return None
        day = clock.day_number(text)
        if day is None:
            raise InvalidParameter(name, f"expected a festival day as YYYY-MM-DD, got {_shown(text)}")
        return day


def _shown(text: str) -> str:
    return json.dumps(text if len(text) <= 40 else text[:39] + "…", ensure_ascii=False)


class Cursor:
    """An opaque position in one listing: the page's last key, bound to the request
    that produced it. A cursor from another request, or edited, is refused."""

    def __init__(self, scope: list[Any], key_names: tuple[str, ...], fixed: Mapping[str, str]) -> None:
        self._scope = hashlib.sha256(json.dumps(scope, ensure_ascii=False).encode()).hexdigest()[:16]
        self._names = key_names
        self._fixed = fixed

    def encode(self, key: Key | None) -> str | None:
        if not key:
            return None
        plain = {name: key[name]["S"] for name in self._names}
        raw = json.dumps({"q": self._scope, "k": plain}, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, text: str | None, *, check: Callable[[dict[str, str]], bool] = lambda key: True) -> Key | None:
        if text is None:
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            key = raw["k"]
            valid = (
                raw["q"] == self._scope
                and isinstance(key, dict)
                and sorted(key) == sorted(self._names)
                and all(isinstance(value, str) and value for value in key.values())
                and all(key[name] == value for name, value in self._fixed.items())
                and check(key)
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            valid = False
        if not valid:
            raise InvalidParameter("cursor", "not a cursor from the previous page of this same request")
        return {name: {"S": value} for name, value in key.items()}


def _page(items: list[dict[str, Any]], cursor: Cursor, page: Page) -> dict[str, Any]:
    return {"items": items, "next": cursor.encode(page.last_key)}


class ScheduleApi:
    """What each route answers, given its decoded parameters."""

    def __init__(self, services: Services, base: str = "") -> None:
        self._performances = services.performances
        self._state = services.state
        self._settings = services.settings
        self._base = base

    def stages(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        params = Params(query, ("limit", "cursor"))
        cursor = Cursor(["stages"], ("pk", "sk"), {"pk": "stage"})
        page = self._state_page("stage", cursor, params)
        items = [  # a stage only claimed by a run that died midway has no count yet, and no sets to list
            {"stage": item["sk"]["S"], "performances": int(item["performances"]["N"])}
            for item in page.items
            if "performances" in item
        ]
        return _page(items, cursor, page)

    def days(self, query: Mapping[str, str] | None) -> dict[str, Any]:
        params = Params(query, ("limit", "cursor"))
        cursor = Cursor(["days"], ("pk", "sk"), {"pk": "day"})
        page = self._state_page("day", cursor, params)
        items = []
        for item in page.items:
            shares = decode_day(item)
            items.append(
                {
                    "day": item["sk"]["S"],
                    "stages": sorted(shares),
                    "first_start": min(share.first_start for share in shares.values()),
                    "last_end": max(share.last_end for share in shares.values()),
                    "performances": sum(share.performances for share in shares.values()),
                }
            )
        return {
            "timezone": self._settings.timezone,
            "day_change": self._settings.day_change,
            **_page(items, cursor, page),
        }

    def stage_performances(self, raw_stage: str, query: Mapping[str, str] | None) -> dict[str, Any]:
        stage = path_value(raw_stage)
        params = Params(query, ("from", "to", "day", "limit", "cursor"))
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
        page = self._read(
            lambda: self._performances.stage_range(stage, first, last, limit=limit, start_key=start_key), params
        )
        items = earlier + page.items
        if not items and not page.last_key and start_key is None and self._state.stage_count(stage) is None:
            raise NotFound(f"no stage named {_shown(stage)}")
        return _page([performance_json(item, self._base) for item in items], cursor, page)

    def performance(self, raw_stage: str, raw_id: str) -> dict[str, Any]:
        stage, performance_id = path_value(raw_stage), unquote(raw_id)
        start = clock.parse_moment(performance_id)
        if start is None:
            raise InvalidParameter("id", f"expected the set's start as YYYY-MM-DDTHH:MM, got {_shown(performance_id)}")
        item = self._performances.get(stage, start)
        if item is None:
            raise NotFound(f"no performance on {_shown(stage)} starting {performance_id}")
        return performance_json(item, self._base)

    def performances(self, query: Mapping[str, str] | None, now: datetime) -> dict[str, Any]:
        """`?day=`: a whole festival day across stages; otherwise what is on `at`
        (default: now in the festival's time zone) and what is next, per stage."""
        params = Params(query, ("at", "day", "limit", "cursor"))
        day = params.day()
        if day is not None:
            if params.get("at") is not None:
                raise InvalidParameter("at", "give either at or day, not both")
            return self._index_page(BY_DAY, clock.iso_date(day), params, ("day", "start", "stage", "slot"))
        at = params.moment("at")
        if at is None:
            at = clock.moment_of(now.astimezone(self._settings.zone))
        cursor = Cursor(["now", at], ("pk", "sk"), {"pk": "stage"})
        page = self._state_page("stage", cursor, params)
        items = [self._on_stage(item["sk"]["S"], at) for item in page.items]
        return {"at": clock.iso(at), "timezone": self._settings.timezone, **_page(items, cursor, page)}

    def artist_performances(self, raw_artist: str, query: Mapping[str, str] | None) -> dict[str, Any]:
        artist = path_value(raw_artist)
        params = Params(query, ("limit", "cursor"))
        answer = self._index_page(BY_ARTIST, artist, params, ("artist", "start", "stage", "slot"))
        if not answer["items"] and params.get("cursor") is None:
            raise NotFound(f"no performances by {_shown(artist)}")
        return answer

    def _on_stage(self, stage: str, at: int) -> dict[str, Any]:
        playing = self._performances.stage_range(
            stage, max(at - clock.MAX_SET_MINUTES, FIRST_MOMENT), at, ending_after=at, limit=None, descending=True
        )
        following = self._performances.stage_range(stage, min(at + 1, LAST_MOMENT), LAST_MOMENT, limit=1)
        return {
            "stage": stage,
            "now": performance_json(playing.items[0], self._base) if playing.items else None,
            "next": performance_json(following.items[0], self._base) if following.items else None,
        }

    def _index_page(self, index: str, value: str, params: Params, names: tuple[str, ...]) -> dict[str, Any]:
        cursor = Cursor([index, value], names, {names[0]: value})
        start_key = cursor.decode(params.get("cursor"))
        page = self._read(
            lambda: self._performances.index_page(index, value, limit=params.limit(), start_key=start_key), params
        )
        return _page([performance_json(item, self._base) for item in page.items], cursor, page)

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
            raise InvalidParameter("to", "must be later than from")
        first = FIRST_MOMENT if begin is None else begin
        last = LAST_MOMENT if until is None else max(until - 1, FIRST_MOMENT)
        return first, last, begin

    def _state_page(self, kind: str, cursor: Cursor, params: Params) -> Page:
        start_key = cursor.decode(params.get("cursor"))
        return self._read(lambda: self._state.page(kind, limit=params.limit(), start_key=start_key), params)

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
