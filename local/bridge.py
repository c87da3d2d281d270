"""Stands in for S3's Lambda trigger on the local stack: the bucket sends its real event
notifications to an SQS queue, and the bridge hands each event to the same handler
Lambda would run, with a Lambda-like context. A handler that raises is retried twice
after a delay, then the event is dropped with a log line, as Lambda's async retries do.
A message that is not an S3 event is logged and deleted; nothing a message holds stops
the bridge (it would otherwise leave every later upload silently never ingested)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from chalice.local import LambdaContext

log = logging.getLogger("festival.local.bridge")

Handler = Callable[[dict[str, Any], Any], Any]
LAMBDA_TIMEOUT_MS = 900_000
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 2


class EventBridge:
    """Polls the notification queue and invokes the handler for each S3 event."""

    def __init__(self, sqs: Any, queue_url: str, created: Handler, removed: Handler) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._created = created
        self._removed = removed

    def run(self, stop: threading.Event) -> None:
        """Deliver events until `stop` is set."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if not stop.wait(0.5):
                    log.warning("could not read the event queue; retrying", exc_info=True)

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

    def _handle(self, message: dict[str, Any]) -> None:
        records = _records(message.get("Body", ""))
        if isinstance(records, str):
            log.error(
                "skipped message %s: not an S3 event (%s): %.200r",
                message.get("MessageId"),
                records,
                message.get("Body"),
            )
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            for record in records:
                handler = self._removed if record["eventName"].startswith("ObjectRemoved") else self._created
                handler({"Records": [record]}, LambdaContext("local", 1024, max_runtime_ms=LAMBDA_TIMEOUT_MS))
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
