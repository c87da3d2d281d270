"""No file wedges the ingest, and a run that lost its lease changes nothing: a write DynamoDB
refuses for good fails its own file and the next run goes on; a slow run's late writes
(sets, index, report, message, status, plan) never land after another run took over."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Festival, csv_text

CYRILLIC_STAGE = "Ж" * 600  # 600 letters, 1,200 bytes in UTF-8: over DynamoDB's 1,024 for a sort key


def get(festival: Festival, path: str) -> Any:
    return festival.client.http.get(path)


def test_a_stage_name_over_a_sort_keys_1024_bytes_is_refused_by_its_row_and_later_files_land(
    festival: Festival,
) -> None:
    report = festival.upload(
        "uploads/long.csv",
        csv_text(f"{CYRILLIC_STAGE},2026-07-03,20:00,21:00,Long Stage Act,,", "Main,2026-07-03,18:00,19:00,Fine,,"),
    )
    assert report["status"] == "partial"
    [error] = report["errors"]
    assert error["line"] == 2 and error["columns"] == ["stage"]
    assert "1,200 bytes" in error["reason"] and "1,024" in error["reason"]
    assert [i["artist"] for i in festival.items()] == ["Fine"]

    later = festival.upload("uploads/later.csv", csv_text("Tent,2026-07-03,18:00,19:00,Later,,"))
    assert later["status"] == "ok"
    stages = get(festival, "/stages")
    assert "ETag" in stages.headers  # nothing is pending
    assert {s["stage"] for s in json.loads(stages.body)["items"]} == {"Main", "Tent"}
