"""One run: make the live schedule hold what one upload's current version says.

The run compares the new version with the sets the previous one left (the source's
manifest), writes the new sets, deletes the sets the new version dropped (never one a
rejected row stood for), and returns the source's new record and index shares for the
handler to commit in one transaction fenced by the lease.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.identity import Identities
from chalicelib.ingest.report import REMOVED, UNCHANGED, Changelog, Report
from chalicelib.services import Services
from chalicelib.storage.bucket import CurrentObject, report_key
from chalicelib.storage.indexes import DayStage, FestivalIndex, Shares
from chalicelib.storage.lease import Lease
from chalicelib.storage.performances import ItemFactory, key_of, stored_set
from chalicelib.storage.releases import Release, next_release_id
from chalicelib.storage.sources import MAX_MANIFEST_BYTES, SourceRecords, SourceState, StoredSet
from chalicelib.timetable import clock
from chalicelib.timetable.overlaps import Timetable
from chalicelib.timetable.rows import Performance, Rejection, Schedule, read_schedule

Slot = tuple[str, int]  # stage, start
MAX_ANNOUNCED_CHANGES = 50  # in the SNS message and the source's record; the report has more
_MANIFEST_ENTRY_BYTES = 80  # a manifest entry's size beyond its stage and artist, about


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StoredSets:
    """The sets in the table that a run may replace or must keep: this source's own, and
    other sources' on the stages and festival days this version plays.

    Read from the sources' manifests (one request for all the other sources a run
    meets); from the table, stage by stage, only where a manifest was too large to keep
    or a run died before it could record what it wrote.
    """

    def __init__(self, source: str, previous: SourceState | None, index: FestivalIndex, services: Services) -> None:
        self._source = source
        self._index = index
        self._services = services
        self._others: dict[Slot, StoredSet] = {}
        self._loaded_sources: set[str] = {source}
        self._read_stages: set[str] = set()
        self.own: dict[Slot, StoredSet] = {}
        self.other_records: dict[str, SourceState] = {}
        if previous and previous.in_progress:
            # A run died before it could record what it wrote, and it may have written anywhere.
            self.own = {(s.stage, s.start): s for s in services.performances.sets_from(source)}
        elif previous and previous.sets is not None:
            self.own = {(s.stage, s.start): s for s in previous.sets}
        elif previous:  # its manifest was too large to keep: read its stages
            self._read_table(previous.stages)

    def other_at(self, stage: str, start: int) -> StoredSet | None:
        """Another source's set in this slot, if any."""
        day = clock.iso_date(clock.festival_day(start, self._services.settings.day_change_minutes))
        sharing = set(self._index.days.get(day, {}).get(stage, {})) - self._loaded_sources
        if sharing:
            self._load(sharing)
        return self._others.get((stage, start))

    def _load(self, sources: set[str]) -> None:
        self._loaded_sources |= sources
        names = sorted(sources)
        items = self._services.sources.read(*(SourceRecords.key(name) for name in names))
        for name, item in zip(names, items, strict=True):
            record = SourceRecords.decode(name, item)
            if record is None:
                continue
            self.other_records[name] = record
            if record.sets is None or record.in_progress:
                # Its sets may be on any of its stages; the next rows may meet them there.
                self._read_table(record.stages or self._index.stage_counts())
            else:
                self._others.update(((s.stage, s.start), s) for s in record.sets)

    def _read_table(self, stages: Iterable[str]) -> None:
        for stage in sorted(set(stages) - self._read_stages):
            self._read_stages.add(stage)
            for stored in self._services.performances.stage_sets(stage):
                if stored.source == self._source:
                    self.own[stored.stage, stored.start] = stored
                else:
                    self._others[stored.stage, stored.start] = stored


@dataclass
class Written:
    """What writing a version's rows found."""

    sets: list[StoredSet] | None  # None: too many to keep in the manifest
    stages: list[str]
    protected: Callable[[StoredSet], bool]  # a previous set a rejected row stands for
    taken: dict[str, list[Slot]]  # other sources' slots this version took over


@dataclass
class Outcome:
    """What a run leaves for the handler to commit."""

    summary: dict[str, Any]
    record: SourceState
    shares: Shares
    others: dict[str, SourceState] = field(default_factory=dict)  # records that lost sets to this one
    other_shares: dict[str, Shares] = field(default_factory=dict)
    release: Release | None = None  # None: nothing live changed


class Run:
    """One upload's current version (or its absence) being applied under the lease."""

    def __init__(
        self,
        event: ObjectEvent,
        previous: SourceState | None,
        index: FestivalIndex,
        services: Services,
        lease: Lease,
        current: CurrentObject | None,
    ) -> None:
        self.event = event
        self.key = event.key
        self.services = services
        self.lease = lease
        self.current = current
        self.previous = previous
        self.bucket = services.bucket(event.bucket)
        self.stored = StoredSets(event.key, previous, index, services)
        self.changes = Changelog()
        self.identities = Identities(event.key, self.stored.own.values())
        version = current.version_id or current.etag if current else event.version
        self.report = Report(
            source={"bucket": event.bucket, "key": event.key, "version": version}, changes=self.changes
        )
        self._started = time.monotonic()
        self._started_at = utc_now()
        self._requests = {"performance_writes": 0, "performance_deletes": 0}
        self._day_change = services.settings.day_change_minutes
        # The release this run makes if it changes anything: sets it changes carry its id.
        self.release_id = next_release_id(datetime.now(UTC), index.release)
        self.release: Release | None = None

    def ingest(self, current: CurrentObject, what: str) -> Outcome | None:
        """Apply the current version; None when it changed since it was looked at."""
        body = self.bucket.open_upload(
            self.key, version_id=current.version_id or None, etag=None if current.version_id else current.etag
        )
        if body is None:
            return None
        self.report.details["what"] = what
        schedule = read_schedule(body, self.services.settings.zone, self._day_change)
        if isinstance(schedule, str):
            self.report.fail(schedule)
            return self._keep_previous()
        self.report.describe(schedule.encoding, schedule.delimiter, schedule.warnings())
        self.services.sources.mark_in_progress(self.key, self.lease.owner)
        written = self._write(schedule)
        if not self.report.accepted:
            if not self.report.rejected:
                self.report.fail("the file has a header but no data rows; to remove a file's sets, delete the file")
            # Nothing was written: what was live stays live. The in-progress mark is cleared by the commit.
            return self._keep_previous()
        kept = self._sweep(schedule.timetable, written.protected)
        if written.sets is None:
            return self._outcome(None, written.stages, written.taken)
        return self._outcome(written.sets + kept, written.stages, written.taken)

    def remove(self, what: str) -> Outcome:
        """The key holds no current object: take its sets away."""
        self.report.status_override = REMOVED
        self.report.details["what"] = what
        self._sweep(Timetable(), protected=lambda stored: False)
        return self._outcome([], [], {})

    def _write(self, schedule: Schedule) -> Written:
        report = self.report
        placing = _Placing(self, ItemFactory(self.key, self._started_at, self._day_change))
        rejected_artists: set[str] = set()
        unreadable = False
        waiting: list[Performance] = []  # rows that may continue a set of the same artist elsewhere
        for row in schedule.rows():
            if isinstance(row, Rejection):
                report.reject(row.line, row.reason)
                if row.artist:
                    rejected_artists.add(row.artist)
                else:
                    unreadable = True
                continue
            report.accepted += 1
            previous = self.identities.same_slot(row)
            if previous is None and self.identities.may_continue(row.artist):
                waiting.append(row)
                continue
            placing.place(row, previous)
        for row, previous in self.identities.pair(waiting):
            placing.place(row, previous)
        placing.writer.flush()
        report.warnings.extend(schedule.closing_warnings())
        self._requests["performance_writes"] = placing.writer.requests
        for source, lines in placing.taken_lines.items():
            shown = ", ".join(str(line) for line in lines[:10]) + (", ..." if len(lines) > 10 else "")
            report.warnings.append(
                f"{len(lines):,} {'row replaces a set' if len(lines) == 1 else 'rows replace sets'} "
                f'that came from "{source}" (same stage and start; line {shown})'
            )

        def protected(stored: StoredSet) -> bool:
            return unreadable or stored.artist in rejected_artists

        return Written(placing.written, sorted(schedule.timetable.stages()), protected, placing.taken)

    def _sweep(self, keep: Timetable, protected: Callable[[StoredSet], bool]) -> list[StoredSet]:
        """Delete this source's sets that the new version no longer has in their slot,
        except those a rejected row stands for; returns the ones kept that way. A set
        another row continues (it moved) goes quietly: the changelog has it as moved."""
        deleter = self.services.performances.writer()
        kept: list[StoredSet] = []
        for stored in self.stored.own.values():
            continued = self.identities.continued(stored)
            if keep.has(stored.stage, stored.start):  # overwritten by this version's set in that slot
                if not continued:
                    self.changes.removed(stored)
                continue
            if not continued and protected(stored):
                kept.append(stored)
                continue
            deleter.delete(key_of(stored.stage, stored.start))
            if not continued:
                self.changes.removed(stored)
            self.lease.keep_alive()
        deleter.flush()
        self._requests["performance_deletes"] = deleter.requests
        if kept:
            self.report.details["kept"] = [
                {"id": s.id, "stage": s.stage, "start": clock.iso(s.start), "artist": s.artist} for s in kept[:100]
            ]
            self.report.warnings.append(
                f"{len(kept):,} {'set' if len(kept) == 1 else 'sets'} of the previous version stayed live because "
                "a rejected row stands for them (same artist, or a row whose artist could not be read); "
                "fix those rows and upload again to replace them"
            )
        return kept

    def _shares(self, sets: Iterable[StoredSet]) -> Shares:
        shares: Shares = {}
        for s in sets:
            day = clock.iso_date(clock.festival_day(s.start, self._day_change))
            share = DayStage(1, clock.iso(s.start), clock.iso(s.end), clock.iso(s.start))
            stages = shares.setdefault(day, {})
            stages[s.stage] = stages[s.stage].plus(share) if s.stage in stages else share
        return shares

    def _outcome(self, live: list[StoredSet] | None, stages: list[str], taken: dict[str, list[Slot]]) -> Outcome:
        """`live`: every set of this source now in the table, or None when too many to keep."""
        summary = self.finish()
        record = SourceState(
            processed=self.current.as_record() if self.current else {"removed": self.event.version},
            live=live is None or bool(live),
            status="",
            stages=sorted({s.stage for s in live or ()} | set(stages)),
            summary=summary,
            sets=live,
        )
        shares = self._shares_from_table(record.stages, self.key) if live is None else self._shares(live)
        outcome = Outcome(summary, record, shares, release=self.release)
        for source, slots in taken.items():
            other = self.stored.other_records.get(source)
            if other is None:
                continue
            if other.sets is None:  # no manifest to edit: its shares are read back from the table
                outcome.other_shares[source] = self._shares_from_table(other.stages, source)
                continue
            lost = set(slots)
            other.sets = [s for s in other.sets if (s.stage, s.start) not in lost]
            outcome.others[source] = other
            outcome.other_shares[source] = self._shares(other.sets)
        return outcome

    def _shares_from_table(self, stages: list[str], source: str) -> Shares:
        """A source's shares when its manifest is too large to keep: read back its stages."""
        return self._shares(
            stored
            for stage in stages
            for stored in self.services.performances.stage_sets(stage)
            if stored.source == source
        )

    def _keep_previous(self) -> Outcome:
        """A version that changes nothing live: the previous record's sets stay."""
        summary = self.finish()
        previous = self.previous or SourceState()
        record = SourceState(
            processed=self.current.as_record() if self.current else {},
            live=previous.live,
            status="",
            stages=previous.stages,
            summary=summary,
            # read from the table when the manifest was too large or a run died before writing it
            sets=previous.sets
            if previous.sets is not None and not previous.in_progress
            else list(self.stored.own.values()),
        )
        return Outcome(summary, record, self._shares(record.sets or ()))

    def finish(self) -> dict[str, Any]:
        report = self.report
        report.details["timings"] = {
            "started_at": self._started_at,
            "finished_at": utc_now(),
            "duration_ms": round((time.monotonic() - self._started) * 1000),
        }
        report.details["requests"] = dict(self._requests)
        location = report_key(self.key)
        if self.changes.total:
            self.release = Release(
                self.release_id,
                self.key,
                self.changes.entries,
                truncated=self.changes.total > len(self.changes.entries),
                report=f"s3://{self.bucket.name}/{location}",
            )
            report.details["release"] = self.release.release
        full = report.as_dict()
        self.bucket.put_report(self.key, full)
        summary: dict[str, Any] = {
            name: full[name]
            for name in ("status", "what", "reason", "source", "release", "accepted", "rejected", "changes")
            if name in full
        }
        summary["changelog"] = full.get("changelog", [])[:MAX_ANNOUNCED_CHANGES]
        summary["changelog_truncated"] = self.changes.total > len(summary["changelog"])
        summary["errors"] = full["errors"][:5]
        summary["warnings"] = full["warnings"]
        summary["report"] = f"s3://{self.bucket.name}/{location}"
        return summary


class _Placing:
    """Writes a version's sets one by one, with their ids, into the table, the changelog
    and the manifest."""

    def __init__(self, run: Run, factory: ItemFactory) -> None:
        self._run = run
        self._factory = factory
        self.writer = run.services.performances.writer()
        self.written: list[StoredSet] | None = []
        self._manifest_bytes = 0
        self.taken: dict[str, list[Slot]] = {}
        self.taken_lines: dict[str, list[int]] = {}

    def place(self, row: Performance, previous: StoredSet | None) -> None:
        run = self._run
        set_id = previous.id if previous else run.identities.new_id(row)
        new = stored_set(row, set_id, run.key)
        kind = run.changes.compare(new, previous)
        if previous is None:
            new = replace(new, changed=run.release_id)
        elif kind == UNCHANGED:
            new = replace(new, sequence=previous.sequence, changed=previous.changed)
        else:
            new = replace(new, sequence=previous.sequence + 1, changed=run.release_id)
        if (row.stage, row.start) not in run.stored.own:
            other = run.stored.other_at(row.stage, row.start)
            if other is not None:
                run.changes.removed(other)
                self.taken.setdefault(other.source, []).append((row.stage, row.start))
                self.taken_lines.setdefault(other.source, []).append(row.line)
        if self.written is not None:
            self.written.append(new)
            self._manifest_bytes += len(row.stage) + len(row.artist) + _MANIFEST_ENTRY_BYTES
            if self._manifest_bytes > MAX_MANIFEST_BYTES:
                self.written = None  # too large to keep; the next run reads the stages instead
        self.writer.put(self._factory.item(row, new))
        run.lease.keep_alive()
