"""The festival index in the bookkeeping table (see `sets.index` for what it holds and why):

- `head/festival`: the current release (what every ETag is made from) and the run whose
  plan is being applied, if any: the one item a 304 reads;
- `stage/<name>`: a stage and its count of sets (`/stages`);
- `day/<YYYY-MM-DD>`: a festival day's count, first start, last end and stages (`/days`);
- `slots#<YYYY-MM-DD>/<stage>`: a stage-day's timeline, `carry` and `next` (now playing,
  and the ingest's view of which slots are taken);
- `stagedays/<stage>`: the edges of each festival day a stage plays (ingest only).

Moments inside an item are minutes from its day's midnight, to keep items small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.sets.index import Day, DayEdges, StageDay, StageDayKey
from chalicelib.storage.bookkeeping import BookkeepingTable, Key, item_key
from chalicelib.storage.sizes import MAX_SORT_KEY_BYTES, fits_key, item_size
from chalicelib.timetable import clock

HEAD_KEY = item_key("head", "festival")
STAGE, DAY, STAGE_DAYS = "stage", "day", "stagedays"
SLOTS = "slots#"


@dataclass(frozen=True)
class Head:
    """The festival's current release, and the run being applied (if any)."""

    release: str = ""
    pending: str = ""  # the run whose plan is being applied: answers may change meanwhile
    plan: str = ""  # where that run's plan is kept

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> Head:
        if not item:
            return cls()
        return cls(*(item.get(name, {}).get("S", "") for name in ("release", "pending", "plan")))

    def as_item(self) -> dict[str, Any]:
        item: dict[str, Any] = dict(HEAD_KEY)
        for name in ("release", "pending", "plan"):
            if getattr(self, name):
                item[name] = {"S": getattr(self, name)}
        return item


def _base(day: int) -> int:
    return day * clock.MINUTES_PER_DAY


def stage_day_key(stage: str, day: int) -> Key:
    return item_key(SLOTS + clock.iso_date(day), stage)


def encode_stage_day(stage_day: StageDay) -> dict[str, Any]:
    base = _base(stage_day.day)
    sets = [[start - base, end - start, int(cancelled)] for start, (end, cancelled) in sorted(stage_day.sets.items())]
    item: dict[str, Any] = {
        **stage_day_key(stage_day.stage, stage_day.day),
        "sets": {"S": json.dumps(sets, separators=(",", ":"))},
    }
    if stage_day.carry is not None:
        start, end = stage_day.carry
        item["carry"] = {"S": json.dumps([start - base, end - start], separators=(",", ":"))}
    if stage_day.next is not None:
        item["next"] = {"N": str(stage_day.next - base)}
    return item


def decode_stage_day(item: dict[str, Any]) -> StageDay:
    day = clock.parse_date_strict(item["pk"]["S"][len(SLOTS) :])
    base = _base(day)
    sets = {
        base + offset: (base + offset + length, bool(cancelled))
        for offset, length, cancelled in json.loads(item["sets"]["S"])
    }
    carry = None
    if "carry" in item:
        offset, length = json.loads(item["carry"]["S"])
        carry = (base + offset, base + offset + length)
    following = base + int(item["next"]["N"]) if "next" in item else None
    return StageDay(item["sk"]["S"], day, sets, carry, following)


def encode_stage(stage: str, count: int) -> dict[str, Any]:
    return {**item_key(STAGE, stage), "sets": {"N": str(count)}}


def encode_day(day: Day) -> dict[str, Any]:
    return {
        **item_key(DAY, clock.iso_date(day.day)),
        "sets": {"N": str(day.sets)},
        "first_start": {"S": clock.iso(day.first_start)},
        "last_end": {"S": clock.iso(day.last_end)},
        "stages": {"S": json.dumps(list(day.stages), ensure_ascii=False, separators=(",", ":"))},
    }


def decode_day(item: dict[str, Any]) -> Day:
    return Day(
        day=clock.parse_date_strict(item["sk"]["S"]),
        sets=int(item["sets"]["N"]),
        first_start=clock.stored_moment(item["first_start"]["S"]),
        last_end=clock.stored_moment(item["last_end"]["S"]),
        stages=tuple(json.loads(item["stages"]["S"])),
    )


def encode_edges(stage: str, days: dict[int, DayEdges]) -> dict[str, Any]:
    def offset(moment: int | None, day: int) -> int | None:
        return None if moment is None else moment - _base(day)

    raw = {
        str(day): [
            edge.count,
            offset(edge.first, day),
            offset(edge.last[0] if edge.last else None, day),
            offset(edge.last[1] if edge.last else None, day),
        ]
        for day, edge in sorted(days.items())
    }
    return {**item_key(STAGE_DAYS, stage), "days": {"S": json.dumps(raw, separators=(",", ":"))}}


def decode_edges(item: dict[str, Any]) -> dict[int, DayEdges]:
    days: dict[int, DayEdges] = {}
    for text, (count, first, last_start, last_end) in json.loads(item["days"]["S"]).items():
        day = int(text)
        base = _base(day)
        last = None if last_start is None else (base + last_start, base + last_end)
        days[day] = DayEdges(count, None if first is None else base + first, last)
    return days


class Indexes(BookkeepingTable):
    """Reads the festival index (the ingest writes it through the unit of work)."""

    def head(self, *, consistent: bool = False) -> Head:
        return Head.from_item(self.get(HEAD_KEY, consistent=consistent))

    def stage_count(self, stage: str) -> int | None:
        """A stage's count of sets, or None when no stage has that name."""
        if not fits_key(stage, MAX_SORT_KEY_BYTES):  # DynamoDB would refuse to look
            return None
        item = self.get(item_key(STAGE, stage))
        return None if item is None else int(item["sets"]["N"])

    def stages(self, *, limit: int, after: Key | None) -> tuple[list[tuple[str, int]], Key | None]:
        """One page of stages in name order, with their counts (one Query)."""
        items, last = self.page(STAGE, limit=limit, after=after)
        return [(item["sk"]["S"], int(item["sets"]["N"])) for item in items], last

    def days(self, *, limit: int, after: Key | None) -> tuple[list[Day], Key | None]:
        """One page of festival days in order (one Query)."""
        items, last = self.page(DAY, limit=limit, after=after)
        return [decode_day(item) for item in items], last

    def days_within(self, budget: int, *, limit: int, after: Key | None) -> tuple[list[Day], Key | None]:
        """Festival days in order, as many as fit in `budget` bytes of items read (at least
        one, at most `limit`): a day lists its stages, so what a page reads follows the
        festival's size, not a count. The first Query reads one day; each next one as many
        as the largest day read so far says still fit (at a festival's days, which are alike
        in size, two Queries)."""
        items, last = self.page(DAY, limit=1, after=after)
        used = sum(item_size(item) for item in items)
        largest = used
        while last is not None and len(items) < limit and largest:
            room = min((budget - used) // largest, limit - len(items))
            if room < 1:
                break
            more, last = self.page(DAY, limit=room, after=last)
            sizes = [item_size(item) for item in more]
            items += more
            used += sum(sizes)
            largest = max([largest, *sizes])
        return [decode_day(item) for item in items], last

    def day_numbers(self) -> list[int]:
        """The festival's days (one Query per MB of day items, reading their keys only)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": DAY}},
            "ProjectionExpression": "sk",
        }
        days = []
        while True:
            response = self.client.query(**request)
            days += [clock.parse_date_strict(item["sk"]["S"]) for item in response["Items"]]
            if "LastEvaluatedKey" not in response:
                return days
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def all_days(self) -> list[int]:
        """Every festival day that has sets (the exports read the whole festival anyway)."""
        return [clock.parse_date_strict(item["sk"]["S"]) for item in self.partition(DAY, consistent=False)]

    def stage_days(self, day: int, *, limit: int, after: Key | None) -> tuple[list[StageDay], Key | None]:
        """One page of a festival day's stage-days, in stage order (one Query)."""
        items, last = self.page(SLOTS + clock.iso_date(day), limit=limit, after=after)
        return [decode_stage_day(item) for item in items], last

    # The ingest's reads: consistent, whole.

    def whole_days(self, days: Iterable[int]) -> list[StageDay]:
        """Every stage-day of these festival days (one Query per day and MB)."""
        return [
            decode_stage_day(item) for day in sorted(set(days)) for item in self.partition(SLOTS + clock.iso_date(day))
        ]

    def stage_days_at(self, keys: Iterable[StageDayKey]) -> list[StageDay]:
        found = self.read(*(stage_day_key(stage, day) for stage, day in keys))
        return [decode_stage_day(item) for item in found if item]

    def edges(self, stages: Iterable[str]) -> dict[str, dict[int, DayEdges]]:
        names = sorted(set(stages))
        found = self.read(*(item_key(STAGE_DAYS, stage) for stage in names))
        return {stage: decode_edges(item) for stage, item in zip(names, found, strict=True) if item}
