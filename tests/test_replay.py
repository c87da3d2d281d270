"""`make replay`: every upload's current version processed again, to rebuild the tables
after a restore or the loss of a table (on moto, through the same ingest code)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from infra import replay
from tests.conftest import REGION, Festival, csv_text

DAY = csv_text("Main,2026-07-03,20:00,21:00,Headliner,,", "Tent,2026-07-03,21:00,22:00,Second,,")
OTHER = csv_text("Main,2026-07-04,20:00,21:00,Saturday,,")


def lose_the_performances_table(festival: Festival) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(festival.outputs["PerformancesTableName"])
    for item in table.scan()["Items"]:
        table.delete_item(Key={"stage": item["stage"], "slot": item["slot"]})


def get(festival: Festival, path: str) -> Any:
    return json.loads(festival.client.http.get(path).body)


def test_a_dry_run_lists_the_uploads_and_changes_nothing(
    festival: Festival, capsys: pytest.CaptureFixture[str]
) -> None:
    festival.upload("uploads/day.csv", DAY)
    festival.upload("uploads/other.csv", OTHER)
    lose_the_performances_table(festival)
    assert replay.replay(festival.outputs, dry_run=True) == []
    out = capsys.readouterr().out
    assert "2 uploads in s3://" in out and "uploads/day.csv" in out and "uploads/other.csv" in out
    assert festival.items() == []


def test_a_replay_rebuilds_a_lost_table_with_the_same_ids(festival: Festival) -> None:
    festival.upload("uploads/day.csv", DAY)
    festival.upload("uploads/other.csv", OTHER)
    before = {item["artist"]: item["id"] for item in festival.items()}
    releases = get(festival, "/changes")["items"]
    lose_the_performances_table(festival)
    results = replay.replay(festival.outputs, dry_run=False)
    assert [(r["source"]["key"], r["status"], r["accepted"]) for r in results] == [
        ("uploads/day.csv", "ok", 2),
        ("uploads/other.csv", "ok", 1),
    ]
    assert "replayed" in results[0]["what"]
    assert {item["artist"]: item["id"] for item in festival.items()} == before
    assert {s["stage"]: s["performances"] for s in get(festival, "/stages")["items"]} == {"Main": 2, "Tent": 1}
    assert get(festival, "/changes")["items"] == releases  # the same sets: no new release
