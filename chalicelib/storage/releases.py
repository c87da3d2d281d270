"""The festival's releases (`release/<id>` in the bookkeeping table): one per processed
version that changed what is live, with the changes it made, newest first on request.

A release id is the UTC time it was made, to the millisecond (`2026-06-26T18:04:05.123Z`):
ids sort in release order, so "what came after release X" and "what came after this
moment" are the same one-Query key range. Each id is later than the one before it,
even when two Lambda clocks disagree (see `next_release_id`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.storage.batch import Key
from chalicelib.storage.bookkeeping import BookkeepingTable, item_key

KIND = "release"
RELEASE_ID = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
# A release item keeps its changes up to this size (a DynamoDB item holds 400 KB);
# the rest are in the report it names.
MAX_RELEASE_BYTES = 300_000


def release_id(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_release_id(now: datetime, latest: str) -> str:
    """`now` as a release id, or a millisecond after `latest` if that is not earlier."""
    candidate = release_id(now)
    if latest and candidate <= latest:
        candidate = release_id(datetime.fromisoformat(latest) + timedelta(milliseconds=1))
    return candidate


@dataclass
class Release:
    """One release as the API shows it."""

    release: str
    source: str
    changes: list[dict[str, Any]]
    truncated: bool = False
    report: str = ""

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"release": self.release, "at": self.release, "source": self.source}
        shown["changes"] = self.changes
        if self.truncated:
            shown["truncated"] = True
            shown["report"] = self.report
        return shown


@dataclass(frozen=True)
class ReleasePage:
    releases: list[Release]
    last_key: Key | None


class Releases(BookkeepingTable):
    """Reads the releases (the ingest writes each in its closing transaction)."""

    @staticmethod
    def encode(release: Release) -> dict[str, Any]:
        changes = list(release.changes)
        truncated = release.truncated
        text = json.dumps(changes, ensure_ascii=False, separators=(",", ":"))
        while len(text.encode()) > MAX_RELEASE_BYTES:
            changes = changes[: len(changes) * 3 // 4]
            truncated = True
            text = json.dumps(changes, ensure_ascii=False, separators=(",", ":"))
        item: dict[str, Any] = {
            **item_key(KIND, release.release),
            "source": {"S": release.source},
            "changes": {"S": text},
            "report": {"S": release.report},
        }
        if truncated:
            item["truncated"] = {"BOOL": True}
        return item

    @staticmethod
    def decode(item: dict[str, Any]) -> Release:
        return Release(
            release=item["sk"]["S"],
            source=item["source"]["S"],
            changes=json.loads(item["changes"]["S"]),
            truncated=item.get("truncated", {}).get("BOOL", False),
            report=item.get("report", {}).get("S", ""),
        )

    def newest(self, *, after: str | None, limit: int, start_key: Key | None = None) -> ReleasePage:
        """One page of releases, newest first; with `after`, only those made after it."""
        condition = "pk = :kind"
        values = {":kind": {"S": KIND}}
        if after is not None:
            condition += " AND sk > :after"
            values[":after"] = {"S": after}
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start_key:
            request["ExclusiveStartKey"] = start_key
        response = self.client.query(**request)
        return ReleasePage([self.decode(item) for item in response["Items"]], response.get("LastEvaluatedKey"))
