"""The ingest acts only on the configured bucket's uploads: an event naming anything else is
refused and logged, and never touches the live schedule (issue: forged events)."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Festival, csv_text

DAY = csv_text("Main,2026-07-03,20:00,21:00,Headliner,,")


def forged(event: dict[str, Any], *, bucket: str | None = None, key: str | None = None) -> dict[str, Any]:
    """The same event with another bucket or key, as anyone who can invoke the function may send."""
    changed = copy.deepcopy(event)
    found = changed["Records"][0]["s3"]
    if bucket is not None:
        found["bucket"]["name"] = bucket
    if key is not None:
        found["object"]["key"] = key
    return changed


def refusals(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = [json.loads(r.message) for r in caplog.records if r.name == "festival.ingest"]
    return [line for line in lines if line["outcome"] == "refused"]


def reports(festival: Festival) -> list[str]:
    listed = festival.s3.list_objects_v2(Bucket=festival.bucket, Prefix="reports/").get("Contents", [])
    return sorted(item["Key"] for item in listed)


def test_a_removal_naming_another_bucket_deletes_nothing(festival: Festival, caplog: pytest.LogCaptureFixture) -> None:
    festival.upload("uploads/day.csv", DAY)
    before = festival.items()
    removal = festival.event("uploads/day.csv", "ObjectRemoved:DeleteMarkerCreated", version_id="x")
    with caplog.at_level(logging.INFO, logger="festival.ingest"):
        festival.deliver(forged(removal, bucket="someone-elses-bucket"))
    assert festival.items() == before
    [refused] = refusals(caplog)
    assert refused["bucket"] == "someone-elses-bucket" and "not the schedule bucket" in refused["reason"]


@pytest.mark.parametrize("key", ["reports/inject.csv.json", "plans/x.csv", "elsewhere/day.csv", "uploads/"])
def test_keys_outside_the_uploads_are_never_read_or_reported(
    festival: Festival, caplog: pytest.LogCaptureFixture, key: str
) -> None:
    festival.s3.put_object(Bucket=festival.bucket, Key=key, Body=DAY.encode())
    with caplog.at_level(logging.INFO, logger="festival.ingest"):
        festival.deliver(festival.event(key, "ObjectCreated:Put"))
    assert festival.items() == []
    assert reports(festival) == ([key] if key.startswith("reports/") else [])  # no reports/reports/...
    assert len(refusals(caplog)) == 1


def test_a_near_miss_upload_gets_a_report_saying_why_it_was_not_read(festival: Festival) -> None:
    report = festival.upload("uploads/day.csv.txt", DAY)
    assert report["status"] == "failed" and "not read" in report["reason"] and ".csv" in report["reason"]
    assert festival.items() == []
    with pytest.raises(ClientError):  # and it is never processed as a timetable
        festival.report("uploads/day.csv")


def test_an_upper_case_csv_is_a_timetable(festival: Festival) -> None:
    report = festival.upload("uploads/DAY.CSV", DAY)
    assert report["status"] == "ok" and len(festival.items()) == 1
