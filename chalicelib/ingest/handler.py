"""An S3 event -> the live schedule made equal to what the upload's key holds now in S3,
a report beside the upload, and one SNS message for each change.

S3 delivers events at least once, in any order, and an event says what happened to
*a* version (created, deleted, a delete marker made or removed), not what the key holds
now. So every run takes the ingest lease, asks S3 for the key's current object, and
compares it with the version whose sets are live: the same one means nothing to do
(however old or repeated the event); another one is applied; none at all removes the
file's sets. A data problem never raises; a transient AWS failure that outlasts the
retries does, so that Lambda retries the event; an error that a retry cannot fix
(a refused request, a missing permission) fails the file with a report instead.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ingest.apply import Outcome, Run
from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.metrics import record_outcome
from chalicelib.ingest.report import ERROR, FAILED, Report
from chalicelib.services import Services
from chalicelib.storage.bucket import CurrentObject
from chalicelib.storage.indexes import INDEX_KEY, FestivalIndex
from chalicelib.storage.lease import Lease, LeaseLost
from chalicelib.storage.releases import Releases
from chalicelib.storage.sources import SourceRecords, SourceState

log = logging.getLogger("festival.ingest")
log.setLevel(logging.INFO)

INGESTED, NOTIFIED = "ingested", "notified"
# AWS errors that the same request will meet again on every retry.
PERMANENT_ERRORS = frozenset(
    {"ValidationException", "AccessDenied", "AccessDeniedException", "ResourceNotFoundException"}
)


def handle_s3_event(raw_event: dict[str, Any], services: Services, *, wait_seconds: float) -> list[dict[str, Any]]:
    """Process every record of a Lambda S3 event; returns the summaries announced."""
    summaries = []
    for record in raw_event.get("Records", []):
        summary = process(ObjectEvent.from_record(record), services, wait_seconds=wait_seconds)
        if summary is not None:
            summaries.append(summary)
    return summaries


def process(
    event: ObjectEvent, services: Services, *, wait_seconds: float, replay: bool = False
) -> dict[str, Any] | None:
    """Apply one object event; returns the summary announced, or None when there was
    nothing new to announce. Raises only for failures worth retrying."""
    try:
        return _process(event, services, wait_seconds=wait_seconds, replay=replay)
    except Exception as error:
        _log("error", event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=True)
        raise


def _process(event: ObjectEvent, services: Services, *, wait_seconds: float, replay: bool) -> dict[str, Any] | None:
    bucket = services.bucket(event.bucket)
    with services.lease.lease(wait_seconds=wait_seconds) as lease:
        # An event says what happened to *a* version; what counts is what the key holds now.
        current = bucket.current(event.key)
        record_item, index_item = services.sources.read(SourceRecords.key(event.key), INDEX_KEY)
        previous = SourceRecords.decode(event.key, record_item)
        index = FestivalIndex.from_item(index_item)
        unfinished = bool(previous and previous.in_progress)
        if current is None and not (previous and previous.live) and not unfinished:
            _log("nothing-current", event)
            return None
        # A replay writes the current version again even when it is live (the table was lost or restored).
        if current is not None and previous and current.same_as(previous.processed) and not unfinished and not replay:
            if previous.status == INGESTED:  # its announcement failed: send it now
                _announce(event.key, previous.summary, services)
            _log("up-to-date", event)
            return None
        run = Run(event, previous, index, services, lease, current)
        try:
            if current is None:
                outcome: Outcome | None = run.remove("removed: S3 holds no current version of the file")
            else:
                what = _what(event, current, previous)
                outcome = run.ingest(current, f"replayed: {what} (make replay)" if replay else what)
        except ClientError as error:
            if _error_code(error) not in PERMANENT_ERRORS:
                report_failure(run, error, retried=True)
                raise
            report_failure(run, error, retried=False)
            _log("failed", event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=False)
            return None
        except Exception as error:
            report_failure(run, error, retried=True)
            raise
        if outcome is None:
            _log("superseded", event)
            return None
        _commit(event.key, outcome, index, services, lease)
        summary = outcome.summary
        _log(
            summary["status"],
            event,
            accepted=summary.get("accepted"),
            rejected=summary.get("rejected"),
            duration_ms=run.report.details["timings"]["duration_ms"],
            report=summary["report"],
        )
        record_outcome(
            summary["status"],
            accepted=summary.get("accepted", 0),
            rejected=summary.get("rejected", 0),
            duration_ms=run.report.details["timings"]["duration_ms"],
        )
        _announce(event.key, outcome.summary, services)
        return outcome.summary


def _what(event: ObjectEvent, current: CurrentObject, previous: SourceState | None) -> str:
    """What this run does, in words for the report and the message."""
    if event.removed and previous and not previous.live:
        return (
            f"restored: the delete marker was removed, so the version uploaded at {current.uploaded} is current again"
        )
    if event.removed:
        return f"rolled back to the version uploaded at {current.uploaded} (a newer version was deleted)"
    return f"ingested the version uploaded at {current.uploaded}"


def _commit(key: str, outcome: Outcome, index: FestivalIndex, services: Services, lease: Lease) -> None:
    """The record, the index, the release and any record that lost sets, together, only
    while the lease is held."""
    index.replace_source(key, outcome.shares)
    for source, shares in outcome.other_shares.items():
        index.replace_source(source, shares)
    outcome.record.status = INGESTED
    if outcome.release is not None:
        index.release = outcome.release.release
    puts = [SourceRecords.encode(key, outcome.record), index.as_item()]
    if outcome.release is not None:
        puts.append(Releases.encode(outcome.release))
    puts += [SourceRecords.encode(source, record) for source, record in outcome.others.items()]
    if not services.sources.commit(lease.fence(), puts):
        raise LeaseLost("the ingest lease expired and another run took over before this one could finish")


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _announce(key: str, summary: dict[str, Any], services: Services) -> None:
    services.notifier.publish(summary)
    services.sources.set_status(key, NOTIFIED)


def _log(outcome: str, event: ObjectEvent, *, level: int = logging.INFO, **fields: Any) -> None:
    """One JSON line per file, for CloudWatch Logs Insights."""
    line = {
        "event": "ingest",
        "outcome": outcome,
        "bucket": event.bucket,
        "key": event.key,
        "version": event.version,
        **fields,
    }
    log.log(level, json.dumps(line, ensure_ascii=False))


def report_failure(run: Run, error: Exception, *, retried: bool) -> None:
    """Tell the organiser, where S3 still lets us, what failed and whether it will be retried."""
    report = Report(source=run.report.source, status_override=ERROR if retried else FAILED)
    if retried:
        report.fail(
            f"{type(error).__name__}: {error}. The upload will be processed again automatically; "
            "nothing needs doing unless this report stays."
        )
    else:
        report.fail(
            f"{type(error).__name__}: {error}. This is not a passing fault, so it will not be retried: "
            "the sets that were live stay live; tell the operators, and upload the file again once they have fixed it."
        )
    try:
        run.bucket.put_report(run.key, report.as_dict())
    except Exception:  # S3 may be what failed; the log line says it all
        log.warning("could not write the error report for %s", run.key)
