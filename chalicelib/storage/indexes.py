"""The stage and day indexes the API lists from without a Scan:

- `stage/<stage>`: how many performances the stage has.
- `day/<YYYY-MM-DD>`: per stage, how many sets that festival day has, and when the
  first starts and the last ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.storage.bookkeeping import BookkeepingTable, item_key
from chalicelib.storage.performances import Page


@dataclass(frozen=True)
class DayStage:
    """One stage's share of a festival day."""

    performances: int
    first_start: str
    last_end: str


class Indexes(BookkeepingTable):
    """Reads and writes the stage and day index items."""

    def put_stage(self, stage: str, performances: int) -> None:
        if performances:
            self.client.put_item(
                TableName=self.table,
                Item={**item_key("stage", stage), "performances": {"N": str(performances)}},
            )
        else:
            self.client.delete_item(TableName=self.table, Key=item_key("stage", stage))

    def claim_stage(self, stage: str) -> None:
        """Mark a stage as possibly holding sets before the first write there; the
        next reindex gives it its count (or deletes it). Runs read only marked stages."""
        self.client.update_item(
            TableName=self.table,
            Key=item_key("stage", stage),
            UpdateExpression="SET claimed = :yes",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def stage_names(self) -> set[str]:
        """Every stage that holds sets, or may since a run died there."""
        names: set[str] = set()
        start_key: dict[str, Any] | None = None
        while True:
            page = self.page("stage", limit=1000, start_key=start_key)
            names.update(item["sk"]["S"] for item in page.items)
            if not page.last_key:
                return names
            start_key = page.last_key

    def stage_count(self, stage: str) -> int | None:
        """How many sets a stage has, or None when it has none (or is only claimed)."""
        item = self.client.get_item(TableName=self.table, Key=item_key("stage", stage)).get("Item")
        return int(item["performances"]["N"]) if item and "performances" in item else None

    def day(self, day: str) -> dict[str, DayStage]:
        item = self.client.get_item(TableName=self.table, Key=item_key("day", day), ConsistentRead=True).get("Item")
        return decode_day(item) if item else {}

    def put_day(self, day: str, stages: dict[str, DayStage]) -> None:
        if not stages:
            self.client.delete_item(TableName=self.table, Key=item_key("day", day))
            return
        encoded = {
            stage: {
                "M": {
                    "performances": {"N": str(share.performances)},
                    "first_start": {"S": share.first_start},
                    "last_end": {"S": share.last_end},
                }
            }
            for stage, share in stages.items()
        }
        self.client.put_item(TableName=self.table, Item={**item_key("day", day), "stages": {"M": encoded}})

    def page(self, kind: str, *, limit: int, start_key: dict[str, Any] | None = None) -> Page:
        """One page of `stage` or `day` index items, in name order."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :kind",
            "ExpressionAttributeValues": {":kind": {"S": kind}},
            "Limit": limit,
        }
        if start_key:
            request["ExclusiveStartKey"] = start_key
        response = self.client.query(**request)
        return Page(items=response["Items"], last_key=response.get("LastEvaluatedKey"))


def decode_day(item: dict[str, Any]) -> dict[str, DayStage]:
    return {
        stage: DayStage(
            performances=int(value["M"]["performances"]["N"]),
            first_start=value["M"]["first_start"]["S"],
            last_end=value["M"]["last_end"]["S"],
        )
        for stage, value in item["stages"]["M"].items()
    }
