"""Stands in for S3's Lambda trigger on the local stack: the bucket sends its real event
notifications to an SQS queue, and the bridge hands each event to the same handler
Lambda would run, with a Lambda-like context. A handler that raises is retried twice
after a delay, then the event is dropped with a log line, as Lambda's async retries do."""

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
        while not stop.is_set():
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=1,
                    AttributeNames=["ApproximateReceiveCount"],
                ).get("Messages", [])
            except Exception:
                if not stop.wait(0.5):
                    log.warning("could not read the event queue; retrying", exc_info=True)
                continue
            for message in messages:
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        event = json.loads(message["Body"])
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            for record in event.get("Records", []):  # an s3:TestEvent has none
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
