"""Watching and disturbing the app's own AWS clients through botocore's event hooks."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.storage import clients as aws
from chalicelib.storage.lease import Lease

# The ingest's writes go through clients of their own (chalicelib.storage.clients): one
# attempt a call, which the unit of work fences and retries; its batches through a third.
_ROLES = {
    "BatchWriteItem": "bulk",
    "TransactWriteItems": "writes",
    "Publish": "writes",
    "DeleteObject": "writes",
}


def app_clients(service: str) -> list[Any]:
    """Every client the app uses for a service: its reads (the API's everything), the
    ingest's writes, and for DynamoDB the ingest's batch writes."""
    roles = ("reads", "writes", "bulk") if service == "dynamodb" else ("reads", "writes")
    return [aws.client(service, role=role) for role in roles]


def client_for(service: str, operation: str) -> Any:
    """The client the app sends this operation with (a report's PutObject: `writes`)."""
    return aws.client(service, role=_ROLES.get(operation, "reads"))


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallLog:
    """Every request the app's clients send, with its parameters as they go on the wire
    (for DynamoDB, the decoded JSON body: the same shape as the API's parameters)."""

    calls: list[Call] = field(default_factory=list)

    def attach(self, *services: str) -> CallLog:
        for service in services:
            for client in app_clients(service):
                client.meta.events.register("before-call", self._record)
        return self

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        sent = json.loads(params["body"]) if service == "dynamodb" and params.get("body") else params
        if service == "s3":  # bodies may be streams (a plan file): keep where the request went
            sent = {name: sent[name] for name in ("url_path", "query_string", "method") if name in sent}
        self.calls.append(Call(service, model.name, copy.deepcopy(sent)))

    def named(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    def clear(self) -> None:
        self.calls.clear()


@contextmanager
def withheld_writes(rounds: int, keep: int = 10) -> Iterator[None]:
    """While open, BatchWriteItem leaves all but `keep` requests of each batch
    unprocessed, for the first `rounds` calls, as DynamoDB does under load. Works on the
    request body as sent, so what is withheld is really never written."""
    client = client_for("dynamodb", "BatchWriteItem")
    lock = threading.Lock()
    state = {"calls": 0}

    def before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        with lock:
            state["calls"] += 1
            if state["calls"] > rounds:
                return
        body = json.loads(params["body"])
        [(table, requests)] = body["RequestItems"].items()
        body["RequestItems"] = {table: requests[:keep]}
        params["body"] = json.dumps(body).encode()
        context["withheld"] = (table, requests[keep:])

    def after(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        table, rest = context.pop("withheld", (None, []))
        if rest:
            parsed.setdefault("UnprocessedItems", {})[table] = rest

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", before)
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", after)
    try:
        yield
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", before)
        client.meta.events.unregister("after-call.dynamodb.BatchWriteItem", after)


@contextmanager
def failing_calls(
    service: str, operation: str, code: str, times: int, message: str = "injected", after: int = 0
) -> Iterator[None]:
    """While open, the next `times` calls of an operation (once `after` of them have gone
    through) fail with an AWS error code. The failure replaces the whole call, so each one
    is what the app sees once botocore's own retries have given up."""
    client = client_for(service, operation)
    state = {"left": times, "through": after}

    def before(**_: Any) -> Any:
        if state["through"] > 0:
            state["through"] -= 1
            return None
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return _FakeHttp(400), response

    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, before)
    try:
        yield
    finally:
        client.meta.events.unregister(event, before)


@dataclass
class _FakeHttp:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str = ""


@contextmanager
def dead_run() -> Iterator[None]:
    """While open, a run that stops releases nothing, as a Lambda killed midway: its lease
    stays taken until it expires. Patched on its own, so that leaving this block restores
    only that, never the harness the test's other patches keep (DynamoDB's limits, the
    moto lock, the stack's environment)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Lease, "__exit__", lambda self, *exc: None)
        yield
