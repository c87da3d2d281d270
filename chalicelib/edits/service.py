"""An edit made: the set's file read at the version whose sets are live, the edit decided
and checked (`rules`), planned as an upload of the edited file would be, and written back as
the file's next version only while the file is still the version read (S3's `IfMatch`).

So the CSV stays the one truth: the ingest releases the new version as any upload (`moved`,
`changed`, `cancelled`, the same ids), the bucket's versions are the history, and a rollback
undoes an edit like any upload. Of two edits made from one version, exactly one is written;
the other is `Stale`. An upload of the same file that lands between the edit's read and its
write makes the edit `Stale` too (S3 refuses the write, whole); one that lands after it is
the newer version, released whole, with the edit's version in the history. A dry run stops
before the write and answers the preview.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.edits.model import Edit, StageDelay
from chalicelib.edits.rules import FileEdit, Refused, delayed, edited_file, placed, reviewed
from chalicelib.ingest import authorship
from chalicelib.ingest.notes import METADATA as NOTE
from chalicelib.ingest.notes import encode_note
from chalicelib.ingest.plan import Planner, Version
from chalicelib.ingest.preview import answered_preview
from chalicelib.services import Services
from chalicelib.sets.items import from_item
from chalicelib.sets.model import Set, set_version
from chalicelib.storage.committed import CommittedFestival
from chalicelib.storage.files import FileVersion, TimetableFiles, Written
from chalicelib.storage.plans import Header, PlanFile
from chalicelib.storage.releases import release_id
from chalicelib.storage.sources import SourceRecord, version_of
from chalicelib.timetable import clock
from chalicelib.timetable.cells import RowChange
from chalicelib.timetable.rows import MAX_KEY_BYTES

# The API's function reads the file, reads it again edited and plans it within API Gateway's
# 29 s: files up to what `POST /previews` takes (larger ones are edited and uploaded whole).
MAX_FILE_BYTES = 2 * 1024 * 1024
# A preview answers the changes that fit in this much JSON (as `POST /previews` does).
PREVIEW_BYTES = 1_000_000


@dataclass(frozen=True)
class Applied:
    """Written: each file's new version (the ingest releases it as any upload)."""

    written: list[Written]
    previews: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Previewed:
    """A dry run: what the edit would change, per file, as `POST /previews` answers it."""

    previews: list[dict[str, Any]]


@dataclass(frozen=True)
class Stale:
    """The set or its file changed since the version the edit was made from; nothing written."""

    reason: str
    current: Set | None  # the set as it is now
    # Its version now (`sets.model.set_version`): its ETag's. "" while a newer version of its
    # file is being released: no version live now can be edited from until that lands.
    version: str = ""


@dataclass(frozen=True)
class Missing:
    reason: str


@dataclass(frozen=True)
class Busy:
    """An upload's writes are landing: what is live cannot be compared with yet."""

    reason: str = "an upload is being applied right now; try again shortly"


Outcome = Applied | Previewed | Refused | Stale | Missing | Busy


@dataclass
class _Planned:
    """One file's edit, read, made and planned, ready to write."""

    read: FileVersion
    edit: FileEdit
    preview: dict[str, Any]


class Editor:
    """Makes edits of live sets, in their files."""

    def __init__(
        self, services: Services, files: TimetableFiles, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._services = services
        self._files = files
        self._now = now
        self._day_change = services.settings.day_change_minutes

    def current(self, set_id: str) -> tuple[Set, str, SourceRecord | None] | None:
        """The set with this id, its version (see `sets.model.set_version`) and its file's
        record; None when there is no such set."""
        item = self._services.performances.by_id(set_id)
        if item is None:
            return None
        found = from_item(item)
        record = self._services.sources.record(found.source)
        return found, set_version(found, version_of(record.processed) if record else ""), record

    def edit(
        self, set_id: str, edit: Edit, *, expected: Callable[[str], bool], author: str, dry_run: bool = False
    ) -> Outcome:
        """Make `edit` of the set, if `expected` says its version is the one the edit was made
        from (`If-Match`)."""
        head = self._services.indexes.head(consistent=True)
        if head.pending:
            return Busy()
        current = self.current(set_id)
        if current is None:
            return Missing(f"no performance with id {set_id}: it was removed, or never existed")
        found, version, record = current
        if not expected(version):
            return Stale("the set changed since it was read (or its file did): see it as it is now", found, version)
        change = placed(found, edit, self._day_change)
        if isinstance(change, Refused):
            return change
        planned = self._planned(found.source, record, [(found, change)], head.release, author, edit.note)
        if not isinstance(planned, _Planned):
            return planned if not isinstance(planned, Stale) else Stale(planned.reason, found)
        if dry_run:
            return Previewed([planned.preview])
        written = self._files.write(planned.read, planned.edit.data, _metadata(author, edit.note))
        if written is None:
            return Stale(_RACED, found)
        return Applied([written], [planned.preview])

    def delay(self, delay: StageDelay, *, author: str, dry_run: bool = False) -> Outcome:
        """Move every set on the stage from `delay.since` to the end of its festival day: one
        new version of each file they come from, or none at all."""
        head = self._services.indexes.head(consistent=True)
        if head.pending:
            return Busy()
        moves = delayed(self._stage_sets(delay), delay, self._day_change)
        if isinstance(moves, Refused):
            return moves
        by_file: dict[str, list[tuple[Set, RowChange]]] = {}
        for move in moves:
            by_file.setdefault(move[0].source, []).append(move)
        plans = []
        records = self._services.sources.records(sorted(by_file))
        for source, changes in sorted(by_file.items()):
            planned = self._planned(source, records.get(source), changes, head.release, author, delay.note)
            if not isinstance(planned, _Planned):
                return planned
            plans.append(planned)
        if dry_run:
            return Previewed([planned.preview for planned in plans])
        written: list[tuple[_Planned, Written]] = []
        for planned in plans:
            done = self._files.write(planned.read, planned.edit.data, _metadata(author, delay.note))
            if done is None:
                self._undo(written, author)
                return Stale(f"{planned.read.key}: {_RACED}", None)
            written.append((planned, done))
        return Applied([done for _, done in written], [planned.preview for planned in plans])

    def _stage_sets(self, delay: StageDelay) -> list[Set]:
        """The stage's sets from `since` to the end of that festival day (every page)."""
        if len(delay.stage.encode("utf-8", "surrogateescape")) > MAX_KEY_BYTES["stage"]:
            return []  # no set has such a stage, and DynamoDB refuses a key that long
        day = clock.festival_day(delay.since, self._day_change)
        _, day_end = clock.day_bounds(day, self._day_change)
        found, start_key = [], None
        while True:
            page = self._services.performances.stage_range(
                delay.stage, delay.since, day_end - 1, limit=None, start_key=start_key
            )
            found += [from_item(item) for item in page.items]
            if page.last_key is None:
                return found
            start_key = page.last_key

    def _planned(
        self,
        source: str,
        record: SourceRecord | None,
        changes: Sequence[tuple[Set, RowChange]],
        release: str,
        author: str,
        note: str,
    ) -> _Planned | Refused | Stale:
        """The file's live version (as its record says), edited, checked and planned; nothing
        written."""
        read = self._read(source, record)
        if not isinstance(read, FileVersion):
            return read
        edit = edited_file(source, read.body, changes, self._day_change)
        if isinstance(edit, Refused):
            return edit
        services = self._services
        computed_at = release_id(self._now())
        planner = Planner(
            Version(
                source,
                self._files.bucket,
                {},
                f"an edit of {source} by {author}",
                "edit",
                note,
                authorship=authorship.Authorship(authorship.EDIT, author),
            ),
            record,
            CommittedFestival(services.indexes, services.sources, services.performances),
            # Never applied: the ingest plans the version this writes on its own.
            PlanFile(Header(authorship.EDIT, source, "edit"), self._day_change),
            now=computed_at,
            zone=services.settings.zone,
            day_change=self._day_change,
        )
        plan = planner.ingest(io.BytesIO(edit.data))
        try:
            refused = reviewed(plan, edit)
            if refused is not None:
                return refused
            preview = answered_preview(plan, against_release=release, computed_at=computed_at, max_bytes=PREVIEW_BYTES)
        finally:
            plan.writes.close()
        preview["file"] = source
        return _Planned(read, edit, preview)

    def _read(self, source: str, record: SourceRecord | None) -> FileVersion | Refused | Stale:
        """The version of the file whose sets are live."""
        if record is None or not version_of(record.processed):
            return Stale(f"{source} is not live: it is being released, or was removed", None)
        processed = record.processed
        read = self._files.read(source, version_id=processed.get("version_id", ""), etag=processed.get("etag", ""))
        if read is None:
            return Stale(f"{source} changed since its sets were released: a newer version is being released", None)
        if isinstance(read, int):
            return Refused(
                f"{source} is {read:,} bytes; an edit on the page takes files up to {MAX_FILE_BYTES:,} bytes: "
                "edit the file and upload it",
                source,
            )
        return read

    def _undo(self, written: list[tuple[_Planned, Written]], author: str) -> None:
        """Put back the files a stage delay wrote before one of its files was refused, so that
        no half of it is released (each as the next version, while it is still the edit's)."""
        for planned, done in written:
            ours = FileVersion(done.key, done.version_id, done.etag, b"", planned.read.content_type)
            self._files.write(ours, planned.read.body, _metadata(author, "an edit undone: another change came first"))


_RACED = "another change of the file was written first (it is being released): see the set as it is now"


def _metadata(author: str, note: str) -> dict[str, str]:
    """Who made the version and why, as S3 metadata carries it (`ingest.authorship`, `ingest.notes`)."""
    metadata = authorship.metadata(authorship.EDIT, author)
    if note:
        metadata[NOTE] = encode_note(note)
    return metadata
