"""The festival schedule: S3 uploads in, a JSON API out. Wiring only; the work is in chalicelib."""

import gc

# A cold start makes some 60,000 objects that live as long as the function (botocore's
# models, our modules), and the collector would walk them again and again while they are made:
# it is paused for the imports, and what they made is then frozen out of later collections.
# boto3 goes first, while the fewest objects are alive (docs/benchmarks.md, "Cold start").
gc.disable()

import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3  # noqa: F401  # first (see above)
from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Chalice, CloudWatchEvent, CORSConfig, NotFoundError, Rate, Response, S3Event, SNSEvent

from chalicelib.api import caching
from chalicelib.api.caching import request_identity
from chalicelib.api.params import Params
from chalicelib.api.routes import ScheduleApi
from chalicelib.api.shapes import api_base, public_origin
from chalicelib.services import get_services
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX, get_settings

gc.freeze()
gc.enable()

app = Chalice(app_name="festival-schedule")
# A previewed CSV arrives as it was saved (Windows-1252 too): as bytes, not as text.
app.api.binary_types.append("text/csv")
# Browser front ends on other origins may read the API, and its ETags for revalidating.
app.api.cors = CORSConfig(allow_origin="*", expose_headers=["ETag"])

# Decorator arguments are evaluated at import: read them without failing when unset.
SCHEDULE_BUCKET = os.environ.get("SCHEDULE_BUCKET", "")
NOTIFY_TOPIC_ARN = os.environ.get("NOTIFY_TOPIC_ARN", "")
# Seconds left to Lambda after waiting for the ingest lease, to do the work itself.
_LEASE_MARGIN_SECONDS = 60


def _ingest(event: S3Event) -> None:
    # Imported here: the API's function never ingests, and starts faster without it.
    from chalicelib.ingest.handler import handle_s3_event

    handle_s3_event(event.to_dict(), get_services(), wait_seconds=_wait_budget(event))


def _wait_budget(event: S3Event | CloudWatchEvent | SNSEvent) -> float:
    context: Any = event.context
    remaining_ms = context.get_remaining_time_in_millis() if context else 900_000
    return max(remaining_ms / 1000 - _LEASE_MARGIN_SECONDS, 1.0)


# No suffix: an upload that is not a .csv (`day.csv.txt`, `day.xlsx`) gets a report saying why.
@app.on_s3_event(bucket=SCHEDULE_BUCKET, events=["s3:ObjectCreated:*"], prefix=UPLOAD_PREFIX)
def ingest_performances(event: S3Event) -> None:
    """A timetable CSV was uploaded: validate it, store it, report, notify."""
    _ingest(event)


@app.on_s3_event(bucket=SCHEDULE_BUCKET, events=["s3:ObjectCreated:*"], prefix=DRAFT_PREFIX)
def preview_drafts(event: S3Event) -> None:
    """A draft was uploaded: report what it would change if it were published; change nothing."""
    _ingest(event)


@app.on_s3_event(bucket=SCHEDULE_BUCKET, events=["s3:ObjectRemoved:*"], prefix=UPLOAD_PREFIX)
def remove_performances(event: S3Event) -> None:
    """A timetable CSV was deleted: remove its performances, report, notify."""
    _ingest(event)


# Every run's message, whatever it says: the publisher publishes the festival's head release,
# and does nothing when that is published already (a preview's message, a message sent again).
@app.on_sns_message(topic=NOTIFY_TOPIC_ARN)
def publish_release(event: SNSEvent) -> None:
    """A run's message is out: publish its release as static files (apart from the run,
    which ends once its release is live in the API and its organiser has the report)."""
    from chalicelib.ingest.handler import publish_release as publish

    publish(get_services(), wait_seconds=_wait_budget(event))


@app.schedule(Rate(5, unit=Rate.MINUTES))
def finish_pending(event: CloudWatchEvent) -> None:
    """Finish a plan left pending when every delivery of its event failed midway, so that
    nothing stays half applied until the next upload (an alarm says it happened)."""
    from chalicelib.ingest.handler import finish_pending as finish

    finish(get_services(), wait_seconds=_wait_budget(event))


def _answer(
    answer: Callable[[ScheduleApi, Any], Any],
    *,
    live_at: datetime | None = None,
    media_type: str = caching.JSON,
    canonical: Callable[[Mapping[str, str] | None], Mapping[str, str]] | None = None,
    parts: Sequence[str] = (),
    cache_control: str = caching.DATA,
    headers: Mapping[str, str | list[str]] | None = None,
    set_version: Callable[[ScheduleApi, Any], str] | None = None,
) -> Response:
    """An answer with an ETag from the current release, or a 304 that reads no set.
    JSON answers are dicts; other media types come as text. `canonical` gives the query
    that identifies the answer, where several spellings ask for the same one; `parts`,
    what else the answer depends on. An answer that is one set has that set's own ETag
    instead (`set_version`: its 304 reads the set and its file's version)."""
    request: Any = app.current_request
    query = request.query_params
    identity = query if canonical is None else canonical(query)
    services = get_services()
    base = api_base(request.context, services.settings.public_origin)
    origin = public_origin(request.headers, base, services.settings.public_origin)
    api = ScheduleApi(services, base, origin)
    path = request.context.get("path") or request.path

    def body() -> str:
        result = answer(api, query)
        return json.dumps(result, ensure_ascii=False, separators=(",", ":")) if media_type == caching.JSON else result

    release = api.release()
    if release is None:  # a run's writes are landing: this body may differ from the next one's
        return caching.uncached(body, media_type, headers)
    if set_version is not None:
        etag = caching.set_tag(origin, set_version(api, query))
        return caching.conditional(request.headers, etag, cache_control, body, media_type, headers)
    tagged = [release, origin, request_identity(path, identity), *parts]
    if live_at is not None:  # the answer is the clock's: it changes every minute
        tagged.append(live_at.strftime("%Y-%m-%dT%H:%M"))
        cache_control = caching.LIVE
    return caching.conditional(request.headers, caching.entity_tag(*tagged), cache_control, body, media_type, headers)


@app.route("/stages")
def list_stages() -> Response:
    return _answer(lambda api, query: api.stages(query))


@app.route("/days")
def list_days() -> Response:
    return _answer(lambda api, query: api.days(query))


@app.route("/stages/{stage}/performances")
def list_stage_performances(stage: str) -> Response:
    return _answer(lambda api, query: api.stage_performances(stage, query))


@app.route("/stages/{stage}/performances/{start}")
def get_performance_in_slot(stage: str, start: str) -> Response:
    return _answer(lambda api, query: api.performance_in_slot(stage, start, query))


@app.route("/performances")
def list_performances() -> Response:
    now = datetime.now(UTC)
    request: Any = app.current_request
    live = not {"at", "day", "cursor"} & set(request.query_params or {})
    return _answer(lambda api, query: api.performances(query, now=now), live_at=now if live else None)


@app.route("/performances/{performance_id}")
def get_performance(performance_id: str) -> Response:
    return _answer(
        lambda api, query: api.performance(performance_id, query),
        set_version=lambda api, query: api.performance_version(performance_id, query),
    )


@app.route("/changes")
def list_changes() -> Response:
    return _answer(lambda api, query: api.changes(query))


@app.route("/changes/{release}")
def list_release_changes(release: str) -> Response:
    return _answer(lambda api, query: api.release_changes(release, query))


@app.route("/previews", methods=["POST"], content_types=["text/csv"])
def preview_upload() -> Response:
    """What a timetable CSV would change if it were uploaded now; nothing is stored."""
    from chalicelib.api import previews

    request: Any = app.current_request
    body = request.raw_body or b""
    problem = previews.refusal(body)
    if problem is not None:
        return problem
    services = get_services()
    base = api_base(request.context, services.settings.public_origin)
    api = ScheduleApi(services, base, public_origin(request.headers, base, services.settings.public_origin))
    answer = api.preview(body, request.query_params, datetime.now(UTC))
    return previews.answer(answer)


@app.route("/fixes", methods=["POST"], content_types=["text/csv"])
def fix_cell() -> Response:
    """A timetable CSV with one of its preview's fixes written in (send Accept: text/csv);
    nothing is stored."""
    from chalicelib.api import fixes

    request: Any = app.current_request
    return fixes.fixed(request.raw_body or b"", request.query_params)


# The organisers' routes: a bearer token and a role each (checked in chalicelib.organisers,
# the same on `chalice local` as in Lambda), no CORS (only the app's own page calls them).
# Imported inside each handler, as the exports are: a public read never loads them.
@app.route("/sessions", methods=["POST"], cors=False)
def sign_in() -> Response:
    """Sign in with an e-mail and a password: a token to send as Authorization: Bearer."""
    from chalicelib.organisers import http

    return http.sign_in(app.current_request, get_services())


@app.route("/drafts/{file}", methods=["PUT"], content_types=["text/csv"], cors=False)
def keep_draft(file: str) -> Response:
    """Keep a timetable CSV as a draft and answer its preview, with the draft's version."""
    from chalicelib.organisers import http

    return http.keep_draft(app.current_request, get_services(), file)


@app.route("/releases", methods=["POST"], cors=False)
def publish_draft() -> Response:
    """Publish a draft's exact version, with a note (publishers)."""
    from chalicelib.organisers import http

    return http.publish(app.current_request, get_services())


@app.route("/releases", methods=["GET"], cors=False)
def list_releases() -> Response:
    """The history: every release, newest first, with its action, author and note."""
    from chalicelib.organisers import http

    return http.history(app.current_request, get_services())


@app.route("/releases/{release}/rollback", methods=["POST"], cors=False)
def roll_back_release(release: str) -> Response:
    """Make a file what it was before its latest release (publishers)."""
    from chalicelib.organisers import http

    return http.roll_back(app.current_request, get_services(), release)


@app.route("/performances/{performance_id}", methods=["PATCH"], cors=False)
def edit_performance(performance_id: str) -> Response:
    """Delay, cancel, restore or move a live set in its own file (publishers; If-Match)."""
    from chalicelib.organisers import http

    return http.edit_set(app.current_request, get_services(), performance_id)


@app.route("/stages/{stage}/delays", methods=["POST"], cors=False)
def delay_stage(stage: str) -> Response:
    """Delay the rest of a stage's festival day: every set from `from` on (publishers)."""
    from chalicelib.organisers import http

    return http.delay_stage(app.current_request, get_services(), stage)


def _published(name: str) -> Response | None:
    """The whole festival's export as the current release published it (a redirect), if it may be."""
    from chalicelib.api.public import published_export

    request: Any = app.current_request
    return published_export(get_services(), name, request.query_params)


@app.route("/calendar.ics")
def calendar() -> Response:
    """An iCalendar feed to subscribe to: the festival, a stage, an artist, or picked sets."""
    # The exports are imported when one is asked for: the API starts faster without them.
    from chalicelib.exports import CALENDAR
    from chalicelib.exports.query import canonical_calendar_query

    return _published("calendar.ics") or _answer(
        lambda api, query: api.calendar(query), media_type=CALENDAR, canonical=canonical_calendar_query
    )


@app.route("/schedule.json")
def schedule_json() -> Response:
    """The frab / c3voc schedule, for schedule apps and signage."""
    return _published("schedule.json") or _answer(lambda api, query: api.schedule(query, "/schedule.json"))


@app.route("/schedule.xml")
def schedule_xml() -> Response:
    from chalicelib.exports import C3VOC_XML

    return _published("schedule.xml") or _answer(
        lambda api, query: api.schedule(query, "/schedule.xml"), media_type=C3VOC_XML
    )


# The public files where no CDN serves them from the bucket: the same paths, the same bytes.
@app.route("/public/current.json")
def public_pointer() -> Response:
    """The pointer to the current release's files (README, "The public files")."""
    from chalicelib.api import public
    from chalicelib.publish.files import POINTER

    return public.serve(get_services(), "/public/current.json", lambda: POINTER, app.current_request)


@app.route("/public/releases/{release}/{name}")
def public_release_file(release: str, name: str) -> Response:
    """One of a release's whole-festival files: immutable."""
    from chalicelib.api import public

    route = "/public/releases/{release}/{name}"
    return public.serve(get_services(), route, lambda: public.release_file(release, name), app.current_request)


@app.route("/public/releases/{release}/days/{name}")
def public_day_file(release: str, name: str) -> Response:
    """A festival day's sets as a release published them: immutable."""
    from chalicelib.api import public

    route = "/public/releases/{release}/days/{name}"
    return public.serve(get_services(), route, lambda: public.day_file(release, name), app.current_request)


@app.route("/artists/{artist}/performances")
def list_artist_performances(artist: str) -> Response:
    return _answer(lambda api, query: api.artist_performances(artist, query))


def _fixed(
    text: str, media_type: str, cache_control: str = caching.STATIC, headers: dict[str, str | list[str]] | None = None
) -> Response:
    """An answer that changes only with a deployment: its ETag is its own content's."""
    request: Any = app.current_request
    return caching.conditional(
        request.headers, caching.entity_tag(text), cache_control, lambda: text, media_type, headers
    )


@app.middleware("http")
def coded_errors(event: Any, get_response: Any) -> Any:
    """Every error answer carries a stable code beside its English message (chalicelib.api.codes)."""
    response = get_response(event)
    if response.status_code >= 400:
        from chalicelib.api.codes import with_code

        response.body = with_code(response.body, response.status_code)
    return response


@app.route("/")
def page() -> Response:
    """The schedule page, built on the API below."""
    # The pages' code is imported when a page is asked for: a read of the API starts faster without it.
    from chalicelib.web.page import (
        festival_today,
        folder_address,
        page_version,
        schedule_page,
        spoken,
        with_festival_data,
    )

    request: Any = app.current_request
    folder = folder_address(request.context.get("path") or "")
    if folder is not None:
        return Response(body="", status_code=308, headers={"Location": folder, "Cache-Control": caching.STATIC})
    language = spoken(request.headers.get("accept-language"))
    html, headers = schedule_page(language)
    now = datetime.now(UTC)
    today = festival_today(get_services().settings, now)
    try:
        return _answer(
            lambda api, query: with_festival_data(
                html, api.days, lambda day: api.performances({"day": day, "limit": "500"}, now), today
            ),
            media_type=caching.HTML,
            canonical=lambda query: {},  # a query (a campaign's, say) changes nothing on the page
            parts=(page_version(), today, language),
            cache_control=caching.PAGE,
            headers=headers,
        )
    except (BotoCoreError, ClientError):  # the page still opens, and reads (or says what fails) itself
        app.log.exception("the schedule page is served without its data")
        return caching.uncached(lambda: html, caching.HTML, headers)


@app.route("/organiser")
def organiser() -> Response:
    """The organiser's page: preview a timetable CSV before publishing it, and how to publish it."""
    from chalicelib.web.page import organiser_page

    html, headers = organiser_page(get_settings())
    return _fixed(html, caching.HTML, caching.PAGE, headers)


@app.route("/js/{name}")
def page_module(name: str) -> Response:
    """One of the pages' ES modules; at the version the page names, cached for good."""
    from chalicelib.web.page import module, module_headers

    request: Any = app.current_request
    found = module(name, (request.query_params or {}).get("v"))
    if found is None:
        raise NotFoundError(f"no module named {name}")
    text, current = found
    return _fixed(text, caching.SCRIPT, caching.IMMUTABLE if current else caching.REVALIDATE, module_headers())


@app.route("/languages/{name}")
def page_catalogue(name: str) -> Response:
    """One language's words for the pages; at the version the page names, cached for good."""
    from chalicelib.web.page import catalogue, module_headers

    request: Any = app.current_request
    found = catalogue(name, (request.query_params or {}).get("v"))
    if found is None:
        raise NotFoundError(f"no language named {name}")
    text, current = found
    return _fixed(text, caching.JSON, caching.IMMUTABLE if current else caching.REVALIDATE, module_headers())


@app.route("/sw.js")
def page_service_worker() -> Response:
    """The page's service worker (it must live beside the page to control it)."""
    from chalicelib.web.page import service_worker

    script, headers = service_worker()
    return _fixed(script, caching.SCRIPT, caching.REVALIDATE, headers)


@app.route("/openapi.json")
def openapi() -> Response:
    from chalicelib.api.openapi import openapi_spec

    request: Any = app.current_request
    Params(request.query_params, "/openapi.json")
    return _fixed(json.dumps(openapi_spec(), ensure_ascii=False, separators=(",", ":")), caching.JSON)
