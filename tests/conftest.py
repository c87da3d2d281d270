"""Shared fixtures: a fake AWS (moto) built from infra/template.yaml, and a `festival`
helper that uploads files and delivers the S3 events Lambda would receive."""

from __future__ import annotations

import gzip
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.services import reset_services
from infra.stack import create_stack, environment
from local import moto_cognito, moto_items, moto_reads  # noqa: F401  (moto's CloudFormation makes the template's Cognito pool)
from tests import dynamodb_limits

pytest.register_assert_rewrite("tests.iam_plugin")
pytest_plugins = ["tests.iam_plugin", "tests.browser_plugin"]
from tests.iam_plugin import TEST_STACK  # noqa: E402

REGION = "eu-west-1"
HEADER = "stage,date,start,end,artist,genre,notes\n"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach real AWS or read ~/.aws."""
    _fake_credentials(monkeypatch)


def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("FESTIVAL_TIMEZONE", "Europe/Amsterdam")
    monkeypatch.setenv("DAY_CHANGE", "06:00")
    reset_services()


@dataclass
class Festival:
    """One festival edition on moto, and ways to act on it as S3 and Lambda would."""

    outputs: dict[str, str]
    client: Client
    queue_url: str
    publications_url: str  # the queue SNS hands each message to for the publisher (see `deliver`)
    _sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _clock: datetime = field(default_factory=lambda: datetime(2026, 6, 1, 12, 0, tzinfo=UTC))

    @property
    def bucket(self) -> str:
        return self.outputs["ScheduleBucketName"]

    @property
    def s3(self) -> Any:
        return boto3.client("s3", region_name=REGION)

    @property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", region_name=REGION)

    def put(self, key: str, body: str | bytes, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """Store an object (no event yet); returns the event S3 would send for it."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata=metadata or {})
        return self.event(
            key,
            "ObjectCreated:Put",
            etag=response["ETag"].strip('"'),
            version_id=response.get("VersionId"),
            size=len(data),
        )

    def delete(self, key: str) -> dict[str, Any]:
        """Delete an object (no event yet); returns the event S3 would send for it."""
        response = self.s3.delete_object(Bucket=self.bucket, Key=key)
        if response.get("DeleteMarker"):
            return self.event(key, "ObjectRemoved:DeleteMarkerCreated", version_id=response["VersionId"])
        return self.event(key, "ObjectRemoved:Delete")

    def event(
        self, key: str, name: str, *, etag: str | None = None, version_id: str | None = None, size: int = 0
    ) -> dict[str, Any]:
        """An S3 event record as Lambda receives it: URL-encoded key, a sequencer that
        grows with every event, and an event time."""
        self._clock += timedelta(seconds=1)
        found: dict[str, Any] = {"key": quote_plus(key), "size": size, "sequencer": f"{next(self._sequence):016X}"}
        if etag:
            found["eTag"] = etag
        if version_id:
            found["versionId"] = version_id
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventTime": self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "eventName": name,
                    "s3": {"bucket": {"name": self.bucket, "arn": f"arn:aws:s3:::{self.bucket}"}, "object": found},
                }
            ]
        }

    def deliver(self, event: dict[str, Any], *, publish: bool = True) -> Any:
        """Invoke the handler S3 would trigger for this event, then (unless not to) the
        publisher for each message the run sent (`publish_announced`)."""
        record = event["Records"][0]
        if record["eventName"].startswith("ObjectRemoved"):
            name = "remove_performances"
        elif record["s3"]["object"]["key"].startswith("drafts"):
            name = "preview_drafts"
        else:
            name = "ingest_performances"
        answer = self.client.lambda_.invoke(name, event)
        if publish:
            self.publish_announced()
        return answer

    def publish_announced(self) -> int:
        """Invoke the publisher for each message sent since the last call, as SNS does; the
        number of messages. One whose invocation raised stays on the queue (its visibility
        timeout is 0) and is delivered again by the next call, as Lambda retries it."""
        sqs = boto3.client("sqs", region_name=REGION)
        delivered = 0
        while batch := sqs.receive_message(QueueUrl=self.publications_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                envelope = json.loads(message["Body"])
                event = self.client.events.generate_sns_event(envelope["Message"], envelope.get("Subject", ""))
                self.client.lambda_.invoke("publish_release", event)
                sqs.delete_message(QueueUrl=self.publications_url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
        return delivered

    def scheduled_run(self) -> Any:
        """The scheduled run (every five minutes): it finishes a plan left pending."""
        event = self.client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        answer = self.client.lambda_.invoke("finish_pending", event)
        self.publish_announced()
        return answer

    def upload(self, key: str, body: str | bytes, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """Upload and deliver the event; returns the report written beside the upload."""
        self.deliver(self.put(key, body, metadata))
        return self.report(key)

    def report(self, key: str) -> dict[str, Any]:
        """The report beside an upload (`reports/...`), or a draft's preview (`previews/...`)."""
        if key.startswith("drafts/"):
            where = f"previews/{key.removeprefix('drafts/')}.json"
        else:
            where = f"reports/{key.removeprefix('uploads/')}.json"
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=where)["Body"].read())

    def public(self, path: str) -> tuple[bytes, dict[str, Any]]:
        """A public file (`public/<path>`) as S3 holds it: its bytes once uncompressed, and
        its GetObject answer (headers, and no body)."""
        found = self.s3.get_object(Bucket=self.bucket, Key=f"public/{path}")
        body = found.pop("Body").read()
        return (gzip.decompress(body) if found.get("ContentEncoding") == "gzip" else body), found

    def pointer(self) -> dict[str, Any] | None:
        """The published pointer (`public/current.json`), or None before the first."""
        try:
            body, _ = self.public("current.json")
        except self.s3.exceptions.NoSuchKey:
            return None
        found: dict[str, Any] = json.loads(body)
        return found

    def items(self) -> list[dict[str, Any]]:
        """Every performance item, for assertions (tests may Scan; the API never does)."""
        table = boto3.resource("dynamodb", region_name=REGION).Table(self.outputs["PerformancesTableName"])
        items = table.scan()["Items"]
        return sorted(items, key=lambda item: (item["stage"], item["slot"]))

    def bookkeeping(self) -> list[dict[str, Any]]:
        """Every bookkeeping item (tests may Scan)."""
        table = boto3.resource("dynamodb", region_name=REGION).Table(self.outputs["BookkeepingTableName"])
        items: list[dict[str, Any]] = []
        response = table.scan()
        items += response["Items"]
        while "LastEvaluatedKey" in response:
            response = table.scan(ExclusiveStartKey=response["LastEvaluatedKey"])
            items += response["Items"]
        return items

    def notifications(self) -> list[dict[str, Any]]:
        """SNS messages received so far through the SQS subscription (consumed)."""
        sqs = boto3.client("sqs", region_name=REGION)
        messages = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                envelope = json.loads(message["Body"])
                attributes = {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}
                messages.append(
                    {
                        "subject": envelope.get("Subject"),
                        "body": json.loads(envelope["Message"]),
                        "attributes": attributes,
                    }
                )
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


_MOTO_ITEM_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "batch_get_item")


def _atomic_moto_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto checks a ConditionExpression and then writes, with nothing between the two
    stopping another thread: two concurrent conditional puts can both succeed, so two
    runs could both take the ingest lease, which real DynamoDB never allows. Tests that
    deliver events from several threads need the atomicity DynamoDB gives, so every item
    operation of moto's backend runs under one lock here (never in production code)."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in _MOTO_ITEM_WRITES:
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def _atomic_moto_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto checks a PutObject's or CopyObject's `If-Match` and then writes, with nothing
    between the two stopping another thread: two conditional writes of the same version can
    both succeed (about one race in 200 on this machine), which S3 never allows, so two
    edits of one version could both be written. Object writes run under one lock here
    (never in production code)."""
    from moto.s3.responses import S3Response

    lock = threading.RLock()
    for name in ("put_object", "copy_object"):
        original = getattr(S3Response, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(S3Response, name, locked)


def _conditional_moto_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 writes a CopyObject only if the destination still matches `If-Match` (its ETag)
    or, with `If-None-Match: *`, holds nothing (412 otherwise); moto 5.2.5 checks both on
    PutObject but ignores them on a copy. A rollback relies on them, so the harness checks
    them as S3 does, with moto's own error (never in production code)."""
    from moto.s3.exceptions import MissingKey, PreconditionFailed
    from moto.s3.responses import S3Response

    copy = S3Response.copy_object

    def conditional(self: Any) -> Any:
        current = self.backend.get_object(self.bucket_name, self.parse_key_name())
        if_match, if_none_match = self.headers.get("If-Match"), self.headers.get("If-None-Match")
        if if_match and current is None:
            raise MissingKey
        if if_match and if_match.replace('"', "") != current.etag.replace('"', ""):
            raise PreconditionFailed("If-Match")
        if if_none_match == "*" and current is not None:
            raise PreconditionFailed("If-None-Match")
        return copy(self)

    monkeypatch.setattr(S3Response, "copy_object", conditional)


def _subscribed_queue(topic_arn: str, name: str, *, visibility_seconds: int = 30) -> str:
    """A queue that gets every message of the topic; its URL."""
    sqs = boto3.client("sqs", region_name=REGION)
    url: str = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility_seconds)})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


@contextmanager
def _festival(monkeypatch: pytest.MonkeyPatch) -> Iterator[Festival]:
    dynamodb_limits.enforce(monkeypatch)
    moto_reads.install(monkeypatch.setattr)  # the same bytes, sooner
    moto_items.install(monkeypatch.setattr)  # the same limit, measured once
    _atomic_moto_dynamodb(monkeypatch)
    _conditional_moto_copies(monkeypatch)  # before the lock: its check runs inside it
    _atomic_moto_s3(monkeypatch)
    with mock_aws():
        outputs = create_stack(boto3.client("cloudformation", region_name=REGION), "festival-test", TEST_STACK)
        for name, value in environment(outputs).items():
            monkeypatch.setenv(name, value)
        queue_url = _subscribed_queue(outputs["NotifyTopicArn"], "notifications")
        publications_url = _subscribed_queue(outputs["NotifyTopicArn"], "publications", visibility_seconds=0)
        reset_services()
        from app import app

        with Client(app) as client:
            yield Festival(outputs=outputs, client=client, queue_url=queue_url, publications_url=publications_url)
        reset_services()


@pytest.fixture
def festival(monkeypatch: pytest.MonkeyPatch) -> Iterator[Festival]:
    """A fresh festival on moto for one test."""
    with _festival(monkeypatch) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def festival_module() -> Iterator[Festival]:
    """One festival shared by a module's tests (for corpora and property tests)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        with _festival(monkeypatch) as shared:
            yield shared


PASSWORD = "Festival-organiser-2026"


@pytest.fixture(scope="session")
def moto_keys_server() -> Iterator[str]:
    """moto's server on a free loopback port, for the organisers' pool's signing keys: moto
    serves a pool's JWKS at /{pool}/.well-known/jwks.json on its server only (in-process
    moto has no address), and the API fetches them over HTTP, as in Lambda."""
    from moto.server import ThreadedMotoServer

    from local.run import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class Organisers:
    """The festival's organiser accounts on moto's Cognito, and signing in as them."""

    festival: Festival
    pool: str
    app_client: str

    @property
    def cognito(self) -> Any:
        return boto3.client("cognito-idp", region_name=REGION)

    def invite(self, email: str, group: str | None, *, password: str | None = PASSWORD) -> None:
        """An account in a group; with `password`, already past its first sign-in."""
        self.cognito.admin_create_user(
            UserPoolId=self.pool,
            Username=email,
            TemporaryPassword="Temporary-pass-1",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        if group:
            self.cognito.admin_add_user_to_group(UserPoolId=self.pool, Username=email, GroupName=group)
        if password:
            self.cognito.admin_set_user_password(
                UserPoolId=self.pool, Username=email, Password=password, Permanent=True
            )

    def sign_in(self, email: str, password: str = PASSWORD) -> str:
        """The token POST /sessions answers."""
        answer = self.festival.client.http.post(
            "/sessions",
            body=json.dumps({"email": email, "password": password}),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.body
        token: str = json.loads(answer.body)["token"]
        return token


PUBLISHER, EDITOR = "pia@example.org", "ed@example.org"


@pytest.fixture
def organisers(festival: Festival, moto_keys_server: str, monkeypatch: pytest.MonkeyPatch) -> Organisers:
    """A versioned bucket (as production's) and two organisers: a publisher and an editor."""
    festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
    pool = festival.outputs["OrganiserPoolId"]
    monkeypatch.setenv("ORGANISER_JWKS_URL", f"{moto_keys_server}/{pool}/.well-known/jwks.json")
    reset_services()
    found = Organisers(festival, pool, festival.outputs["OrganiserClientId"])
    found.invite(PUBLISHER, "publishers")
    found.invite(EDITOR, "editors")
    return found


def csv_text(*rows: str, header: str = HEADER) -> str:
    return header + "".join(row + "\n" for row in rows)
