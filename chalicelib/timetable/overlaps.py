"""The sets of one file accepted so far, to find duplicates and overlaps as rows arrive."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

from chalicelib.timetable import clock
from chalicelib.timetable.problems import Problem
from chalicelib.timetable.text import shown as _shown


class Timetable:
    """The sets accepted so far, per stage, kept compactly to find duplicates and overlaps.

    Each set is one int, `start << 40 | length << 30 | line`, in a sorted list per
    stage and calendar day: a tuple per row would double the ingest's memory at a
    million rows (docs/benchmarks.md), and this class is the only place that packs.
    Accepted sets never overlap, so only the set with the
    latest start before a new set's end can collide with it.
    """

    _START = 40
    _LENGTH = 30
    _LINE_MASK = (1 << 30) - 1

    def __init__(self) -> None:
        self._stages: dict[str, dict[int, list[int]]] = {}
        self._cancelled: dict[tuple[str, int], int] = {}  # (stage, start) -> line; they take no time

    def claim(self, stage: str, start: int, end: int, line: int) -> Problem | None:
        """Accept a set, or return why it collides with an earlier one."""
        days = self._stages.setdefault(stage, {})
        start_day = start // clock.MINUTES_PER_DAY
        same_day = days.setdefault(start_day, [])
        earlier = self._find(same_day, start)
        if earlier is not None:
            return Problem(
                "duplicate-start",
                f"duplicate of line {earlier & self._LINE_MASK}: "
                f"{_shown(stage)} already has a set starting {clock.iso(start)}",
                line=earlier & self._LINE_MASK,
                stage=stage,
                start=clock.iso(start),
            )
        before = self._latest_start_before(days, end)
        if before is not None:
            other_start, other_end = self._unpack(before)
            if start < other_end:
                return Problem(
                    "overlap",
                    f"overlaps the set on line {before & self._LINE_MASK} "
                    f"({clock.iso(other_start)} to {clock.iso(other_end)} on {_shown(stage)})",
                    line=before & self._LINE_MASK,
                    start=clock.iso(other_start),
                    end=clock.iso(other_end),
                    stage=stage,
                )
        insort(same_day, start << self._START | (end - start) << self._LENGTH | line)
        return None

    def cancel(self, stage: str, start: int, line: int) -> int | None:
        """List a cancelled set: it frees its time but not its slot. Returns the line of
        a set already listed in that slot, if any."""
        earlier = self._cancelled.get((stage, start))
        if earlier is None:
            self._cancelled[stage, start] = line
        return earlier

    def line_at(self, stage: str, start: int) -> int | None:
        """The line of the scheduled set on this stage starting at this moment, if any."""
        bucket = self._stages.get(stage, {}).get(start // clock.MINUTES_PER_DAY)
        found = self._find(bucket, start) if bucket else None
        return None if found is None else found & self._LINE_MASK

    def has(self, stage: str, start: int) -> bool:
        """Whether a set (scheduled or cancelled) on this stage starting at this moment was accepted."""
        return (stage, start) in self._cancelled or self.line_at(stage, start) is not None

    def starts_between(self, stage: str, first: int, end: int) -> bool:
        """Whether a scheduled set on this stage starts in [first, end)."""
        days = self._stages.get(stage, {})
        for day in range(first // clock.MINUTES_PER_DAY, (end - 1) // clock.MINUTES_PER_DAY + 1):
            bucket = days.get(day, [])
            position = bisect_left(bucket, first << self._START)
            if position < len(bucket) and bucket[position] >> self._START < end:
                return True
        return False

    def plays_into(self, first: int, moment: int, gap: int) -> bool:
        """Whether a scheduled set on any stage starts in [first, moment) and is still
        playing, or ended at most `gap` minutes before, at `moment`."""
        for days in self._stages.values():
            for day in range(first // clock.MINUTES_PER_DAY, (moment - 1) // clock.MINUTES_PER_DAY + 1):
                bucket = days.get(day, [])
                position = bisect_left(bucket, first << self._START)
                for packed in bucket[position:]:
                    start, end = self._unpack(packed)
                    if start >= moment:
                        break
                    if end >= moment - gap:
                        return True
        return False

    def stages(self) -> list[str]:
        return sorted(
            {stage for stage, days in self._stages.items() if any(days.values())}
            | {stage for stage, _ in self._cancelled}
        )

    def sets(self, stage: str) -> Iterator[tuple[int, int]]:
        """The accepted sets of a stage as (start, end)."""
        for bucket in self._stages.get(stage, {}).values():
            for packed in bucket:
                yield self._unpack(packed)

    def _find(self, bucket: list[int], start: int) -> int | None:
        position = bisect_left(bucket, start << self._START)
        if position < len(bucket) and bucket[position] >> self._START == start:
            return bucket[position]
        return None

    def _unpack(self, packed: int) -> tuple[int, int]:
        start = packed >> self._START
        return start, start + ((packed >> self._LENGTH) & 0x3FF)

    def _latest_start_before(self, days: dict[int, list[int]], moment: int) -> int | None:
        """The accepted set with the latest start before `moment`. Accepted sets are
        disjoint, so it is the only one that can overlap a set ending at `moment`."""
        day = (moment - 1) // clock.MINUTES_PER_DAY
        bucket = days.get(day)
        if bucket:
            position = bisect_left(bucket, moment << self._START)
            if position:
                return bucket[position - 1]
        # A set lasts at most 12 hours, so only the previous day can still reach here.
        earlier = days.get(day - 1)
        return earlier[-1] if earlier else None
