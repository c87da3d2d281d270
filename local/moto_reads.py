"""moto's answers to DynamoDB item reads, written as DynamoDB's JSON directly.

moto 5.2 turns every answer into its wire form through a serializer that walks botocore's
model for each attribute of each item: a release's publication, which Scans the festival,
spent three quarters of its time there at 50,000 sets. An item read's answer is, in
DynamoDB's JSON protocol, its result as JSON (binary values in base64): the same bytes,
written directly. Installed by the harnesses that run moto (tests/conftest.py in its own
process, `local.moto_server` for `make run`); never part of the app.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

ITEM_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})


def install(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    """Answer item reads directly (`set_attribute`: a test's `monkeypatch.setattr`)."""
    from moto.dynamodb.responses import DynamoResult

    serialize = DynamoResult.execute_result

    def quick(self: Any, context: Any) -> Any:
        if context.operation_model.name not in ITEM_READS:
            return serialize(self, context)
        body = json.dumps(self.result, default=lambda value: base64.b64encode(value).decode())
        return 200, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-requestid": uuid.uuid4().hex}, body

    set_attribute(DynamoResult, "execute_result", quick)
