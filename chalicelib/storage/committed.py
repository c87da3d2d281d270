"""The festival as the last commit left it: what a run reads to plan. Runs take turns and a
plan that was started is always finished before the next is made, so these reads never
see half of one."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.sets.index import DayEdges, StageDay, StageDayKey
from chalicelib.sets.items import from_item, stored_set
from chalicelib.sets.model import Slot, StoredSet
from chalicelib.storage.indexes import Indexes
from chalicelib.storage.performances import PerformanceStore
from chalicelib.storage.sources import SourceRecord, SourceRecords


class CommittedFestival:
    """Consistent reads of the index, the records and the table, for planning."""

    def __init__(self, indexes: Indexes, sources: SourceRecords, performances: PerformanceStore) -> None:
        self._indexes = indexes
        self._sources = sources
        self._performances = performances

    def whole_days(self, days: Iterable[int]) -> list[StageDay]:
        return self._indexes.whole_days(days)

    def edges(self, stages: Iterable[str]) -> dict[str, dict[int, DayEdges]]:
        return self._indexes.edges(stages)

    def stage_days_at(self, keys: Iterable[StageDayKey]) -> list[StageDay]:
        return self._indexes.stage_days_at(keys)

    def sets_in(self, slots: list[tuple[str, int]]) -> list[StoredSet]:
        return [stored_set(from_item(item)) for item in self._performances.in_slots(slots, consistent=True)]

    def records(self, sources: list[str]) -> dict[str, SourceRecord]:
        return self._sources.records(sources)

    def manifest(self, source: str, state: SourceRecord | None) -> list[StoredSet]:
        return self._sources.manifest(source, state)


# What one preview (an anonymous request's) may read beyond the file it names: the index of
# this many festival days, and the sets of this many slots its rows take from other files.
MAX_PREVIEW_DAYS = 31
MAX_PREVIEW_TAKEN = 1000


class PreviewFestival(CommittedFestival):
    """What a preview reads: bounded whatever the body names, so that its cost is the
    festival's, not its sender's. Days outside the festival's span hold nothing and are not
    read; at most MAX_PREVIEW_DAYS days and MAX_PREVIEW_TAKEN taken slots are, and the days
    left out are kept in `not_compared`. The index's other items (each stage's days, the
    stage-days next to those compared) shape only what a run writes, which a preview does
    not show: they are not read."""

    def __init__(self, indexes: Indexes, sources: SourceRecords, performances: PerformanceStore) -> None:
        super().__init__(indexes, sources, performances)
        self.not_compared: list[int] = []
        self.slots_not_compared = 0

    def whole_days(self, days: Iterable[int]) -> list[StageDay]:
        known = self._indexes.day_numbers()
        if not known:
            return []
        # A stage-day exists on a day with sets, or on the day after one (a set still playing).
        first, last = known[0], known[-1] + 1
        inside = sorted(day for day in set(days) if first <= day <= last)
        self.not_compared = inside[MAX_PREVIEW_DAYS:]
        return super().whole_days(inside[:MAX_PREVIEW_DAYS])

    def edges(self, stages: Iterable[str]) -> dict[str, dict[int, DayEdges]]:
        return {}

    def stage_days_at(self, keys: Iterable[StageDayKey]) -> list[StageDay]:
        return []

    def sets_in(self, slots: list[Slot]) -> list[StoredSet]:
        self.slots_not_compared = max(len(slots) - MAX_PREVIEW_TAKEN, 0)
        return super().sets_in(slots[:MAX_PREVIEW_TAKEN])
