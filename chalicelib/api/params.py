"""Query parameters: one declaration per parameter and per route, from which both the
checks (`Params`) and the OpenAPI description (`api.openapi`) are made."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from chalice.app import BadRequestError

from chalicelib.sets.model import SET_ID
from chalicelib.timetable import clock

DEFAULT_LIMIT = 50
# A calendar of picked sets: 400 ids of 17 bytes (with their comma, even as %2C) keep the
# whole URL under CloudFront's 8,192 bytes, with room for the host and path.
MAX_IDS = 400
MAX_IDS_LENGTH = 8192
# No stage or artist is longer in UTF-8 (DynamoDB's key limit); a query's name may have as
# many characters, so that the answer never echoes more.
MAX_NAME_BYTES = 2048
MAX_LIMIT = 500
FIRST_MOMENT = 1 * clock.MINUTES_PER_DAY  # 0001-01-01T00:00
LAST_MOMENT = clock.parse_date_strict("9999-12-31") * clock.MINUTES_PER_DAY + clock.MINUTES_PER_DAY - 1
_MOMENT_FORM = "YYYY-MM-DDTHH:MM or YYYY-MM-DD"

# The patterns say exactly what the checks accept, so that a client (or schemathesis)
# that follows the description is never refused: calendar dates of the years 1000 to
# 9999 (the API's range: its day arithmetic and the UTC release ids stay in Python's
# dates at both ends), February 29 in leap years only, ASCII digits only.
_YEAR = "[1-9][0-9]{3}"
_LEAP_YEAR = "([1-9][0-9](0[48]|[2468][048]|[13579][26])|([13579][26]|[2468][048])00)"
_MONTH_DAY = "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
_DAY_PATTERN = f"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME_PATTERN = "([01][0-9]|2[0-3]):[0-5][0-9]"
MOMENT_PATTERN = f"^{_DAY_PATTERN}T{_TIME_PATTERN}$"
DATE_PATTERN = f"^{_DAY_PATTERN}$"
RELEASE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z"
_MOMENT_OR_DATE = {"type": "string", "pattern": f"^{_DAY_PATTERN}(T{_TIME_PATTERN})?$"}
# A cursor is URL-safe base64 of a JSON object (`{"` is `eyJ`); which ones lead to a page
# only the server knows: a well-formed cursor no page gave is a 404, not a 400.
CURSOR_PATTERN = "^eyJ[A-Za-z0-9_-]+$"
# A name holds something besides whitespace, as Python's str.isspace() sees it (JSON
# Schema's \s is another set: the characters are spelt out so both read the same).
NAME_PATTERN = "[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# `since` as a release id, for moments before or after all that UTC datetimes can hold.
_EARLIEST_RELEASE, _LATEST_RELEASE = "1000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"


@dataclass(frozen=True)
class Parameter:
    """A query parameter as the OpenAPI description shows it."""

    name: str
    description: str
    schema: dict[str, Any]
    required: bool = False


LIMIT = Parameter(
    "limit",
    f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
)
CURSOR = Parameter(
    "cursor",
    "The `next` value of the previous page. A cursor is valid only with the request whose answer gave it: "
    "another is not found (404).",
    {"type": "string", "pattern": CURSOR_PATTERN},
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

_NAME_SCHEMA = {"type": "string", "pattern": NAME_PATTERN, "maxLength": MAX_NAME_BYTES}
STAGE = Parameter("stage", f"Only this stage's sets (at most {MAX_NAME_BYTES} characters).", _NAME_SCHEMA)
ARTIST = Parameter("artist", f"Only this artist's sets (at most {MAX_NAME_BYTES} characters).", _NAME_SCHEMA)
IDS = Parameter(
    "ids",
    f"Only these sets: performance ids, comma-separated (at most {MAX_IDS}, repeats counted); "
    "a personal calendar with no account.",
    {"type": "string", "pattern": "^[a-z2-7]{16}(,[a-z2-7]{16})*$", "maxLength": 17 * MAX_IDS - 1},
)

DAYS_LIMIT = Parameter(
    "limit",
    f"Days per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); a page holds as many as fit in 64 KB "
    "read (at least one), since each lists its stages.",
    LIMIT.schema,
)
NOW_LIMIT = Parameter(
    "limit",
    f"Stages per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}); a page holds at most 50 stages, "
    "so that it costs three reads whatever the festival holds.",
    LIMIT.schema,
)

FILE = Parameter(
    "file",
    "The name the file would be uploaded as, under uploads/ (`day 1.csv`, `sample/sunday.csv`): the preview is "
    "compared with that file's live version, and new sets get the ids a publish would give them. Without it, "
    "a new file.",
    {"type": "string", "pattern": r"^[^\x00-\x1f\x7f]{1,200}\.[Cc][Ss][Vv]$"},
)

DRY_RUN = Parameter(
    "dry_run",
    "1: answer the preview of the edit (the exact changelog each file's release would make) and write nothing.",
    {"type": "string", "enum": ["0", "1"]},
)

# A fix of one cell, as a preview's `fixes` names it (`POST /fixes`); a cell holds at most
# 1,000 characters (`timetable.rows.MAX_VALUE_CHARS`), and a CSV of 2 MB fewer lines than this.
MAX_LINE = 9_999_999
MAX_CELL_CHARS = 1000
FIX_LINE = Parameter(
    "line", "The line the row starts on.", {"type": "integer", "minimum": 1, "maximum": MAX_LINE}, required=True
)
FIX_COLUMN = Parameter(
    "column", "The column, by its name in the contract.", {"enum": ["end", "date", "stage"]}, required=True
)
FIX_VALUE = Parameter(
    "value",
    "What the cell holds now (trimmed), as the preview said: the fix is refused (409) if the file holds another.",
    {"type": "string", "maxLength": MAX_CELL_CHARS},
    required=True,
)
FIX_SUGGESTED = Parameter(
    "suggested",
    "What to write instead, as the preview suggested (on one line).",
    {"type": "string", "maxLength": MAX_CELL_CHARS, "pattern": "^[^\\r\\n]*$"},
    required=True,
)

# What each route takes, by route path (a method first where two share a path).
ROUTE_PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "/stages": (LIMIT, CURSOR),
    "/days": (DAYS_LIMIT, CURSOR),
    "/stages/{stage}/performances": (FROM, TO, DAY, LIMIT, CURSOR),
    "/stages/{stage}/performances/{start}": (),
    "/performances": (AT, DAY, NOW_LIMIT, CURSOR),
    "/performances/{performance_id}": (),
    "/changes": (SINCE, LIMIT, CURSOR),
    "/changes/{release}": (CURSOR,),
    "/previews": (FILE,),
    "/fixes": (FIX_LINE, FIX_COLUMN, FIX_VALUE, FIX_SUGGESTED),
    "/calendar.ics": (STAGE, ARTIST, IDS),
    "/schedule.json": (),
    "/schedule.xml": (),
    "/artists/{artist}/performances": (LIMIT, CURSOR),
    "/openapi.json": (),
    "/public/current.json": (),
    "/public/releases/{release}/{name}": (),
    "/public/releases/{release}/days/{name}": (),
    "/releases": (LIMIT, CURSOR),
    "PATCH /performances/{performance_id}": (DRY_RUN,),
    "/stages/{stage}/delays": (DRY_RUN,),
}
# Pairs of parameters a route takes at most one of (the first is named in the refusal).
# OpenAPI cannot relate separate parameters, so such a route's query is described as one
# form-exploded object that says so (see api.openapi).
EXCLUSIVE: dict[str, tuple[tuple[str, str], ...]] = {
    "/stages/{stage}/performances": (("day", "from"), ("day", "to")),
    "/performances": (("at", "day"),),
}

# Python's `$` also matches before a final newline and its `\d` any script's digits:
# the checks use fullmatch and ASCII classes, so that they read as the ECMA-262 patterns do.
_PATTERNS: dict[str, str] = {
    "moment": MOMENT_PATTERN,
    "date": DATE_PATTERN,
    "moment_or_date": _MOMENT_OR_DATE["pattern"],
    "release": RELEASE_PATTERN,
    "cursor": CURSOR_PATTERN,
    "file": FILE.schema["pattern"],
    "name": NAME_PATTERN,
}


@cache
def _pattern(name: str) -> re.Pattern[str]:
    """Compiled when first asked for: a cold start pays only for the ones its request needs."""
    return re.compile(_PATTERNS[name].removeprefix("^").removesuffix("$"))


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
        for first, second in EXCLUSIVE.get(route, ()):
            if first in self._given and second in self._given:
                raise InvalidParameter(first, f"give either {first} or {second}, not both")
        # Only the form: whether a page gave this cursor is the listing's to say (`Cursor.decode`).
        cursor = self._given.get("cursor")
        if cursor is not None and not _pattern("cursor").fullmatch(cursor):
            raise InvalidParameter("cursor", f"expected the `next` value of a previous page, got {_shown(cursor)}")

    def file(self) -> str | None:
        """`file`: a name under uploads/ that ends in .csv."""
        text = self._given.get("file")
        if text is not None and not _pattern("file").fullmatch(text):
            raise InvalidParameter("file", f"expected a file name that ends in .csv, got {_shown(text)}")
        return text

    def get(self, name: str) -> str | None:
        return self._given.get(name)

    def dry_run(self) -> bool:
        """`dry_run`: 1 to preview an edit, 0 (or none) to make it."""
        text = self._given.get("dry_run", "0")
        if text not in ("0", "1"):
            raise InvalidParameter("dry_run", f"expected 1 (preview only) or 0, got {_shown(text)}")
        return text == "1"

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
        if not _pattern("moment_or_date").fullmatch(text):
            raise InvalidParameter(name, f"expected {_MOMENT_FORM} (years 1000 to 9999), got {_shown(text)}")
        moment = clock.parse_moment(text)
        return clock.parse_date_strict(text) * clock.MINUTES_PER_DAY if moment is None else moment

    def since(self, zone: ZoneInfo) -> str | None:
        """`since` as the release id to list releases after: a release id as given, or a
        festival-local moment as the id a release made at that moment would have."""
        text = self._given.get("since")
        if text is None or _pattern("release").fullmatch(text):
            return text
        moment = clock.parse_moment(text) if _pattern("moment").fullmatch(text) else None
        if moment is None:
            raise InvalidParameter(
                "since",
                f"expected a release id (as in /changes) or YYYY-MM-DDTHH:MM (years 1000 to 9999), got {_shown(text)}",
            )
        from chalicelib.storage.releases import release_id

        try:
            return release_id(clock.local_datetime(moment, zone))
        except OverflowError:  # in UTC, a moment of 9999-12-31 can be in the year 10000: after every release
            return _LATEST_RELEASE if moment > LAST_MOMENT // 2 else _EARLIEST_RELEASE

    def name(self, name: str) -> str | None:
        """A stage or artist name, trimmed and NFC-normalised as the ingest stores names;
        never empty, never longer than a name can be."""
        text = self._given.get(name)
        if text is None:
            return None
        if not _pattern("name").search(text):
            raise InvalidParameter(name, "expected a name, got an empty value (or only spaces)")
        if len(text) > MAX_NAME_BYTES:
            raise InvalidParameter(name, f"no stage or artist name is longer than {MAX_NAME_BYTES} characters")
        # A name longer in UTF-8 than DynamoDB keeps (2,048 bytes) is no stage's: it matches nothing.
        return unicodedata.normalize("NFC", text.strip())

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
        if not _pattern("date").fullmatch(text):
            raise InvalidParameter(
                name, f"expected a festival day as YYYY-MM-DD (years 1000 to 9999), got {_shown(text)}"
            )
        return clock.parse_date_strict(text)


def _shown(text: str) -> str:
    return json.dumps(text if len(text) <= 40 else text[:39] + "…", ensure_ascii=False)


def shown(text: str) -> str:
    """A value quoted for an error message, cut to 40 characters."""
    return json.dumps(text if len(text) <= 40 else text[:39] + "…", ensure_ascii=False)
