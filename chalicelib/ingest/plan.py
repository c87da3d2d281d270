"""A run's plan: everything one version of an upload changes, decided before anything is
written.

The plan reads only what the last commit left (the file's manifest, the index of the
stage-days the version touches, and the sets and manifests of files it takes slots
from), so a run that dies and is tried again plans the same thing, and the writes of
the dead run cannot mislead it. Out come, in the domain's words (`Writes`, which
`storage.plans` turns into a plan file of items): the puts and deletes of sets, the
index, the manifests, the pages of changes, then what the commit writes (the file's
record and the release) and what follows it (the report, the garbage). The same code
serves a preview, which stops there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, Protocol
from zoneinfo import ZoneInfo

from chalicelib.ingest.authorship import Authorship
from chalicelib.ingest.messages import summary_of
from chalicelib.ingest.report import REMOVED, Report
from chalicelib.sets.changes import UNCHANGED, Change, Changelog
from chalicelib.sets.identity import Identities
from chalicelib.sets.index import DayEdges, IndexChanges, Reindex, StageDay, StageDayKey
from chalicelib.sets.model import Slot, StoredSet, content_digest
from chalicelib.storage.releases import INLINE_CHANGES, Release
from chalicelib.storage.sources import COMMITTED, Manifest, SourceRecord
from chalicelib.timetable import clock
from chalicelib.timetable.fixes import Fixes
from chalicelib.timetable.problems import Problem
from chalicelib.timetable.rows import Performance, Rejection, read_schedule

MAX_KEPT_SHOWN = 100


class Festival(Protocol):
    """What a plan reads of the festival, as the last commit left it."""

    def whole_days(self, days: Iterable[int]) -> list[StageDay]: ...
    def edges(self, stages: Iterable[str]) -> dict[str, dict[int, DayEdges]]: ...
    def stage_days_at(self, keys: Iterable[StageDayKey]) -> list[StageDay]: ...
    def sets_in(self, slots: list[Slot]) -> list[StoredSet]: ...
    def records(self, sources: list[str]) -> dict[str, SourceRecord]: ...
    def manifest(self, source: str, state: SourceRecord | None) -> list[StoredSet]: ...


class Writes(Protocol):
    """What a plan decides, in the domain's words; storage makes items of it
    (`storage.plans.PlanFile`), and a test can keep the decisions as they are."""

    run: str  # the run's id: its manifests and pages of changes are kept under it
    requests: dict[str, int]

    def put_set(self, stored: StoredSet, genre: str, notes: str) -> None: ...
    def delete_set(self, slot: Slot) -> None: ...
    def put_index(self, changes: IndexChanges) -> None: ...
    def put_record(self, source: str, record: SourceRecord) -> None: ...
    def put_manifest(self, source: str, sets: list[StoredSet]) -> Manifest: ...
    def put_changes(self, changes: list[Change]) -> int: ...
    def close_writes(self, occupied: Iterable[Slot]) -> None: ...
    def commit(self, record: SourceRecord, release: Release | None) -> None: ...
    def finish(self, report: dict[str, Any], forget: list[tuple[str, Manifest]]) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Version:
    """The version a run applies: which object, what it holds, how it came."""

    source: str  # the object's key
    bucket: str
    processed: dict[str, str]  # its version id, etag and upload time; or what removed it
    what: str  # what this run does, in words for the report and the message
    label: str  # the version, for the report
    report: str = ""  # where the report is (`s3://...`), for the message and the release
    note: str = ""  # the organiser's release note
    authorship: Authorship = field(default_factory=Authorship)  # how it came, and who made it


@dataclass
class Plan:
    """A decided run: its file of writes, and what it says."""

    run: str
    version: Version
    writes: Writes
    report: dict[str, Any]
    changes: Changelog
    day_change: int = clock.DEFAULT_DAY_CHANGE  # the festival's, which the plan's days follow
    sets: list[StoredSet] = field(default_factory=list)  # the file's live sets once it is applied
    lines: dict[Slot, int] = field(default_factory=dict)  # where each of those is in the file


@dataclass
class _Placed:
    """The new version's sets, as they are placed."""

    sets: dict[Slot, StoredSet] = field(default_factory=dict)
    lines: dict[Slot, int] = field(default_factory=dict)  # where each is in the file


class Planner:
    """Plans one version of one upload."""

    def __init__(
        self,
        version: Version,
        previous: SourceRecord | None,
        festival: Festival,
        writes: Writes,
        *,
        now: str,
        zone: ZoneInfo,
        day_change: int,
        keep_alive: Callable[[], None] = lambda: None,
        rewrite: bool = False,
    ) -> None:
        self.version = version
        self.source = version.source
        self.previous = previous
        self.festival = festival
        self.run = writes.run
        self.now = now  # when its changes are decided: the `changed` of the sets it changes
        self.zone = zone
        self.day_change = day_change
        self.keep_alive = keep_alive
        self.rewrite = rewrite  # put every set, unchanged ones too (a replay rebuilding the table)
        self.previous_sets = festival.manifest(self.source, previous)
        self.changes = Changelog()
        self.report = Report(
            source={"bucket": version.bucket, "key": version.source, "version": version.label}, changes=self.changes
        )
        self.report.details["what"] = version.what
        if version.note:
            self.report.details["note"] = version.note
        self.writes = writes
        self._fixes: Fixes | None = None
        self._stages_known: set[str] = set()  # the stages playing on the days the version touches
        self._started = time.monotonic()
        self._garbage: list[tuple[str, Manifest]] = []
        self._occupied: set[Slot] = set()  # the slots the touched days had taken at the last commit

    # The two kinds of run.

    def ingest(self, body: BinaryIO) -> Plan:
        """Plan the version whose bytes these are."""
        schedule = read_schedule(body, self.zone, self.day_change)
        if isinstance(schedule, str):
            self.report.fail(schedule)
            return self._unchanged()
        self.report.describe(schedule.encoding, schedule.delimiter, schedule.warnings())
        identities = Identities(self.source, self.previous_sets)
        placed = _Placed()
        waiting: list[Performance] = []
        self._fixes = Fixes(schedule, self.day_change)
        for row in schedule.rows():
            self._fixes.note(row)
            if isinstance(row, Rejection):
                self.report.reject(row.line, row.reason, row.columns, row.problems)
                identities.stand_for(row)
                continue
            self.report.accepted += 1
            previous = identities.same_slot(row)
            if previous is None and identities.may_continue(row.artist):
                waiting.append(row)
                continue
            self._place(row, previous, identities, placed)
        for row, previous in identities.pair(waiting):
            self._place(row, previous, identities, placed)
        self.report.warnings.extend(schedule.closing_warnings())
        if not self.report.accepted:
            if not self.report.rejected:
                self.report.fail(
                    Problem(
                        "no-rows",
                        "the file has a header but no data rows; to remove a file's sets, delete the file",
                    )
                )
            return self._unchanged()  # nothing was placed: what was live stays live
        kept = [s for s in self.previous_sets if s.slot not in placed.sets and identities.kept_if_left(s)]
        vacated = self._sweep(placed, kept, identities.continued)
        self._report_kept(kept)
        return self._finish(list(placed.sets.values()), kept, vacated, placed.lines)

    def remove(self) -> Plan:
        """Plan taking away every set of a key that holds no current object."""
        self.report.status_override = REMOVED
        vacated = self._sweep(_Placed(), [], lambda stored: False)
        return self._finish([], [], vacated, {})

    # Deciding the sets.

    def _place(
        self,
        row: Performance,
        previous: StoredSet | None,
        identities: Identities,
        placed: _Placed,
    ) -> None:
        content = content_digest(row.genre, row.notes)
        if previous is None:
            new = StoredSet(
                row.stage,
                row.start,
                row.end,
                row.artist,
                content,
                self.source,
                identities.new_id(row),
                row.cancelled,
                0,
                self.now,
            )
            self.changes.compare(new, None)
        else:
            new = StoredSet(row.stage, row.start, row.end, row.artist, content, self.source, previous.id, row.cancelled)
            if self.changes.compare(new, previous) == UNCHANGED:
                new = replace(new, sequence=previous.sequence, changed=previous.changed)
                if not self.rewrite:  # its item is the one in the table already
                    slot = new.slot
                    placed.sets[slot] = new
                    placed.lines[slot] = row.line
                    return
            else:
                new = replace(new, sequence=previous.sequence + 1, changed=self.now)
        slot = new.slot  # one tuple for both
        placed.sets[slot] = new
        placed.lines[slot] = row.line
        self.writes.put_set(new, row.genre, row.notes)
        if len(placed.sets) % 1000 == 0:
            self.keep_alive()

    def _sweep(self, placed: _Placed, kept: list[StoredSet], continued: Callable[[StoredSet], bool]) -> list[StoredSet]:
        """Delete the previous sets whose slots the new version leaves empty (never one a
        rejected row stands for); returns the previous sets whose slots it vacates."""
        keep = {s.slot for s in kept}
        vacated = []
        for stored in self.previous_sets:
            if stored.slot in keep:
                continue
            if stored.slot in placed.sets:  # overwritten by a set of the new version
                if not continued(stored):
                    self.changes.removed(stored)
                continue
            self.writes.delete_set(stored.slot)
            vacated.append(stored)
            if not continued(stored):
                self.changes.removed(stored)
        return vacated

    def _report_kept(self, kept: list[StoredSet]) -> None:
        if not kept:
            return
        self.report.details["kept"] = [
            {
                "id": s.id,
                "stage": s.stage,
                "start": clock.iso(s.start),
                "day": clock.festival_date(s.start, self.day_change),
                "artist": s.artist,
            }
            for s in kept[:MAX_KEPT_SHOWN]
        ]
        self.report.warnings.append(
            f"{len(kept):,} {'set' if len(kept) == 1 else 'sets'} of the previous version stayed live because "
            "a rejected row stands for them (same artist, or a row whose artist could not be read); "
            "fix those rows and upload again to replace them"
        )

    # Deciding everything else: slots taken from other files, the index, the manifests.

    def _finish(
        self, put: list[StoredSet], kept: list[StoredSet], vacated: list[StoredSet], lines: dict[Slot, int]
    ) -> Plan:
        days = {clock.festival_day(s.start, self.day_change) for s in (*put, *vacated)}
        stage_days = self.festival.whole_days(days) if days else []
        self._occupied = {(sd.stage, start) for sd in stage_days for start in sd.sets}
        self._stages_known = {stage_day.stage for stage_day in stage_days}
        self._take_over(put, stage_days, lines)
        reindex = Reindex(
            self.day_change, stage_days, self.festival.edges({s.stage for s in (*put, *vacated)}), vacated, put
        )
        self.writes.put_index(reindex.changes(self.festival.stage_days_at(reindex.to_read())))
        live = [*put, *kept]
        manifest = self._manifest(self.source, live, self.previous)
        record = SourceRecord(processed=self.version.processed, live=bool(live), status=COMMITTED, manifest=manifest)
        plan = self._plan(record)
        plan.sets, plan.lines = live, lines
        return plan

    def _take_over(self, put: list[StoredSet], stage_days: list[StageDay], lines: dict[Slot, int]) -> None:
        """The sets of other files whose slots the new version takes: listed as removed,
        and taken out of their files' manifests."""
        own = {s.slot for s in self.previous_sets}
        timelines = {sd.key: sd.sets for sd in stage_days}
        wanted = [
            s.slot
            for s in put
            if s.slot not in own
            and s.start in timelines.get((s.stage, clock.festival_day(s.start, self.day_change)), {})
        ]
        if not wanted:
            return
        lost: dict[str, set[Slot]] = {}
        for taken in self.festival.sets_in(wanted):
            if taken.source == self.source:
                continue
            self.changes.removed(taken)
            lost.setdefault(taken.source, set()).add((taken.stage, taken.start))
        records = self.festival.records(sorted(lost))
        for other, slots in sorted(lost.items()):
            taken_lines = sorted(lines[slot] for slot in slots)
            shown = ", ".join(str(line) for line in taken_lines[:10]) + (", ..." if len(taken_lines) > 10 else "")
            self.report.warnings.append(
                f"{len(slots):,} {'row replaces a set' if len(slots) == 1 else 'rows replace sets'} "
                f'that came from "{other}" (same stage and start; line {shown})'
            )
            state = records.get(other)
            if state is None:
                continue
            remaining = [s for s in self.festival.manifest(other, state) if s.slot not in slots]
            state.manifest = self._manifest(other, remaining, state)
            state.live = bool(remaining)
            self.writes.put_record(other, state)

    def _manifest(self, source: str, sets: list[StoredSet], old: SourceRecord | None) -> Manifest | None:
        """Write a source's new manifest under this run (none when it has no sets left); the
        old one is garbage once committed."""
        if old is not None and old.manifest is not None:
            self._garbage.append((source, old.manifest))
        return self.writes.put_manifest(source, sets) if sets else None

    def _unchanged(self) -> Plan:
        """A version that changes nothing live: the previous record's sets stay."""
        previous = self.previous or SourceRecord()
        record = SourceRecord(
            processed=self.version.processed, live=previous.live, status=COMMITTED, manifest=previous.manifest
        )
        return self._plan(record)

    # The plan's last lines: pages of changes, the commit, what follows it.

    def _plan(self, record: SourceRecord) -> Plan:
        if self._fixes is not None:  # the likely fixes of what the file got wrong, for the organiser
            fixes, warnings = self._fixes.suggest(self._stages_known)
            self.report.warnings.extend(warnings)
            if fixes:
                self.report.details["fixes"] = [fix.as_json() for fix in fixes]
        pages = self.writes.put_changes(self.changes.changes)
        self.writes.close_writes(self._occupied)
        report = self.report
        report.details["timings"] = {
            "planned_at": self.now,
            "planning_ms": round((time.monotonic() - self._started) * 1000),
        }
        report.details["requests"] = dict(self.writes.requests)
        release = None
        if self.changes.total:
            release = Release(
                release="",  # the commit gives it
                source=self.source,
                run=self.run,
                counts=self.changes.as_dict(),
                changes=list(self.changes.entries(INLINE_CHANGES)),
                total=self.changes.total,
                pages=pages,
                report=self.version.report,
                note=self.version.note,
                action=self.version.authorship.action,
                author=self.version.authorship.author,
                rollback_of=self.version.authorship.rollback_of,
                version=self.version.processed.get("version_id", ""),
            )
        full = report.as_dict()
        record.summary = summary_of(full, self.version.report)
        self.writes.commit(record, release)
        self.writes.finish(full, self._garbage)
        return Plan(self.run, self.version, self.writes, full, self.changes, self.day_change)
