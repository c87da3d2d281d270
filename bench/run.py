"""`make bench`: ingest and query measured against the tools a user would pick instead,
and against the limits; writes docs/benchmarks.md and its plots.

Every ingest contender runs in its own process (its peak RSS and CPU are its own)
against the same moto server process, on a fresh stack, reading the same file.
Comparisons are interleaved round by round and reported as ratios with their spread.
The ingest rounds run twice: on bare moto, and with a round trip before every request
(bench/roundtrip.py, also runnable alone). The cold start is bench/coldstart.py's; the
crowd behind an edge cache and a release's way to it, bench/edge.py's.
Options: --quick (small sizes, one round; to check the harness), --skip-million, --skip-scale,
--resume (finish a run that stopped, keeping what it measured).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3

from bench.coldstart import cold_start_benchmark
from bench.data import timetable
from bench.edge import edge_benchmark
from bench.page_load import page_load_benchmark
from bench.roundtrip import round_trip_benchmark
from local.run import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": REGION}


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Moto:
    """One moto server process: the backend every contender writes to."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        os.environ.update(CREDENTIALS, AWS_ENDPOINT_URL=self.endpoint)
        self._stacks = 0

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)

    def fresh_stack(self) -> dict[str, str]:
        from infra.stack import create_stack

        self._stacks += 1
        name = f"bench{self._stacks}"
        return create_stack(
            self.client("cloudformation"),
            name,
            {"Project": name, "Stage": "local", "ScheduleBucketName": f"{name}-schedule"},
        )

    def drop_stack(self, outputs: dict[str, str]) -> None:
        """Free the server's memory between runs."""
        dynamodb, s3 = self.client("dynamodb"), self.client("s3")
        for table in (outputs["PerformancesTableName"], outputs["BookkeepingTableName"]):
            dynamodb.delete_table(TableName=table)
        for item in s3.list_objects_v2(Bucket=outputs["ScheduleBucketName"]).get("Contents", []):
            s3.delete_object(Bucket=outputs["ScheduleBucketName"], Key=item["Key"])

    def cpu_s(self) -> float:
        """The server process's CPU time so far (user and system, from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # busy freeing gigabytes: no need to wait for it
            self.process.kill()
            self.process.wait()


def run_contender(moto: Moto, name: str, path: Path, delay_ms: float = 0) -> dict[str, Any]:
    outputs = moto.fresh_stack()
    bucket, key = outputs["ScheduleBucketName"], f"uploads/{path.name}"
    moto.client("s3").upload_file(str(path), bucket, key)
    server_cpu = moto.cpu_s()
    done = subprocess.run(
        [sys.executable, "-m", "bench.contenders", name, bucket, key, json.dumps(outputs), str(delay_ms)],
        cwd=ROOT,
        env=moto.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # moto's own work for the contender: one process, one request at a time, where DynamoDB
    # serves many side by side; with a round trip it, not the trip, can set the pace.
    result["moto_cpu_s"] = moto.cpu_s() - server_cpu
    # moto counts a table's items exactly (AWS only roughly, every six hours); a paged
    # Scan would cost moto a pass over the whole table per page.
    table = moto.client("dynamodb").describe_table(TableName=outputs["PerformancesTableName"])["Table"]
    result["items_in_table"] = table["ItemCount"]
    moto.drop_stack(outputs)
    print(
        f"  {name:13s} {result['rows']:>9,} rows  {result['wall_s']:7.1f} s  "
        f"{result['cpu_s'] / result['rows'] * 1e6:6.0f} µs CPU/row  {result['peak_rss_mb']:6.0f} MB",
        flush=True,
    )
    return result


def ingest_benchmarks(
    moto: Moto, sizes: dict[int, tuple[str, ...]], rounds: int, delay_ms: float = 0
) -> list[dict[str, Any]]:
    """Interleaved rounds of every contender at every size; with `delay_ms`, each HTTP
    request of every contender waits that long (bench.contenders: the round trip)."""
    results = []
    for rows, contenders in sizes.items():
        path = timetable(rows)
        for number in range(rounds):
            trip = f", {delay_ms:g} ms a request" if delay_ms else ""
            print(f"ingest {rows:,} rows{trip}, round {number + 1} of {rounds}", flush=True)
            order = contenders[number % len(contenders) :] + contenders[: number % len(contenders)]
            for name in order:
                results.append({**run_contender(moto, name, path, delay_ms), "size": rows, "round": number})
    return results


def parse_benchmark(rows: int, repeats: int = 5) -> dict[str, float]:
    """Parse + validate alone against a bare csv.reader loop over the same file."""
    from chalicelib.timetable.rows import Schedule, read_schedule

    path = timetable(rows)

    def ours() -> None:
        with path.open("rb") as stream:
            schedule = read_schedule(stream)
            assert isinstance(schedule, Schedule)
            for _ in schedule.rows():
                pass

    def bare() -> None:
        with path.open(newline="", encoding="utf-8") as stream:
            for _ in csv.reader(stream):
                pass

    times: dict[str, list[float]] = {"ours": [], "csv": []}
    for _ in range(repeats):
        for name, function in (("ours", ours), ("csv", bare)):
            started = time.process_time()
            function()
            times[name].append(time.process_time() - started)
    ours_us = statistics.median(times["ours"]) / rows * 1e6
    csv_us = statistics.median(times["csv"]) / rows * 1e6
    return {"rows": rows, "ours_us_per_row": ours_us, "csv_us_per_row": csv_us, "ratio": ours_us / csv_us}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": pick(0.50) * 1000, "p95_ms": pick(0.95) * 1000, "p99_ms": pick(0.99) * 1000}


def query_benchmark(moto: Moto, rows: int, requests: int) -> dict[str, Any]:
    """Latency of each route through `chalice local` with `rows` performances on one stage."""
    from chalicelib.api.routes import ScheduleApi
    from chalicelib.ingest.handler import handle_s3_event, publish_release
    from chalicelib.services import get_services, reset_services
    from chalicelib.storage import clients as aws
    from infra.stack import environment

    outputs = moto.fresh_stack()
    os.environ.update(environment(outputs))
    reset_services()
    path = timetable(rows, sets_per_stage=rows)
    bucket = outputs["ScheduleBucketName"]
    moto.client("s3").upload_file(str(path), bucket, "uploads/one-stage.csv")
    etag = moto.client("s3").head_object(Bucket=bucket, Key="uploads/one-stage.csv")["ETag"].strip('"')
    handle_s3_event(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "eventTime": "2030-01-01T00:00:00.000Z",
                    "s3": {"bucket": {"name": bucket}, "object": {"key": "uploads/one-stage.csv", "eTag": etag}},
                }
            ]
        },
        get_services(),
        wait_seconds=60,
    )
    publish_release(get_services(), wait_seconds=60)  # what the run's message starts
    stage = "Stage 000"
    quoted = urllib.parse.quote(stage, safe="")
    routes = {
        "stages": "/stages",
        "days": "/days",
        "stage, first page": f"/stages/{quoted}/performances",
        "stage, 2-hour window": f"/stages/{quoted}/performances?from=2030-07-04T18:00&to=2030-07-04T20:00",
        "stage, festival day": f"/stages/{quoted}/performances?day=2030-07-04",
        "one performance": f"/stages/{quoted}/performances/2030-07-04T18:00",
        "now playing": "/performances?at=2030-07-04T18:05",
        "a day, all stages": "/performances?day=2030-07-04",
        "artist": f"/artists/{urllib.parse.quote('Artist 100 & Friends', safe='')}/performances",
        "changes": "/changes",
    }
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "chalice"),
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--stage",
            "local",
            "--no-autoreload",
        ],
        cwd=ROOT,
        env={**moto.env, **environment(outputs)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {"rows_on_stage": rows, "requests_per_route": requests, "routes": {}}
    try:
        wait_for_port(port)
        calls: list[str] = []
        aws.client("dynamodb").meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
        )
        api = ScheduleApi(get_services())
        for name, route in routes.items():
            latencies = []
            started = time.perf_counter()
            for _ in range(requests):
                begin = time.perf_counter()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", route)
                response = connection.getresponse()
                response.read()
                connection.close()
                assert response.status == 200, (route, response.status)
                latencies.append(time.perf_counter() - begin)
            elapsed = time.perf_counter() - started
            calls.clear()
            _call_in_process(api, route)
            results["routes"][name] = {
                **_percentiles(latencies),
                "requests_per_s": requests / elapsed,
                "dynamodb_calls": len(calls),
                "scans": calls.count("Scan"),
            }
            print(
                f"  {name:22s} p50 {results['routes'][name]['p50_ms']:6.1f} ms  "
                f"{results['routes'][name]['requests_per_s']:6.1f} req/s  {len(calls)} DynamoDB call(s)",
                flush=True,
            )
        bare_client = moto.client("dynamodb")
        bare = []
        for _ in range(requests):
            begin = time.perf_counter()
            bare_client.query(
                TableName=outputs["PerformancesTableName"],
                KeyConditionExpression="stage = :s",
                ExpressionAttributeValues={":s": {"S": stage}},
                Limit=50,
            )
            bare.append(time.perf_counter() - begin)
        in_process = []
        for _ in range(requests):
            begin = time.perf_counter()
            api.stage_performances(quoted, None)
            in_process.append(time.perf_counter() - begin)
        results["bare_query"] = _percentiles(bare)
        results["in_process_first_page"] = _percentiles(in_process)
    finally:
        server.terminate()
        server.wait()
        moto.drop_stack(outputs)
    return results


SCALE_STAGES = (10, 50, 200)


def routes_benchmark(moto: Moto, requests: int) -> dict[str, Any]:
    """Per route, through the app in-process (chalice's test client) against the moto
    server: DynamoDB requests per response at 10, 50 and 200 stages, the handler's CPU per
    request, and what a 304 (If-None-Match) costs instead."""
    from chalice.test import Client

    from bench.data import festival
    from chalicelib.ingest.handler import handle_s3_event, publish_release
    from chalicelib.services import get_services, reset_services
    from chalicelib.storage import clients as aws
    from infra.stack import environment

    results: dict[str, Any] = {"stages": list(SCALE_STAGES), "requests_per_route": requests, "routes": {}}
    calls: list[str] = []
    for stages in SCALE_STAGES:
        outputs = moto.fresh_stack()
        os.environ.update(environment(outputs))
        reset_services()
        bucket = outputs["ScheduleBucketName"]
        moto.client("s3").upload_file(str(festival(stages)), bucket, "uploads/festival.csv")
        record = {
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": bucket}, "object": {"key": "uploads/festival.csv"}},
        }
        handle_s3_event({"Records": [record]}, get_services(), wait_seconds=60)
        publish_release(get_services(), wait_seconds=60)  # what the run's message starts
        aws.client("dynamodb").meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
        )
        from app import app

        with Client(app) as client:
            some_id = json.loads(client.http.get("/stages/Stage%20000/performances?limit=1").body)["items"][0]["id"]
            routes = {
                "stages": "/stages",
                "days": "/days",
                "stage, first page": "/stages/Stage%20000/performances",
                "stage, 2-hour window": "/stages/Stage%20000/performances?from=2030-07-02T18:00&to=2030-07-02T20:00",
                "slot": "/stages/Stage%20000/performances/2030-07-02T18:00",
                "by id": f"/performances/{some_id}",
                "now playing": "/performances?at=2030-07-02T18:05",
                "now playing, small hours": "/performances?at=2030-07-03T01:00",
                "a day, all stages": "/performances?day=2030-07-02",
                "artist": "/artists/Artist%200-1-3/performances",
                "changes": "/changes",
                "calendar.ics": "/calendar.ics?stage=Stage%20000",
                "schedule.json": "/schedule.json",
                "schedule.xml": "/schedule.xml",
            }
            for name, route in routes.items():
                calls.clear()
                response = client.http.get(route)
                assert response.status_code == 200, (route, response.status_code)
                requested = len(calls)
                cpu = _cpu_per_request(client, route, {}, requests)
                etag = response.headers["ETag"]
                calls.clear()
                assert client.http.get(route, headers={"If-None-Match": etag}).status_code == 304
                not_modified_requests = len(calls)
                cpu_304 = _cpu_per_request(client, route, {"If-None-Match": etag}, requests)
                row = results["routes"].setdefault(name, {"dynamodb_requests": {}, "cpu_ms": {}, "not_modified": {}})
                row["dynamodb_requests"][str(stages)] = requested
                row["cpu_ms"][str(stages)] = cpu
                row["not_modified"][str(stages)] = {"dynamodb_requests": not_modified_requests, "cpu_ms": cpu_304}
                print(
                    f"  {stages:3d} stages  {name:26s} {requested} request(s)  {cpu:6.2f} ms CPU  "
                    f"304: {not_modified_requests} request(s), {cpu_304:5.2f} ms CPU",
                    flush=True,
                )
        moto.drop_stack(outputs)
    return results


def _cpu_per_request(client: Any, route: str, headers: dict[str, str], repeats: int) -> float:
    """This process's CPU time per request, in ms (the moto server's is its own process's)."""
    begin = time.process_time()
    for _ in range(repeats):
        client.http.get(route, headers=headers)
    return (time.process_time() - begin) * 1000 / repeats


def _call_in_process(api: Any, route: str) -> None:
    """The same request through the API's own code, to count its DynamoDB calls."""
    from datetime import UTC, datetime

    parsed = urllib.parse.urlsplit(route)
    query = dict(urllib.parse.parse_qsl(parsed.query)) or None
    parts = parsed.path.strip("/").split("/")
    if parts == ["stages"]:
        api.stages(query)
    elif parts == ["days"]:
        api.days(query)
    elif parts[0] == "stages" and len(parts) == 3:
        api.stage_performances(parts[1], query)
    elif parts[0] == "stages":
        api.performance_in_slot(parts[1], parts[3])
    elif parts == ["performances"]:
        api.performances(query, datetime.now(UTC))
    elif parts[0] == "performances":
        api.performance(parts[1])
    elif parts == ["changes"]:
        api.changes(query)
    else:
        api.artist_performances(parts[1], query)


def local_stack_latency(rows: int = 1000, repeats: int = 3) -> dict[str, Any]:
    """Seconds from `aws s3 cp` of a 1,000-row file into the `make run` stack until the
    API answers with its sets."""
    port, aws_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **CREDENTIALS,
        "PORT": str(port),
        "LOCAL_AWS_PORT": str(aws_port),
        "SCHEDULE_BUCKET": "bench-local",
    }
    stack = subprocess.Popen(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()

    def watch() -> None:
        assert stack.stdout is not None
        for line in stack.stdout:
            if "Ctrl-C stops everything" in line:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    samples = []
    try:
        if not ready.wait(180):
            raise RuntimeError("the local stack did not start")
        for attempt in range(repeats):
            path = Path(tempfile.mkdtemp()) / "thousand.csv"
            stage = f"Latency {attempt}"
            with path.open("w") as out:
                out.write("stage,date,start,end,artist,genre,notes\n")
                for n in range(rows):
                    start = 8 * 60 + n * 15
                    day = 1 + start // 1440
                    out.write(
                        f"{stage},2030-08-{day:02d},{start % 1440 // 60:02d}:{start % 60:02d},"
                        f"{(start + 10) % 1440 // 60:02d}:{(start + 10) % 60:02d},Act {n},,\n"
                    )
            began = time.perf_counter()
            subprocess.run(
                [
                    str(BIN / "aws"),
                    "--endpoint-url",
                    f"http://127.0.0.1:{aws_port}",
                    "s3",
                    "cp",
                    str(path),
                    f"s3://bench-local/uploads/latency-{attempt}.csv",
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            uploaded = time.perf_counter()
            quoted = urllib.parse.quote(stage, safe="")
            while True:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", f"/stages/{quoted}/performances?limit=1&from=2030-08-11T02:00")
                response = connection.getresponse()
                body = response.read()
                connection.close()
                if response.status == 200 and json.loads(body)["items"]:
                    break
                time.sleep(0.02)
            samples.append(
                {
                    "upload_s": uploaded - began,
                    "queryable_after_upload_s": time.perf_counter() - uploaded,
                    "total_s": time.perf_counter() - began,
                }
            )
    finally:
        stack.send_signal(2)
        stack.wait(timeout=60)
    return {
        "rows": rows,
        "samples": samples,
        "median_queryable_after_upload_s": statistics.median(s["queryable_after_upload_s"] for s in samples),
        "median_total_s": statistics.median(s["total_s"] for s in samples),
    }


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {
        name: metadata.version(name) for name in ("boto3", "botocore", "moto", "chalice", "awswrangler", "pandas")
    }
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory_gib": f"{memory:.0f}",
        "python": platform.python_version(),
        "os": platform.platform(),
        **versions,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round: checks the harness")
    parser.add_argument("--skip-million", action="store_true", help="leave out the 1,000,000-row round")
    parser.add_argument("--skip-scale", action="store_true", help="leave out the city festival (300 x 25)")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from docs/benchmarks.json")
    parser.add_argument(
        "--resume", action="store_true", help="keep the phases docs/benchmarks.json holds from a run that stopped"
    )
    args = parser.parse_args()
    if args.report_only:
        from bench.report import write_report

        write_report(json.loads((DOCS / "benchmarks.json").read_text()), DOCS)
        return 0
    started = time.monotonic()
    everyone = ("ours", "batch_writer", "awswrangler")
    if args.quick:
        sizes, million, rounds, query_rows, query_requests = {2000: (*everyone, "put_item")}, None, 1, 2000, 20
    else:
        sizes = {20_000: (*everyone, "put_item"), 100_000: everyone}
        million = None if args.skip_million else 1_000_000
        rounds, query_rows, query_requests = 3, 10_000, 100
    results: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    DOCS.mkdir(exist_ok=True)
    checkpoint = DOCS / "benchmarks.json"
    if args.resume:  # the same machine and options; what it measured stands, and its time counts
        results = json.loads(checkpoint.read_text())
        kept = [name for name in results if name not in ("machine", "started", "duration_s", "resumed")]
        results["resumed"] = {"phases": kept, "time_counted": "duration_s" in results}
    spent = results.get("duration_s", 0.0)

    def phase(name: str, measure: Callable[[], Any]) -> None:
        if name in results:
            print(f"{name}: kept from {checkpoint.name}", flush=True)
            return
        print(name, flush=True)
        results[name] = measure()
        results["duration_s"] = spent + time.monotonic() - started
        checkpoint.write_text(json.dumps(results, indent=2))  # a later failure loses nothing measured

    moto = Moto()
    try:
        phase(
            "ingest",
            lambda: (
                ingest_benchmarks(moto, sizes, rounds)
                + (ingest_benchmarks(moto, {million: everyone}, 1) if million else [])
            ),
        )
        phase("ingest_round_trip", lambda: round_trip_benchmark(moto, args.quick))
        phase("parse", lambda: parse_benchmark(max(sizes)))
        phase("query", lambda: query_benchmark(moto, query_rows, query_requests))
        phase("routes", lambda: routes_benchmark(moto, 5 if args.quick else 30))
        if not args.skip_scale:
            from bench.scale import scale_benchmark

            phase("scale", lambda: scale_benchmark(moto, *((30, 3) if args.quick else ())))
    finally:
        moto.stop()
    phase("cold_start", lambda: cold_start_benchmark(5 if args.quick else 21))
    phase("local_stack", local_stack_latency)
    phase("page_load", lambda: page_load_benchmark(runs=1 if args.quick else 5))
    phase("edge", lambda: edge_benchmark(quick=args.quick))
    results["duration_s"] = spent + time.monotonic() - started
    checkpoint.write_text(json.dumps(results, indent=2))
    from bench.report import write_report

    write_report(results, DOCS)
    print(f"wrote {DOCS / 'benchmarks.md'} in {results['duration_s'] / 60:.0f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
