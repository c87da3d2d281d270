"""`make run`: the whole system on this machine, with nothing but Python.

- moto's server stands in for S3, DynamoDB, SNS, SQS and CloudFormation on loopback
  (LOCAL_AWS_PORT, default 5000); the resources come from infra/template.yaml;
- `chalice local` serves the API and the schedule page (PORT, default 8000);
- the bucket's real event notifications go to an SQS queue, and the topic's messages to
  another, from which bridges invoke the same Lambda handlers AWS would;
- a sample festival is uploaded through that same path at start;
- the organisers' pool (moto's Cognito) gets a publisher and an editor: ORGANISER_EMAIL
  and ORGANISER_PASSWORD, EDITOR_EMAIL and EDITOR_PASSWORD, generated and printed when unset.

FESTIVAL_TIMEZONE, DAY_CHANGE and FESTIVAL_NAME from the environment win over
.chalice/config.json, for the ingest and the API alike (see local/serve.py).

Set AWS_ENDPOINT_URL to use another endpoint (LocalStack, say) instead of starting moto.
Ctrl-C (SIGINT) or SIGTERM stops everything and frees both ports.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import logging
import os
import secrets
import signal
import socket
import subprocess  # nosec B404  (starts moto and chalice with fixed argvs, never a shell)
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.settings import FESTIVAL_SETTINGS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "local" / "sample"
STACK_NAME = "festival-local"
EVENT_QUEUE = "festival-local-s3-events"
NOTIFICATION_QUEUE = "festival-local-notifications"
PUBLICATION_QUEUE = "festival-local-publications"
# Longer than the longest ingest, so that a slow event is not delivered again midway.
EVENT_VISIBILITY_SECONDS = 900

log = logging.getLogger("festival.local")


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def free_port() -> int:
    """A loopback port nothing uses now (for tests and benchmarks that start servers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nothing listens on this loopback port, and a server could bind it (as servers do,
    with SO_REUSEADDR, past the TIME_WAIT of connections that just closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_until(ready: Callable[[], bool], what: str, timeout: float, stop: threading.Event) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if stop.is_set():
            raise Stop
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.1)


def _answers(port: int, path: str) -> bool:
    """Whether an HTTP server on this loopback port answers (with any status)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when this process dies, however it dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    output = log_path.open("ab")
    # Its own session, so that the terminal's Ctrl-C reaches only us and we stop it in order.
    return subprocess.Popen(  # noqa: S603 - a fixed argv built here, no shell  # nosec B603
        command,
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _chalice_environment() -> dict[str, str]:
    """The functions' settings from .chalice/config.json (global, then the local stage),
    except the festival's own (zone, day change, name) where the environment gives them."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    values = dict(config.get("environment_variables", {}))
    values.update(config.get("stages", {}).get("local", {}).get("environment_variables", {}))
    values.update({name: os.environ[name] for name in FESTIVAL_SETTINGS if name in os.environ})
    return values


@dataclass(frozen=True)
class Account:
    """An organiser of the local stack, to sign in as."""

    email: str
    password: str
    role: str


def local_accounts() -> list[Account]:
    """The publisher and the editor `make run` makes, from the environment or generated
    (a password the pool's policy takes: 12 characters or more, upper and lower case, digits)."""

    def password(name: str) -> str:
        return os.environ.get(name) or f"Fest-{secrets.token_urlsafe(9)}-9a"

    return [
        Account(
            os.environ.get("ORGANISER_EMAIL") or "publisher@festival.local", password("ORGANISER_PASSWORD"), "publisher"
        ),
        Account(os.environ.get("EDITOR_EMAIL") or "editor@festival.local", password("EDITOR_PASSWORD"), "editor"),
    ]


def _print_banner(
    api: str, endpoint: str, bucket: str, topic: str, region: str, accounts: list[Account], pool: str
) -> None:
    festival = (
        f"{os.environ.get('FESTIVAL_NAME', 'Festival')}, {os.environ.get('FESTIVAL_TIMEZONE', 'UTC')}"
        f" time, days change at {os.environ.get('DAY_CHANGE', '06:00')}"
    )
    aws = (
        f"AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION={region} .venv/bin/aws "
        f"--endpoint-url {endpoint}"
    )
    signing_in = "\n".join(
        f"  {account.role.capitalize():<14} {account.email}   password {account.password}" for account in accounts
    )
    print(
        f"""
Festival schedule is running locally: {festival}.

  Schedule page  {api}/
  Organiser      {api}/organiser   (sign in as below, drop a CSV: kept as a draft, previewed, published;
                                    the publisher also delays, cancels and moves live sets there, on the day)
{signing_in}
                 (another: AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\
                  AWS_DEFAULT_REGION={region} make organiser EMAIL=you@example.org ROLE=editor POOL={pool})
  API            {api}/stages   (description: {api}/openapi.json)
  Bucket         {bucket}   (upload to uploads/, reports appear in reports/)
  Topic          {topic}   (its messages are printed here as they arrive)
  Fake AWS       {endpoint}   (moto: S3, DynamoDB, SNS, SQS, CloudFormation)

Try it (no ~/.aws needed; credentials and region are inline):

  {aws} s3 cp local/sample/friday.csv "s3://{bucket}/uploads/my day.csv"
  {aws} s3 cp "s3://{bucket}/reports/my day.csv.json" -
  {aws} s3 cp local/sample/saturday.csv "s3://{bucket}/drafts/sample/saturday.csv" --metadata note="Rain plan"
  {aws} s3 cp "s3://{bucket}/previews/sample/saturday.csv.json" -   # what publishing it would change
  curl -s -X POST -H "Content-Type: text/csv" --data-binary @local/sample/sunday.csv \\
    "{api}/previews?file=sample/sunday.csv"
  curl -s {api}/stages
  curl -s "{api}/stages/Tent%20%26%20Bar/performances?day=2026-07-03"
  curl -s "{api}/performances?at=2026-07-04T23:30"
  curl -s {api}/days
  .venv/bin/python -m chalicelib.cli validate local/sample/sunday.csv

Ctrl-C stops everything.
""",
        flush=True,
    )


class LocalStack:
    """The running pieces, started and stopped in order."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.port = int(os.environ.get("PORT", "8000"))
        self.aws_port = int(os.environ.get("LOCAL_AWS_PORT", "5000"))
        self.bucket = os.environ.get("SCHEDULE_BUCKET") or "festival-local-schedule"
        self.region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "eu-west-1"
        self.external = os.environ.get("AWS_ENDPOINT_URL")
        self.endpoint = self.external or f"http://127.0.0.1:{self.aws_port}"
        self.api = f"http://127.0.0.1:{self.port}"
        self.logs = Path(tempfile.mkdtemp(prefix="festival-local-"))
        self.moto: subprocess.Popen[bytes] | None = None
        self.chalice: subprocess.Popen[bytes] | None = None
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        ports = [self.port] if self.external else [self.port, self.aws_port]
        busy = [str(port) for port in ports if not port_is_free(port)]
        if busy:
            raise RuntimeError(f"port {', '.join(busy)} is in use: set PORT and LOCAL_AWS_PORT to free ones")
        self._environment()
        if not self.external:
            self.moto = _start(
                [sys.executable, "-m", "local.moto_server", "-H", "127.0.0.1", "-p", str(self.aws_port)],
                dict(os.environ),
                self.logs / "moto.log",
            )
            _wait_until(lambda: _answers(self.aws_port, "/moto-api/"), "moto's server", 30, self.stop)
        outputs = self._create_resources()
        self.chalice = _start(
            [sys.executable, "-m", "local.serve", "--host", "127.0.0.1", "--port", str(self.port), "--stage", "local"],
            dict(os.environ),
            self.logs / "chalice.log",
        )
        self._start_threads(outputs)
        _wait_until(lambda: _answers(self.port, "/stages"), "chalice local", 60, self.stop)
        self._load_sample()
        accounts = self._organisers(outputs["OrganiserPoolId"])
        _print_banner(
            self.api,
            self.endpoint,
            self.bucket,
            outputs["NotifyTopicArn"],
            self.region,
            accounts,
            outputs["OrganiserPoolId"],
        )

    def _environment(self) -> None:
        os.environ.update(_chalice_environment())
        os.environ.setdefault("AWS_DEFAULT_REGION", self.region)
        if not self.external:
            # moto accepts any credentials; these keep a real ~/.aws profile out of it.
            os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_ENDPOINT_URL=self.endpoint)
            os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - moto takes any key  # nosec B105
            os.environ.pop("AWS_PROFILE", None)
            os.environ.pop("AWS_SESSION_TOKEN", None)

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region)

    def _create_resources(self) -> dict[str, str]:
        from infra.stack import create_stack, environment

        outputs = create_stack(
            self._client("cloudformation"), STACK_NAME, {"Stage": "local", "ScheduleBucketName": self.bucket}
        )
        os.environ.update(environment(outputs))
        # moto serves the pool's signing keys under its own host; the tokens' `iss` names AWS's.
        os.environ["ORGANISER_JWKS_URL"] = f"{self.endpoint}/{outputs['OrganiserPoolId']}/.well-known/jwks.json"
        # Versioned as production's (moto's CloudFormation skips VersioningConfiguration).
        self._client("s3").put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        sqs = self._client("sqs")
        events = sqs.create_queue(
            QueueName=EVENT_QUEUE, Attributes={"VisibilityTimeout": str(EVENT_VISIBILITY_SECONDS)}
        )["QueueUrl"]
        notices = sqs.create_queue(QueueName=NOTIFICATION_QUEUE)["QueueUrl"]
        publications = sqs.create_queue(
            QueueName=PUBLICATION_QUEUE, Attributes={"VisibilityTimeout": str(EVENT_VISIBILITY_SECONDS)}
        )["QueueUrl"]
        arn = {
            url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for url in (events, notices, publications)
        }
        for subscriber in (notices, publications):  # the terminal's printout, and the publisher
            self._client("sns").subscribe(TopicArn=outputs["NotifyTopicArn"], Protocol="sqs", Endpoint=arn[subscriber])
        # CloudFormation on moto ignores NotificationConfiguration, so it is set here.
        rules = {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}  # a near-miss gets a report too
        self._client("s3").put_bucket_notification_configuration(
            Bucket=self.bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": arn[events],
                        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                        "Filter": {"Key": rules},
                    },
                    {  # drafts: previewed, never published (the handler tells them by their key)
                        "QueueArn": arn[events],
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "drafts/"}]}},
                    },
                ]
            },
        )
        self.event_queue, self.notification_queue, self.publication_queue = events, notices, publications
        return outputs

    def _start_threads(self, outputs: dict[str, str]) -> None:
        from app import ingest_performances, publish_release, remove_performances
        from local.bridge import DeleteWatcher, EventBridge, TopicBridge

        watcher = DeleteWatcher(self._client("s3"), self.bucket, "uploads/")
        bridge = EventBridge(self._client("sqs"), self.event_queue, ingest_performances, remove_performances, watcher)
        publisher = TopicBridge(self._client("sqs"), self.publication_queue, publish_release)
        self.threads = [
            threading.Thread(target=bridge.run, args=(self.stop,), name="s3-events", daemon=True),
            threading.Thread(target=publisher.run, args=(self.stop,), name="sns-publisher", daemon=True),
            threading.Thread(target=self._print_notifications, name="sns", daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _print_notifications(self) -> None:
        sqs = self._client("sqs")
        while not self.stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=self.notification_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", [])
            except Exception:
                self.stop.wait(0.5)
                continue
            for message in messages:
                subject = json.loads(message["Body"]).get("Subject", "")
                print(f"[sns] {subject}", flush=True)
                sqs.delete_message(QueueUrl=self.notification_queue, ReceiptHandle=message["ReceiptHandle"])

    def _load_sample(self) -> None:
        s3 = self._client("s3")
        keys = []
        for path in sorted(SAMPLE.glob("*.csv")):
            key = f"uploads/sample/{path.name}"
            s3.put_object(Bucket=self.bucket, Key=key, Body=path.read_bytes())
            keys.append(f"reports/sample/{path.name}.json")

        def reported() -> bool:
            listed = s3.list_objects_v2(Bucket=self.bucket, Prefix="reports/sample/").get("Contents", [])
            return {item["Key"] for item in listed} >= set(keys)

        _wait_until(reported, "the sample festival", 120, self.stop)

    def _organisers(self, pool: str) -> list[Account]:
        from infra.organisers import invite

        accounts = local_accounts()
        for account in accounts:
            invite(self._client("cognito-idp"), pool, account.email, account.role, password=account.password)
        return accounts

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        _stop(self.chalice)
        _stop(self.moto)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("festival").setLevel(logging.INFO)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    # Set explicitly: a shell script's background job starts with SIGINT ignored.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stack = LocalStack(stop)
    try:
        stack.start()
        print(f"Logs of moto and chalice local: {stack.logs}", flush=True)
        while not stop.wait(0.5):
            for name, process in (("moto", stack.moto), ("chalice local", stack.chalice)):
                if process is not None and process.poll() is not None:
                    print(f"{name} exited; see {stack.logs}", file=sys.stderr, flush=True)
                    return 1
    except Stop:
        pass
    except RuntimeError as error:
        print(f"make run: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.close()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
