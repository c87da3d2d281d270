"""No file wedges the ingest, and a run that lost its lease changes nothing: a write DynamoDB
refuses for good fails its own file and the next run goes on; a slow run's late writes
(sets, index, report, message, status, plan) never land after another run took over."""

from __future__ import annotations

import json
from typing import Any

from tests.aws_calls import failing_calls
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


def test_a_plan_dynamodb_refuses_for_good_fails_its_own_file_and_the_next_run_goes_on(festival: Festival) -> None:
    first = csv_text("Main,2026-07-03,18:00,19:00,Old,,", "Main,2026-07-03,19:00,20:00,Kept,,")
    festival.upload("uploads/day.csv", first)
    festival.notifications()
    before = {"sets": festival.items(), "stages": get(festival, "/stages").body, "days": get(festival, "/days").body}
    etag = get(festival, "/days").headers["ETag"]
    event = festival.put(
        "uploads/day.csv", csv_text("Tent,2026-07-03,18:00,19:00,Old,,", "Main,2026-07-03,21:00,22:00,New,,")
    )
    # The sets land; then the index's batch is refused as no retry can fix (as a key over
    # DynamoDB's limit was before rows checked it): the plan cannot be applied.
    refused = failing_calls("dynamodb", "BatchWriteItem", "ValidationException", times=1, after=1)
    with refused:
        festival.deliver(event)  # the run fails its file; nothing for Lambda to retry
    report = festival.report("uploads/day.csv")
    assert report["status"] == "failed" and "ValidationException" in report["reason"]
    assert "will not be retried" in report["reason"]
    # What was live is live again, whole: sets, index, and the tag every answer had.
    assert festival.items() == before["sets"]
    assert get(festival, "/stages").body == before["stages"] and get(festival, "/days").body == before["days"]
    assert get(festival, "/days").headers["ETag"] == etag
    assert festival.notifications() == []

    later = festival.upload("uploads/later.csv", csv_text("Side,2026-07-03,18:00,19:00,Later,,"))
    assert later["status"] == "ok"
    assert "Later" in {i["artist"] for i in festival.items()}
    assert "ETag" in get(festival, "/stages").headers
