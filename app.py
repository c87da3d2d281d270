"""The festival schedule: S3 uploads in, a JSON API out. Wiring only; the work is in chalicelib."""

import os
from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, Response, S3Event

from chalicelib.api.openapi import openapi_spec
from chalicelib.api.params import Params
from chalicelib.api.routes import ScheduleApi
from chalicelib.api.shapes import api_base
from chalicelib.ingest.handler import handle_s3_event
from chalicelib.services import get_services
from chalicelib.settings import UPLOAD_PREFIX
from chalicelib.web.page import schedule_page

app = Chalice(app_name="festival-schedule")
app.api.cors = True  # browser front ends on other origins may read the API

# Decorator arguments are evaluated at import: read them without failing when unset.
SCHEDULE_BUCKET = os.environ.get("SCHEDULE_BUCKET", "")
# Seconds left to Lambda after waiting for the ingest lease, to do the work itself.
_LEASE_MARGIN_SECONDS = 60


def _wait_budget(event: S3Event) -> float:
    context: Any = event.context
    remaining_ms = context.get_remaining_time_in_millis() if context else 900_000
    return max(remaining_ms / 1000 - _LEASE_MARGIN_SECONDS, 1.0)


@app.on_s3_event(bucket=SCHEDULE_BUCKET, events=["s3:ObjectCreated:*"], prefix=UPLOAD_PREFIX, suffix=".csv")
def ingest_performances(event: S3Event) -> None:
    """A timetable CSV was uploaded: validate it, store it, report, notify."""
    handle_s3_event(event.to_dict(), get_services(), wait_seconds=_wait_budget(event))


@app.on_s3_event(bucket=SCHEDULE_BUCKET, events=["s3:ObjectRemoved:*"], prefix=UPLOAD_PREFIX, suffix=".csv")
def remove_performances(event: S3Event) -> None:
    """A timetable CSV was deleted: remove its performances, report, notify."""
    handle_s3_event(event.to_dict(), get_services(), wait_seconds=_wait_budget(event))


def _api() -> ScheduleApi:
    request: Any = app.current_request
    return ScheduleApi(get_services(), api_base(request.context))


def _query() -> Any:
    request: Any = app.current_request
    return request.query_params


@app.route("/stages")
def list_stages() -> dict[str, Any]:
    return _api().stages(_query())


@app.route("/days")
def list_days() -> dict[str, Any]:
    return _api().days(_query())


@app.route("/stages/{stage}/performances")
def list_stage_performances(stage: str) -> dict[str, Any]:
    return _api().stage_performances(stage, _query())


@app.route("/stages/{stage}/performances/{start}")
def get_performance_in_slot(stage: str, start: str) -> dict[str, Any]:
    return _api().performance_in_slot(stage, start, _query())


@app.route("/performances/{performance_id}")
def get_performance(performance_id: str) -> dict[str, Any]:
    return _api().performance(performance_id, _query())


@app.route("/changes")
def list_changes() -> dict[str, Any]:
    return _api().changes(_query())


@app.route("/performances")
def list_performances() -> dict[str, Any]:
    return _api().performances(_query(), now=datetime.now(UTC))


@app.route("/artists/{artist}/performances")
def list_artist_performances(artist: str) -> dict[str, Any]:
    return _api().artist_performances(artist, _query())


@app.route("/")
def page() -> Response:
    """The schedule page, built on the API below."""
    html, headers = schedule_page()
    return Response(body=html, headers=headers, status_code=200)


@app.route("/openapi.json")
def openapi() -> dict[str, Any]:
    Params(_query(), "/openapi.json")
    return openapi_spec()
