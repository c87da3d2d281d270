"""Watching and disturbing the app's own AWS clients through botocore's event hooks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib import aws


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallLog:
    """Every request the app's clients send, with its parameters as the app built them."""

    calls: list[Call] = field(default_factory=list)

    def attach(self, *services: str) -> CallLog:
        for service in services:
            aws.client(service).meta.events.register("before-parameter-build", self._record)
        return self

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(Call(model.service_model.service_name, model.name, copy.deepcopy(params)))

    def named(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    def clear(self) -> None:
        self.calls.clear()


def withhold_writes(rounds: int, keep: int = 10) -> Callable[[], None]:
    """Make BatchWriteItem leave all but `keep` requests of each batch unprocessed, for
    the first `rounds` calls, as DynamoDB does under load. Returns a detach function."""
    client = aws.client("dynamodb")
    withheld: list[list[dict[str, Any]]] = []
    state = {"calls": 0}

    def before(params: dict[str, Any], **_: Any) -> None:
        state["calls"] += 1
        if state["calls"] > rounds:
            withheld.append([])
            return
        [(table, requests)] = params["RequestItems"].items()
        params["RequestItems"] = {table: requests[:keep]}
        withheld.append(requests[keep:])
        state["table"] = table

    def after(parsed: dict[str, Any], **_: Any) -> None:
        rest = withheld.pop()
        if rest:
            parsed.setdefault("UnprocessedItems", {})[state["table"]] = rest

    client.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", before)
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", after)

    def detach() -> None:
        client.meta.events.unregister("before-parameter-build.dynamodb.BatchWriteItem", before)
        client.meta.events.unregister("after-call.dynamodb.BatchWriteItem", after)

    return detach


def fail_calls(service: str, operation: str, code: str, times: int, message: str = "injected") -> Callable[[], None]:
    """Make the next `times` calls of an operation fail with an AWS error code. The
    failure replaces the whole call, so each one is what the app sees once botocore's
    own retries have given up."""
    client = aws.client(service)
    state = {"left": times}

    def before(**_: Any) -> Any:
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return _FakeHttp(400), response

    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, before)
    return lambda: client.meta.events.unregister(event, before)


@dataclass
class _FakeHttp:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str = ""
