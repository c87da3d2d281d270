"""An S3 event -> validated performances in the table, a report beside the upload,
the stage and day indexes brought up to date, and one SNS message per object version.

S3 delivers events at least once and in any order, so every run first takes the
ingest lease, then compares the event with the last delivery processed for its key:
a repeat is answered from memory, an older event is ignored. A data problem never
raises; a transient AWS failure that outlasts the retries does, so that Lambda
retries the event, and the rerun repairs whatever the failed run left half done.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.report import ERROR, REMOVED, Changes, Report
from chalicelib.services import Services
from chalicelib.storage.indexes import DayStage, Indexes
from chalicelib.storage.lease import Lease
from chalicelib.storage.performances import ItemFactory, PerformanceStore, StoredSet, content_of_performance, key_of
from chalicelib.storage.sources import SourceState
from chalicelib.timetable import clock
from chalicelib.timetable.overlaps import Timetable
from chalicelib.timetable.rows import Rejection, Schedule, read_schedule

log = logging.getLogger("festival.ingest")
log.setLevel(logging.INFO)

INGESTED, NOTIFIED = "ingested", "notified"
_SUMMARY_ERRORS = 5


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def handle_s3_event(raw_event: dict[str, Any], services: Services, *, wait_seconds: float) -> list[dict[str, Any]]:
    """Process every record of a Lambda S3 event; returns the summaries announced."""
    summaries = []
    for record in raw_event.get("Records", []):
        summary = process(ObjectEvent.from_record(record), services, wait_seconds=wait_seconds)
        if summary is not None:
            summaries.append(summary)
    return summaries


def process(event: ObjectEvent, services: Services, *, wait_seconds: float) -> dict[str, Any] | None:
    """Apply one object event; returns the summary announced, or None when there was
    nothing new to announce. Raises only for failures worth retrying."""
    try:
        return _process(event, services, wait_seconds=wait_seconds)
    except Exception as error:
        _log("error", event, level=logging.ERROR, error=f"{type(error).__name__}: {error}", retried=True)
        raise


def _process(event: ObjectEvent, services: Services, *, wait_seconds: float) -> dict[str, Any] | None:
    with services.lease.lease(wait_seconds=wait_seconds) as lease:
        previous = services.sources.source(event.key)
        if previous and event.same_delivery(previous.delivery):
            if previous.status == INGESTED:
                _announce(event.key, previous.summary, services)
            _log("duplicate", event)
            return None
        if previous and event.is_older_than(previous.delivery):
            _log("older", event)
            return None
        run = _Run(event, previous, services, lease)
        try:
            summary = run.remove() if event.removed else run.ingest()
        except Exception as error:
            run.report_failure(error)
            raise
        if summary is None:
            _log("superseded", event)
            return None
        services.sources.save_source(
            event.key, SourceState(delivery=event.delivery, status=INGESTED, stages=run.stages, summary=summary)
        )
        _announce(event.key, summary, services)
        return summary


def _announce(key: str, summary: dict[str, Any], services: Services) -> None:
    services.notifier.publish(summary)
    services.sources.set_source_status(key, NOTIFIED)


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


class Snapshot:
    """The sets already stored on the stages a run touches, read once per stage, and
    only for stages the stage index knows: a new stage holds nothing to read."""

    def __init__(self, store: PerformanceStore, state: Indexes) -> None:
        self._store = store
        self._state = state
        self._known: set[str] | None = None
        self._stages: dict[str, dict[int, StoredSet]] = {}

    def stage(self, stage: str) -> dict[int, StoredSet]:
        sets = self._stages.get(stage)
        if sets is None:
            if self._known is None:
                self._known = self._state.stage_names()
            stored = self._store.stage_sets(stage) if stage in self._known else ()
            sets = self._stages[stage] = {found.start: found for found in stored}
        return sets

    @property
    def stages(self) -> list[str]:
        return list(self._stages)


class _Run:
    """One upload or removal being applied under the lease."""

    def __init__(self, event: ObjectEvent, previous: SourceState | None, services: Services, lease: Lease) -> None:
        self.event = event
        self.services = services
        self.lease = lease
        self.bucket = services.bucket(event.bucket)
        self.snapshot = Snapshot(services.performances, services.indexes)
        self.stages: list[str] = list(previous.stages) if previous else []
        self.changes = Changes(track_moves=bool(self.stages))
        self.report = Report(
            source={"bucket": event.bucket, "key": event.key, "version": event.version}, changes=self.changes
        )
        self._started = time.monotonic()
        self._started_at = _utc_now()
        self._requests = {"performance_writes": 0, "performance_deletes": 0}

    def ingest(self) -> dict[str, Any] | None:
        body = self.bucket.open_upload(self.event.key, version_id=self.event.version_id, etag=self.event.etag)
        if body is None:
            return None
        schedule = read_schedule(body)
        if isinstance(schedule, str):
            self.report.fail(schedule)
        else:
            self.report.describe(schedule.encoding, schedule.delimiter, schedule.warnings())
            self._write(schedule)
            if self.report.accepted or not self.report.rejected:
                self._sweep(keep=schedule.timetable)
                self.stages = sorted(schedule.timetable.stages())
        return self._finish()

    def remove(self) -> dict[str, Any]:
        self.report.status_override = REMOVED
        self._sweep(keep=Timetable())
        self.stages = []
        return self._finish()

    def _write(self, schedule: Schedule) -> None:
        key, report, changes = self.event.key, self.report, self.changes
        factory = ItemFactory(key, self._started_at, self.services.settings.day_change_minutes)
        writer = self.services.performances.writer()
        replaced: dict[str, list[int]] = {}
        known = set(self.stages)
        for row in schedule.rows():
            if isinstance(row, Rejection):
                report.reject(row.line, row.reason)
                continue
            report.accepted += 1
            if row.stage not in known:  # noted before the first write, in case this run dies
                known.add(row.stage)
                self.services.indexes.claim_stage(row.stage)
                self.services.sources.add_source_stages(key, [row.stage])
                self.stages.append(row.stage)
            stored = self.snapshot.stage(row.stage).get(row.start)
            if stored is None:
                changes.added(row.stage, row.artist)
            elif stored.source == key:
                if stored.content == content_of_performance(row):
                    changes.unchanged += 1
                else:
                    changes.changed += 1
            else:
                replaced.setdefault(stored.source, []).append(row.line)
                changes.added(row.stage, row.artist)
            writer.put(factory.item(row))
            self.lease.keep_alive()
        writer.flush()
        self._requests["performance_writes"] = writer.requests
        for source, lines in replaced.items():
            shown = ", ".join(str(line) for line in lines[:10]) + (", ..." if len(lines) > 10 else "")
            report.warnings.append(
                f"{len(lines):,} {'row replaces a set' if len(lines) == 1 else 'rows replace sets'} "
                f'that came from "{source}" (same stage and start; line {shown})'
            )

    def _sweep(self, keep: Timetable) -> None:
        """Delete this source's stored sets that the new version no longer has, then
        bring the stage and day indexes of every touched stage up to date."""
        key, changes = self.event.key, self.changes
        deleter = self.services.performances.writer()
        for stage in self.stages:
            for stored in self.snapshot.stage(stage).values():
                if stored.source == key and not keep.has(stage, stored.start):
                    deleter.delete(key_of(stage, stored.start))
                    changes.removed(stage, stored.artist)
                    self.lease.keep_alive()
        deleter.flush()
        self._requests["performance_deletes"] = deleter.requests
        self._reindex(keep)

    def _reindex(self, kept: Timetable) -> None:
        key = self.event.key
        day_change = self.services.settings.day_change_minutes
        state = self.services.indexes
        touched_days: set[int] = set()
        shares: dict[str, dict[int, list[int]]] = {}
        for stage in self.snapshot.stages:
            stored_sets = self.snapshot.stage(stage).values()
            touched_days.update(clock.festival_day(stored.start, day_change) for stored in stored_sets)
            # What the stage holds now: the new sets, and the stored ones that were
            # neither overwritten nor this source's.
            remaining = [
                (stored.start, stored.end)
                for stored in stored_sets
                if stored.source != key and not kept.has(stage, stored.start)
            ]
            days: dict[int, list[int]] = {}
            for start, end in itertools.chain(kept.sets(stage), remaining):
                day = clock.festival_day(start, day_change)
                share = days.get(day)
                if share is None:
                    days[day] = [1, start, end]
                else:
                    share[0] += 1
                    share[1] = min(share[1], start)
                    share[2] = max(share[2], end)
            shares[stage] = days
            touched_days.update(days)
            state.put_stage(stage, sum(share[0] for share in days.values()))
        for day in sorted(touched_days):
            name = clock.iso_date(day)
            current = state.day(name)
            for stage, days in shares.items():
                share = days.get(day)
                if share:
                    current[stage] = DayStage(share[0], clock.iso(share[1]), clock.iso(share[2]))
                else:
                    current.pop(stage, None)
            state.put_day(name, current)

    def report_failure(self, error: Exception) -> None:
        """Tell the organiser, where S3 still lets us, that this version will be retried."""
        report = Report(source=self.report.source, status_override=ERROR)
        report.fail(
            f"{type(error).__name__}: {error}. The upload will be processed again automatically; "
            "nothing needs doing unless this report stays."
        )
        try:
            self.bucket.put_report(self.event.key, report.as_dict())
        except Exception:  # S3 may be what failed; the log line says it all
            log.warning("could not write the error report for %s", self.event.key)

    def _finish(self) -> dict[str, Any]:
        report = self.report
        report.details["timings"] = {
            "started_at": self._started_at,
            "finished_at": _utc_now(),
            "duration_ms": round((time.monotonic() - self._started) * 1000),
        }
        report.details["requests"] = dict(self._requests)
        full = report.as_dict()
        location = self.bucket.put_report(self.event.key, full)
        summary: dict[str, Any] = {
            name: full[name]
            for name in ("status", "reason", "source", "accepted", "rejected", "changes")
            if name in full
        }
        summary["errors"] = full["errors"][:_SUMMARY_ERRORS]
        summary["warnings"] = full["warnings"]
        summary["report"] = f"s3://{self.bucket.name}/{location}"
        _log(
            full["status"],
            self.event,
            accepted=report.accepted,
            rejected=report.rejected,
            duration_ms=full["timings"]["duration_ms"],
            report=location,
        )
        return summary
