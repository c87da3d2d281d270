"""The festival schedule: S3 uploads in, a JSON API out. Wiring only; the work is in chalicelib."""

import os
from typing import Any

from chalice.app import Chalice, S3Event

from chalicelib.ingest import handle_s3_event
from chalicelib.services import get_services
from chalicelib.settings import UPLOAD_PREFIX

app = Chalice(app_name="festival-schedule")

# Decorator arguments are evaluated at import: read them without failing when unset.
SCHEDULE_BUCKET = os.environ.get("SCHEDULE_BUCKET", "")
# Seconds a run may wait for the ingest lease before it gives up and lets Lambda retry.
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
