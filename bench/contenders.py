"""One ingest contender, run once in a fresh process, so that its memory and CPU are
its own: `python -m bench.contenders NAME BUCKET KEY STACK_OUTPUTS_JSON [DELAY_MS]`.

Prints one JSON line: wall seconds, client CPU seconds, peak RSS, DynamoDB requests.
Every contender reads the same CSV object from the same moto server (awswrangler
reads a local copy, which is how it takes input) and writes to its own fresh table.
With DELAY_MS, every HTTP request any of its clients sends waits that long first: the
round trip to AWS, which moto, answering in microseconds, leaves out.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from typing import Any

import boto3

COLUMNS = ("stage", "date", "start", "end", "artist", "genre", "notes")
# Ours only: where its run left its report, read once the clock has stopped (`_milestones`),
# when its release is published too (`_publication`). The others have no release to publish.
REPORTS: list[str] = []


def _count_requests(counter: Counter[str]) -> None:
    """Count DynamoDB requests of every client made from now on (awswrangler makes its own)."""
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(  # type: ignore[union-attr]
        "before-call.dynamodb.*", lambda model, **_: counter.update([model.name])
    )


def _delay_requests(seconds: float) -> None:
    """Every client made from now on waits `seconds` before each HTTP request it sends
    (retries too): below botocore, so that every contender pays it per request alike, and
    a request in flight on one thread does not hold up another's (sleep releases the GIL)."""
    boto3.DEFAULT_SESSION.events.register("before-send", lambda **_: time.sleep(seconds))  # type: ignore[union-attr]


def _rows(s3: Any, bucket: str, key: str) -> Any:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    reader = csv.reader(io.TextIOWrapper(body, encoding="utf-8", newline=""))
    next(reader)
    return reader


def _item(row: list[str]) -> dict[str, str]:
    """What a script without validation would store: the row, keyed like ours."""
    stage, date, start, end, artist, genre, notes = row
    item = {
        "stage": stage,
        "slot": f"{date}#{start}",
        "date": date,
        "start": f"{date}T{start}",
        "end": f"{date}T{end}",
        "day": date,
        "artist": artist,
    }
    if genre:
        item["genre"] = genre
    if notes:
        item["notes"] = notes
    return item


def ours(bucket: str, key: str, outputs: dict[str, str], counter: Counter[str]) -> int:
    from chalicelib.ingest.handler import handle_s3_event
    from chalicelib.services import get_services
    from chalicelib.storage import clients as aws
    from infra.stack import environment

    os.environ.update(environment(outputs))
    etag = aws.client("s3").head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    event = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "eventTime": "2026-11-25T00:00:00.000Z",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key, "eTag": etag}},
            }
        ]
    }
    [summary] = handle_s3_event(event, get_services(), wait_seconds=60)
    REPORTS.append(summary["report"])
    return int(summary["accepted"])


def _milestones(location: str) -> dict[str, float]:
    """From a run's report: seconds from its start to its release being live in the API
    (committed) and to its end (duration)."""
    bucket, key = location.removeprefix("s3://").split("/", 1)
    timings = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())["timings"]
    return {name: timings[f"{name}_ms"] / 1000 for name in ("committed", "duration")}


def _publication() -> dict[str, Any]:
    """Ours only, after its clock stopped: the publisher the run's message starts (another
    function in Lambda), on its own clock; wall and CPU seconds, and the release."""
    from chalicelib.ingest.handler import publish_release
    from chalicelib.services import get_services

    wall, cpu = time.perf_counter(), time.process_time()
    release = publish_release(get_services(), wait_seconds=60)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "release": release}


def batch_writer(bucket: str, key: str, outputs: dict[str, str], counter: Counter[str]) -> int:
    table = boto3.resource("dynamodb").Table(outputs["PerformancesTableName"])
    count = 0
    with table.batch_writer() as writer:
        for row in _rows(boto3.client("s3"), bucket, key):
            writer.put_item(Item=_item(row))
            count += 1
    return count


def put_item(bucket: str, key: str, outputs: dict[str, str], counter: Counter[str]) -> int:
    table = boto3.resource("dynamodb").Table(outputs["PerformancesTableName"])
    count = 0
    for row in _rows(boto3.client("s3"), bucket, key):
        table.put_item(Item=_item(row))
        count += 1
    return count


def awswrangler(bucket: str, key: str, outputs: dict[str, str], counter: Counter[str]) -> int:
    """What `wr.dynamodb.put_csv` does (pandas reads the file, then put_df), with the one
    step the table needs that the CSV lacks: the sort key column."""
    import awswrangler as wr
    import pandas as pd

    with tempfile.NamedTemporaryFile(suffix=".csv") as local:
        boto3.client("s3").download_fileobj(bucket, key, local)
        local.flush()
        frame = pd.read_csv(local.name, dtype=str, keep_default_na=False)
    frame["slot"] = frame["date"] + "#" + frame["start"]
    wr.dynamodb.put_df(df=frame, table_name=outputs["PerformancesTableName"])
    return len(frame)


CONTENDERS = {"ours": ours, "batch_writer": batch_writer, "put_item": put_item, "awswrangler": awswrangler}


_IMPORTS = {"ours": ("chalicelib.ingest.handler", "chalicelib.services"), "awswrangler": ("awswrangler", "pandas")}


def _import_first(name: str) -> None:
    """Import what a contender runs before its clock starts, as boto3 is for every one of
    them: a file's cost is the work, and a cold start's imports are measured on their own
    (docs/benchmarks.md, "Cold start and size")."""
    for module in _IMPORTS.get(name, ()):
        importlib.import_module(module)


def main() -> None:
    name, bucket, key, outputs_json = sys.argv[1:5]
    delay_ms = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    counter: Counter[str] = Counter()
    _count_requests(counter)
    if delay_ms:
        _delay_requests(delay_ms / 1000)
    _import_first(name)
    wall, cpu = time.perf_counter(), time.process_time()
    rows = CONTENDERS[name](bucket, key, json.loads(outputs_json), counter)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ours = {"milestones_s": _milestones(REPORTS[0]), "publication": _publication()} if REPORTS else {}
    print(
        json.dumps(
            {
                "contender": name,
                "delay_ms": delay_ms,
                "rows": rows,
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_rss_mb": peak_kb / 1024,
                "requests": dict(counter),
                **ours,
            }
        )
    )


if __name__ == "__main__":
    main()
