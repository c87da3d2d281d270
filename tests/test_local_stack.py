"""`make run`'s entry point as a real process: moto's server, `chalice local` and the
S3 event bridge, driven with the AWS CLI and HTTP as a developer would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.run import port_is_free
from tests.localstack import BIN, PUBLISHER, ROOT, Stack, poll, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def test_the_sample_festival_is_loaded_through_the_s3_path(stack: Stack) -> None:
    status, body = stack.get("/stages")
    assert status == 200
    stages = {item["stage"]: item["performances"] for item in body["items"]}
    assert len(stages) >= 5 and sum(stages.values()) >= 150
    assert "Tent & Bar" in stages and "Café Lumière" in stages
    status, days = stack.get("/days")
    assert [item["day"] for item in days["items"]] == ["2026-07-03", "2026-07-04", "2026-07-05"]
    output = stack.output.read_text()
    assert "s3 cp" in output and "AWS_ACCESS_KEY_ID=local" in output and stack.api in output


def test_an_aws_cli_upload_is_queryable_and_reported_and_announced(stack: Stack, tmp_path: Path) -> None:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue = sqs.create_queue(QueueName="test-listener")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    [topic] = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("-ingest")]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    rows = [  # 10 stages x 2 days x 50 sets of 14 minutes from 08:00 = 1,000 rows
        f"Stage {stage},2026-08-0{day},{start // 60:02d}:{start % 60:02d},{end // 60:02d}:{end % 60:02d},A{i},,"
        for stage in range(10)
        for day in (1, 2)
        for i in range(50)
        for start, end in [(480 + 15 * i, 494 + 15 * i)]
    ]
    path = tmp_path / "big day.csv"
    path.write_text("stage,date,start,end,artist,genre,notes\n" + "\n".join(rows) + "\n")
    key = "uploads/Große Bühne & more.csv"
    stack.aws("s3", "cp", str(path), f"s3://{stack.bucket}/{key}")

    stage = urllib.parse.quote("Stage 7", safe="")
    body = poll(
        # The ingest streams its writes: the day is whole once all 50 sets are in.
        lambda: (lambda r: r[1] if r[0] == 200 and len(r[1]["items"]) == 50 else None)(
            stack.get(f"/stages/{stage}/performances?day=2026-08-02&limit=500")
        ),
        "the upload to be queryable",
    )
    assert len(body["items"]) == 50

    # The report follows the release's publication (its files, then the pointer).
    s3 = stack.client("s3")
    poll(lambda: s3.list_objects_v2(Bucket=stack.bucket, Prefix="reports/Große")["KeyCount"] > 0, "the report")
    report = json.loads(stack.aws("s3", "cp", f"s3://{stack.bucket}/reports/Große Bühne & more.csv.json", "-").stdout)
    assert report["status"] == "ok" and report["accepted"] == 1000 and report["source"]["key"] == key

    def announced() -> dict[str, Any] | None:
        for message in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", []):
            envelope = json.loads(message["Body"])
            if json.loads(envelope["Message"])["source"]["key"] == key:
                return envelope
        return None

    envelope = poll(announced, "the SNS message")
    assert envelope["Subject"] == "Timetable ok (1000 accepted, 0 rejected): Grosse Buhne & more.csv"


def test_the_api_survives_schemathesis(stack: Stack) -> None:
    # Its default checks, all of them: no 500, every status and body as described, and
    # both directions of the contract (a value the description admits is answered, one
    # it refuses is a 400). About 450 requests in under 30 s on two cores; the seed keeps
    # `make test` repeatable (run it without one, and with more examples, to hunt).
    # See schemathesis.toml for methods no route has, and the release it reads. Signed in as
    # the local publisher, so that the organiser routes are probed past their 401.
    with urllib.request.urlopen(f"{stack.api}/changes?limit=1", timeout=10) as answer:
        release = json.loads(answer.read())["items"][0]["release"]
    token = stack.sign_in(PUBLISHER)
    done = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            str(ROOT / "tests" / "schemathesis.toml"),
            "run",
            f"{stack.api}/openapi.json",
            "--max-examples",
            "10",
            "--seed",
            "2026",
            "--generation-database",
            "none",
            "--no-color",
            "--request-timeout",
            "20",
            "--header",
            f"Authorization: Bearer {token}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SCHEMATHESIS_RELEASE": release},
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout, done.stdout[-3000:]


def test_a_soak_of_fifty_files_back_to_back(stack: Stack) -> None:
    s3 = stack.client("s3")
    for n in range(50):
        rows = [
            f"Soak {n:02d},2026-09-0{1 + i // 10},{10 + i % 10}:00,{10 + i % 10}:45,Soak act {n}-{i},,"
            for i in range(20)
        ]
        s3.put_object(
            Bucket=stack.bucket,
            Key=f"uploads/soak/file {n:02d}.csv",
            Body=("stage,date,start,end,artist,genre,notes\n" + "\n".join(rows) + "\n").encode(),
        )

    def all_reported() -> list[str] | None:
        listed = s3.list_objects_v2(Bucket=stack.bucket, Prefix="reports/soak/").get("Contents", [])
        return [item["Key"] for item in listed] if len(listed) == 50 else None

    for key in poll(all_reported, "50 reports", timeout=180):
        report = json.loads(s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read())
        assert (report["status"], report["accepted"], report["rejected"]) == ("ok", 20, 0), key
    status, body = stack.get("/stages?limit=500")
    assert status == 200
    soak = {item["stage"]: item["performances"] for item in body["items"] if item["stage"].startswith("Soak ")}
    assert soak == {f"Soak {n:02d}": 20 for n in range(50)}
    status, day = stack.get("/performances?day=2026-09-01&limit=500")
    assert status == 200
    assert len([item for item in day["items"] if item["stage"].startswith("Soak ")]) == 50 * 10


def test_ctrl_c_stops_everything_and_frees_both_ports(stack: Stack) -> None:
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    assert "Stopped." in stack.output.read_text()
    assert all(port_is_free(port) for port in stack.ports)
