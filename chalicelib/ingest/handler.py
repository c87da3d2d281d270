"""An S3 event -> the live schedule made equal to what the upload's key holds now in S3,
a report beside the upload, and one SNS message for each change.

S3 delivers events at least once, in any order, and an event says what happened to
*a* version, not what the key holds now. So every run takes the ingest lease, asks S3
for the key's current object, and compares it with the version whose sets are live.

A run that changes anything goes in four steps (docs/architecture.md, "A run"):
1. **plan**: read what the last commit left and decide every write (`ingest.plan`);
2. **keep the plan** in the bucket and mark it pending on the festival's head;
3. **apply and commit** it through the unit of work, under the lease;
4. **report and announce**, and end, the release live in the API. The message starts
   another function (`publish_release`), which takes its turn under the lease and writes
   the release as files (`ingest.publishing`).
A run that dies anywhere is finished by the next run, whatever it is for (and by the
scheduled run within minutes): a pending plan is applied exactly as it was decided before
anything else happens, and a committed run whose message is missing is announced. A data
problem never raises; a transient AWS failure does, so that Lambda retries the event; an
error a retry cannot fix (a refused request, a missing permission) fails the file with a
report instead, and a plan DynamoDB refuses for good is undone, so that no file can stop
the others.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from botocore.exceptions import ClientError

from chalicelib.ingest.authorship import read_authorship
from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.messages import email_text, subject_for, summary_of
from chalicelib.ingest.metrics import record_outcome, record_pending_found
from chalicelib.ingest.notes import METADATA as NOTE
from chalicelib.ingest.notes import read_note
from chalicelib.ingest.plan import Festival, Plan, Planner, Version, Writes
from chalicelib.ingest.preview import preview_json
from chalicelib.ingest.publishing import due, publish_head, read_head
from chalicelib.ingest.report import ERROR, FAILED, Report
from chalicelib.services import Services
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX, Settings
from chalicelib.storage.bucket import CurrentObject, report_key
from chalicelib.storage.indexes import Head
from chalicelib.storage.lease import LeaseLost
from chalicelib.storage.plans import PlanTooLarge
from chalicelib.storage.releases import next_release_id, release_id
from chalicelib.storage.sending import PERMANENT, error_code
from chalicelib.storage.sources import COMMITTED, SourceRecord
from chalicelib.storage.unit_of_work import Applied, Finish, KeptPlan

log = logging.getLogger("festival.ingest")
publication_log = logging.getLogger("festival.publish")
log.setLevel(logging.INFO)

CSV_SUFFIX = ".csv"
# SNS refusing a message itself (too large, say): sending it again changes nothing.
REFUSED_MESSAGES = frozenset({"InvalidParameter", "InvalidParameterValue", "InvalidParameterException"})


class Work(Protocol):
    """What a run needs of its unit of work (`storage.unit_of_work.UnitOfWork`; in tests, a
    fake kept in memory)."""

    requests: dict[str, int]

    @property
    def festival(self) -> Festival: ...
    def head(self) -> Head: ...
    def record(self, source: str) -> SourceRecord | None: ...
    def current(self, key: str) -> CurrentObject | None: ...
    def open_upload(self, key: str, current: CurrentObject) -> BinaryIO | None: ...
    def keep_alive(self) -> None: ...
    def new_plan(self, source: str, version: str, day_change: int, *, undo: bool = True) -> Writes: ...
    def keep(self, plan: Any, head: Head) -> KeptPlan: ...
    def kept(self, head: Head) -> KeptPlan: ...
    def finish_of(self, key: str) -> Finish | None: ...
    def apply(self, plan: KeptPlan) -> Applied: ...
    def undo(self, plan: KeptPlan, head: Head) -> None: ...
    def commit(self, head: Head, source: str, record: SourceRecord, release: Any) -> None: ...
    def mark_notified(self, source: str) -> None: ...
    def forget(self, keys: Any) -> None: ...
    def put_report(self, key: str, report: dict[str, Any]) -> None: ...
    def publish(self, subject: str, summary: dict[str, Any], email: str, attributes: dict[str, str]) -> None: ...
    def delete_plan(self, key: str) -> None: ...


def handle_s3_event(raw_event: dict[str, Any], services: Services, *, wait_seconds: float) -> list[dict[str, Any]]:
    """Process every record of a Lambda S3 event; returns the summaries announced."""
    summaries = []
    for record in raw_event.get("Records", []):
        summary = process(ObjectEvent.from_record(record), services, wait_seconds=wait_seconds)
        if summary is not None:
            summaries.append(summary)
    return summaries


def refusal(event: ObjectEvent, settings: Settings) -> str | None:
    """Why this event names something the ingest must never act on, if it does: only the
    configured bucket's uploads (`uploads/*.csv`, any case) are read."""
    if event.bucket != settings.schedule_bucket:
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
    refused = refusal(event, services.settings)
    if refused is not None:
        _log("refused", event, level=logging.WARNING, reason=refused)
        if not event.removed and event.bucket == services.settings.schedule_bucket:
            _report_near_miss(event, services, refused)
        return None
    try:
        with services.unit_of_work(wait_seconds=wait_seconds) as uow:
            run = Run(event, uow, services.settings)
            if event.key.startswith(DRAFT_PREFIX):
                return None if event.removed else run.preview()
            return run.go(replay=replay)
    except Exception as error:
        _log("error", event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=True)
        raise


def finish_pending(services: Services, *, wait_seconds: float) -> bool:
    """The scheduled run: finish a plan left pending (every delivery of its event failed),
    so that nothing stays half applied until the next upload; True when one was found."""
    settings = services.settings
    event = ObjectEvent(settings.schedule_bucket, "", removed=False)
    with services.unit_of_work(wait_seconds=wait_seconds) as uow:
        head = uow.head()
        if head.pending:
            _log("pending-found", event, level=logging.ERROR, run=head.pending, plan=head.plan)
            record_pending_found()
            Run(event, uow, settings).finish_pending(head)
            return True
    publish_release(services, wait_seconds=wait_seconds)  # one every delivery of its message failed (rare)
    return False


def publish_release(services: Services, *, wait_seconds: float) -> str | None:
    """A run's message is out: publish the head's release as files, if it is not yet
    (`ingest.publishing`); returns the release it published. It reads the festival in the
    runs' turn (the ingest lease), so it reads one release, and renders and writes it in the
    publishers' own turn, so the next run need not wait for that. A refusal no retry
    changes (a policy, say) is logged, not raised: the next release publishes again."""
    from chalicelib.storage.public import Publications

    settings = services.settings
    last = Publications(services.indexes.client, settings.bookkeeping_table).published()
    if not due(services.indexes.head(consistent=True), last):
        return None  # published already (a preview's message, one sent again), or a run's under way
    started = time.monotonic()
    try:
        with services.unit_of_work(wait_seconds=wait_seconds) as tables:
            read = read_head(tables)
        if read is None:
            return None
        with services.unit_of_work(wait_seconds=wait_seconds, lease=services.publication_lease) as shelf:
            release = publish_head(read, shelf, settings)
    except ClientError as error:
        if error_code(error) not in PERMANENT:
            raise
        publication_log.error(json.dumps({"event": "publish", "outcome": "unpublished", "error": f"{error}"}))
        return None
    if release is not None:  # one JSON line a release, in the publisher's own log
        line = {"event": "publish", "release": release, "duration_ms": round((time.monotonic() - started) * 1000)}
        publication_log.info(json.dumps(line))
    return release


class Run:
    """One event's run, in one unit of work."""

    def __init__(self, event: ObjectEvent, uow: Work, settings: Settings) -> None:
        self.event = event
        self.key = event.key
        self.uow = uow
        self.settings = settings
        self._started = time.monotonic()
        self._committed = False  # this run's own plan is committed: only its message may be missing
        self._milestones: dict[str, int] = {}  # when this run's release was live

    def go(self, *, replay: bool) -> dict[str, Any] | None:
        uow = self.uow
        head = uow.head()
        if head.pending:  # a run died after deciding: finish it first, exactly as decided
            head = self.finish_pending(head)
        current = uow.current(self.key)
        record = uow.record(self.key)
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
            kept = uow.keep(plan.writes, head)
            return self._apply(kept, head, own=True)
        except Exception as error:  # the pending plan is finished by the retry, or by the next run
            if not self._committed and not isinstance(error, LeaseLost):  # (the run that took over reports)
                self._report_failure(self.key, _version(current, self.event), error, retried=True)
            raise
        finally:
            plan.writes.close()

    def preview(self) -> dict[str, Any] | None:
        """A draft: what it would change if it were published now, in a report beside it and
        a message marked as a preview; nothing live changes."""
        head = self.uow.head()
        if head.pending:  # what is live must be whole to compare with
            head = self.finish_pending(head)
        current = self.uow.current(self.key)
        if current is None:
            _log("nothing-current", self.event)
            return None
        target = UPLOAD_PREFIX + self.key[len(DRAFT_PREFIX) :]
        what = f"preview: {self.key} compared with what is live, as {target} would be if it were published now"
        plan = self._planned(current, self.uow.record(target), source=target, what=what, preview=True)
        if plan is None:
            return None
        try:
            report = preview_json(plan, against_release=head.release, computed_at=_utc_now(), draft=self.key)
        finally:
            plan.writes.close()
        self.uow.put_report(self.key, report)
        summary = summary_of(report, self._location(self.key))
        self.uow.publish(
            subject_for(summary, preview=True), summary, email_text(summary, preview=True), {"preview": "true"}
        )
        _log("preview", self.event, accepted=report["accepted"], rejected=report["rejected"], changes=report["changes"])
        return summary

    def finish_pending(self, head: Head) -> Head:
        """Apply and commit the plan a dead run left pending (or undo it, should DynamoDB
        refuse it for good); the head it leaves."""
        self._apply(self.uow.kept(head), head, own=False)
        return self.uow.head()

    # Planning.

    def _planned(
        self,
        current: CurrentObject | None,
        record: SourceRecord | None,
        *,
        source: str,
        what: str,
        rewrite: bool = False,
        preview: bool = False,
    ) -> Plan | None:
        """The plan, or None when there is none to apply (the version changed meanwhile, or
        planning failed for good: then the report says so)."""
        version = _version(current, self.event)
        try:
            plan = self._plan(current, record, source=source, what=what, rewrite=rewrite, preview=preview)
        except PlanTooLarge as error:
            self._report_failure(self.key, version, error, retried=False)
            _log("failed", self.event, level=logging.ERROR, error=str(error), retried=False)
            return None
        except ClientError as error:
            retried = error_code(error) not in PERMANENT
            self._report_failure(self.key, version, error, retried=retried)
            if retried:
                raise
            _log("failed", self.event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=False)
            return None
        except Exception as error:
            self._report_failure(self.key, version, error, retried=True)
            raise
        if plan is None:
            _log("superseded", self.event)
        return plan

    def _plan(
        self,
        current: CurrentObject | None,
        record: SourceRecord | None,
        *,
        source: str,
        what: str,
        rewrite: bool,
        preview: bool,
    ) -> Plan | None:
        settings = self.settings
        note, problem = read_note(current.metadata.get(NOTE, "")) if current else ("", None)
        label = _version(current, self.event)
        version = Version(
            source=source,
            bucket=self.event.bucket,
            processed=current.as_record() if current else {"removed": self.event.version},
            what=what,
            label=label,
            report=self._location(source),
            note=note,
            authorship=read_authorship(current.metadata if current else None),
        )
        writes = self.uow.new_plan(source, label, settings.day_change_minutes, undo=not preview)
        planner = Planner(
            version,
            record,
            self.uow.festival,
            writes,
            now=_utc_now(),
            zone=settings.zone,
            day_change=settings.day_change_minutes,
            keep_alive=self.uow.keep_alive,
            rewrite=rewrite,
        )
        if problem:
            planner.report.warnings.append(problem)
        if current is None:
            return planner.remove()
        body = self.uow.open_upload(self.key, current)
        if body is None:  # it changed since it was looked at: a later event covers it
            writes.close()
            return None
        return planner.ingest(body)

    # Applying, committing, announcing.

    def _apply(self, kept: KeptPlan, head: Head, *, own: bool) -> dict[str, Any] | None:
        """Apply a kept plan and commit it; a plan DynamoDB refuses for good is undone instead,
        and fails its own file: the run (or the next one) goes on."""
        try:
            applied = self.uow.apply(kept)
        except ClientError as error:
            if error_code(error) not in PERMANENT:
                raise
            self.uow.undo(kept, head)
            self._report_failure(kept.header.source, kept.header.version, error, retried=False)
            _log("undone", self.event, level=logging.ERROR, key=kept.header.source, error=f"{error}", retried=False)
            if own:
                self._committed = True  # nothing is pending: the failure is reported, not retried
            return None
        release = applied.release
        if release is not None:
            release = replace(release, release=next_release_id(datetime.now(UTC), head.release))
        record = applied.record
        record.release, record.plan, record.status = release.release if release else "", kept.key, COMMITTED
        source = applied.finish.source
        self.uow.commit(Head(release=release.release if release else head.release), source, record, release)
        self._committed = own
        if own:
            self._milestones["committed_ms"] = self._duration_ms()
        return self._announce(source, record, applied.finish)

    def _announce_again(self, record: SourceRecord) -> dict[str, Any]:
        """A committed run whose report or message did not go out: send them now."""
        finish = self.uow.finish_of(record.plan) if record.plan else None
        return self._announce(self.key, record, finish or Finish(self.key, None, []))

    def _announce(self, source: str, record: SourceRecord, finish: Finish) -> dict[str, Any]:
        uow = self.uow
        uow.forget(finish.garbage)
        summary = dict(record.summary)
        if record.release:
            summary["release"] = record.release
        report = finish.report
        if report is not None:
            if record.release:
                report["release"] = record.release
            report.setdefault("requests", {}).update(uow.requests)
            report.setdefault("timings", {}).update(self._milestones, duration_ms=self._duration_ms())
            uow.put_report(source, report)
        # Subscribers tell a message sent again (its outcome was unknown) by these (README).
        attributes = {"preview": "false"}
        version = summary.get("source", {}).get("version")
        if version:
            attributes["version"] = str(version)
        if record.release:
            attributes["release"] = record.release
        try:
            uow.publish(subject_for(summary), summary, email_text(summary), attributes)
        except ClientError as error:
            if error_code(error) not in PERMANENT | REFUSED_MESSAGES:
                raise  # a passing fault: the retry sends it
            # A message SNS will never take must not keep the file from its next version.
            _log("unannounced", self.event, level=logging.ERROR, key=source, error=f"{type(error).__name__}: {error}")
        uow.mark_notified(source)
        if record.plan:
            uow.delete_plan(record.plan)
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

    def _location(self, key: str) -> str:
        return f"s3://{self.event.bucket}/{report_key(key)}"

    def _duration_ms(self) -> int:
        return round((time.monotonic() - self._started) * 1000)

    def _report_failure(self, key: str, version: str, error: Exception, *, retried: bool) -> None:
        """Tell the organiser, where S3 still lets us, what failed and whether it will be retried."""
        report = Report(
            source={"bucket": self.event.bucket, "key": key, "version": version},
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
            self.uow.put_report(key, report.as_dict())
        except Exception:  # S3 may be what failed (or the lease is gone); the log line says it all
            log.warning("could not write the error report for %s", key)


def _same(current: CurrentObject | None, record: SourceRecord) -> bool:
    """Whether the record's last run is about what the key holds now."""
    if current is None:
        return "removed" in record.processed
    return current.same_as(record.processed)


def _version(current: CurrentObject | None, event: ObjectEvent) -> str:
    return (current.version_id or current.etag) if current else event.version


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
    not read, beside it, where the organiser looks. (It holds no lease: what it writes is
    about that key alone, which no run reads.)"""
    if not event.key.startswith((UPLOAD_PREFIX, DRAFT_PREFIX)) or event.key.endswith("/"):
        return
    report = Report(source={"bucket": event.bucket, "key": event.key, "version": event.version})
    report.fail(
        f"not read: {reason}. Only keys under {UPLOAD_PREFIX} (or {DRAFT_PREFIX}, for a preview) that end in "
        ".csv are timetables; "
        "save the timetable as CSV (UTF-8) and upload it with a name ending in .csv"
    )
    try:
        services.bucket(event.bucket).put_report(event.key, report.as_dict())
    except ClientError:
        log.warning("could not write the near-miss report for %s", event.key)


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
