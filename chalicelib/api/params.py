"""Query parameters: one declaration per parameter and per route, from which both the
checks (`Params`) and the OpenAPI description (`api.openapi`) are made."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from chalice.app import BadRequestError

from chalicelib.storage.performances import SET_ID
from chalicelib.storage.releases import RELEASE_ID, release_id
from chalicelib.timetable import clock

DEFAULT_LIMIT = 50
# A calendar of picked sets: 400 ids of 17 bytes (with their comma, even as %2C) keep the
# whole URL under CloudFront's 8,192 bytes, with room for the host and path.
MAX_IDS = 400
MAX_IDS_LENGTH = 8192
# No stage or artist is longer (DynamoDB's key limit): a longer name can match nothing.
MAX_NAME_BYTES = 2048
MAX_LIMIT = 500
FIRST_MOMENT = 1 * clock.MINUTES_PER_DAY  # 0001-01-01T00:00
LAST_MOMENT = clock.parse_date_strict("9999-12-31") * clock.MINUTES_PER_DAY + clock.MINUTES_PER_DAY - 1
_MOMENT_FORM = "YYYY-MM-DDTHH:MM or YYYY-MM-DD"
_DAY_PATTERN = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME_PATTERN = r"([01]\d|2[0-3]):[0-5]\d"
MOMENT_PATTERN = f"^{_DAY_PATTERN}T{_TIME_PATTERN}$"
DATE_PATTERN = f"^{_DAY_PATTERN}$"
RELEASE_PATTERN = RELEASE_ID.pattern
_MOMENT_OR_DATE = {"type": "string", "pattern": f"^{_DAY_PATTERN}(T{_TIME_PATTERN})?$"}


@dataclass(frozen=True)
class Parameter:
    """A query parameter as the OpenAPI description shows it."""

    name: str
    description: str
    schema: dict[str, Any]


LIMIT = Parameter(
    "limit",
    f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
)
CURSOR = Parameter(
    "cursor", "The `next` value of the previous page.", {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}
)
DAY = Parameter("day", "A festival day, YYYY-MM-DD.", {"type": "string", "pattern": DATE_PATTERN})
FROM = Parameter("from", f"Start of the window ({_MOMENT_FORM}).", _MOMENT_OR_DATE)
TO = Parameter("to", "End of the window, exclusive.", _MOMENT_OR_DATE)
AT = Parameter("at", "The moment (default: now in the festival's time zone).", _MOMENT_OR_DATE)
SINCE = Parameter(
    "since",
    "Only releases made after this one: a release id, or a moment (YYYY-MM-DDTHH:MM, festival time).",
    {"type": "string", "pattern": f"^({RELEASE_PATTERN}|{_DAY_PATTERN}T{_TIME_PATTERN})$"},
)

_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_NAME_BYTES}
STAGE = Parameter("stage", f"Only this stage's sets (at most {MAX_NAME_BYTES} bytes in UTF-8).", _NAME)
ARTIST = Parameter("artist", f"Only this artist's sets (at most {MAX_NAME_BYTES} bytes in UTF-8).", _NAME)
IDS = Parameter(
    "ids",
    f"Only these sets: performance ids, comma-separated (at most {MAX_IDS}, repeats counted); "
    "a personal calendar with no account.",
    {"type": "string", "pattern": "^[a-z2-7]{16}(,[a-z2-7]{16})*$", "maxLength": 17 * MAX_IDS - 1},
)

# What each route takes, by route path.
ROUTE_PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "/stages": (LIMIT, CURSOR),
    "/days": (LIMIT, CURSOR),
    "/stages/{stage}/performances": (FROM, TO, DAY, LIMIT, CURSOR),
    "/stages/{stage}/performances/{start}": (),
    "/performances": (AT, DAY, LIMIT, CURSOR),
    "/performances/{performance_id}": (),
    "/changes": (SINCE, LIMIT, CURSOR),
    "/calendar.ics": (STAGE, ARTIST, IDS),
    "/schedule.json": (),
    "/schedule.xml": (),
    "/artists/{artist}/performances": (LIMIT, CURSOR),
    "/openapi.json": (),
}


class InvalidParameter(BadRequestError):
    """A request parameter is missing its expected form; the message names both."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")


class Params:
    """A request's query parameters, checked against what the route accepts."""

    def __init__(self, given: Mapping[str, str] | None, route: str) -> None:
        self._given = dict(given or {})
        allowed = [parameter.name for parameter in ROUTE_PARAMETERS[route]]
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

    def since(self, zone: ZoneInfo) -> str | None:
        """`since` as the release id to list releases after: a release id as given, or a
        festival-local moment as the id a release made at that moment would have."""
        text = self._given.get("since")
        if text is None or RELEASE_ID.fullmatch(text):
            return text
        moment = clock.parse_moment(text)
        if moment is None:
            raise InvalidParameter(
                "since", f"expected a release id (as in /changes) or YYYY-MM-DDTHH:MM, got {_shown(text)}"
            )
        return release_id(clock.local_datetime(moment, zone))

    def name(self, name: str) -> str | None:
        """A stage or artist name, trimmed and NFC-normalised as the ingest stores names;
        never empty, never longer than a name can be."""
        text = self._given.get(name)
        if text is None:
            return None
        text = unicodedata.normalize("NFC", text.strip())
        if not text:
            raise InvalidParameter(name, "expected a name, got an empty value")
        if len(text.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
            raise InvalidParameter(name, f"no stage or artist name is longer than {MAX_NAME_BYTES} bytes")
        return text

    def ids(self) -> list[str] | None:
        """`ids` as sorted, distinct performance ids, or None when not given. Repeats count
        toward the cap: the cap is on what the request holds."""
        text = self._given.get("ids")
        if text is None:
            return None
        parts = text.split(",")
        if len(parts) > MAX_IDS or len(text) > MAX_IDS_LENGTH:
            raise InvalidParameter("ids", f"give at most {MAX_IDS} performance ids, repeats counted")
        ids = sorted({part.strip() for part in parts if part.strip()})
        bad = [part for part in ids if not SET_ID.fullmatch(part)]
        if bad or not ids:
            problem = f"{_shown(bad[0])} is not a performance id" if bad else f"give 1 to {MAX_IDS} ids"
            raise InvalidParameter("ids", f"expected performance ids separated by commas; {problem}")
        return ids

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


def shown(text: str) -> str:
    """A value quoted for an error message, cut to 40 characters."""
    return json.dumps(text if len(text) <= 40 else text[:39] + "…", ensure_ascii=False)
