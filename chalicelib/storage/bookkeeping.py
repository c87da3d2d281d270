"""The bookkeeping table (partition `pk`, sort `sk`): what the ingest must remember between
runs. Three small stores share it, each in its own module: the ingest lease (`lease`),
one record per uploaded object (`sources`), and the festival index the API lists stages
and days from without a Scan (`indexes`). A run reads what it needs of them in one
request and writes its outcome in one transaction, fenced by the lease.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def item_key(kind: str, name: str) -> dict[str, dict[str, str]]:
    """The key of one bookkeeping item: `kind` groups items that are listed together."""
    return {"pk": {"S": kind}, "sk": {"S": name}}


def conditional_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class BookkeepingTable:
    """The client and table name the three stores share."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def read(self, *keys: dict[str, dict[str, str]]) -> list[dict[str, Any] | None]:
        """The items at these keys (None where there is none), read consistently in one request."""
        request = {self.table: {"Keys": list(keys), "ConsistentRead": True}}
        found: list[dict[str, Any]] = []
        while request:
            response = self.client.batch_get_item(RequestItems=request)
            found.extend(response["Responses"].get(self.table, []))
            request = response.get("UnprocessedKeys") or {}
        by_key = {(item["pk"]["S"], item["sk"]["S"]): item for item in found}
        return [by_key.get((key["pk"]["S"], key["sk"]["S"])) for key in keys]

    def commit(self, condition: dict[str, Any], puts: list[dict[str, Any]]) -> bool:
        """Write these items together, only while `condition` holds; False when it did not."""
        try:
            self.client.transact_write_items(
                TransactItems=[condition, *({"Put": {"TableName": self.table, "Item": item}} for item in puts)]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return False
            raise
        return True
