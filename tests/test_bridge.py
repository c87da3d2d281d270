"""`make run`'s event bridges on moto SQS queues: whatever a message holds, the bridge logs
what it skips and goes on delivering the uploads after it; a topic's messages reach the
publisher as the event SNS gives Lambda."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.bridge import DeleteWatcher, EventBridge, TopicBridge

REGION = "eu-west-1"
EVENT = {
    "Records": [
        {
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "festival"}, "object": {"key": "uploads/day.csv", "size": 10}},
        }
    ]
}
NOT_EVENTS = [
    "not json at all",
    "[1, 2]",
    '"a string"',
    '{"Records": "not a list"}',
    '{"Records": [42]}',
    '{"Records": [{"s3": {}}]}',  # no eventName
    '{"Records": [{"eventName": 7}]}',
    "\ufffd\ufffd",
    '{"Records": [{"eventName": "ObjectCreated:Put"}]' + " " * 10,  # cut short: no closing brace
]


@pytest.fixture
def queue() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        yield sqs, sqs.create_queue(QueueName="events")["QueueUrl"]


class Recorder:
    """The handler the bridge invokes, as Lambda would invoke the ingest: it records events."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._stop = stop

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        self.events.append(event)
        if self._stop is not None:
            self._stop.set()


def left_in(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.parametrize("body", NOT_EVENTS)
def test_a_message_that_is_no_event_is_logged_and_skipped(
    queue: tuple[Any, str], caplog: pytest.LogCaptureFixture, body: str
) -> None:
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(EVENT))
    created, removed = Recorder(), Recorder()
    bridge = EventBridge(sqs, url, created, removed)
    with caplog.at_level(logging.INFO, logger="festival.local.bridge"):
        while bridge.poll_once():
            pass
    assert created.events == [EVENT] and removed.events == []
    assert left_in(sqs, url) == 0  # the bad message is gone too: it would fail the same way forever
    [skipped] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "not an S3 event" in skipped.getMessage()


def test_the_running_bridge_survives_a_bad_message_and_delivers_the_next_upload(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    stop = threading.Event()
    created = Recorder(stop)
    bridge = EventBridge(sqs, url, created, Recorder())
    sqs.send_message(QueueUrl=url, MessageBody="{oops")
    thread = threading.Thread(target=bridge.run, args=(stop,), daemon=True)
    thread.start()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(EVENT))
    assert stop.wait(60), "the upload after the bad message was never delivered"
    thread.join(60)
    assert not thread.is_alive() and created.events == [EVENT]


def test_the_test_event_s3_sends_first_is_quietly_done_with(
    queue: tuple[Any, str], caplog: pytest.LogCaptureFixture
) -> None:
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}))
    created = Recorder()
    with caplog.at_level(logging.WARNING, logger="festival.local.bridge"):
        EventBridge(sqs, url, created, Recorder()).poll_once()
    assert created.events == [] and left_in(sqs, url) == 0 and not caplog.records


def test_deletes_in_a_versioned_bucket_reach_the_removal_handler_as_s3_would_send_them() -> None:
    """moto sends no event for a delete that leaves a version behind; S3 does, and so must
    `make run`'s bridge: a delete marker, a version deleted by its id, once each."""
    with mock_aws():
        s3, sqs = boto3.client("s3", region_name=REGION), boto3.client("sqs", region_name=REGION)
        bucket = "festival-versioned"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        url = sqs.create_queue(QueueName="events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]
            },
        )
        created, removed = Recorder(), Recorder()
        bridge = EventBridge(sqs, url, created, removed, DeleteWatcher(s3, bucket, "uploads/"))

        def run() -> None:
            bridge.raise_removals()
            while bridge.poll_once():
                pass

        first = s3.put_object(Bucket=bucket, Key="uploads/day 1.csv", Body=b"one")["VersionId"]
        s3.put_object(Bucket=bucket, Key="uploads/day 1.csv", Body=b"two")
        run()
        assert len(created.events) == 2 and removed.events == []

        marker = s3.delete_object(Bucket=bucket, Key="uploads/day 1.csv")["VersionId"]
        run()
        s3.delete_object(Bucket=bucket, Key="uploads/day 1.csv", VersionId=first)
        run()
        run()  # nothing new: nothing more
        assert [
            (r["eventName"], r["s3"]["object"]["key"], r["s3"]["object"]["versionId"])
            for event in removed.events
            for r in event["Records"]
        ] == [
            ("ObjectRemoved:DeleteMarkerCreated", "uploads%2Fday+1.csv", marker),
            ("ObjectRemoved:Delete", "uploads%2Fday+1.csv", first),
        ]


def test_a_topics_message_reaches_its_handler_as_the_event_sns_gives_lambda(queue: tuple[Any, str]) -> None:
    from chalice.app import SNSEvent

    sqs, url = queue
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="ingest")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Subject="day.csv: 5 sets live", Message='{"release": "r1"}')
    sqs.send_message(QueueUrl=url, MessageBody="not an SNS message")
    publisher = Recorder()
    bridge = TopicBridge(sqs, url, publisher)
    while bridge.poll_once():
        pass
    [event] = publisher.events
    seen = SNSEvent(event, None)  # what the Chalice handler reads
    assert (seen.subject, seen.message) == ("day.csv: 5 sets live", '{"release": "r1"}')
    assert left_in(sqs, url) == 0
