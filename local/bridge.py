"""Stands in for S3's and SNS's Lambda triggers on the local stack: the bucket sends its real
event notifications to an SQS queue, the topic its messages to another, and a bridge hands
each event to the same handler Lambda would run, with a Lambda-like context. A handler that
raises is retried twice after a delay, then the event is dropped with a log line, as
Lambda's async retries do. A message that holds no event is logged and deleted; nothing a
message holds stops the bridge (it would otherwise leave every later upload silently never
ingested).

The bucket is versioned, as production's, and there moto sends no event for a delete
that leaves a version behind (a delete marker, or one version of several deleted by its
id), where S3 sends `ObjectRemoved:DeleteMarkerCreated` or `ObjectRemoved:Delete`. So the
bridge watches the uploads' versions (`DeleteWatcher`) and puts the event S3 would have
sent on the same queue, so that the local stack runs the same paths as production."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from chalice.local import LambdaContext

log = logging.getLogger("festival.local.bridge")

Handler = Callable[[dict[str, Any], Any], Any]
LAMBDA_TIMEOUT_MS = 900_000
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 2


class QueueBridge:
    """Polls a queue and hands each message's event to its handler, as Lambda's asynchronous
    invocations do: a handler that raises gets the event again after a delay, twice."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def run(self, stop: threading.Event) -> None:
        """Deliver events until `stop` is set."""
        while not stop.is_set():
            try:
                self.before_poll()
                self.poll_once()
            except Exception:
                if not stop.wait(0.5):
                    log.warning("could not read the queue %s; retrying", self._queue_url, exc_info=True)

    def before_poll(self) -> None:
        """Anything to do before each poll (nothing, here)."""

    def poll_once(self) -> int:
        """Receive one batch and deliver each of its events; the number of messages."""
        messages: list[dict[str, Any]] = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            AttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        for message in messages:
            try:
                self._handle(message)
            except Exception:  # the next message must still be delivered
                log.exception("could not handle the event message %s; skipped it", message.get("MessageId"))
        return len(messages)

    def event_of(self, body: str) -> dict[str, Any] | str:
        """The event a message's body holds, or why it holds none."""
        raise NotImplementedError

    def deliver(self, event: dict[str, Any]) -> None:
        """Invoke the handler for one event."""
        raise NotImplementedError

    def _handle(self, message: dict[str, Any]) -> None:
        event = self.event_of(message.get("Body", ""))
        if isinstance(event, str):
            log.error("skipped message %s: %s: %.200r", message.get("MessageId"), event, message.get("Body"))
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            self.deliver(event)
        except Exception:
            if attempt < ATTEMPTS:
                log.exception(
                    "event failed (attempt %d of %d); retrying in %d s", attempt, ATTEMPTS, RETRY_DELAY_SECONDS
                )
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=RETRY_DELAY_SECONDS,
                )
                return
            log.exception("event failed %d times; giving up on it", attempt)
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])


def _context() -> LambdaContext:
    return LambdaContext("local", 1024, max_runtime_ms=LAMBDA_TIMEOUT_MS)


class EventBridge(QueueBridge):
    """The bucket's event notifications: each S3 event to the ingest's handler."""

    def __init__(
        self, sqs: Any, queue_url: str, created: Handler, removed: Handler, watcher: DeleteWatcher | None = None
    ) -> None:
        super().__init__(sqs, queue_url)
        self._created = created
        self._removed = removed
        self._watcher = watcher

    def before_poll(self) -> None:
        if self._watcher is not None:
            self.raise_removals()

    def raise_removals(self) -> int:
        """Queue the events S3 would have sent for the deletes moto kept quiet about."""
        records = self._watcher.removals() if self._watcher is not None else []
        for record in records:
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps({"Records": [record]}))
        return len(records)

    def event_of(self, body: str) -> dict[str, Any] | str:
        records = _records(body)
        return f"not an S3 event ({records})" if isinstance(records, str) else {"Records": records}

    def deliver(self, event: dict[str, Any]) -> None:
        for record in event["Records"]:
            handler = self._removed if record["eventName"].startswith("ObjectRemoved") else self._created
            handler({"Records": [record]}, _context())


class TopicBridge(QueueBridge):
    """Stands in for SNS's Lambda subscription: each message of the topic (delivered to a
    queue subscribed to it) to the handler, as the event SNS gives Lambda."""

    def __init__(self, sqs: Any, queue_url: str, handler: Handler) -> None:
        super().__init__(sqs, queue_url)
        self._handler = handler

    def event_of(self, body: str) -> dict[str, Any] | str:
        try:
            envelope = json.loads(body)
        except ValueError as error:
            return f"not JSON: {error}"
        if not isinstance(envelope, dict) or not isinstance(envelope.get("Message"), str):
            return "not an SNS message"
        sns = {key: envelope.get(key) for key in ("Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp")}
        sns["MessageAttributes"] = envelope.get("MessageAttributes", {})
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns}]}

    def deliver(self, event: dict[str, Any]) -> None:
        self._handler(event, _context())


def _records(body: str) -> list[dict[str, Any]] | str:
    """An S3 notification's records (none for the s3:TestEvent S3 sends first), or why
    the body is not one."""
    try:
        event = json.loads(body)
    except ValueError as error:
        return f"not JSON: {error}"
    if not isinstance(event, dict):
        return "not a JSON object"
    records = event.get("Records", [])
    if not isinstance(records, list) or not all(
        isinstance(record, dict) and isinstance(record.get("eventName"), str) for record in records
    ):
        return "Records is not a list of records with an eventName"
    return records


class DeleteWatcher:
    """The deletes under a prefix of a versioned moto bucket that moto sends no event for,
    found by comparing the versions it lists with those it listed before."""

    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix
        self._seen = self._versions()

    def _versions(self) -> dict[tuple[str, str], bool]:
        """Every version and delete marker under the prefix: (key, version id) -> is a marker."""
        found: dict[tuple[str, str], bool] = {}
        for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=self._bucket, Prefix=self._prefix):
            for version in page.get("Versions", []):
                found[(version["Key"], version["VersionId"])] = False
            for marker in page.get("DeleteMarkers", []):
                found[(marker["Key"], marker["VersionId"])] = True
        return found

    def removals(self) -> list[dict[str, Any]]:
        """The event records S3 would have sent since the last look."""
        now = self._versions()
        keys_left = {key for key, _ in now}
        records = [
            self._record(key, version, "ObjectRemoved:DeleteMarkerCreated")
            for (key, version), marker in now.items()
            if marker and (key, version) not in self._seen
        ]
        records += [  # a version deleted by its id (moto announces the key's last one itself)
            self._record(key, version, "ObjectRemoved:Delete")
            for key, version in self._seen
            if (key, version) not in now and key in keys_left
        ]
        self._seen = now
        return records

    def _record(self, key: str, version: str, name: str) -> dict[str, Any]:
        return {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": name,
            "s3": {
                "bucket": {"name": self._bucket, "arn": f"arn:aws:s3:::{self._bucket}"},
                "object": {"key": quote_plus(key), "versionId": version},
            },
        }
