"""The organiser routes' edges: who asks (a bearer token checked here, never by API
Gateway alone: `chalice local` does not check Cognito tokens), whether their role may,
what the request holds, and the answer; every request, refused or not, is one audit line.

Answers are never cached (`no-store`) and carry no CORS headers: only the app's own pages
call these routes. A token travels only in `Authorization: Bearer` (never a cookie, so a
page elsewhere cannot make a browser send it: no CSRF; never a URL, so no log keeps it)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from chalice.app import BadRequestError, Response

from chalicelib.api.cursors import Cursor
from chalicelib.api.params import RELEASE_PATTERN, InvalidParameter, Params
from chalicelib.api.params import shown as _shown
from chalicelib.api.previews import MAX_PREVIEW_BYTES, RETRY_SECONDS
from chalicelib.api.routes import ScheduleApi
from chalicelib.api.shapes import api_base, public_origin
from chalicelib.ingest.notes import MAX_NOTE_CHARS, encode_note, read_note
from chalicelib.organisers import desk
from chalicelib.organisers.accounts import Refusal, Session
from chalicelib.organisers.audit import audit
from chalicelib.organisers.bucket import UploadChanged, VersionGone
from chalicelib.organisers.history import history_json
from chalicelib.organisers.tokens import PUBLISHER, Expected, Organiser, Refused, header_of, verify
from chalicelib.services import Services
from chalicelib.settings import DRAFT_PREFIX, REPORT_PREFIX
from chalicelib.storage.releases import KIND as RELEASE_KIND

JSON = "application/json"
_PRIVATE = {"Cache-Control": "no-store", "Content-Type": JSON}
_FILE = re.compile(r"[^\x00-\x1f\x7f]{1,200}\.[Cc][Ss][Vv]")  # as POST /previews takes `file`
_RELEASE = re.compile(RELEASE_PATTERN)
MAX_EMAIL_CHARS = 320
MAX_PASSWORD_CHARS = 256
MAX_VERSION_CHARS = 1024
MAX_BODY_BYTES = 16_384  # a JSON request of these routes: a note and a few names


def answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={**_PRIVATE, **(headers or {})},
    )


def error(status: int, code: str, message: str, **extra: Any) -> Response:
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="organisers"'
    if status in (429, 503):
        headers["Retry-After"] = str(RETRY_SECONDS)
    return answer(status, {"Code": code, "Message": message, **extra}, headers)


def authorised(
    request: Any, services: Services, action: str, *, publishers_only: bool = False, **about: Any
) -> Organiser | Response:
    """The organiser a request's bearer token stands for, or the 401 or 403 to answer."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        audit(action, "unauthenticated", 401, reason="no bearer token", **about)
        return error(401, "Unauthorized", "sign in first: send the token POST /sessions gives as Authorization: Bearer")
    settings = services.settings
    try:
        keys = services.organiser_keys.for_kid(str(header_of(token).get("kid")))
        who = verify(token, keys, Expected(settings.organiser_issuer, settings.organiser_client_id), time.time())
    except Refused as refused:
        audit(action, "unauthenticated", 401, reason=str(refused), **about)
        return error(401, "Unauthorized", "the token is not valid (or has expired): sign in again")
    except (OSError, ValueError) as failure:  # the pool's keys could not be read
        audit(action, "unavailable", 503, reason=f"{type(failure).__name__}: {failure}"[:200], **about)
        return error(503, "ServiceUnavailable", "tokens cannot be checked right now; try again shortly")
    if publishers_only and who.role != PUBLISHER:
        audit(action, "forbidden", 403, who=who.email, role=who.role, **about)
        return error(403, "Forbidden", f"only publishers may {action}; you are signed in as an {who.role}")
    return who


def _json_body(request: Any) -> dict[str, Any]:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequestError(f"the body is {len(raw):,} bytes; at most {MAX_BODY_BYTES:,}")
    try:
        value = json.loads(raw or b"{}")
    except ValueError as problem:
        raise BadRequestError(f"the body is not JSON: {problem}") from problem
    if not isinstance(value, dict):
        raise BadRequestError("the body must be a JSON object")
    return value


def _no_query(request: Any) -> None:
    unknown = sorted(request.query_params or {})
    if unknown:
        raise InvalidParameter(unknown[0], "unknown parameter; this route takes none")


def _text(body: dict[str, Any], name: str, longest: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > longest:
        raise BadRequestError(f"{name}: expected a string of 1 to {longest} characters")
    return value


def _file(raw: str) -> str:
    file = unquote(raw)
    if not _FILE.fullmatch(file):
        raise InvalidParameter("file", f"expected a file name that ends in .csv, got {_shown(file)}")
    return file


def _note(body: dict[str, Any]) -> str:
    """The release note, checked as the ingest will read it (a note it would drop is a 400 now)."""
    raw = body.get("note", "")
    if not isinstance(raw, str) or len(raw) > 2 * MAX_NOTE_CHARS:
        raise BadRequestError(f"note: expected a string of at most {MAX_NOTE_CHARS} characters")
    note, problem = read_note(encode_note(raw))
    if problem:
        raise BadRequestError(f"note: {problem}")
    return note


def sign_in(request: Any, services: Services) -> Response:
    """POST /sessions: {email, password[, new_password]} -> {token, expires_in, role, email}."""
    typed: str | None = None
    try:
        _no_query(request)
        body = _json_body(request)
        typed = _text(body, "email", MAX_EMAIL_CHARS)
        password = _text(body, "password", MAX_PASSWORD_CHARS)
        new_password = _text(body, "new_password", MAX_PASSWORD_CHARS) if "new_password" in body else None
    except BadRequestError as problem:
        audit("sign-in", "invalid", 400, who=typed, reason=str(problem))
        raise
    result = services.accounts.sign_in(typed.strip(), password, new_password)
    if isinstance(result, Session):
        if result.role is None:
            audit("sign-in", "forbidden", 403, who=result.email, reason="in no organisers' group")
            return error(403, "Forbidden", "this account has no role yet: ask a publisher to add it to a group")
        audit("sign-in", "ok", 200, who=result.email, role=result.role)
        body = {"token": result.token, "expires_in": result.expires_in, "role": result.role, "email": result.email}
        return answer(200, body)
    return _refused(result, typed)


def _refused(refusal: Refusal, typed: str) -> Response:
    if refusal.kind == "new-password" and not refusal.message:
        audit("sign-in", "new-password-required", 409, who=typed)
        return error(
            409,
            "NewPasswordRequired",
            "this is the account's first sign-in: send the temporary password with new_password, the password "
            "to use from now on",
        )
    if refusal.kind == "new-password":
        audit("sign-in", "invalid", 400, who=typed, reason="the new password breaks the pool's policy")
        return error(400, "InvalidPassword", f"new_password: {refusal.message}")
    if refusal.kind == "busy":
        audit("sign-in", "throttled", 429, who=typed)
        return error(429, "TooManyRequests", "too many sign-ins for now; try again in a minute")
    audit("sign-in", "wrong-password", 401, who=typed)
    return error(401, "Unauthorized", "wrong e-mail or password")


def keep_draft(request: Any, services: Services, raw_file: str) -> Response:
    """PUT /drafts/{file}: keep the CSV as a draft and answer its preview and version."""
    file = unquote(raw_file)
    who = authorised(request, services, "draft", file=file)
    if isinstance(who, Response):
        return who
    try:
        file = _file(raw_file)
        _no_query(request)
    except BadRequestError as problem:
        audit("draft", "invalid", 400, who=who.email, role=who.role, reason=str(problem))
        raise
    body = request.raw_body or b""
    if len(body) > MAX_PREVIEW_BYTES:
        audit("draft", "too-large", 413, who=who.email, role=who.role, file=file, bytes=len(body))
        return error(413, "PayloadTooLarge", f"the CSV is {len(body):,} bytes; a draft holds at most 2 MB")
    base = api_base(request.context, services.settings.public_origin)
    api = ScheduleApi(services, base, public_origin(request.headers, base, services.settings.public_origin))
    preview = api.preview(body, {"file": file}, datetime.now(UTC))
    if preview is None:
        audit("draft", "busy", 503, who=who.email, role=who.role, file=file)
        return error(503, "ServiceUnavailable", "an upload is being applied right now; try again shortly")
    version = services.organiser_bucket.keep_draft(file, body, who.email)
    preview["preview"]["draft"] = DRAFT_PREFIX + file
    preview["draft_version"] = version
    audit("draft", "ok", 200, who=who.email, role=who.role, file=file, version=version, status_of=preview["status"])
    return answer(200, preview)


def publish(request: Any, services: Services) -> Response:
    """POST /releases: {file, draft_version, note} -> 202, the upload's new version."""
    who = authorised(request, services, "publish", publishers_only=True)
    if isinstance(who, Response):
        return who
    try:
        _no_query(request)
        body = _json_body(request)
        file = _file(_text(body, "file", 300))
        draft_version = _text(body, "draft_version", MAX_VERSION_CHARS)
        note = _note(body)
    except BadRequestError as problem:
        audit("publish", "invalid", 400, who=who.email, role=who.role, reason=str(problem))
        raise
    try:
        accepted = desk.publish(services.organiser_bucket, who, file, draft_version, note)
    except desk.NoDraft as missing:
        audit("publish", "not-found", 404, who=who.email, role=who.role, file=file, version=draft_version)
        return error(404, "NotFoundError", str(missing))
    audit("publish", "ok", 202, who=who.email, role=who.role, file=file, version=draft_version, upload=accepted.version)
    return answer(
        202,
        {
            "file": file,
            "draft_version": draft_version,
            "upload_version": accepted.version,
            "report": f"{REPORT_PREFIX}{file}.json",
        },
    )


def history(request: Any, services: Services) -> Response:
    """GET /releases: every release, newest first, with its action, author and note."""
    who = authorised(request, services, "history")
    if isinstance(who, Response):
        return who
    try:
        params = Params(request.query_params, "/releases")
        cursor = Cursor(["releases"], ("pk", "sk"), {"pk": RELEASE_KIND})
        start = cursor.decode(params.get("cursor"))
        limit = params.limit()
    except BadRequestError as problem:
        audit("history", "invalid", 400, who=who.email, role=who.role, reason=str(problem))
        raise
    page = services.history.newest(limit=limit, start_key=start)
    audit("history", "ok", 200, who=who.email, role=who.role)
    return answer(200, {"items": [history_json(r) for r in page.releases], "next": cursor.encode(page.last_key)})


def roll_back(request: Any, services: Services, raw_release: str) -> Response:
    """POST /releases/{release}/rollback: [{note}] -> 202, the upload's new version."""
    release = unquote(raw_release)
    who = authorised(request, services, "rollback", publishers_only=True, release=release)
    if isinstance(who, Response):
        return who
    try:
        _no_query(request)
        if not _RELEASE.fullmatch(release):
            raise InvalidParameter("release", f"expected a release id as /releases gives it, got {_shown(release)}")
        note = _note(_json_body(request))
    except BadRequestError as problem:
        audit("rollback", "invalid", 400, who=who.email, role=who.role, reason=str(problem))
        raise
    about = {"who": who.email, "role": who.role, "release": release}
    try:
        accepted = desk.roll_back(services.organiser_bucket, services.history, who, release, note)
    except desk.NoRelease as missing:
        audit("rollback", "not-found", 404, **about)
        return error(404, "NotFoundError", str(missing))
    except desk.CannotRollBack as conflict:
        audit("rollback", "conflict", 409, later=conflict.later or None, reason=conflict.message, **about)
        return error(409, "Conflict", conflict.message, **({"later": conflict.later} if conflict.later else {}))
    except UploadChanged:
        audit("rollback", "conflict", 409, reason="the upload changed meanwhile", **about)
        return error(409, "Conflict", "the file changed while it was being rolled back: look at the history again")
    except VersionGone:
        audit("rollback", "gone", 409, reason="the version before it is gone", **about)
        return error(
            409, "Conflict", "the version before this release is no longer in the bucket (old versions expire)"
        )
    audit("rollback", "ok", 202, file=accepted.file, version=accepted.source_version, upload=accepted.version, **about)
    return answer(
        202,
        {
            "release": release,
            "file": accepted.file,
            "restores_version": accepted.source_version,
            "upload_version": accepted.version,
            "report": f"{REPORT_PREFIX}{accepted.file}.json",
        },
    )


# What the audit line says of an edit's answer, by its status.
_EDIT_OUTCOMES = {
    200: "dry-run",
    202: "ok",
    400: "invalid",
    404: "not-found",
    412: "stale",
    422: "refused",
    428: "precondition-required",
    503: "busy",
}


def edit_set(request: Any, services: Services, raw_id: str) -> Response:
    """PATCH /performances/{id} (publishers): the set's row rewritten in its own file, as
    that file's next version; `If-Match` with the set's ETag; `?dry_run=1` previews it."""
    set_id = unquote(raw_id)
    who = authorised(request, services, "edit", publishers_only=True, performance=set_id)
    if isinstance(who, Response):
        return who
    from chalicelib.api import edits

    return _edited(
        request,
        services,
        "edit",
        {"who": who.email, "role": who.role, "performance": set_id},
        lambda body, origin, base, seen: edits.edit_set(
            services,
            raw_id,
            body,
            request.headers,
            request.query_params,
            author=who.email,
            origin=origin,
            base=base,
            seen=seen,
        ),
    )


def delay_stage(request: Any, services: Services, raw_stage: str) -> Response:
    """POST /stages/{stage}/delays (publishers): every set on the stage from `from` to the
    end of that festival day moved by `minutes`, one new version of each file it touches."""
    stage = unquote(raw_stage)
    who = authorised(request, services, "delay", publishers_only=True, stage=stage)
    if isinstance(who, Response):
        return who
    from chalicelib.api import edits

    return _edited(
        request,
        services,
        "delay",
        {"who": who.email, "role": who.role, "stage": stage},
        lambda body, origin, base, seen: edits.delay_stage(
            services, raw_stage, body, request.query_params, author=who.email, origin=origin, base=base, seen=seen
        ),
    )


def _edited(
    request: Any,
    services: Services,
    action: str,
    about: dict[str, Any],
    made: Callable[[bytes, str, str, Callable[[Any], None]], Response],
) -> Response:
    """An edit's answer (`made` from the body, the origin and the base), with its audit line:
    the outcome, the files and versions written, or why not."""
    from chalicelib.edits.service import Applied

    body = request.raw_body or b""
    dry_run = (request.query_params or {}).get("dry_run") == "1"
    try:
        if len(body) > MAX_BODY_BYTES:
            raise BadRequestError(f"the body is {len(body):,} bytes; at most {MAX_BODY_BYTES:,}")
        base = api_base(request.context, services.settings.public_origin)
        origin = public_origin(request.headers, base, services.settings.public_origin)
        outcomes: list[Any] = []
        response = made(body, origin, base, outcomes.append)
    except BadRequestError as problem:  # answered here, so that it too is never cached
        audit(action, "invalid", 400, reason=str(problem), dry_run=dry_run or None, **about)
        return error(400, "BadRequestError", str(problem))
    status = response.status_code
    details: dict[str, Any] = {}
    if outcomes and isinstance(outcomes[0], Applied):
        details["files"] = [f"{w.key}@{w.version_id or w.etag}" for w in outcomes[0].written]
    elif status >= 400:
        details["reason"] = json.loads(response.body).get("Message", "")[:300]
    audit(action, _EDIT_OUTCOMES.get(status, str(status)), status, dry_run=dry_run or None, **about, **details)
    return response
