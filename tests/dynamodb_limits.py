"""DynamoDB's limits, enforced on moto for every test.

moto 5.2.5 is laxer than DynamoDB where this product's data can reach: it measures an
item with its own rule (numbers as their text, lists and maps with no overhead) against
405,000 bytes; it accepts a BatchWriteItem of more than 25 requests, and two requests for
the same key unless they are byte-identical; it accepts a transaction of any size in
bytes. DynamoDB refuses all of these with a ValidationException, which no retry fixes.
So the harness refuses them the same way, in the test process only: production code is
never made laxer to fit moto, and a test that writes past a limit fails as production
would. (moto already cuts a Query page at 1,000,000 bytes, a little under DynamoDB's
1 MB, and refuses a transaction of more than 100 actions; those are left as they are.)
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Any

import pytest

from infra.cost import item_size

MAX_ITEM_BYTES = 400 * 1024
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_BATCH_WRITES = 25
MAX_BATCH_BYTES = 16 * 1024 * 1024
# moto checks key sizes on writes; DynamoDB refuses a lookup (Query, GetItem) by one too.
MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES = 2048, 1024


def _refuse(message: str) -> Exception:
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _check_key(value: Any, limit: int) -> None:
    """A key value in a lookup (Query, GetItem): DynamoDB refuses one over its key limits;
    moto checks them on writes only."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if value is None:
        return
    size = DynamoType(value).size() if isinstance(value, dict) else value.size()
    if size > limit:
        raise _refuse(f"One or more parameter values were invalid: Size of key has exceeded the limit of {limit} bytes")


def _check_item(item: dict[str, Any]) -> None:
    if item_size(item) > MAX_ITEM_BYTES:
        raise _refuse("Item size has exceeded the maximum allowed size")


def enforce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the checks on moto's DynamoDB backend and handler for this test."""
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    put_item = DynamoDBBackend.put_item
    query = DynamoDBBackend.query
    get_item = DynamoDBBackend.get_item
    update_item = DynamoDBBackend.update_item
    transact = DynamoDBBackend.transact_write_items
    batch_write = DynamoHandler.batch_write_item

    def checked_put(self: Any, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        _check_item(item_attrs)
        return put_item(self, table_name, item_attrs, *args, **kwargs)

    def checked_update(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        before = self.get_item(table_name, key)
        kept = json.loads(json.dumps(before.to_json()["Attributes"])) if before else None
        result = update_item(self, table_name, key, *args, **kwargs)
        after = self.get_item(table_name, key)
        if after is not None and item_size(after.to_json()["Attributes"]) > MAX_ITEM_BYTES:
            if kept is None:
                self.delete_item(table_name, key)
            else:
                put_item(self, table_name, kept, overwrite=True)
            raise _refuse("Item size to update has exceeded the maximum allowed size")
        return result

    def checked_transaction(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        size = 0
        for action in transact_items:
            [(kind, step)] = action.items()
            size += item_size(step["Item"]) if kind == "Put" else item_size(step["Key"])
        if size > MAX_TRANSACTION_BYTES:
            raise _refuse("Transaction request cannot be larger than 4 MB")
        return transact(self, transact_items)

    def checked_batch_write(self: Any) -> Any:
        requests = self.body["RequestItems"]
        count = sum(len(table_requests) for table_requests in requests.values())
        if count > MAX_BATCH_WRITES:
            raise _refuse(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
                f"Map value must satisfy constraint: [Member must have length less than or equal to {MAX_BATCH_WRITES}]"
            )
        size = sum(
            item_size(body.get("Item") or body.get("Key") or {})
            for table_requests in requests.values()
            for request in table_requests
            for body in request.values()
        )
        if size > MAX_BATCH_BYTES:
            raise _refuse("Too many items requested for the BatchWriteItem call")
        for table_name, table_requests in requests.items():
            table = self.dynamodb_backend.get_table(table_name)
            names = [name for name in (table.hash_key_attr, table.range_key_attr) if name]
            keys = []
            for request in table_requests:
                [(kind, body)] = request.items()
                source = body["Item"] if kind == "PutRequest" else body["Key"]
                keys.append(json.dumps([source.get(name) for name in names], sort_keys=True))
            if len(keys) != len(set(keys)):
                raise _refuse("Provided list of item keys contains duplicates")
        return batch_write(self)

    def checked_query(
        self: Any, table: str, hash_key_dict: Any, comparison: Any, range_values: Any, *args: Any, **kwargs: Any
    ) -> Any:
        _check_key(hash_key_dict, MAX_PARTITION_KEY_BYTES)
        for value in range_values or []:
            _check_key(value, MAX_SORT_KEY_BYTES)
        return query(self, table, hash_key_dict, comparison, range_values, *args, **kwargs)

    def checked_get(self: Any, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        _check_key(keys.get(table.hash_key_attr), MAX_PARTITION_KEY_BYTES)
        if table.range_key_attr:
            _check_key(keys.get(table.range_key_attr), MAX_SORT_KEY_BYTES)
        return get_item(self, table_name, keys, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "query", checked_query)
    monkeypatch.setattr(DynamoDBBackend, "get_item", checked_get)
    monkeypatch.setattr(DynamoDBBackend, "put_item", checked_put)
    monkeypatch.setattr(models, "copy", _ItemsCopy())
    monkeypatch.setattr(DynamoDBBackend, "update_item", checked_update)
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", checked_transaction)
    monkeypatch.setattr(DynamoHandler, "batch_write_item", checked_batch_write)


class _ItemsCopy:
    """Stands in for the `copy` module in moto's DynamoDB backend, which deep-copies every
    table a transaction names to roll it back: with a city festival's bookkeeping that
    is most of a test's time. A transaction here only puts whole items and checks
    conditions, which replace item objects and never change one in place, so copying the
    table's mapping of items is enough to roll it back."""

    def deepcopy(self, value: Any) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            copied = copy.copy(value)
            copied.items = defaultdict(
                dict, {key: dict(found) if isinstance(found, dict) else found for key, found in value.items.items()}
            )
            return copied
        return copy.deepcopy(value)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)
