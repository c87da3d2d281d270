"""An S3 event -> the live schedule made equal to what the upload's key holds now in S3,
a report beside the upload, and one SNS message for each change.

S3 delivers events at least once, in any order, and an event says what happened to
*a* version, not what the key holds now. So every run takes the ingest lease, asks S3
for the key's current object, and compares it with the version whose sets are live.

A run that changes anything goes in four steps (docs/architecture.md, "A run"):
1. **plan**: read what the last commit left and decide every write (`ingest.plan`);
2. **keep the plan** in the bucket and mark it pending on the festival's head;
3. **apply and commit** it through the unit of work, under the lease;
4. **report and announce**.
A run that dies anywhere is finished by the next run, whatever it is for: a pending plan
is applied exactly as it was decided before anything else happens, and a committed run
whose message is missing is announced. A data problem never raises; a transient AWS
failure does, so that Lambda retries the event; an error a retry cannot fix (a refused
request, a missing permission) fails the file with a report instead.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ingest.authorship import read_authorship
from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.messages import email_text, subject_for, summary_of
from chalicelib.ingest.metrics import record_outcome
from chalicelib.ingest.notes import METADATA as NOTE
from chalicelib.ingest.notes import read_note
from chalicelib.ingest.plan import Plan, Planner, Version
from chalicelib.ingest.preview import preview_json
from chalicelib.ingest.report import ERROR, FAILED, Report
from chalicelib.services import Services
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX
from chalicelib.storage.bucket import CurrentObject, ScheduleBucket, report_key
from chalicelib.storage.committed import CommittedFestival
from chalicelib.storage.indexes import Head
from chalicelib.storage.lease import Lease, LeaseLost
from chalicelib.storage.plans import FINISH, PlanTooLarge, plan_key, plan_lines
from chalicelib.storage.releases import Release, Releases, next_release_id, release_id
from chalicelib.storage.sources import COMMITTED, NOTIFIED, SourceRecord, SourceRecords

log = logging.getLogger("festival.ingest")
log.setLevel(logging.INFO)

# AWS errors that the same request will meet again on every retry.
PERMANENT_ERRORS = frozenset(
    {"ValidationException", "AccessDenied", "AccessDeniedException", "ResourceNotFoundException"}
)
CSV_SUFFIX = ".csv"
# SNS refusing a message itself (too large, say): sending it again changes nothing.
REFUSED_MESSAGES = frozenset({"InvalidParameter", "InvalidParameterValue", "InvalidParameterException"})


class PlanMissing(RuntimeError):
    """A run's plan is pending but no longer in the bucket: an operator must look."""


def handle_s3_event(raw_event: dict[str, Any], services: Services, *, wait_seconds: float) -> list[dict[str, Any]]:
    """Process every record of a Lambda S3 event; returns the summaries announced."""
    summaries = []
    for record in raw_event.get("Records", []):
        summary = process(ObjectEvent.from_record(record), services, wait_seconds=wait_seconds)
        if summary is not None:
            summaries.append(summary)
    return summaries


def refusal(event: ObjectEvent, services: Services) -> str | None:
    """Why this event names something the ingest must never act on, if it does: only the
    configured bucket's uploads (`uploads/*.csv`, any case) are read."""
    if event.bucket != services.settings.schedule_bucket:
        return f"the event names the bucket {event.bucket!r}, not the schedule bucket"
    prefix = next((p for p in (UPLOAD_PREFIX, DRAFT_PREFIX) if event.key.startswith(p)), None)
    if prefix is None:
        return f"the key is not under {UPLOAD_PREFIX} or {DRAFT_PREFIX}"
    if not event.key.lower().endswith(CSV_SUFFIX) or len(event.key) == len(prefix) + len(CSV_SUFFIX):
        return "the key does not name a .csv file"
    return None


def process(
    event: ObjectEvent, services: Services, *, wait_seconds: float, replay: bool = False
) -> dict[str, Any] | None:
    """Apply one object event; returns the summary announced, or None when there was
    nothing new to announce. Raises only for failures worth retrying."""
    refused = refusal(event, services)
    if refused is not None:
        _log("refused", event, level=logging.WARNING, reason=refused)
        if not event.removed and event.bucket == services.settings.schedule_bucket:
            _report_near_miss(event, services, refused)
        return None
    try:
        with services.lease.lease(wait_seconds=wait_seconds) as lease:
            run = Run(event, services, lease)
            if event.key.startswith(DRAFT_PREFIX):
                return None if event.removed else run.preview()
            return run.go(replay=replay)
    except Exception as error:
        _log("error", event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=True)
        raise


class Run:
    """One event's run, under the lease."""

    def __init__(self, event: ObjectEvent, services: Services, lease: Lease) -> None:
        self.event = event
        self.key = event.key
        self.services = services
        self.lease = lease
        self.bucket = services.bucket(event.bucket)
        self._started = time.monotonic()
        self._committed = False  # this run's own plan is committed: only its message may be missing

    def go(self, *, replay: bool) -> dict[str, Any] | None:
        services = self.services
        head = services.indexes.head(consistent=True)
        if head.pending:  # a run died after deciding: finish it first, exactly as decided
            head = self._finish_pending(head)
        current = self.bucket.current(self.key)
        record = services.sources.record(self.key)
        if record is not None and record.status == COMMITTED:  # committed, not yet announced
            summary = self._announce_again(record)
            if _same(current, record) and not replay:
                return summary
        if current is None and not (record and record.live):
            _log("nothing-current", self.event)
            return None
        if current is not None and record is not None and current.same_as(record.processed) and not replay:
            _log("up-to-date", self.event)
            return None
        what = _what(self.event, current, record, replay=replay)
        plan = self._planned(current, record, source=self.key, what=what, rewrite=replay)
        if plan is None:
            return None
        try:
            return self._apply(plan, head)
        except Exception as error:  # the pending plan is finished by the retry, or by the next run
            if not self._committed and not isinstance(error, LeaseLost):  # (the run that took over reports)
                self._report_failure(current, error, retried=True)
            raise
        finally:
            plan.file.close()

    def preview(self) -> dict[str, Any] | None:
        """A draft: what it would change if it were published now, in a report beside it and
        a message marked as a preview; nothing live changes."""
        head = self.services.indexes.head(consistent=True)
        if head.pending:  # what is live must be whole to compare with
            head = self._finish_pending(head)
        current = self.bucket.current(self.key)
        if current is None:
            _log("nothing-current", self.event)
            return None
        target = UPLOAD_PREFIX + self.key[len(DRAFT_PREFIX) :]
        what = f"preview: {self.key} compared with what is live, as {target} would be if it were published now"
        plan = self._planned(current, self.services.sources.record(target), source=target, what=what)
        if plan is None:
            return None
        try:
            report = preview_json(
                plan,
                against_release=head.release,
                computed_at=_utc_now(),
                draft=self.key,
            )
        finally:
            plan.file.close()
        self.bucket.put_report(self.key, report)
        summary = summary_of(report, f"s3://{self.bucket.name}/{report_key(self.key)}")
        self.services.topic.publish(
            subject_for(summary, preview=True), summary, email_text(summary, preview=True), {"preview": "true"}
        )
        _log("preview", self.event, accepted=report["accepted"], rejected=report["rejected"], changes=report["changes"])
        return summary

    # Planning.

    def _planned(
        self,
        current: CurrentObject | None,
        record: SourceRecord | None,
        *,
        source: str,
        what: str,
        rewrite: bool = False,
    ) -> Plan | None:
        """The plan, or None when there is none to apply (the version changed meanwhile, or
        planning failed for good: then the report says so)."""
        try:
            plan = self._plan(current, record, source=source, what=what, rewrite=rewrite)
        except PlanTooLarge as error:
            self._report_failure(current, error, retried=False)
            _log("failed", self.event, level=logging.ERROR, error=str(error), retried=False)
            return None
        except ClientError as error:
            retried = _error_code(error) not in PERMANENT_ERRORS
            self._report_failure(current, error, retried=retried)
            if retried:
                raise
            _log("failed", self.event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=False)
            return None
        except Exception as error:
            self._report_failure(current, error, retried=True)
            raise
        if plan is None:
            _log("superseded", self.event)
        return plan

    def _plan(
        self, current: CurrentObject | None, record: SourceRecord | None, *, source: str, what: str, rewrite: bool
    ) -> Plan | None:
        settings = self.services.settings
        services = self.services
        run = uuid.uuid4().hex[:20]
        note, problem = read_note(current.metadata.get(NOTE, "")) if current else ("", None)
        version = Version(
            source=source,
            bucket=self.bucket.name,
            processed=current.as_record() if current else {"removed": self.event.version},
            what=what,
            label=(current.version_id or current.etag) if current else self.event.version,
            note=note,
            authorship=read_authorship(current.metadata if current else None),
        )
        planner = Planner(
            version,
            record,
            CommittedFestival(services.indexes, services.sources, services.performances),
            run=run,
            now=_utc_now(),
            zone=settings.zone,
            day_change=settings.day_change_minutes,
            keep_alive=self.lease.keep_alive,
            rewrite=rewrite,
        )
        if problem:
            planner.report.warnings.append(problem)
        if current is None:
            return planner.remove()
        body = self.bucket.open_upload(
            self.key, version_id=current.version_id or None, etag=None if current.version_id else current.etag
        )
        if body is None:  # it changed since it was looked at: a later event covers it
            planner.file.close()
            return None
        return planner.ingest(body)

    # Applying, committing, announcing.

    def _apply(self, plan: Plan, head: Head) -> dict[str, Any]:
        key = plan_key(plan.run)
        self.bucket.put_plan(key, plan.file.rewind())
        unit = self.services.unit_of_work()
        unit.mark_pending(self.lease, Head(release=head.release, pending=plan.run, plan=key))
        return self._apply_lines(iter(plan.file.rewind()), head, key, own=True)

    def _finish_pending(self, head: Head) -> Head:
        lines = self.bucket.plan_lines(head.plan)
        if lines is None:
            raise PlanMissing(
                f"run {head.pending} is pending but its plan {head.plan} is gone: its writes may be half done; "
                "see the README's recovery section"
            )
        self._apply_lines(lines, head, head.plan)
        return self.services.indexes.head(consistent=True)

    def _apply_lines(self, lines: Iterator[bytes], head: Head, key: str, *, own: bool = False) -> dict[str, Any]:
        unit = self.services.unit_of_work()
        commit, finish = unit.apply(plan_lines(lines), self.lease)
        record_item = commit["record"]
        release = commit["release"]
        release_id = next_release_id(datetime.now(UTC), head.release) if release else ""
        record = SourceRecords.decode(record_item)
        if record is None:
            raise ValueError(f"the plan at {key} has no record to commit")
        record.release, record.plan, record.status = release_id, key, COMMITTED
        source = finish["source"]
        items = [SourceRecords.encode(source, record)]
        if release:
            items.append(Releases.encode(Release(release=release_id, **release)))
        unit.commit(self.lease, Head(release=release_id or head.release), items)
        self._committed = own
        return self._announce(source, record, finish, unit.requests)

    def _announce_again(self, record: SourceRecord) -> dict[str, Any]:
        """A committed run whose report or message did not go out: send them now."""
        finish: dict[str, Any] = {"source": self.key, "report": None, "garbage": []}
        lines = self.bucket.plan_lines(record.plan) if record.plan else None
        for kind, payload in plan_lines(lines or iter(())):
            if kind == FINISH:
                finish = json.loads(payload)
        return self._announce(self.key, record, finish, {})

    def _announce(
        self, source: str, record: SourceRecord, finish: dict[str, Any], requests: dict[str, int]
    ) -> dict[str, Any]:
        unit = self.services.unit_of_work()
        unit.delete(finish["garbage"])
        summary = dict(record.summary)
        if record.release:
            summary["release"] = record.release
        report = finish["report"]
        if report is not None:
            if record.release:
                report["release"] = record.release
            report.setdefault("requests", {}).update(requests)
            report.setdefault("timings", {})["duration_ms"] = self._duration_ms()
            self.bucket.put_report(source, report)
        try:
            self.services.topic.publish(subject_for(summary), summary, email_text(summary), {"preview": "false"})
        except ClientError as error:
            if _error_code(error) not in PERMANENT_ERRORS | REFUSED_MESSAGES:
                raise  # a passing fault: the retry sends it
            # A message SNS will never take must not keep the file from its next version.
            _log("unannounced", self.event, level=logging.ERROR, key=source, error=f"{type(error).__name__}: {error}")
        self.services.sources.set_status(source, NOTIFIED)
        if record.plan:
            self.bucket.delete_plan(record.plan)
        _log(
            summary["status"],
            self.event,
            key=source,
            accepted=summary.get("accepted"),
            rejected=summary.get("rejected"),
            duration_ms=self._duration_ms(),
            report=summary["report"],
        )
        record_outcome(
            summary["status"],
            accepted=summary.get("accepted", 0),
            rejected=summary.get("rejected", 0),
            duration_ms=self._duration_ms(),
        )
        return summary

    def _duration_ms(self) -> int:
        return round((time.monotonic() - self._started) * 1000)

    def _report_failure(self, current: CurrentObject | None, error: Exception, *, retried: bool) -> None:
        """Tell the organiser, where S3 still lets us, what failed and whether it will be retried."""
        version = (current.version_id or current.etag) if current else self.event.version
        report = Report(
            source={"bucket": self.bucket.name, "key": self.key, "version": version},
            status_override=ERROR if retried else FAILED,
        )
        if retried:
            report.fail(
                f"{type(error).__name__}: {error}. The upload will be processed again automatically; "
                "nothing needs doing unless this report stays."
            )
        else:
            report.fail(
                f"{type(error).__name__}: {error}. This is not a passing fault, so it will not be retried: "
                "the sets that were live stay live; tell the operators, and upload the file again once they "
                "have fixed it."
            )
        try:
            self.bucket.put_report(self.key, report.as_dict())
        except Exception:  # S3 may be what failed; the log line says it all
            log.warning("could not write the error report for %s", self.key)


def _same(current: CurrentObject | None, record: SourceRecord) -> bool:
    """Whether the record's last run is about what the key holds now."""
    if current is None:
        return "removed" in record.processed
    return current.same_as(record.processed)


def _utc_now() -> str:
    return release_id(datetime.now(UTC))


def _what(event: ObjectEvent, current: CurrentObject | None, previous: SourceRecord | None, *, replay: bool) -> str:
    """What this run does, in words for the report and the message."""
    if current is None:
        return "removed: S3 holds no current version of the file"
    if event.removed and previous and not previous.live:
        what = (
            f"restored: the delete marker was removed, so the version uploaded at {current.uploaded} is current again"
        )
    elif event.removed:
        what = f"rolled back to the version uploaded at {current.uploaded} (a newer version was deleted)"
    else:
        what = f"ingested the version uploaded at {current.uploaded}"
    return f"replayed: {what} (make replay)" if replay else what


def _report_near_miss(event: ObjectEvent, services: Services, reason: str) -> None:
    """An upload beside the timetables that is not one (`x.csv.txt`, `x.xlsx`): say why it was
    not read, beside it, where the organiser looks."""
    if not event.key.startswith((UPLOAD_PREFIX, DRAFT_PREFIX)) or event.key.endswith("/"):
        return
    report = Report(source={"bucket": event.bucket, "key": event.key, "version": event.version})
    report.fail(
        f"not read: {reason}. Only keys under {UPLOAD_PREFIX} (or {DRAFT_PREFIX}, for a preview) that end in "
        ".csv are timetables; "
        "save the timetable as CSV (UTF-8) and upload it with a name ending in .csv"
    )
    try:
        ScheduleBucket(services.s3_client, event.bucket).put_report(event.key, report.as_dict())
    except ClientError:
        log.warning("could not write the near-miss report for %s", event.key)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


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
