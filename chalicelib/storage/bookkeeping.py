"""The bookkeeping table (partition `pk`, sort `sk`): what the ingest must remember between
runs. Three small stores share it, each in its own module: the ingest lease (`lease`),
one record per uploaded object (`sources`), and the stage and day indexes the API lists
from without a Scan (`indexes`).
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
