"""The OpenAPI 3.1 description of the query API, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from chalicelib.api.params import DATE_PATTERN as _DATE
from chalicelib.api.params import EXCLUSIVE, NAME_PATTERN, RELEASE_PATTERN, ROUTE_PARAMETERS
from chalicelib.api.params import MOMENT_PATTERN as _MOMENT
from chalicelib.api.previews import MAX_PREVIEW_BYTES
from chalicelib.sets.model import SET_ID
from chalicelib.timetable import clock


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(route: str) -> list[dict[str, Any]]:
    """The query parameters a route takes, from the declarations its checks use. A route
    with parameters that exclude each other describes its query as one form-exploded
    object (each property is a parameter, as before on the wire), whose schema can say so."""
    declared = ROUTE_PARAMETERS[route]
    exclusive = EXCLUSIVE.get(route)
    if not exclusive:
        return [
            {"name": p.name, "in": "query", "required": p.required, "description": p.description, "schema": p.schema}
            for p in declared
        ]
    rules = "; ".join(f"give either `{first}` or `{second}`, not both" for first, second in exclusive)
    schema = {
        "type": "object",
        "properties": {p.name: {**p.schema, "description": p.description} for p in declared},
        "additionalProperties": False,
        "not": {"anyOf": [{"required": list(pair)} for pair in exclusive]},
    }
    description = f"Each property is a query parameter of its own ({', '.join(p.name for p in declared)}): {rules}."
    return [
        {
            "name": "query",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "description": description,
            "schema": schema,
        }
    ]


def _path(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "A parameter is malformed; the message names it and the expected form."),
    "404": _json(_ref("Error"), "No such stage, artist or performance."),
}


def _route(
    path: str, summary: str, parameters: list[dict[str, Any]], schema: dict[str, Any], *, errors: bool = True
) -> Any:
    """A GET route: its path parameters, then the query parameters declared for it."""
    responses = {"200": _json(schema, "OK"), **(_ERRORS if errors else {})}
    return {"get": {"summary": summary, "parameters": parameters + _query(path), "responses": responses}}


def _feed(path: str, summary: str, media_type: str) -> Any:
    """A GET route answering a document in another format than JSON."""
    ok = {"description": "OK", "content": {media_type: {"schema": {"type": "string"}}}}
    responses = {"200": ok, **_ERRORS, "304": {"description": "Not modified (If-None-Match)"}}
    return {"get": {"summary": summary, "parameters": _query(path), "responses": responses}}


_ICS = "text/calendar"
_DAY_FILE = r"^\d{4}-\d{2}-\d{2}\.json$"


def _public_file(path: str, summary: str, parameters: list[dict[str, Any]]) -> Any:
    """A public file as S3 holds it (gzip, with its Cache-Control): JSON, XML or iCalendar."""
    ok = {
        "description": "The file, as the bucket keeps it (Content-Encoding: gzip for a client that takes it)",
        "content": {
            "application/json": {"schema": {"type": "object"}},  # the pointer, a list, a day, schedule.json
            **{media: {"schema": {"type": "string"}} for media in ("application/xml", "text/calendar")},
        },
    }
    missing = _json(_ref("Error"), "No such file: not a name a release has, or not published (or expired).")
    responses = {"200": ok, "304": {"description": "Not modified (If-None-Match)"}, "404": missing}
    if parameters:
        responses["400"] = _ERRORS["400"]
    return {"get": {"summary": summary, "parameters": parameters + _query(path), "responses": responses}}


def _preview_route() -> Any:
    """POST /previews: a CSV in, what it would change out; nothing stored."""
    # Any bytes are a CSV to try (the answer says what is wrong with them): no type to violate.
    csv = {"description": f"The timetable file's bytes, at most {MAX_PREVIEW_BYTES:,} (2 MB)."}
    return {
        "post": {
            "summary": "What a timetable CSV would change if it were uploaded now (nothing is stored)",
            "description": "The same validation and changelog as a draft's report (drafts/), from the same plan "
            "the ingest applies; the changes that fit in 1 MB, with every count.",
            "parameters": _query("/previews"),
            "requestBody": {"required": True, "content": {"text/csv": {"schema": csv}}},
            "responses": {
                "200": _json(_ref("Preview"), "What the file would change"),
                "400": _json(_ref("Error"), "A malformed `file`."),
                "413": _json(_ref("Error"), "The body is over 2 MB; upload the file under drafts/ instead."),
                "415": {"description": "The body is not sent as text/csv."},
                "503": _json(_ref("Error"), "An upload is being applied; try again after Retry-After seconds."),
            },
        }
    }


def _fix_route() -> Any:
    """POST /fixes: a CSV and one of its preview's fixes in, the fixed CSV out; nothing stored."""
    csv = {"description": f"The timetable file's bytes, at most {MAX_PREVIEW_BYTES:,} (2 MB)."}
    return {
        "post": {
            "summary": "A timetable CSV with one fix from its preview written in (nothing is stored)",
            "description": "The cell the fix names is rewritten in the file's own form (its encoding, quoting and "
            "spacing); every other byte is kept. Send Accept: text/csv. Preview the answer again: it is the file "
            "as it would be uploaded.",
            "parameters": _query("/fixes"),
            "requestBody": {"required": True, "content": {"text/csv": {"schema": csv}}},
            "responses": {
                "200": {"description": "The fixed file", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "400": _json(_ref("Error"), "A malformed parameter."),
                "409": _json(_ref("Error"), "The cell no longer holds `value`: preview the file again."),
                "413": _json(_ref("Error"), "The body is over 2 MB."),
                "415": {"description": "The body is not sent as text/csv."},
                "422": _json(
                    _ref("Error"),
                    "The file cannot be read, the line holds no row, or the file's encoding cannot hold the value.",
                ),
            },
        }
    }


_UNAUTHORISED = {
    "401": {
        **_json(_ref("Error"), "No valid token (a wrong e-mail or password, for POST /sessions)."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="organisers"'}},
    },
    "403": _json(_ref("Error"), "The organiser's role may not do this (editors may not publish or roll back)."),
}
_ORGANISER_FILE = {"type": "string", "pattern": r"^[^\x00-\x1f\x7f]{1,200}\.[Cc][Ss][Vv]$"}
# What a note may hold (`ingest.notes.read_note`): no control character but tabs and line
# breaks, no C1 control, bidirectional control or noncharacter (lone surrogates no JSON encoder
# writes; regex engines other than Python's cannot name them).
_NOTE = {
    "type": "string",
    "maxLength": 500,
    "pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069"
    "\\ufdd0-\\ufdef\\ufffe\\uffff]*$",
    "description": "The release note: any language, at most 500 characters, no control characters but tabs and "
    "line breaks.",
}


def _organiser(method: str, summary: str, description: str, responses: dict[str, Any], **more: Any) -> Any:
    """An organiser route: a bearer token (POST /sessions gives it), no CORS."""
    return {
        method: {
            "summary": summary,
            "description": description,
            "security": [{"organiser": []}],
            "responses": {
                **responses,
                **_UNAUTHORISED,
                "415": {"description": "The body is not sent as the type the route takes."},
            },
            **more,
        }
    }


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _organiser_routes() -> dict[str, Any]:
    conflict = _json(_ref("Error"), "The release cannot be rolled back now; `later` names a later release of the file.")
    accepted = {
        "type": "object",
        "required": ["file", "upload_version", "report"],
        "properties": {
            "file": _STRING,
            "upload_version": {"type": "string", "description": "The version of uploads/{file} written."},
            "draft_version": _STRING,
            "release": _RELEASE,
            "restores_version": _STRING,
            "report": {"type": "string", "description": "Where the ingest's report on it will be."},
        },
    }
    sign_in = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string", "minLength": 1, "maxLength": 320},
            "password": {"type": "string", "minLength": 1, "maxLength": 256},
            "new_password": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "description": "A new account's first sign-in: the password to use from now on.",
            },
        },
    }
    return {
        "/sessions": {
            "post": {
                "summary": "Sign in: a token for the organiser routes",
                "description": "A wrong e-mail and a wrong password get the same 401. A new account's first sign-in "
                "answers 409 NewPasswordRequired: send the temporary password again with `new_password`.",
                "requestBody": _body(sign_in),
                "responses": {
                    "200": _json(_ref("Session"), "Signed in: send `token` as Authorization: Bearer."),
                    "400": _json(_ref("Error"), "A malformed body, or a new password the pool's policy refuses."),
                    "409": _json(_ref("Error"), "The account's first sign-in: a new password is required."),
                    "415": {"description": "The body is not sent as application/json."},
                    "429": _json(_ref("Error"), "Too many sign-ins; try again later."),
                    **_UNAUTHORISED,
                },
            }
        },
        "/drafts/{file}": _organiser(
            "put",
            "Keep a timetable CSV as a draft and preview it (editors and publishers)",
            "Kept as a new version of drafts/{file}, its author in its metadata; the answer is the preview "
            "POST /previews gives, with `draft_version` to publish.",
            {
                "200": _json(_ref("DraftPreview"), "The draft's preview and version"),
                "400": _json(_ref("Error"), "A malformed file name."),
                "413": _json(_ref("Error"), "The body is over 2 MB."),
                "503": _json(_ref("Error"), "An upload is being applied; try again after Retry-After seconds."),
            },
            parameters=[_path("file", "The file's name under uploads/, URL-encoded (`day%201.csv`).", _ORGANISER_FILE)],
            requestBody={
                "required": True,
                "content": {"text/csv": {"schema": {"description": f"At most {MAX_PREVIEW_BYTES:,} bytes."}}},
            },
        ),
        "/releases": {
            **_organiser(
                "get",
                "The history: every release, newest first, with its action, author and note",
                "An upload straight to the bucket has no author (`via: bucket`).",
                {
                    "200": _json(_ref("HistoryPage"), "OK"),
                    "400": _json(_ref("Error"), "A malformed parameter."),
                    "404": _json(_ref("Error"), "A cursor no page gave."),
                },
                parameters=_query("/releases"),
            ),
            **_organiser(
                "post",
                "Publish a draft's exact version, with a note (publishers)",
                "A server-side copy of drafts/{file} at `draft_version` to uploads/{file}, which the ingest applies.",
                {
                    "202": _json(accepted, "Written; the release follows within seconds."),
                    "400": _json(_ref("Error"), "A malformed body."),
                    "404": _json(_ref("Error"), "No draft of that file at that version."),
                },
                requestBody=_body(
                    {
                        "type": "object",
                        "required": ["file", "draft_version"],
                        "properties": {
                            "file": _ORGANISER_FILE,
                            "draft_version": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "note": _NOTE,
                        },
                    }
                ),
            ),
        },
        "/releases/{release}/rollback": _organiser(
            "post",
            "Roll back a file's latest release (publishers)",
            "The file's version before the release is copied back as its newest version: a new release, "
            "action `rollback`.",
            {
                "202": _json(accepted, "Written; the rollback's release follows within seconds."),
                "400": _json(_ref("Error"), "A malformed release id or body."),
                "404": _json(_ref("Error"), "No such release."),
                "409": conflict,
            },
            parameters=[_path("release", "A release id, as /releases gives it.", _RELEASE)],
            requestBody=_body({"type": "object", "properties": {"note": _NOTE}}, required=False),
        ),
    }


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {"items": {"type": "array", "items": item}, "next": _NEXT},
        "additionalProperties": False,
    }


_NEXT = {"type": ["string", "null"], "description": "Cursor for the next page; null on the last."}
_STRING = {"type": "string"}
_SET_ID = {"type": "string", "pattern": f"^{SET_ID.pattern}$"}
_RELEASE = {"type": "string", "pattern": f"^{RELEASE_PATTERN}$"}
_MOMENT_STRING = {"type": "string", "pattern": _MOMENT}
_FESTIVAL_DAY = {"type": "string", "pattern": _DATE, "description": "The festival day it plays on."}


def _change(*, days: bool) -> dict[str, Any]:
    """A change as a release lists it; a preview's also says the festival day of each place."""
    place = {"stage": _STRING, "start": _MOMENT_STRING, "end": _MOMENT_STRING}
    day = {"day": _FESTIVAL_DAY} if days else {}
    return {
        "type": "object",
        "required": ["change", "id", "artist", "stage", "start", "end", "status", *day],
        "properties": {
            "change": {"enum": ["new", "moved", "changed", "cancelled", "removed"]},
            "id": _SET_ID,
            "artist": _STRING,
            **place,
            "status": {"enum": ["scheduled", "cancelled"]},
            **day,
            "from": {
                "type": "object",
                "description": "Where a moved set was.",
                "required": ["stage", "start", "end", *day],
                "properties": {**place, **day},
                "additionalProperties": False,
            },
            "fields": {
                "type": "array",
                "items": {"enum": ["end", "artist", "genre", "notes", "status"]},
                "description": "What else changed.",
            },
        },
        "additionalProperties": False,
    }


_RFC3339 = {
    "type": "string",
    "format": "date-time",
    "description": "The same time as an RFC 3339 date-time with the festival's UTC offset.",
}

SCHEMAS: dict[str, Any] = {
    "Performance": {
        "type": "object",
        "required": ["stage", "id", "date", "start", "end", "artist", "day", "status", "starts_at", "ends_at", "url"],
        "properties": {
            "stage": _STRING,
            "id": {**_SET_ID, "description": "The set's stable id: it stays while the set moves (see README)."},
            "date": {"type": "string", "pattern": _DATE, "description": "Calendar date of the start."},
            "start": _MOMENT_STRING,
            "end": _MOMENT_STRING,
            "artist": _STRING,
            "genre": _STRING,
            "notes": _STRING,
            "day": {"type": "string", "pattern": _DATE, "description": "The festival day the set belongs to."},
            "status": {"enum": ["scheduled", "cancelled"], "description": "A cancelled set stays listed."},
            "starts_at": _RFC3339,
            "ends_at": _RFC3339,
            "url": {"type": "string", "description": "This performance's own path, by its id."},
        },
        "additionalProperties": False,
    },
    "ChangePage": _page_of(
        {
            "type": "object",
            "required": ["release", "at", "source", "counts", "total", "changes", "complete", "all_changes"],
            "properties": {
                "release": {**_RELEASE, "description": "The release id; pass it as `since` to get what came after."},
                "at": {**_RELEASE, "description": "When the release was committed (UTC)."},
                "source": {"type": "string", "description": "The uploaded file (object key) it came from."},
                "note": {"type": "string", "description": "The organiser's note on this release."},
                "counts": _ref("Counts"),
                "total": {"type": "integer", "minimum": 1, "description": "How many changes it made in all."},
                "changes": {"type": "array", "items": _ref("Change"), "description": "Its first changes."},
                "complete": {"type": "boolean", "description": "Whether `changes` lists them all."},
                "all_changes": {"type": "string", "description": "Where every change is listed, a page at a time."},
            },
            "additionalProperties": False,
        }
    ),
    "Counts": {
        "type": "object",
        "description": "How many sets each kind of change touched (unchanged sets too).",
        "required": ["new", "moved", "changed", "cancelled", "removed", "unchanged"],
        "properties": {
            kind: {"type": "integer", "minimum": 0}
            for kind in ("new", "moved", "changed", "cancelled", "removed", "unchanged")
        },
        "additionalProperties": False,
    },
    "Preview": {
        "type": "object",
        "required": ["status", "accepted", "rejected", "errors", "warnings", "changes", "changelog", "preview"],
        "properties": {
            "status": {"enum": ["ok", "partial", "failed"]},
            "accepted": {"type": "integer", "minimum": 0},
            "rejected": {"type": "integer", "minimum": 0},
            "reason": {**_STRING, "description": "Why the file fails as a whole (English)."},
            "reason_code": {**_STRING, "description": "The reason's stable code, for a page to translate it by."},
            "reason_values": {"type": "object", "description": "The named values of the reason."},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["line", "reason"],
                    "properties": {
                        "line": {"type": "integer"},
                        "reason": {**_STRING, "description": "Why, in English: its problems joined by '; '."},
                        "columns": {"type": "array", "items": _STRING},
                        "code": {**_STRING, "description": "The first problem's stable code."},
                        "problems": {"type": "array", "items": _ref("Problem")},
                    },
                },
                "description": "Rejected rows: the line each starts on, and why (each problem with its code).",
            },
            "warnings": {"type": "array", "items": _STRING},
            "warning_details": {
                "type": "array",
                "items": _ref("Problem"),
                "description": "The warnings, in the same order, each with its stable code where it has one.",
            },
            "fixes": {
                "type": "array",
                "items": _ref("Fix"),
                "description": "Likely fixes of what the file got wrong, one cell each, by line: an end time "
                "twelve hours off, an after-midnight set dated like its evening, a stage with stray spaces or one "
                "letter from a known stage. Absent when there is none.",
            },
            "changes": _ref("Counts"),
            "changelog": {"type": "array", "items": _ref("PreviewChange")},
            "changelog_truncated": {"type": "boolean"},
            "sets": {
                "type": "array",
                "description": "Every set of the file as it would be live, with the line it comes from.",
                "items": {
                    "type": "object",
                    "required": ["id", "stage", "artist", "start", "end", "day", "status"],
                    "properties": {"day": _FESTIVAL_DAY, "start": _MOMENT_STRING, "end": _MOMENT_STRING},
                },
            },
            "sets_truncated": {"type": "boolean"},
            "kept": {
                "type": "array",
                "description": "Live sets a rejected row keeps as they are (the first of them).",
                "items": {
                    "type": "object",
                    "required": ["id", "stage", "start", "day", "artist"],
                    "properties": {"id": _SET_ID, "start": _MOMENT_STRING, "day": _FESTIVAL_DAY},
                },
            },
            "preview": {
                "type": "object",
                "required": ["computed_at", "against_release", "publishes_as", "would_release", "compared_in_full"],
                "description": "What it was compared with: the live schedule as of `against_release`.",
                "properties": {
                    "compared_in_full": {
                        "type": "boolean",
                        "description": "False when the file names more festival days than a preview compares "
                        "(31): then `not_compared` lists the days left out, and a warning says so.",
                    },
                    "not_compared": {"type": "array", "items": _FESTIVAL_DAY},
                },
            },
        },
    },
    "Fix": {
        "type": "object",
        "description": "Write `suggested` in the cell at `line` and `column` instead of `value`, because `reason`; "
        "the preview of the file so changed no longer has the problem.",
        "required": ["line", "column", "value", "suggested", "reason", "rejected"],
        "properties": {
            "line": {"type": "integer", "minimum": 1, "description": "The line the row starts on."},
            "column": {"enum": ["end", "date", "stage"], "description": "The column, by its name in the contract."},
            "value": {"type": "string", "description": "What the cell holds (trimmed)."},
            "suggested": {"type": "string", "description": "What to write instead, in the cell's own form."},
            "reason": _STRING,
            "rejected": {
                "type": "boolean",
                "description": "Whether the row is rejected (the fix answers its error) or accepted (a warning).",
            },
        },
        "additionalProperties": False,
    },
    "ReleaseChanges": {
        "type": "object",
        "required": ["release", "source", "counts", "total", "items", "next"],
        "properties": {
            "release": _RELEASE,
            "source": {"type": "string"},
            "note": {"type": "string"},
            "counts": _ref("Counts"),
            "total": {"type": "integer", "minimum": 1},
            "items": {"type": "array", "items": _ref("Change")},
            "next": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
        },
        "additionalProperties": False,
    },
    "Change": _change(days=False),
    "PreviewChange": _change(days=True),
    "PerformancePage": _page_of(_ref("Performance")),
    "StagePage": _page_of(
        {
            "type": "object",
            "required": ["stage", "performances"],
            "properties": {"stage": _STRING, "performances": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        }
    ),
    "DayPage": {
        "type": "object",
        "required": ["timezone", "day_change", "items", "next"],
        "properties": {
            "timezone": {"type": "string", "description": "The festival's IANA time zone."},
            "day_change": {
                "type": "string",
                "description": "Sets starting before this time belong to the night before.",
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["day", "stages", "first_start", "last_end", "performances"],
                    "properties": {
                        "day": {"type": "string", "pattern": _DATE},
                        "stages": {"type": "array", "items": _STRING},
                        "first_start": _MOMENT_STRING,
                        "last_end": _MOMENT_STRING,
                        "performances": {"type": "integer", "minimum": 1},
                    },
                    "additionalProperties": False,
                },
            },
            "next": _NEXT,
        },
        "additionalProperties": False,
    },
    "NowPlaying": {
        "type": "object",
        "required": ["at", "timezone", "items", "next"],
        "properties": {
            "at": _MOMENT_STRING,
            "timezone": _STRING,
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["stage", "now", "next"],
                    "properties": {
                        "stage": _STRING,
                        "now": {"oneOf": [_ref("Performance"), {"type": "null"}]},
                        "next": {"oneOf": [_ref("Performance"), {"type": "null"}]},
                    },
                    "additionalProperties": False,
                },
            },
            "next": _NEXT,
        },
        "additionalProperties": False,
    },
    "Session": {
        "type": "object",
        "required": ["token", "expires_in", "role", "email"],
        "properties": {
            "token": _STRING,
            "expires_in": {"type": "integer", "description": "Seconds the token is valid for."},
            "role": {"enum": ["publisher", "editor"]},
            "email": _STRING,
        },
        "additionalProperties": False,
    },
    "DraftPreview": {
        "allOf": [
            _ref("Preview"),
            {"type": "object", "required": ["draft_version"], "properties": {"draft_version": _STRING}},
        ]
    },
    "HistoryPage": _page_of(
        {
            "type": "object",
            "required": ["release", "at", "file", "action", "author", "via", "counts", "total"],
            "properties": {
                "release": _RELEASE,
                "at": _RELEASE,
                "file": {"type": "string", "description": "The file, under uploads/."},
                "action": {"enum": ["upload", "publish", "rollback", "edit", "removal"]},
                "author": {"type": ["string", "null"], "description": "The organiser's e-mail; null for the bucket."},
                "via": {"enum": ["api", "bucket"], "description": "Through the organiser API, or straight to S3."},
                "note": _STRING,
                "rollback_of": _RELEASE,
                "counts": _ref("Counts"),
                "total": {"type": "integer", "minimum": 1},
            },
            "additionalProperties": False,
        }
    ),
    "EditPreview": {
        "allOf": [
            _ref("Preview"),
            {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "description": "The file this preview is of (under uploads/)."}
                },
            },
        ]
    },
    "Problem": {
        "type": "object",
        "required": ["message"],
        "description": "A message with its stable code: a page translates it by `code` with `values`, and shows "
        "`message` (English) for a code it does not know.",
        "properties": {
            "code": _STRING,
            "message": _STRING,
            "values": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
        },
    },
    "Error": {
        "type": "object",
        "required": ["Code", "Message", "code"],
        "properties": {
            "Code": _STRING,
            "Message": _STRING,
            "code": {
                "type": "string",
                "description": "A stable code for the message (unknown-parameter, wrong-password, not-found, ...): a "
                "page translates the message by it, with `values`, and shows `Message` for a code it does not know.",
            },
            "values": {
                "type": "object",
                "additionalProperties": _STRING,
                "description": "The named values the message is made of (a parameter's name, a count, ...).",
            },
        },
    },
}


# A time as a timetable writes it: 00:00 to 23:59, and 24:00 to 29:59 for the small hours.
_TIME_OF_SET = {"type": "string", "pattern": "^([01][0-9]|2[0-9]):[0-5][0-9]$"}
# Less than a day either way, as `edits.model.MAX_DELAY_MINUTES` (not imported here: the
# description is read without loading the edits).
_MAX_DELAY = clock.MINUTES_PER_DAY - 1
_DELAY = {
    "type": "integer",
    "minimum": -_MAX_DELAY,
    "maximum": _MAX_DELAY,
    "not": {"const": 0},
    "description": "Minutes later (earlier when negative); a set stays in its festival day.",
}
_CHANGES = ("start", "end", "stage", "status", "delay")


def _edit_routes() -> tuple[dict[str, Any], dict[str, Any]]:
    """PATCH /performances/{performance_id} (beside its GET) and POST /stages/{stage}/delays."""
    edit = {
        "type": "object",
        "properties": {
            "start": {**_TIME_OF_SET, "description": "The new start, within the set's festival day."},
            "end": {**_TIME_OF_SET, "description": "The new end (the next time it names after the start)."},
            "stage": {
                "type": "string",
                "pattern": f"^[^\\r\\n]*{NAME_PATTERN}[^\\r\\n]*$",
                "description": "Another stage (a name on one line).",
            },
            "status": {"enum": ["cancelled", ""], "description": "`cancelled`, or empty to restore the set."},
            "delay": _DELAY,
            "note": _NOTE,
        },
        "additionalProperties": False,
        "anyOf": [{"required": [name]} for name in _CHANGES],
        "not": {"required": ["delay"], "anyOf": [{"required": ["start"]}, {"required": ["end"]}]},
        "description": "Any of start, end, stage and status, or a delay (start and end move together); a note.",
    }
    delay = {
        "type": "object",
        "required": ["from", "minutes"],
        "properties": {
            "from": {
                **_MOMENT_STRING,
                "description": "Every set on the stage starting at or after this moment, to "
                "the end of its festival day.",
            },
            "minutes": _DELAY,
            "note": _NOTE,
        },
        "additionalProperties": False,
    }
    written = {
        "type": "object",
        "required": ["files", "previews"],
        "properties": {
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["file", "version"],
                    "properties": {
                        "file": {"type": "string", "description": "The object key, under uploads/."},
                        "version": {"type": "string", "description": "Its new version (its ETag when unversioned)."},
                    },
                    "additionalProperties": False,
                },
            },
            "previews": {"type": "array", "items": _ref("EditPreview")},
        },
        "additionalProperties": False,
    }
    previewed = {
        "type": "object",
        "required": ["previews"],
        "properties": {"previews": {"type": "array", "items": _ref("EditPreview")}},
        "additionalProperties": False,
    }
    refused = {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "properties": {
                    "file": _STRING,
                    "line": {"type": "integer", "minimum": 1},
                    "columns": {"type": "array", "items": _STRING},
                },
            },
        ]
    }
    stale = {
        "description": "The set changed since it was read (or its file did): the set as it is now, and its ETag to "
        "edit it from; or, while the file's newer version is being released, Retry-After instead of an ETag.",
        "headers": {"ETag": {"schema": _STRING}, "Retry-After": {"schema": _STRING}},
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [_ref("Error"), {"type": "object", "properties": {"performance": _ref("Performance")}}]
                }
            }
        },
    }
    answers = {
        "200": _json(previewed, "`?dry_run=1`: what the edit would change, each file's preview; nothing written."),
        "202": _json(written, "Written as each file's next version; its release follows within seconds."),
        "400": _json(_ref("Error"), "A malformed body or parameter; the message says what is wrong."),
        "422": _json(
            refused,
            "The rules refuse the edit (an overlap, past the day change, over 12 hours, a value the "
            "file's encoding cannot hold, another file's slot): why, and where in the file.",
        ),
        "503": _json(_ref("Error"), "An upload is being applied; try again after Retry-After seconds."),
    }
    patch = _organiser(
        "patch",
        "Delay, cancel, restore or move a live set (publishers)",
        "The set's row is rewritten in its own CSV file (every other byte kept) and written back as the file's next "
        "version, only while the file is still the version read; the ingest releases it as any upload (action "
        "`edit`). Send If-Match with the set's ETag from GET /performances/{performance_id}.",
        {
            **answers,
            "404": _json(_ref("Error"), "No such performance."),
            "412": stale,
            "428": _json(_ref("Error"), "No If-Match: an edit is made from the set as read."),
        },
        parameters=[
            _path("performance_id", "The set's id, as the API gives it.", _SET_ID),
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "The set's ETag, from GET /performances/{performance_id}.",
                "schema": {"type": "string", "pattern": '^"[0-9a-f]{24}"$'},
            },
            *_query("PATCH /performances/{performance_id}"),
        ],
        requestBody=_body(edit),
    )
    delays = _organiser(
        "post",
        "Delay the rest of a stage's festival day (publishers)",
        "Every set on the stage starting at or after `from`, to the end of that festival day, moves by `minutes`: "
        "one new version of each file they come from, or none at all.",
        {**answers, "412": _json(_ref("Error"), "One of the files changed meanwhile; nothing written.")},
        parameters=[_path("stage", "Stage name, URL-encoded."), *_query("/stages/{stage}/delays")],
        requestBody=_body(delay),
    )
    return patch, {"/stages/{stage}/delays": delays}


def _set_path(edit: dict[str, Any]) -> dict[str, Any]:
    """GET /performances/{performance_id}, whose ETag is the set's own (the If-Match of its
    edit: the link says so), and the PATCH that edits the set."""
    read = _route(
        "/performances/{performance_id}",
        "One performance by its stable id, wherever it is now",
        [_path("performance_id", "The set's id, as the API gives it.", _SET_ID)],
        _ref("Performance"),
    )
    ok = read["get"]["responses"]["200"]
    ok["headers"] = {
        "ETag": {
            "schema": _STRING,
            "description": "The set's own: it changes when the set or its file's live version does. Send it as "
            "If-Match to edit the set.",
        }
    }
    ok["links"] = {
        "EditTheSet": {
            "operationRef": "#/paths/~1performances~1{performance_id}/patch",
            "parameters": {
                "path.performance_id": "$request.path.performance_id",
                "header.If-Match": "$response.header.ETag",
            },
        }
    }
    return {**read, **edit}


def openapi_spec() -> dict[str, Any]:
    """The API description; every route and response the app has."""
    stage = _path("stage", "Stage name, URL-encoded.")
    edit, delays = _edit_routes()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Festival schedule",
            "version": "1.0.0",
            "description": "Performances of one festival edition: by stage, by day, by artist, and what is on now. "
            "Lists answer {items, next}; pass `next` back as `cursor` for the following page.",
        },
        "paths": {
            "/stages": _route("/stages", "Stages with performances, by name, with exact counts", [], _ref("StagePage")),
            "/days": _route("/days", "Festival days that have performances", [], _ref("DayPage")),
            "/stages/{stage}/performances": _route(
                "/stages/{stage}/performances",
                "A stage's performances in time order; `from`/`to` select the sets overlapping [from, to)",
                [stage],
                _ref("PerformancePage"),
            ),
            "/stages/{stage}/performances/{start}": _route(
                "/stages/{stage}/performances/{start}",
                "The performance in a slot: on this stage, starting at this moment",
                [stage, _path("start", "The set's start, YYYY-MM-DDTHH:MM.", {"type": "string", "pattern": _MOMENT})],
                _ref("Performance"),
            ),
            "/performances/{performance_id}": _set_path(edit),
            "/changes": _route(
                "/changes",
                "The schedule's releases, newest first, each with the sets it added, moved, changed, "
                "cancelled or removed",
                [],
                _ref("ChangePage"),
            ),
            "/previews": _preview_route(),
            "/fixes": _fix_route(),
            "/changes/{release}": _route(
                "/changes/{release}",
                "Every change of one release, 50 a page",
                [_path("release", "A release id, as /changes gives it.", _RELEASE)],
                _ref("ReleaseChanges"),
            ),
            "/performances": _route(
                "/performances",
                "What is on at a moment and what is next, per stage; or, with `day`, a whole festival day",
                [],
                {"oneOf": [_ref("NowPlaying"), _ref("PerformancePage")]},
            ),
            "/artists/{artist}/performances": _route(
                "/artists/{artist}/performances",
                "Where and when an artist plays",
                [_path("artist", "Artist name, URL-encoded.")],
                _ref("PerformancePage"),
            ),
            "/calendar.ics": _feed(
                "/calendar.ics",
                "An iCalendar feed (RFC 5545) to subscribe to: the festival, or a stage's, an artist's or picked sets",
                "text/calendar",
            ),
            "/schedule.json": _route(
                "/schedule.json",
                "The frab / c3voc schedule (pretalx's format) for schedule apps and signage",
                [],
                {"type": "object", "description": "See https://c3voc.de/schedule/schema.json"},
            ),
            "/schedule.xml": _feed("/schedule.xml", "The frab / c3voc schedule as XML", "application/xml"),
            "/openapi.json": _route("/openapi.json", "This description", [], {"type": "object"}, errors=False),
            "/public/current.json": _public_file(
                "/public/current.json",
                "The pointer: the current release, and the path of each of its files (max-age 5 s)",
                [],
            ),
            "/public/releases/{release}/{name}": _public_file(
                "/public/releases/{release}/{name}",
                "One of a release's whole-festival files (immutable)",
                [
                    _path("release", "A release id, as the pointer names it.", _RELEASE),
                    _path("name", "days.json, stages.json, changes.json, schedule.json, schedule.xml or calendar.ics."),
                ],
            ),
            "/public/releases/{release}/days/{name}": _public_file(
                "/public/releases/{release}/days/{name}",
                "A festival day's sets as a release published them, as /performances?day= lists them (immutable)",
                [
                    _path("release", "A release id, as the pointer names it.", _RELEASE),
                    _path(
                        "name", "The festival day's file, YYYY-MM-DD.json.", {"type": "string", "pattern": _DAY_FILE}
                    ),
                ],
            ),
            **_organiser_routes(),
            **delays,
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "organiser": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The token POST /sessions gives (a Cognito ID token, valid an hour).",
                }
            },
        },
    }
