"""In-memory stand-ins for what a run works through, so that the planner and the run are
tested in milliseconds without AWS (as cosmicpython tests its handlers with a
FakeUnitOfWork): the plan's decisions kept as the domain says them (`FakeWrites`), the
festival as the last commit left it (`MemoryFestival`), and a unit of work over both
(`FakeUnitOfWork`), with a bucket of versioned objects, reports and messages.

They model what the run relies on, not DynamoDB or S3: the moto tests check those."""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from chalicelib.sets.changes import Change
from chalicelib.sets.index import Day, DayEdges, IndexChanges, StageDay, StageDayKey
from chalicelib.sets.model import Slot, StoredSet
from chalicelib.storage.bucket import CurrentObject
from chalicelib.storage.indexes import Head
from chalicelib.storage.lease import LeaseLost
from chalicelib.storage.plans import Header
from chalicelib.storage.releases import Release
from chalicelib.storage.sources import NOTIFIED, Manifest, SourceRecord
from chalicelib.storage.unit_of_work import Applied, Finish, KeptPlan, PlanMissing


@dataclass
class FakeWrites:
    """A plan's decisions, as the planner made them (`ingest.plan.Writes`)."""

    run: str
    source: str = ""
    version: str = ""
    requests: dict[str, int] = field(default_factory=lambda: {"performance_writes": 0, "bookkeeping_writes": 0})
    puts: dict[Slot, tuple[StoredSet, str, str]] = field(default_factory=dict)
    deletes: list[Slot] = field(default_factory=list)
    index: IndexChanges | None = None
    records: dict[str, SourceRecord] = field(default_factory=dict)
    manifests: dict[str, list[StoredSet]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    occupied: set[Slot] = field(default_factory=set)
    committed: tuple[SourceRecord, Release | None] | None = None
    finished: tuple[dict[str, Any], list[tuple[str, Manifest]]] | None = None

    def put_set(self, stored: StoredSet, genre: str, notes: str) -> None:
        self.puts[stored.slot] = (stored, genre, notes)

    def delete_set(self, slot: Slot) -> None:
        self.deletes.append(slot)

    def put_index(self, changes: IndexChanges) -> None:
        self.index = changes

    def put_record(self, source: str, record: SourceRecord) -> None:
        self.records[source] = copy.deepcopy(record)

    def put_manifest(self, source: str, sets: list[StoredSet]) -> Manifest:
        self.manifests[source] = list(sets)
        return Manifest(self.run, 1, len(sets))

    def put_changes(self, changes: list[Change]) -> int:
        self.changes = list(changes)
        return 1 if changes else 0

    def close_writes(self, occupied: Iterable[Slot]) -> None:
        self.occupied = set(occupied)

    def commit(self, record: SourceRecord, release: Release | None) -> None:
        self.committed = (copy.deepcopy(record), release)

    def finish(self, report: dict[str, Any], forget: list[tuple[str, Manifest]]) -> None:
        self.finished = (report, list(forget))

    def close(self) -> None:
        pass


@dataclass
class MemoryFestival:
    """The festival as the last commit left it: what a plan reads (`ingest.plan.Festival`),
    and a plan's writes applied to it."""

    sets: dict[Slot, tuple[StoredSet, str, str]] = field(default_factory=dict)
    stage_days: dict[StageDayKey, StageDay] = field(default_factory=dict)
    stage_edges: dict[str, dict[int, DayEdges]] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    days: dict[int, Day] = field(default_factory=dict)
    source_records: dict[str, SourceRecord] = field(default_factory=dict)
    manifests: dict[tuple[str, str], list[StoredSet]] = field(default_factory=dict)  # (source, run) -> sets
    pages: dict[str, list[Change]] = field(default_factory=dict)
    releases: dict[str, Release] = field(default_factory=dict)
    head: Head = field(default_factory=Head)

    # What a plan reads.

    def whole_days(self, days: Iterable[int]) -> list[StageDay]:
        wanted = set(days)
        return [copy.deepcopy(sd) for key, sd in sorted(self.stage_days.items()) if key[1] in wanted]

    def edges(self, stages: Iterable[str]) -> dict[str, dict[int, DayEdges]]:
        return {stage: dict(self.stage_edges[stage]) for stage in stages if stage in self.stage_edges}

    def stage_days_at(self, keys: Iterable[StageDayKey]) -> list[StageDay]:
        return [copy.deepcopy(self.stage_days[key]) for key in keys if key in self.stage_days]

    def sets_in(self, slots: list[Slot]) -> list[StoredSet]:
        return [self.sets[slot][0] for slot in slots if slot in self.sets]

    def records(self, sources: list[str]) -> dict[str, SourceRecord]:
        found = self.source_records
        return {source: copy.deepcopy(found[source]) for source in sources if source in found}

    def manifest(self, source: str, state: SourceRecord | None) -> list[StoredSet]:
        if state is None or state.manifest is None:
            return []
        return list(self.manifests[(source, state.manifest.run)])

    # What a plan writes.

    def apply(self, writes: FakeWrites) -> None:
        for slot in writes.deletes:
            self.sets.pop(slot, None)
        self.sets.update(writes.puts)
        if writes.index is not None:
            index = writes.index
            for stage_day in index.stage_days:
                self.stage_days[stage_day.key] = copy.deepcopy(stage_day)
            for key in index.gone:
                self.stage_days.pop(key, None)
            for stage, stage_days in index.edges.items():
                if stage_days:
                    self.stage_edges[stage] = dict(stage_days)
                else:
                    self.stage_edges.pop(stage, None)
            for stage, count in index.stages.items():
                if count:
                    self.stages[stage] = count
                else:
                    self.stages.pop(stage, None)
            for day, summary in index.days.items():
                if summary is None:
                    self.days.pop(day, None)
                else:
                    self.days[day] = summary
        self.source_records.update(copy.deepcopy(writes.records))
        for source, sets in writes.manifests.items():
            self.manifests[(source, writes.run)] = list(sets)
        if writes.changes:
            self.pages[writes.run] = list(writes.changes)

    def live(self) -> dict[Slot, tuple[str, str, bool]]:
        """Every set where it is: (artist, id, cancelled), for assertions."""
        return {slot: (s.artist, s.id, s.cancelled) for slot, (s, _, _) in sorted(self.sets.items())}


@dataclass
class _Object:
    version_id: str
    body: bytes | None  # None: a delete marker
    metadata: dict[str, str]
    uploaded: str


class FakeUnitOfWork:
    """A unit of work in memory (`ingest.handler.Work`): the festival, a versioned bucket,
    reports and messages. `refuse` makes the next apply fail as DynamoDB refuses a write
    for good, halfway; `lose_lease` makes the next commit find the lease taken."""

    def __init__(self, festival: MemoryFestival | None = None) -> None:
        self.festival = festival or MemoryFestival()
        self.objects: dict[str, list[_Object]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.messages: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.plans: dict[str, FakeWrites] = {}
        self.requests = {"performance_writes": 0, "bookkeeping_writes": 0}
        self.refuse = False
        self.lose_lease = False
        self._before: dict[str, MemoryFestival] = {}
        self._versions = itertools.count(1)
        self._runs = itertools.count(1)

    # The bucket, as an organiser changes it.

    def upload(self, key: str, body: bytes, metadata: dict[str, str] | None = None) -> str:
        version = f"v{next(self._versions)}"
        versions = self.objects.setdefault(key, [])
        versions.append(_Object(version, body, metadata or {}, f"2026-06-01T12:00:{len(versions):02d}Z"))
        return version

    def delete(self, key: str) -> None:
        self.objects.setdefault(key, []).append(_Object(f"v{next(self._versions)}", None, {}, ""))

    # Reads.

    def head(self) -> Head:
        return self.festival.head

    def record(self, source: str) -> SourceRecord | None:
        found = self.festival.source_records.get(source)
        return copy.deepcopy(found)

    def current(self, key: str) -> CurrentObject | None:
        versions = self.objects.get(key)
        if not versions or versions[-1].body is None:
            return None
        latest = versions[-1]
        etag = hashlib.md5(latest.body).hexdigest()
        return CurrentObject(latest.version_id, etag, latest.uploaded, dict(latest.metadata))

    def open_upload(self, key: str, current: CurrentObject) -> BinaryIO | None:
        found = next((o for o in self.objects.get(key, []) if o.version_id == current.version_id), None)
        return None if found is None or found.body is None else io.BytesIO(found.body)

    def keep_alive(self) -> None:
        pass

    # The plan.

    def new_plan(self, source: str, version: str, day_change: int, *, undo: bool = True) -> FakeWrites:
        return FakeWrites(f"run{next(self._runs)}", source, version)

    def keep(self, plan: FakeWrites, head: Head) -> KeptPlan:
        key = f"plans/{plan.run}.jsonl"
        self.plans[key] = plan
        self._before[key] = copy.deepcopy(self.festival)
        self.festival.head = Head(release=head.release, pending=plan.run, plan=key)
        return self._kept(key)

    def kept(self, head: Head) -> KeptPlan:
        if head.plan not in self.plans:
            raise PlanMissing(f"run {head.pending} is pending but its plan {head.plan} is gone")
        return self._kept(head.plan)

    def _kept(self, key: str) -> KeptPlan:
        plan = self.plans[key]
        return KeptPlan(key, Header(plan.run, plan.source, plan.version), lambda: iter(()))

    def finish_of(self, key: str) -> Finish | None:
        plan = self.plans.get(key)
        if plan is None or plan.finished is None:
            return None
        return Finish(plan.source, copy.deepcopy(plan.finished[0]), list(plan.finished[1]))

    # Writes.

    def apply(self, kept: KeptPlan) -> Applied:
        plan = self.plans[kept.key]
        if self.refuse:
            self.refuse = False
            self.festival.sets.update(plan.puts)  # the sets landed, then the index was refused
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "refused"}}, "BatchWriteItem")
        self.festival.apply(plan)
        assert plan.committed is not None and plan.finished is not None
        record, release = plan.committed
        finish = self.finish_of(kept.key)
        assert finish is not None
        return Applied(copy.deepcopy(record), release, finish)

    def undo(self, kept: KeptPlan, head: Head) -> None:
        self.festival = self._before.pop(kept.key)
        self.festival.head = Head(release=head.release)

    def commit(self, head: Head, source: str, record: SourceRecord, release: Release | None) -> None:
        if self.lose_lease:
            raise LeaseLost("the ingest lease expired and another run took over before committing")
        self.festival.head = head
        self.festival.source_records[source] = copy.deepcopy(record)
        if release is not None:
            self.festival.releases[release.release] = release

    def mark_notified(self, source: str) -> None:
        self.festival.source_records[source].status = NOTIFIED

    def forget(self, garbage: list[tuple[str, Manifest]]) -> None:
        for source, manifest in garbage:
            self.festival.manifests.pop((source, manifest.run), None)

    def put_report(self, key: str, report: dict[str, Any]) -> None:
        self.reports[key] = report

    def publish(self, subject: str, summary: dict[str, Any], email: str, attributes: dict[str, str]) -> None:
        self.messages.append((subject, summary, attributes))

    def delete_plan(self, key: str) -> None:
        self.plans.pop(key, None)
