"""One record per uploaded object (`source/<object key>`): the last delivery processed for
it, what came of it, and the stages where its performances are."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.storage.bookkeeping import BookkeepingTable, item_key


@dataclass
class SourceState:
    """What is remembered about one uploaded object."""

    delivery: dict[str, str]
    status: str
    stages: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class SourceRecords(BookkeepingTable):
    """Reads and writes the per-object records."""

    def source(self, key: str) -> SourceState | None:
        item = self.client.get_item(TableName=self.table, Key=item_key("source", key), ConsistentRead=True).get("Item")
        if not item:
            return None
        # A run that died may have left only the stages it had begun to write on.
        return SourceState(
            delivery={name: value["S"] for name, value in item.get("delivery", {}).get("M", {}).items()},
            status=item.get("status", {}).get("S", ""),
            stages=[value["S"] for value in item.get("stages", {}).get("L", [])],
            summary=json.loads(item.get("summary", {}).get("S", "{}")),
        )

    def save_source(self, key: str, state: SourceState) -> None:
        item = {
            **item_key("source", key),
            "delivery": {"M": {name: {"S": value} for name, value in state.delivery.items()}},
            "status": {"S": state.status},
            "stages": {"L": [{"S": stage} for stage in state.stages]},
            "summary": {"S": json.dumps(state.summary, ensure_ascii=False)},
        }
        self.client.put_item(TableName=self.table, Item=item)

    def add_source_stages(self, key: str, stages: list[str]) -> None:
        """Note, before writing there, that a source has sets on these stages, so that
        whatever a run that dies midway wrote is found and swept by later runs."""
        self.client.update_item(
            TableName=self.table,
            Key=item_key("source", key),
            UpdateExpression="SET stages = list_append(if_not_exists(stages, :none), :stages)",
            ExpressionAttributeValues={":none": {"L": []}, ":stages": {"L": [{"S": stage} for stage in stages]}},
        )

    def set_source_status(self, key: str, status: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=item_key("source", key),
            UpdateExpression="SET #s = :status",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )
