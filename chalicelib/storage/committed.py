"""The festival as the last commit left it: what a run reads to plan. Runs take turns and a
plan that was started is always finished before the next is made, so these reads never
see half of one."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.sets.index import DayEdges, StageDay, StageDayKey
from chalicelib.sets.items import from_item, stored_set
from chalicelib.sets.model import StoredSet
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
