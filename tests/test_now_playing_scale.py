"""Now playing in a constant number of DynamoDB requests, whatever the number of stages,
and right for every stage (checked against every set, worked out by hand)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.aws_calls import CallLog
from tests.conftest import Festival, _fake_credentials, _festival, csv_text


def festival_of(stages: int) -> str:
    """`stages` stages over three festival days, sets from 12:00 to 02:00; every fifth
    stage rests on the middle day, stage 1 plays through the first night until 07:30,
    and stage 2 has a cancelled set."""
    rows = []
    for n in range(stages):
        stage = f"Stage {n:03d}"
        for date in ("2026-07-03", "2026-07-04", "2026-07-05"):
            if n % 5 == 4 and date == "2026-07-04":
                continue
            for hour in (12, 14, 16, 18, 20, 22, 0):
                day = date if hour else f"2026-07-0{int(date[-1]) + 1}"
                status = "cancelled" if n == 2 and hour == 16 else ""
                rows.append(f"{stage},{day},{hour:02d}:00,{hour + 1:02d}:30,A{n}-{date}-{hour},,,{status}")
        if n == 1:
            rows.append(f"{stage},2026-07-04,05:00,07:30,Sunrise,,,")
    return csv_text(*rows, header="stage,date,start,end,artist,genre,notes,status\n")


def festival_day(at: str) -> str:
    """The festival day of a moment (the day changes at 06:00)."""
    moment = datetime.fromisoformat(at)
    return (moment.date() - timedelta(days=1) if moment.hour < 6 else moment.date()).isoformat()


def expected(items: list[dict[str, Any]], at: str) -> dict[str, tuple[str | None, str | None]]:
    """Now and next per stage that plays on the festival day of `at` (or still plays from
    the day before), worked out from every set."""
    answer: dict[str, tuple[str | None, str | None]] = {}
    today = festival_day(at)
    listed = {
        item["stage"]
        for item in items
        if item["day"] == today or (item["start"] <= at < item["end"] and item.get("status") != "cancelled")
    }
    for stage in sorted(listed):
        sets = sorted(
            (item for item in items if item["stage"] == stage and item.get("status") != "cancelled"),
            key=lambda item: item["start"],
        )
        now = next((s["artist"] for s in sets if s["start"] <= at < s["end"]), None)
        following = next((s["artist"] for s in sets if s["start"] > at), None)
        answer[stage] = (now, following)
    return answer


@pytest.fixture(scope="module", params=[10, 50, 200])
def crowd(request: pytest.FixtureRequest) -> Iterator[tuple[Festival, list[dict[str, Any]]]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        with _festival(monkeypatch) as festival:
            assert festival.upload("uploads/all.csv", festival_of(request.param))["status"] == "ok"
            yield festival, festival.items()


@pytest.mark.parametrize(
    "at",
    [
        "2026-07-03T16:30",  # afternoon: stage 2's set is cancelled
        "2026-07-04T01:00",  # the first night, after midnight
        "2026-07-04T07:00",  # the next morning: stage 1's night set still plays
        "2026-07-04T23:00",  # the middle day: every fifth stage rests, and is not listed
        "2026-07-03T23:30",  # every fifth stage's next is two days later
        "2026-07-06T03:00",  # after the last set
    ],
)
def test_now_playing_is_at_most_three_requests_a_page_and_right_for_every_stage(
    crowd: tuple[Festival, list[dict[str, Any]]], at: str
) -> None:
    festival, items = crowd
    calls = CallLog().attach("dynamodb")
    seen: dict[str, tuple[str | None, str | None]] = {}
    path = f"/performances?at={at}"
    pages = 0
    while path:
        calls.clear()
        body = json.loads(festival.client.http.get(path).body)
        assert len(calls.calls) <= 3, [call.operation for call in calls.calls]
        assert {call.operation for call in calls.calls} <= {"GetItem", "Query", "BatchGetItem"}
        pages += 1
        for entry in body["items"]:
            seen[entry["stage"]] = tuple(  # type: ignore[assignment]
                entry[part]["artist"] if entry[part] else None for part in ("now", "next")
            )
        path = f"/performances?at={at}&cursor={body['next']}" if body["next"] else ""
    assert seen == expected(items, at)
    assert pages == -(-len(seen) // 50)
