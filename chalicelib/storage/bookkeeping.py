"""The bookkeeping table (partition `pk`, sort `sk`): what the ingest must remember between
runs and what the API lists from without reading sets. Its stores share it, each in its
own module: the ingest lease (`lease`), each upload's record and manifest (`sources`),
the festival index (`indexes`), and the releases (`releases`). Every item is bounded:
nothing in it grows with the festival.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

Key = dict[str, dict[str, str]]
_BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem


def item_key(kind: str, name: str) -> Key:
    """The key of one bookkeeping item: `kind` groups items that are listed together."""
    return {"pk": {"S": kind}, "sk": {"S": name}}


def packed(text: str) -> dict[str, str]:
    """A large JSON text as a compressed binary attribute, in DynamoDB's wire form (base64):
    what is written through the plan. Manifests and pages of changes shrink about six times,
    and so do the write units they cost and the bytes a reader reads."""
    return {"B": base64.b64encode(zlib.compress(text.encode("utf-8", "surrogateescape"), 1)).decode()}


def unpacked(value: dict[str, Any]) -> str:
    """The text of a packed attribute, as boto3 reads it (bytes, decoded from base64)."""
    return zlib.decompress(value["B"]).decode("utf-8", "surrogateescape")


def conditional_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class BookkeepingTable:
    """The client and table name the stores share, and the reads they have in common."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def read(self, *keys: Key) -> list[dict[str, Any] | None]:
        """The items at these keys (None where there is none), read consistently, 100 a request."""
        found: list[dict[str, Any]] = []
        unique = list({(key["pk"]["S"], key["sk"]["S"]): key for key in keys}.values())
        for first in range(0, len(unique), _BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self.table: {"Keys": unique[first : first + _BATCH_GET_KEYS], "ConsistentRead": True}
            }
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                found.extend(response["Responses"].get(self.table, []))
                request = response.get("UnprocessedKeys") or {}
        by_key = {(item["pk"]["S"], item["sk"]["S"]): item for item in found}
        return [by_key.get((key["pk"]["S"], key["sk"]["S"])) for key in keys]

    def get(self, key: Key, *, consistent: bool = False) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=key, ConsistentRead=consistent
        ).get("Item")
        return item

    def partition(self, kind: str, *, begins: str = "", consistent: bool = True) -> Iterator[dict[str, Any]]:
        """Every item of one partition (with `begins`, those whose sort key starts so), in
        sort-key order, one Query per MB."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": kind}},
            "ConsistentRead": consistent,
        }
        if begins:
            request["KeyConditionExpression"] += " AND begins_with(sk, :begins)"
            request["ExpressionAttributeValues"][":begins"] = {"S": begins}
        while True:
            response = self.client.query(**request)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def page(
        self, kind: str, *, limit: int, after: Key | None = None, newest_first: bool = False, above: str | None = None
    ) -> tuple[list[dict[str, Any]], Key | None]:
        """One page of a partition in sort-key order (or newest first), after `after`'s key;
        with `above`, only sort keys greater than it. One Query."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": kind}},
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if above is not None:
            request["KeyConditionExpression"] += " AND sk > :above"
            request["ExpressionAttributeValues"][":above"] = {"S": above}
        if after:
            request["ExclusiveStartKey"] = after
        response = self.client.query(**request)
        return response["Items"], response.get("LastEvaluatedKey")
