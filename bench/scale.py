"""The city festival at scale (`make bench`'s scale table): 300 stages over 25 days, two
files a day of 150 stages x 6 sets (45,000 sets in 50 files), ingested through the real
handler into a moto server; then, per route, the DynamoDB requests, the bytes of the items
they read and the read units `infra.cost.read_units` prices them at."""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date, timedelta
from typing import Any

from infra.cost import item_size, read_units

STAGES, DAYS, SETS = 300, 25, 6
FIRST = date(2030, 8, 1)


def city_file(day: int, half: int, stages: int = STAGES) -> bytes:
    """One day's file for half of the venues: six sets each, from noon."""
    when = (FIRST + timedelta(days=day)).isoformat()
    rows = ["stage,date,start,end,artist,genre,notes"] + [
        f"Venue {stage:03d},{when},{12 + 2 * n:02d}:00,{13 + 2 * n:02d}:30,Act {stage}-{day}-{n},comedy,"
        for stage in range(half * stages // 2, (half + 1) * stages // 2)
        for n in range(SETS)
    ]
    return ("\n".join(rows) + "\n").encode()


class Reads:
    """DynamoDB requests of the app's clients, with the items each read and their units."""

    def __init__(self, client: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        client.meta.events.register("before-call.dynamodb", self._note)
        client.meta.events.register("after-call.dynamodb", self._count)

    @staticmethod
    def _note(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["consistent"] = b'"ConsistentRead": true' in params.get("body", b"") or b'"ConsistentRead":true' in (
            params.get("body") or b""
        )

    def _count(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        items = parsed.get("Items", []) + ([parsed["Item"]] if "Item" in parsed else [])
        for found in parsed.get("Responses", {}).values():
            items += found
        sizes = [item_size(item) for item in items]
        units = read_units(model.name, sizes, consistent=context.get("consistent", False))
        self.requests.append({"operation": model.name, "bytes": sum(sizes), "units": units})


def scale_benchmark(moto: Any, stages: int = STAGES, days: int = DAYS) -> dict[str, Any]:
    """Ingest the city festival file by file, then measure each route's reads (`--quick`
    makes it a small town)."""
    from chalice.test import Client

    from chalicelib.ingest.handler import handle_s3_event, publish_release
    from chalicelib.services import get_services, reset_services
    from chalicelib.storage import clients as aws
    from infra.stack import environment

    outputs = moto.fresh_stack()
    os.environ.update(environment(outputs))
    reset_services()
    bucket = outputs["ScheduleBucketName"]
    s3 = moto.client("s3")
    files: list[dict[str, Any]] = []
    for day in range(days):
        for half in (0, 1):
            key = f"uploads/day {day:02d} part {half}.csv"
            s3.put_object(Bucket=bucket, Key=key, Body=city_file(day, half, stages))
            record = {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}
            wall, cpu = time.perf_counter(), time.process_time()
            [summary] = handle_s3_event({"Records": [record]}, get_services(), wait_seconds=60)
            files.append(
                {
                    "status": summary["status"],
                    "wall_s": time.perf_counter() - wall,
                    "cpu_s": time.process_time() - cpu,
                    "accepted": summary["accepted"],
                }
            )
            print(f"  scale: file {len(files)} of {days * 2}: {files[-1]['wall_s']:.2f} s", flush=True)
    publish_release(get_services(), wait_seconds=60)  # what the last file's message starts
    reads = Reads(aws.client("dynamodb"))
    from app import app

    routes: dict[str, dict[str, Any]] = {}
    middle = (FIRST + timedelta(days=days // 2)).isoformat()
    with Client(app) as client:
        release = json.loads(client.http.get("/changes?limit=1").body)["items"][0]["release"]
        some = json.loads(client.http.get("/stages/Venue%20001/performances?limit=2").body)["items"]
        ids = ",".join(item["id"] for item in some)
        paths = {
            "304 (any route)": ("/stages", True),
            "stages (limit 500)": ("/stages?limit=500", False),
            "days (a page)": ("/days", False),
            "now playing (a page of 50)": (f"/performances?at={middle}T15:00&limit=50", False),
            "a day, all stages (a page)": (f"/performances?day={middle}", False),
            "a stage's sets (a page)": ("/stages/Venue%20001/performances", False),
            "by id": (f"/performances/{some[0]['id']}", False),
            "changes (a page)": ("/changes", False),
            "a release's changes (a page)": (f"/changes/{release}", False),
            "calendar of 2 picks": (f"/calendar.ics?ids={ids}", False),
            "schedule.json (whole festival)": ("/schedule.json", False),
        }
        for name, (path, revalidate) in paths.items():
            headers = {}
            if revalidate:
                headers = {"If-None-Match": client.http.get(path).headers["ETag"]}
            reads.requests.clear()
            response = client.http.get(path, headers=headers)
            assert response.status_code == (304 if revalidate else 200), (path, response.status_code)
            routes[name] = {
                "path": path,
                "requests": len(reads.requests),
                "operations": [r["operation"] for r in reads.requests],
                "bytes_read": sum(r["bytes"] for r in reads.requests),
                "read_units": sum(r["units"] for r in reads.requests),
            }
            print(
                f"  scale: {name}: {routes[name]['requests']} requests, {routes[name]['bytes_read']:,} bytes",
                flush=True,
            )
        listed_days: list[Any] = []
        path = "/days"
        while path:
            page = json.loads(client.http.get(path).body)
            listed_days += page["items"]
            path = f"/days?cursor={page['next']}" if page["next"] else ""
        listed_stages = json.loads(client.http.get("/stages?limit=500").body)["items"]
    moto.drop_stack(outputs)
    walls = sorted(f["wall_s"] for f in files)
    return {
        "stages": stages,
        "days": days,
        "files": len(files),
        "sets": sum(f["accepted"] for f in files),
        "all_ok": all(f["status"] == "ok" for f in files),
        "per_file_wall_s": {
            "median": statistics.median(walls),
            "p95": walls[int(len(walls) * 0.95) - 1],
            "max": walls[-1],
            "first": files[0]["wall_s"],
            "last": files[-1]["wall_s"],
        },
        "per_file_cpu_s": statistics.median(f["cpu_s"] for f in files),
        "days_listed": len(listed_days),
        "stages_listed": len(listed_stages),
        "routes": routes,
    }
