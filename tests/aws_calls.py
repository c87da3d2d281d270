"""Watching and disturbing the app's own AWS clients through botocore's event hooks."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from chalicelib.storage import clients as aws
from chalicelib.storage.lease import Lease

# The ingest's writes go through clients of their own (chalicelib.storage.clients): one
# attempt a call, which the unit of work fences and retries; its batches through a third.
_ROLES = {
    "BatchWriteItem": "bulk",
    "TransactWriteItems": "writes",
    "Publish": "writes",
    "PutObject": "writes",  # a report, a public file (a plan goes under its run's own key, with the reads client)
    "PutObjectTagging": "writes",  # a public file retired
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
    published: bool = False  # sent by a publication (`ingest.publishing`), not by the run's plan and apply


@dataclass
class CallLog:
    """Every request the app's clients send, with its parameters as they go on the wire
    (for DynamoDB, the decoded JSON body: the same shape as the API's parameters)."""

    calls: list[Call] = field(default_factory=list)
    publishing: bool = False

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
        self.calls.append(Call(service, model.name, copy.deepcopy(sent), self.publishing))

    def named(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    def apart_from_publications(self, monkeypatch: pytest.MonkeyPatch) -> CallLog:
        """Mark the requests each publication sends (the publisher's function, with its
        lease; or the scheduled run's: it reads the whole festival and writes its files),
        so a test of what planning and applying cost can leave them out."""
        from chalicelib.ingest import handler

        publish = handler.publish_release

        def marked(*args: Any, **kwargs: Any) -> Any:
            self.publishing = True
            try:
                return publish(*args, **kwargs)
            finally:
                self.publishing = False

        monkeypatch.setattr(handler, "publish_release", marked)
        return self

    def of_the_runs(self) -> list[Call]:
        """The requests that are not a publication's."""
        return [call for call in self.calls if not call.published]

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


@contextmanager
def stalled(operation: str, during: Callable[[], None], *, delivered: bool, nth: int = 1) -> Iterator[list[str]]:
    """While open, the `nth` request of `operation` the app sends stalls on its way: `during`
    runs meanwhile (another run takes over, say), then the request is `delivered` late, or
    was abandoned by the client when its read timeout ran out (botocore raises
    ReadTimeoutError: the bytes never reach AWS). Yields what happened to it."""
    service = "sns" if operation == "Publish" else "s3" if "Object" in operation else "dynamodb"
    client = client_for(service, operation)
    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    happened: list[str] = []
    seen = {"requests": 0}

    def stall(request: Any, **_: Any) -> None:
        seen["requests"] += 1
        if happened or seen["requests"] < nth:
            return
        happened.append("stalled")
        during()
        happened.append("delivered" if delivered else "abandoned")
        if not delivered:
            raise ReadTimeoutError(endpoint_url=request.url)

    # Ahead of moto's own handler, which answers the request (and so writes) when it runs.
    client.meta.events.register_first(event, stall)
    try:
        yield happened
    finally:
        client.meta.events.unregister(event, stall)


@dataclass
class _Raw:
    body: bytes

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


# An error as each service's protocol sends it: (status, content type, body).
_JSON, _XML = "application/x-amz-json-1.0", "text/xml"
_ERRORS = {
    "dynamodb": {
        "throttled": (400, _JSON, b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"}'),
        "failed": (500, _JSON, b'{"__type":"com.amazon.coral.service#InternalServerError"}'),
    },
    "s3": {
        "throttled": (503, _XML, b"<Error><Code>SlowDown</Code><Message>Reduce your request rate</Message></Error>"),
        "failed": (500, _XML, b"<Error><Code>InternalError</Code><Message>Internal error</Message></Error>"),
    },
    "sns": {
        "throttled": (400, _XML, b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"),
        "failed": (500, _XML, b"<ErrorResponse><Error><Code>InternalError</Code></Error></ErrorResponse>"),
    },
}


@dataclass
class TransientFaults:
    """Faults that pass, at `rate` of the app's HTTP requests (every 1/rate-th, from an offset
    the seed picks), below botocore's retries: a throttle, a 5xx, S3's SlowDown, or a read
    that timed out after AWS really took the request, whichever the seed picks.
    `timed_out` lists the operations whose outcome the app could not know."""

    rate: float
    seed: int
    on: bool = True
    injected: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        import random

        self._random = random.Random(self.seed)  # a test's faults, reproducible by its seed
        self._period = round(1 / self.rate)
        self._requests = self._random.randrange(self._period)
        self._after_sending: set[int] = set()

    @contextmanager
    def active(self) -> Iterator[TransientFaults]:
        hooks = []
        for service in ("dynamodb", "s3", "sns"):
            for client in app_clients(service):
                # Ahead of moto's handler (which answers, and writes), and once it has answered.
                client.meta.events.register_first("before-send", self._before)
                client.meta.events.register_last("before-send", self._after)
                hooks.append(client)
        try:
            yield self
        finally:
            for client in hooks:
                client.meta.events.unregister("before-send", self._before)
                client.meta.events.unregister("before-send", self._after)

    def _before(self, request: Any, event_name: str, **_: Any) -> Any:
        self._requests += 1
        if not self.on or self._requests % self._period:
            return None
        _, service, operation = event_name.split(".")
        kind = self._random.choice(("throttled", "failed", "timed out"))
        self.injected.append(f"{service}:{operation}:{kind}")
        if kind == "timed out":
            self._after_sending.add(id(request))
            return None
        status, content_type, body = _ERRORS[service][kind]
        url, request.url = request.url, "http://fault.invalid/"  # so that moto, which runs next, ignores it
        return AWSResponse(url, status, {"Content-Type": content_type, "x-amzn-RequestId": "1"}, _Raw(body))

    def _after(self, request: Any, event_name: str, **_: Any) -> None:
        if id(request) in self._after_sending:
            self._after_sending.discard(id(request))
            self.timed_out.append(event_name.split(".")[2])
            raise ReadTimeoutError(endpoint_url=request.url)
