"""The bookkeeping table (partition `pk`, sort `sk`): what the ingest must remember
between runs, and the small indexes the API lists stages and days from without a Scan.

- `lease/ingest`: who is ingesting now, until when. Runs take turns, so that every
  run sees the table as the previous one left it and can keep the indexes exact.
- `source/<object key>`: the last delivery processed for an upload, what came of
  it, and the stages where its performances are.
- `stage/<stage>`: how many performances the stage has.
- `day/<YYYY-MM-DD>`: per stage, how many sets that festival day has, and when
  the first starts and the last ends.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.store import Page

LEASE_SECONDS = 60


class LeaseBusy(RuntimeError):
    """Another run held the ingest lease for longer than this run could wait."""


class LeaseLost(RuntimeError):
    """This run's lease expired and another run took over: stop without writing more."""


@dataclass(frozen=True)
class DayStage:
    """One stage's share of a festival day."""

    performances: int
    first_start: str
    last_end: str


@dataclass
class SourceState:
    """What is remembered about one uploaded object."""

    delivery: dict[str, str]
    status: str
    stages: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _conditional_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class StateStore:
    """Reads and writes the bookkeeping table."""

    def __init__(self, client: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.table = table
        self.clock = clock  # wall-clock seconds; lease expiry is compared across processes

    def _key(self, kind: str, name: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": kind}, "sk": {"S": name}}

    # Sources

    def source(self, key: str) -> SourceState | None:
        item = self.client.get_item(TableName=self.table, Key=self._key("source", key), ConsistentRead=True).get("Item")
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
            **self._key("source", key),
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
            Key=self._key("source", key),
            UpdateExpression="SET stages = list_append(if_not_exists(stages, :none), :stages)",
            ExpressionAttributeValues={":none": {"L": []}, ":stages": {"L": [{"S": stage} for stage in stages]}},
        )

    def set_source_status(self, key: str, status: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=self._key("source", key),
            UpdateExpression="SET #s = :status",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        )

    # Stage and day indexes

    def put_stage(self, stage: str, performances: int) -> None:
        if performances:
            self.client.put_item(
                TableName=self.table,
                Item={**self._key("stage", stage), "performances": {"N": str(performances)}},
            )
        else:
            self.client.delete_item(TableName=self.table, Key=self._key("stage", stage))

    def claim_stage(self, stage: str) -> None:
        """Mark a stage as possibly holding sets before the first write there; the
        next reindex gives it its count (or deletes it). Runs read only marked stages."""
        self.client.update_item(
            TableName=self.table,
            Key=self._key("stage", stage),
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
        item = self.client.get_item(TableName=self.table, Key=self._key("stage", stage)).get("Item")
        return int(item["performances"]["N"]) if item and "performances" in item else None

    def day(self, day: str) -> dict[str, DayStage]:
        item = self.client.get_item(TableName=self.table, Key=self._key("day", day), ConsistentRead=True).get("Item")
        return decode_day(item) if item else {}

    def put_day(self, day: str, stages: dict[str, DayStage]) -> None:
        if not stages:
            self.client.delete_item(TableName=self.table, Key=self._key("day", day))
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
        self.client.put_item(TableName=self.table, Item={**self._key("day", day), "stages": {"M": encoded}})

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

    # The ingest lease

    def lease(self, *, wait_seconds: float) -> Lease:
        return Lease(self, wait_seconds=wait_seconds)

    def _claim_lease(self, owner: str, now: float) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    **self._key("lease", "ingest"),
                    "owner": {"S": owner},
                    "expires": {"N": repr(now + LEASE_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires < :now OR #o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":now": {"N": repr(now)}, ":me": {"S": owner}},
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def _drop_lease(self, owner: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=self._key("lease", "ingest"),
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": owner}},
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise


def decode_day(item: dict[str, Any]) -> dict[str, DayStage]:
    return {
        stage: DayStage(
            performances=int(value["M"]["performances"]["N"]),
            first_start=value["M"]["first_start"]["S"],
            last_end=value["M"]["last_end"]["S"],
        )
        for stage, value in item["stages"]["M"].items()
    }


class Lease:
    """The right to ingest, held by one run at a time and renewed while it works.

    A run that dies stops renewing; after LEASE_SECONDS the next run takes over and
    repairs whatever was left half done.
    """

    def __init__(self, store: StateStore, *, wait_seconds: float) -> None:
        self._store = store
        self._wait_seconds = wait_seconds
        self.owner = uuid.uuid4().hex
        self._renew_at = 0.0

    def __enter__(self) -> Lease:
        deadline = time.monotonic() + self._wait_seconds
        delay = 0.05
        while not self._store._claim_lease(self.owner, self._store.clock()):
            if time.monotonic() >= deadline:
                raise LeaseBusy(f"another ingest held the lease for over {self._wait_seconds:.0f} s")
            time.sleep(random.uniform(delay / 2, delay))  # noqa: S311
            delay = min(delay * 2, 2.0)
        self._renew_at = time.monotonic() + LEASE_SECONDS / 3
        return self

    def keep_alive(self) -> None:
        """Renew the lease when a third of it has passed; cheap to call per batch."""
        if time.monotonic() < self._renew_at:
            return
        if not self._store._claim_lease(self.owner, self._store.clock()):
            raise LeaseLost("the ingest lease expired and another run took over")
        self._renew_at = time.monotonic() + LEASE_SECONDS / 3

    def __exit__(self, *exc_info: object) -> None:
        self._store._drop_lease(self.owner)
