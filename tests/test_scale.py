"""A city festival: 300 stages over 25 days, two files a day (150 stages x 6 sets each),
45,000 sets in 50 files, with DynamoDB's limits enforced. Every file lands, and every
answer reads a flat amount, whatever the festival holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.services import reset_services
from infra.cost import item_size
from tests.aws_calls import app_clients
from tests.conftest import Festival, _fake_credentials, _festival, csv_text

STAGES, DAYS, SETS = 300, 25, 6
FIRST = date(2026, 8, 1)


def city_file(day: int, half: int) -> str:
    """One day's file for half of the venues: six sets each, from noon."""
    when = (FIRST + timedelta(days=day)).isoformat()
    rows = [
        f"Venue {stage:03d},{when},{12 + 2 * n:02d}:00,{13 + 2 * n:02d}:30,Act {stage}-{day}-{n},comedy,"
        for stage in range(half * STAGES // 2, (half + 1) * STAGES // 2)
        for n in range(SETS)
    ]
    return csv_text(*rows)


class Reads:
    """The DynamoDB requests the app's clients send, and the bytes of the items they read."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.bytes = 0
        self.largest = 0
        for client in app_clients("dynamodb"):
            client.meta.events.register("after-call.dynamodb", self._count)

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests.append(model.name)
        items = parsed.get("Items", []) + ([parsed["Item"]] if "Item" in parsed else [])
        for found in parsed.get("Responses", {}).values():
            items += found
        for item in items:
            size = item_size(item)
            self.bytes += size
            self.largest = max(self.largest, size)

    def close(self) -> None:
        for client in app_clients("dynamodb"):
            client.meta.events.unregister("after-call.dynamodb", self._count)


ORIGIN = "https://d1.cloudfront.net"


@pytest.fixture(scope="module")
def city() -> Iterator[tuple[Festival, list[dict[str, Any]]]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        with _festival(monkeypatch) as festival:
            monkeypatch.setenv("PUBLIC_ORIGIN", ORIGIN)  # behind the CDN, as production is (the stack has none)
            reset_services()
            # Each release is published as it commits; here the 50 uploads land first and
            # the scheduled run publishes their head once, as it does any release a run left
            # unpublished (one publication of 45,000 sets rather than fifty growing ones).
            from chalicelib.ingest import handler

            with monkeypatch.context() as unpublished:
                unpublished.setattr(handler, "publish_release", lambda *args, **kwargs: None)
                reports = [
                    festival.upload(f"uploads/day {day:02d} part {half}.csv", city_file(day, half))
                    for day in range(DAYS)
                    for half in (0, 1)
                ]
            festival.scheduled_run()
            yield festival, reports


def read(festival: Festival, path: str, **headers: str) -> tuple[Any, Reads]:
    reads = Reads()
    try:
        response = festival.client.http.get(path, headers=headers)
    finally:
        reads.close()
    return response, reads


def test_every_file_lands_and_every_day_and_stage_is_listed(city: tuple[Festival, list[dict[str, Any]]]) -> None:
    festival, reports = city
    assert [report["status"] for report in reports] == ["ok"] * DAYS * 2
    days: list[dict[str, Any]] = []
    path = "/days"
    while path:
        body = json.loads(festival.client.http.get(path).body)
        days += body["items"]
        path = f"/days?cursor={body['next']}" if body["next"] else ""
    assert len(days) == DAYS and all(len(day["stages"]) == STAGES for day in days)
    stages = json.loads(festival.client.http.get("/stages?limit=500").body)
    assert len(stages["items"]) == STAGES and stages["next"] is None
    assert {item["performances"] for item in stages["items"]} == {DAYS * SETS}
    assert len(json.loads(festival.client.http.get("/changes?limit=100").body)["items"]) == DAYS * 2


def test_a_304_reads_one_item_of_under_1_kb(city: tuple[Festival, list[dict[str, Any]]]) -> None:
    festival, _ = city
    # (The whole festival's exports revalidate the same way: tests/test_caching.py, on a small one.)
    for path in ("/stages", "/days", "/performances?day=2026-08-10", "/changes", "/performances?at=2026-08-10T15:00"):
        etag = festival.client.http.get(path).headers["ETag"]
        response, reads = read(festival, path, **{"If-None-Match": etag})
        assert response.status_code == 304
        assert reads.requests == ["GetItem"] and reads.bytes <= 1024, (path, reads.bytes)


@pytest.mark.parametrize("path", ["/stages", "/stages?limit=500", "/days", "/days?limit=500"])
def test_a_page_of_stages_or_days_reads_at_most_64_kb(city: tuple[Festival, list[dict[str, Any]]], path: str) -> None:
    festival, _ = city
    response, reads = read(festival, path)
    assert response.status_code == 200
    # /days: one day first, then as many as its size says still fit (each lists 300 stages).
    assert len(reads.requests) <= (3 if path.startswith("/days") else 2) and reads.bytes <= 64 * 1024, reads.bytes
    if path == "/days?limit=500":
        assert len(json.loads(response.body)["items"]) >= 5  # pages by bytes, not a handful of days


def test_every_day_is_on_some_page_of_days_each_within_64_kb(city: tuple[Festival, list[dict[str, Any]]]) -> None:
    festival, _ = city
    days: list[str] = []
    path = "/days?limit=500"
    while path:
        response, reads = read(festival, path)
        assert reads.bytes <= 64 * 1024, reads.bytes
        body = json.loads(response.body)
        days += [item["day"] for item in body["items"]]
        path = f"/days?limit=500&cursor={body['next']}" if body["next"] else ""
    assert days == [(FIRST + timedelta(days=day)).isoformat() for day in range(DAYS)]


@pytest.mark.parametrize("name", ["schedule.json", "schedule.xml", "calendar.ics"])
def test_each_whole_festival_export_is_the_published_file_complete_and_read_by_its_clients(
    city: tuple[Festival, list[dict[str, Any]]], name: str
) -> None:
    """Through the API: a redirect that reads one small item (no Query, no set), then the
    release's file, compressed, small enough for a Lambda answer; every set in it, as the
    clients that read the format today read it."""
    import gzip

    import icalendar

    from tests import frab_readers

    festival, _ = city
    response, reads = read(festival, f"/{name}")
    assert response.status_code == 302, response.body
    assert reads.requests == ["GetItem"] and reads.bytes <= 4 * 1024, reads.requests  # a file read, not a build
    response, reads = read(festival, f"/{response.headers['Location']}", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert reads.requests == []  # the file is S3's
    assert len(response.body) * 4 / 3 < 6_000_000  # base64 in a Lambda answer: it fits
    document = gzip.decompress(response.body)
    assert len(document) > 6_000_000  # what a Lambda could not answer uncompressed
    if name == "schedule.json":
        seen = frab_readers.eventfahrplan_json(json.loads(document))
    elif name == "schedule.xml":
        seen = frab_readers.eventfahrplan_xml(document)
        assert len(frab_readers.pretalx(document)) == STAGES * DAYS * SETS
    else:
        seen = [event for event in icalendar.Calendar.from_ical(document).walk("VEVENT")]
        assert all(str(event["URL"]).startswith(f"{ORIGIN}/#set=") for event in seen[:100])
    assert len(seen) == STAGES * DAYS * SETS


@pytest.mark.parametrize("limit", [10, 50, 500])
def test_now_playing_reads_three_requests_and_at_most_256_kb_at_any_limit(
    city: tuple[Festival, list[dict[str, Any]]], limit: int
) -> None:
    festival, _ = city
    path = f"/performances?at=2026-08-12T15:00&limit={limit}"
    pages = 0
    while path:
        response, reads = read(festival, path)
        body = json.loads(response.body)
        assert len(reads.requests) <= 3 and reads.bytes <= 256 * 1024, (reads.requests, reads.bytes)
        assert all(entry["now"] and entry["now"]["start"] == "2026-08-12T14:00" for entry in body["items"])
        pages += 1
        path = f"/performances?at=2026-08-12T15:00&limit={limit}&cursor={body['next']}" if body["next"] else ""
    assert pages == -(-STAGES // min(limit, 50))


def test_no_bookkeeping_item_grows_with_the_festival(city: tuple[Festival, list[dict[str, Any]]]) -> None:
    """Every item is bounded by a constant: the index the API reads is small, and a file's
    manifest and a release's changes are kept in chunks of at most 256 KB."""
    festival, _ = city
    items = bookkeeping_wire(festival)
    read_by_the_api = [
        i for i in items if i["pk"]["S"] in ("head", "stage", "day") or i["pk"]["S"].startswith("slots#")
    ]
    assert max(item_size(item) for item in read_by_the_api) <= 8 * 1024
    assert max(item_size(item) for item in items) <= 260 * 1024


def bookkeeping_wire(festival: Festival) -> list[dict[str, Any]]:
    client = festival.dynamodb
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": festival.outputs["BookkeepingTableName"]}
    while True:
        response = client.scan(**request)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
