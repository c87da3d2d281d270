"""The festival index (`index/festival`): one small item the API lists stages and days from
without a Scan, and the ingest reads and writes once per run.

It holds, per festival day and stage, each source's share of that stage's sets on that
day: how many, when the first starts and when the last ends. Keeping the shares per
source means a run replaces exactly its own file's shares, and knows which other files
play on the same stage and day (the only ones whose sets it can collide with).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.storage.bookkeeping import BookkeepingTable, item_key

INDEX_KEY = item_key("index", "festival")


@dataclass(frozen=True)
class DayStage:
    """One stage's share of a festival day."""

    performances: int
    first_start: str
    last_end: str
    last_start: str = ""  # the last set's start: now playing fetches it when it still plays

    def plus(self, other: DayStage) -> DayStage:
        return DayStage(
            self.performances + other.performances,
            min(self.first_start, other.first_start),
            max(self.last_end, other.last_end),
            max(self.last_start, other.last_start),
        )


Shares = dict[str, dict[str, DayStage]]  # festival day -> stage -> share


@dataclass
class FestivalIndex:
    """Festival day -> stage -> source -> that source's share."""

    days: dict[str, dict[str, dict[str, DayStage]]] = field(default_factory=dict)
    release: str = ""  # the latest release's id ("" before the first)

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> FestivalIndex:
        if not item:
            return cls()
        raw = json.loads(item["days"]["S"])
        return cls(
            release=item.get("release", {}).get("S", ""),
            days={
                day: {
                    stage: {source: DayStage(*share) for source, share in sources.items()}
                    for stage, sources in stages.items()
                }
                for day, stages in raw.items()
            },
        )

    def as_item(self) -> dict[str, Any]:
        raw = {
            day: {
                stage: {
                    source: [s.performances, s.first_start, s.last_end, s.last_start] for source, s in sources.items()
                }
                for stage, sources in stages.items()
            }
            for day, stages in sorted(self.days.items())
        }
        item = {**INDEX_KEY, "days": {"S": json.dumps(raw, ensure_ascii=False, separators=(",", ":"))}}
        if self.release:
            item["release"] = {"S": self.release}
        return item

    def replace_source(self, source: str, shares: Shares) -> None:
        """Put `source`'s shares in place of the ones it had."""
        for day in list(self.days):
            for stage in list(self.days[day]):
                self.days[day][stage].pop(source, None)
                if not self.days[day][stage]:
                    del self.days[day][stage]
            if not self.days[day]:
                del self.days[day]
        for day, stages in shares.items():
            for stage, share in stages.items():
                self.days.setdefault(day, {}).setdefault(stage, {})[source] = share

    def stage_counts(self) -> dict[str, int]:
        """Stage -> how many sets it has, in name order."""
        counts: dict[str, int] = {}
        for stages in self.days.values():
            for stage, sources in stages.items():
                counts[stage] = counts.get(stage, 0) + sum(share.performances for share in sources.values())
        return dict(sorted(counts.items()))

    def day_shares(self) -> Shares:
        """Festival day -> stage -> that stage's share from every source, in day order."""
        result: Shares = {}
        for day, stages in sorted(self.days.items()):
            for stage, sources in sorted(stages.items()):
                total: DayStage | None = None
                for share in sources.values():
                    total = share if total is None else total.plus(share)
                if total is not None:
                    result.setdefault(day, {})[stage] = total
        return result


class Indexes(BookkeepingTable):
    """Reads the festival index (the ingest writes it in its closing transaction)."""

    def festival(self, *, consistent: bool = False) -> FestivalIndex:
        item = self.client.get_item(TableName=self.table, Key=INDEX_KEY, ConsistentRead=consistent).get("Item")
        return FestivalIndex.from_item(item)
