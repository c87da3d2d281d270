"""The edges of on-the-day edits (`PATCH /performances/{id}`, `POST /stages/{stage}/delays`,
called by the organisers' routes once a publisher is signed in: `organisers.http`): the
request's JSON, `If-Match` and `?dry_run=1` in, the editor's outcome
(`chalicelib.edits.service`) out as HTTP, never cached. 428 without `If-Match`; 412 with the
set as it is now and its ETag when it or its file changed (with Retry-After instead of an
ETag while the file's newer version is being released); 422 with the reason (and the file,
line and columns) when a rule refuses; 202 with each file's new version; 200 with the
preview of each file for a dry run. Nothing is written unless the answer is 202."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.api import caching
from chalicelib.api.params import Params
from chalicelib.api.previews import RETRY_SECONDS
from chalicelib.api.shapes import path_value
from chalicelib.edits.model import read_delay, read_edit
from chalicelib.edits.rules import Refused
from chalicelib.edits.service import MAX_FILE_BYTES, Applied, Editor, Missing, Outcome, Previewed, Stale
from chalicelib.services import Services
from chalicelib.sets.model import SET_ID
from chalicelib.sets.shown import performance_json
from chalicelib.storage.files import TimetableFiles

# How soon a file's version being released is live, for a 412 that says so (the ingest
# takes seconds).
RELEASING_SECONDS = 5


def edit_set(
    services: Services,
    raw_id: str,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str] | None,
    *,
    author: str,
    origin: str,
    base: str,
    seen: Callable[[Outcome], None] = lambda outcome: None,
) -> Response:
    """`PATCH /performances/{id}`: the edit in `body`, made from the set's ETag in `If-Match`.
    `seen` is told the editor's outcome, when there is one (for the audit line)."""
    dry_run = Params(query, "PATCH /performances/{performance_id}").dry_run()
    set_id = unquote(raw_id)
    if not SET_ID.fullmatch(set_id):
        return error(404, "NotFoundError", f"no performance with id {set_id}")
    if_match = headers.get("if-match")
    if not if_match:
        return error(
            428,
            "PreconditionRequired",
            "send If-Match with the set's ETag from GET /performances/{id}: an edit is made from the set as read",
        )
    edit = read_edit(_json(body))
    if isinstance(edit, str):
        return error(400, "BadRequestError", edit)
    outcome = _editor(services).edit(
        set_id,
        edit,
        expected=lambda version: caching.matches(if_match, caching.set_tag(origin, version)),
        author=author,
        dry_run=dry_run,
    )
    seen(outcome)
    return answer(outcome, services, origin=origin, base=base)


def delay_stage(
    services: Services,
    raw_stage: str,
    body: bytes,
    query: Mapping[str, str] | None,
    *,
    author: str,
    origin: str,
    base: str,
    seen: Callable[[Outcome], None] = lambda outcome: None,
) -> Response:
    """`POST /stages/{stage}/delays`: every set on the stage from `from` to the end of that
    festival day moved by `minutes`. `seen` as for `edit_set`."""
    dry_run = Params(query, "/stages/{stage}/delays").dry_run()
    delay = read_delay(path_value(raw_stage), _json(body))
    if isinstance(delay, str):
        return error(400, "BadRequestError", delay)
    outcome = _editor(services).delay(delay, author=author, dry_run=dry_run)
    seen(outcome)
    return answer(outcome, services, origin=origin, base=base)


def answer(outcome: Outcome, services: Services, *, origin: str, base: str) -> Response:
    """An editor's outcome as HTTP."""
    if isinstance(outcome, Applied):
        files = [{"file": w.key, "version": w.version_id or w.etag} for w in outcome.written]
        return _json_response(202, {"files": files, "previews": outcome.previews})
    if isinstance(outcome, Previewed):
        return _json_response(200, {"previews": outcome.previews})
    if isinstance(outcome, Refused):
        where = {"file": outcome.source, "line": outcome.line, "columns": list(outcome.columns)}
        found = {name: value for name, value in where.items() if value}
        return _json_response(422, {"Code": "UnprocessableEntity", "Message": outcome.reason, **found})
    if isinstance(outcome, Stale):
        body: dict[str, Any] = {"Code": "PreconditionFailed", "Message": outcome.reason}
        headers = {}
        if outcome.current is not None:
            body["performance"] = performance_json(outcome.current, base, services.settings.zone)
        if outcome.version:
            headers["ETag"] = caching.set_tag(origin, outcome.version)
        else:  # its file's newer version is being released: read the set again once it is
            headers["Retry-After"] = str(RELEASING_SECONDS)
        return _json_response(412, body, headers)
    if isinstance(outcome, Missing):
        return error(404, "NotFoundError", outcome.reason)
    return error(503, "ServiceUnavailable", outcome.reason, {"Retry-After": str(RETRY_SECONDS)})


def _editor(services: Services) -> Editor:
    bucket = services.settings.schedule_bucket
    return Editor(services, TimetableFiles(services.s3_client, bucket, max_bytes=MAX_FILE_BYTES))


def _json(body: bytes) -> Any:
    """The body's JSON, or None (which no edit is) when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error as the API answers it (its code and message), never cached."""
    return _json_response(status, {"Code": code, "Message": message}, headers)


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": caching.JSON, "Cache-Control": caching.IN_FLUX, **(headers or {})},
    )
