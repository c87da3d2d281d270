"""The festival index: what the API lists stages and days from, and what now playing reads,
without reading a single set. Pure: built from the changes of one version, in memory.

Its unit is the **stage-day**: one stage on one festival day, holding that day's sets of
every file on that stage as a small timeline (start, end, cancelled). From the
stage-days follow:
- each stage's **days** (count, first scheduled start, last scheduled set per festival
  day), from which each stage-day also carries `carry` (the previous day's last
  scheduled set when it still plays once this day begins) and `next` (the first
  scheduled set on a later day), so that now playing needs only the stage-days of the
  day asked about;
- each **stage**'s count, and each **day**'s count, first start, last end and stages.
A stage-day exists while its stage has a set that day, or a set still playing into it.
Every item is bounded: a stage-day holds at most one set per minute of its day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from chalicelib.sets.model import StoredSet
from chalicelib.timetable import clock

Timeline = dict[int, tuple[int, bool]]  # start -> (end, cancelled)
StageDayKey = tuple[str, int]  # stage, festival day


@dataclass
class StageDay:
    """One stage on one festival day: its sets (from every file), and the sets now
    playing needs from other days."""

    stage: str
    day: int
    sets: Timeline = field(default_factory=dict)
    carry: tuple[int, int] | None = None  # (start, end) of the previous day's set still playing into this one
    next: int | None = None  # start of the stage's first scheduled set on a later day

    @property
    def key(self) -> StageDayKey:
        return self.stage, self.day


@dataclass(frozen=True)
class DayEdges:
    """A stage's sets on one festival day, as its neighbours need them."""

    count: int
    first: int | None  # the first scheduled set's start
    last: tuple[int, int] | None  # the last scheduled set's (start, end)


@dataclass(frozen=True)
class Day:
    """A festival day as `/days` lists it."""

    day: int
    sets: int
    first_start: int
    last_end: int
    stages: tuple[str, ...]


@dataclass(frozen=True)
class IndexChanges:
    """What one version changes in the festival index: the items to write and to delete."""

    stage_days: list[StageDay]  # to write
    gone: list[StageDayKey]  # stage-days to delete
    edges: dict[str, dict[int, DayEdges]]  # each touched stage's days (none: the stage plays no more)
    stages: dict[str, int]  # each touched stage's count of sets (0: the stage is gone)
    days: dict[int, Day | None]  # each touched festival day (None: no set that day any more)


def edges(timeline: Timeline) -> DayEdges:
    scheduled = sorted((start, end) for start, (end, cancelled) in timeline.items() if not cancelled)
    return DayEdges(len(timeline), scheduled[0][0] if scheduled else None, scheduled[-1] if scheduled else None)


def neighbours(days: dict[int, DayEdges], day: int, day_change: int) -> tuple[tuple[int, int] | None, int | None]:
    """A stage-day's `carry` and `next`, from its stage's days."""
    before = days.get(day - 1)
    begins = clock.day_bounds(day, day_change)[0]
    carry = before.last if before and before.last and before.last[1] > begins else None
    later = sorted(d for d, edge in days.items() if d > day and edge.first is not None)
    return carry, days[later[0]].first if later else None


def item_days(days: dict[int, DayEdges], day_change: int) -> set[int]:
    """The festival days on which a stage has a stage-day: the days it plays, and the
    day after one whose last set plays past the day change."""
    found = {d for d, edge in days.items() if edge.count}
    for d in list(found):
        if neighbours(days, d + 1, day_change)[0] is not None:
            found.add(d + 1)
    return found


class Reindex:
    """The index items one version changes.

    Give it the stage-days of every festival day the version touches (whole days: the
    day items are aggregates over all stages), the days of every stage it touches, and
    the sets it removes and puts (a put overwrites whatever is in its slot, another
    file's set too). `to_read` then names the other stage-days whose `carry` or `next`
    change; `finish` takes them and says what to write and delete.
    """

    def __init__(
        self,
        day_change: int,
        stage_days: Iterable[StageDay],
        stage_edges: dict[str, dict[int, DayEdges]],
        removed: Iterable[StoredSet],
        put: Iterable[StoredSet],
    ) -> None:
        self._day_change = day_change
        self._old = {sd.key: sd for sd in stage_days}
        self._old_edges = stage_edges
        self.timelines: dict[StageDayKey, Timeline] = {key: dict(sd.sets) for key, sd in self._old.items()}
        touched: set[StageDayKey] = set()
        for stored in removed:
            key = (stored.stage, self._day_of(stored.start))
            self.timelines.setdefault(key, {}).pop(stored.start, None)
            touched.add(key)
        for stored in put:
            key = (stored.stage, self._day_of(stored.start))
            self.timelines.setdefault(key, {})[stored.start] = (stored.end, stored.cancelled)
            touched.add(key)
        self.touched = touched
        self.days = {day for _, day in touched}
        self.stages = {stage for stage, _ in touched}
        self.edges: dict[str, dict[int, DayEdges]] = {}
        for stage in self.stages:
            days = dict(stage_edges.get(stage, {}))
            for key in touched:
                if key[0] != stage:
                    continue
                timeline = self.timelines.get(key, {})
                if timeline:
                    days[key[1]] = edges(timeline)
                else:
                    days.pop(key[1], None)
            self.edges[stage] = days

    def _day_of(self, start: int) -> int:
        return clock.festival_day(start, self._day_change)

    def _stage_items(self, stage: str) -> tuple[set[int], set[int]]:
        """The days on which the stage has a stage-day, before and after."""
        return (
            item_days(self._old_edges.get(stage, {}), self._day_change),
            item_days(self.edges[stage], self._day_change),
        )

    def _plan(self) -> Iterable[tuple[StageDayKey, bool, bool]]:
        """Every stage-day of the touched stages that may change: (key, exists before,
        exists after)."""
        for stage in sorted(self.stages):
            before, after = self._stage_items(stage)
            touched = {day for s, day in self.touched if s == stage}
            for day in sorted(before | after | touched):
                yield (stage, day), day in before or (stage, day) in self._old, day in after

    def to_read(self) -> list[StageDayKey]:
        """Stage-days the version does not touch whose `carry` or `next` change: their
        sets must be read to write them again."""
        wanted = []
        for key, existed, exists in self._plan():
            if key in self.touched or key in self._old or not (existed and exists):
                continue
            stage, day = key
            if neighbours(self._old_edges.get(stage, {}), day, self._day_change) != neighbours(
                self.edges[stage], day, self._day_change
            ):
                wanted.append(key)
        return wanted

    def finish(self, read: Iterable[StageDay]) -> tuple[list[StageDay], list[StageDayKey]]:
        """The stage-days to write and the ones to delete (give it those `to_read` named)."""
        known = {**self._old, **{sd.key: sd for sd in read}}
        writes: list[StageDay] = []
        deletes: list[StageDayKey] = []
        for key, existed, exists in self._plan():
            stage, day = key
            if not exists:
                if existed:
                    deletes.append(key)
                continue
            if key in self.touched:
                sets = self.timelines.get(key, {})
            elif key in known:
                sets = known[key].sets
            elif existed:  # unchanged neighbours (`to_read` named the rest)
                continue
            else:
                sets = {}
            carry, following = neighbours(self.edges[stage], day, self._day_change)
            result = StageDay(stage, day, sets, carry, following)
            old = known.get(key)
            if old is None or (old.sets, old.carry, old.next) != (result.sets, result.carry, result.next):
                writes.append(result)
        return writes, deletes

    def changes(self, read: Iterable[StageDay]) -> IndexChanges:
        """Everything the version changes in the index (give it the stage-days `to_read` named)."""
        writes, deletes = self.finish(read)
        return IndexChanges(writes, deletes, self.edges, self.stage_counts(), self.day_summaries())

    def stage_counts(self) -> dict[str, int]:
        """Each touched stage's count of sets (0: the stage is gone)."""
        return {stage: sum(edge.count for edge in days.values()) for stage, days in self.edges.items()}

    def day_summaries(self) -> dict[int, Day | None]:
        """Each touched day as `/days` lists it (None: no set that day any more)."""
        summaries: dict[int, Day | None] = {}
        for day in self.days:
            timelines = {stage: t for (stage, d), t in self.timelines.items() if d == day and t}
            if not timelines:
                summaries[day] = None
                continue
            starts = [start for t in timelines.values() for start in t]
            ends = [end for t in timelines.values() for end, _ in t.values()]
            summaries[day] = Day(
                day, sum(len(t) for t in timelines.values()), min(starts), max(ends), tuple(sorted(timelines))
            )
        return summaries


def now_and_next(stage_day: StageDay, at: int) -> tuple[int | None, int | None]:
    """The starts of the set playing at `at` on this stage-day (or still playing from the
    day before) and of the next scheduled set; cancelled sets never play."""
    playing: int | None = None
    if stage_day.carry is not None and stage_day.carry[0] <= at < stage_day.carry[1]:
        playing = stage_day.carry[0]
    scheduled = sorted((start, end) for start, (end, cancelled) in stage_day.sets.items() if not cancelled)
    position = bisect_right(scheduled, (at, clock.MINUTES_PER_DAY * 10_000_000))
    if position and scheduled[position - 1][1] > at:
        playing = scheduled[position - 1][0]
    following = scheduled[position][0] if position < len(scheduled) else stage_day.next
    return playing, following
