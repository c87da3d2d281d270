"""The unit of work: one run's access to the festival, as a `with` block that holds the
ingest lease. It reads what the last commit left, and it owns every write the run makes:
the plan kept in the bucket, its sets and bookkeeping, the commit, the report, the message,
the status and the plan's removal, each fenced by the lease (docs/architecture.md,
"Fencing"), each counted.

Every write of a plan is a put or a delete of a whole item, so sending a plan twice (the
dead run's half and then all of it again) ends where sending it once does. The order is
what readers need: the sets, then the index, the manifests and the pages of changes, and
only then the commit (the head of the festival, the release, the file's record, in one
transaction that lands only while the run holds the lease), which is what makes the new
release visible and every ETag change.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

from chalicelib.publish.files import PublicFile, Published
from chalicelib.sets.index import Day
from chalicelib.sets.items import from_item
from chalicelib.sets.model import Set
from chalicelib.storage.batch import BatchWriter, EncodedBatchWrite
from chalicelib.storage.bookkeeping import Key
from chalicelib.storage.bucket import CurrentObject, ScheduleBucket
from chalicelib.storage.committed import CommittedFestival
from chalicelib.storage.indexes import DAY, STAGE, Head, Indexes, decode_day
from chalicelib.storage.lease import LeaseLost, LeaseStore
from chalicelib.storage.performances import PerformanceStore
from chalicelib.storage.plans import (
    BOOKKEEPING,
    COMMIT,
    FINISH,
    HEADER,
    PERFORMANCES,
    UNDO_BOOKKEEPING,
    UNDO_PERFORMANCES,
    Header,
    PlanFile,
    plan_key,
    plan_lines,
)
from chalicelib.storage.public import Publications, PublicFiles
from chalicelib.storage.releases import Release, Releases
from chalicelib.storage.sending import Attempts, Backoff
from chalicelib.storage.sources import NOTIFIED, SourceRecord, SourceRecords
from chalicelib.storage.topic import Topic

_BOOKKEEPING_CONCURRENCY = 1  # few requests; in order is plainer to follow in the logs
# A publication reads the whole festival in Scan segments side by side: one per 6,000 sets
# (about 2 MB, two requests), at most 8 (a city's 45,000 sets, about 14 MB); a small
# festival is one request.
_SETS_PER_SEGMENT = 6_000
_MAX_SEGMENTS = 8
# A release's pages of changes read at once: 20,000 changes are 400 pages, 3.2 s of 8 ms
# round trips one after another.
_PAGES_IN_FLIGHT = 8


class PlanMissing(RuntimeError):
    """A run's plan is pending but no longer in the bucket: an operator must look."""


@dataclass(frozen=True)
class Finish:
    """What follows a commit: the report, and the items the commit made garbage."""

    source: str
    report: dict[str, Any] | None
    garbage: list[Key]


@dataclass(frozen=True)
class Applied:
    """What a plan's commit writes, once its writes have landed."""

    record: SourceRecord
    release: Release | None  # without its id, which the commit gives
    finish: Finish


@dataclass(frozen=True)
class KeptPlan:
    """A plan kept in the bucket (and pending on the head until it is committed)."""

    key: str
    header: Header
    lines: Callable[[], Iterator[bytes]]  # each call reads it from the top


@dataclass(frozen=True)
class Tables:
    """Where a run reads and writes."""

    performances: str
    bookkeeping: str
    bucket: str


@dataclass(frozen=True)
class Clients:
    """The clients a run uses: `reads` retry inside botocore; `writes` and `bulk` make one
    attempt a call, which `sending.Attempts` fences and retries."""

    reads: Callable[[str], Any]
    writes: Callable[[str], Any]
    bulk: Any


class UnitOfWork:
    """One run, under the ingest lease (or a publisher, under the lease it is given):
    `with uow: ...`."""

    def __init__(
        self,
        tables: Tables,
        clients: Clients,
        topic_arn: str,
        lease: LeaseStore,
        *,
        wait_seconds: float,
        backoff: Backoff,
        concurrency: int,
    ) -> None:
        self.tables = tables
        self._clients = clients
        reads = clients.reads("dynamodb")
        self._indexes = Indexes(reads, tables.bookkeeping)
        self._records = SourceRecords(reads, tables.bookkeeping)
        self._performances = PerformanceStore(reads, tables.performances)
        self.festival = CommittedFestival(self._indexes, self._records, self._performances)
        self.bucket = ScheduleBucket(clients.reads("s3"), tables.bucket)
        self._written = ScheduleBucket(clients.writes("s3"), tables.bucket)
        self._topic = Topic(clients.writes("sns"), topic_arn)
        self._releases = Releases(reads, tables.bookkeeping)
        self._publications = Publications(reads, tables.bookkeeping)
        self._public = PublicFiles(clients.writes("s3"), tables.bucket)
        self._lease = lease.lease(wait_seconds=wait_seconds)
        self._backoff = backoff
        self._concurrency = concurrency
        self._attempts = Attempts(self._lease, backoff)
        self.requests = {"performance_writes": 0, "bookkeeping_writes": 0}

    def __enter__(self) -> UnitOfWork:
        self._lease.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lease.__exit__(*exc_info)

    # Reads: what the last commit left.

    def head(self) -> Head:
        return self._indexes.head(consistent=True)

    def record(self, source: str) -> SourceRecord | None:
        return self._records.record(source)

    def current(self, key: str) -> CurrentObject | None:
        return self.bucket.current(key)

    def open_upload(self, key: str, current: CurrentObject) -> BinaryIO | None:
        """Exactly the version that is current (None once it no longer is)."""
        return self.bucket.open_upload(
            key, version_id=current.version_id or None, etag=None if current.version_id else current.etag
        )

    def keep_alive(self) -> None:
        """Renew the lease if it needs it (a long plan calls this as it goes)."""
        self._lease.guard()

    # The plan.

    def new_plan(self, source: str, version: str, day_change: int, *, undo: bool = True) -> PlanFile:
        """An empty plan for a new run of `source`. Its undo lines hold what each item it
        writes holds now; a preview's, never applied, has none."""
        before = _BeforeImages(self._performances, self._indexes) if undo else None
        return PlanFile(Header(uuid.uuid4().hex[:20], source, version), day_change, before=before)

    def keep(self, plan: PlanFile, head: Head) -> KeptPlan:
        """Keep the plan in the bucket, then mark it pending on the head, before any write."""
        key = plan_key(plan.run)
        self.bucket.put_plan(key, plan.rewind())  # under this run's own key: no other run writes it
        self._transact([Head(release=head.release, pending=plan.run, plan=key).as_item()], "marking the plan pending")
        return KeptPlan(key, plan.header, lambda: iter(plan.rewind()))

    def kept(self, head: Head) -> KeptPlan:
        """The plan the head says is pending."""
        first = self.bucket.plan_lines(head.plan)
        if first is None:
            raise PlanMissing(
                f"run {head.pending} is pending but its plan {head.plan} is gone: its writes may be half done; "
                "see the README's recovery section"
            )
        header = next((json.loads(payload) for kind, payload in plan_lines(first) if kind == HEADER), None)
        if header is None:
            raise PlanMissing(f"the plan {head.plan} of run {head.pending} has no header: it is not a plan")

        def lines() -> Iterator[bytes]:
            found = self.bucket.plan_lines(head.plan)
            if found is None:
                raise PlanMissing(f"the plan {head.plan} of run {head.pending} went while it was applied")
            return found

        return KeptPlan(head.plan, Header(**header), lines)

    def finish_of(self, key: str) -> Finish | None:
        """A kept plan's last step (a committed run's report and garbage), if it is still there."""
        lines = self.bucket.plan_lines(key)
        steps = _steps(plan_lines(lines or iter(())))
        return steps[1] if steps else None

    # Writes, each fenced by the lease.

    def apply(self, plan: KeptPlan) -> Applied:
        """Send every write of a plan; returns what its commit writes."""
        sets = self._writer(self.tables.performances, self._concurrency)
        bookkeeping: BatchWriter | None = None
        steps: list[tuple[bytes, bytes]] = []
        try:
            for kind, payload in plan_lines(plan.lines()):
                if kind == PERFORMANCES:
                    sets.send(payload)
                elif kind == BOOKKEEPING:
                    if bookkeeping is None:  # every set lands before the index that points at it
                        sets.flush()
                        bookkeeping = self._writer(self.tables.bookkeeping, _BOOKKEEPING_CONCURRENCY)
                    bookkeeping.send(payload)
                elif kind in (COMMIT, FINISH):
                    steps.append((kind, payload))
            sets.flush()
            if bookkeeping is not None:
                bookkeeping.flush()
        finally:
            self.requests["performance_writes"] += sets.requests
            self.requests["bookkeeping_writes"] += bookkeeping.requests if bookkeeping else 0
        found = _steps(iter(steps))
        if found is None:
            raise ValueError(f"the plan at {plan.key} has no commit")
        return found[0]

    def undo(self, plan: KeptPlan, head: Head) -> None:
        """Put back what every item of a plan was before it, and leave nothing pending: the
        festival is as the last commit left it."""
        sets = self._writer(self.tables.performances, self._concurrency)
        bookkeeping = self._writer(self.tables.bookkeeping, _BOOKKEEPING_CONCURRENCY)
        for kind, payload in plan_lines(plan.lines()):
            if kind == UNDO_PERFORMANCES:
                sets.send(payload)
            elif kind == UNDO_BOOKKEEPING:
                bookkeeping.send(payload)
        sets.flush()
        bookkeeping.flush()
        self._transact([Head(release=head.release).as_item()], "leaving nothing pending")

    def commit(self, head: Head, source: str, record: SourceRecord, release: Release | None) -> None:
        """The head, the file's record and its release, together, only while the lease is held."""
        items = [head.as_item(), SourceRecords.encode(source, record)]
        if release is not None:
            items.append(Releases.encode(release))
        self._transact(items, "committing")

    def _transact(self, items: list[dict[str, Any]], what: str) -> None:
        puts = [{"Put": {"TableName": self.tables.bookkeeping, "Item": item}} for item in items]
        self._transact_actions(puts, what)

    def _transact_actions(self, actions: list[dict[str, Any]], what: str) -> None:
        client = self._clients.writes("dynamodb")
        token = uuid.uuid4().hex  # the same transaction, should a timed-out attempt have landed

        def send() -> None:
            client.transact_write_items(TransactItems=[self._lease.fence(), *actions], ClientRequestToken=token)

        try:
            self._attempts.send(send, what)
        except client.exceptions.TransactionCanceledException as error:  # the fence is its first step
            reasons = error.response.get("CancellationReasons") or [{"Code": "ConditionalCheckFailed"}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                lost = f"the {self._lease.name} lease expired and another run took over before {what}"
                raise LeaseLost(lost) from error
            raise

    def mark_notified(self, source: str) -> None:
        """The file's message is out (with the lease: a late run must not say so of another's)."""
        update = {
            "Update": {
                "TableName": self.tables.bookkeeping,
                "Key": SourceRecords.key(source),
                "UpdateExpression": "SET #s = :status",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":status": {"S": NOTIFIED}},
            }
        }
        self._transact_actions([update], "noting the message sent")

    def forget(self, keys: Iterable[Key]) -> None:
        """Delete bookkeeping items a commit made garbage."""
        writer = self._writer(self.tables.bookkeeping, 1)
        for key in keys:
            writer.delete(key)
        writer.flush()
        self.requests["bookkeeping_writes"] += writer.requests

    def put_report(self, key: str, report: dict[str, Any]) -> None:
        self._attempts.send(lambda: self._written.put_report(key, report), "writing the report")

    def publish(self, subject: str, summary: dict[str, Any], email: str, attributes: dict[str, str]) -> None:
        self._attempts.send(lambda: self._topic.publish(subject, summary, email, attributes), "sending the message")

    def delete_plan(self, key: str) -> None:
        self._attempts.send(lambda: self._written.delete_plan(key), "deleting the plan")

    # The public files: what a publication reads (consistently: the commit it follows has just
    # landed, and an index may not show it yet) and writes, each write fenced by the lease.

    def published(self) -> Published:
        return self._publications.published()

    def release(self, release_id: str) -> tuple[Release, list[dict[str, Any]]] | None:
        """A release and every one of its changes."""
        release = self._releases.release(release_id, consistent=True)
        if release is None:
            return None
        if not release.pages:
            return release, []
        with ThreadPoolExecutor(max_workers=min(_PAGES_IN_FLIGHT, release.pages)) as pool:
            pages = pool.map(lambda page: self._releases.changes(release, page, consistent=True), range(release.pages))
            return release, [change for changes in pages for change in changes]

    def index_days(self) -> list[Day]:
        return [decode_day(item) for item in self._indexes.partition(DAY)]

    def index_stages(self) -> list[tuple[str, int]]:
        return [(item["sk"]["S"], int(item["sets"]["N"])) for item in self._indexes.partition(STAGE)]

    def all_sets(self, count: int) -> list[Set]:
        """Every set of the festival, about `count` of them (a parallel Scan: one request per
        segment and MB)."""
        segments = min(_MAX_SEGMENTS, 1 + count // _SETS_PER_SEGMENT)
        with ThreadPoolExecutor(max_workers=segments) as pool:
            found = pool.map(lambda n: self._performances.segment(n, segments), range(segments))
            return [from_item(item) for items in found for item in items]

    def put_public(self, file: PublicFile) -> None:
        self._attempts.send(lambda: self._public.put(file), f"publishing {file.path}")

    def put_pointer(self, pointer: bytes) -> None:
        """The pointer, once every file it names is written."""
        self._attempts.send(lambda: self._public.put_pointer(pointer), "moving the pointer")

    def retire_public(self, path: str) -> None:
        self._attempts.send(lambda: self._public.retire(path), f"retiring {path}")

    def record_published(self, state: Published) -> None:
        """What the publication wrote, for the next one to compare with (with the lease)."""
        self._transact([Publications.encode(state)], "noting the release published")

    def _writer(self, table: str, concurrency: int) -> BatchWriter:
        return BatchWriter(EncodedBatchWrite(self._clients.bulk, table), self._attempts, concurrency)


class _BeforeImages:
    """What a plan's items hold before it is applied: consistent reads."""

    def __init__(self, performances: PerformanceStore, indexes: Indexes) -> None:
        self._performances = performances
        self._indexes = indexes

    def sets_at(self, slots: list[tuple[str, int]]) -> list[dict[str, Any]]:
        return self._performances.in_slots(slots, consistent=True)

    def bookkeeping_at(self, keys: list[Key]) -> list[dict[str, Any] | None]:
        return self._indexes.read(*keys)


def _steps(lines: Iterator[tuple[bytes, bytes]]) -> tuple[Applied, Finish] | None:
    """The commit and finish steps among a plan's lines, decoded."""
    commit: dict[str, Any] | None = None
    finish: dict[str, Any] | None = None
    for kind, payload in lines:
        if kind == COMMIT:
            commit = json.loads(payload)
        elif kind == FINISH:
            finish = json.loads(payload)
    if commit is None or finish is None:
        return None
    record = SourceRecords.decode(commit["record"])
    if record is None:
        raise ValueError("a plan's commit has no record")
    release = None if commit["release"] is None else Release(release="", **commit["release"])
    done = Finish(finish["source"], finish["report"], finish["garbage"])
    return Applied(record, release, done), done
