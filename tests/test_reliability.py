"""Faults and races: whatever happens midway, the table ends as the newest version says,
and each object version is announced once."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ResponseStreamingError

from chalicelib.services import get_services
from chalicelib.storage.lease import LEASE_SECONDS, LeaseBusy
from chalicelib.storage.sending import Backoff
from tests.aws_calls import CallLog, client_for, dead_run, failing_calls
from tests.conftest import Festival, csv_text
from tests.test_ingest import DAY_ONE, slots, state_items

MANY = csv_text(*(f"Main,2026-07-0{1 + n // 12},{10 + n % 12}:00,{10 + n % 12}:45,Act {n},," for n in range(60)))


def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ingest's retries without their backoff (the tests count attempts, not seconds)."""
    monkeypatch.setattr(get_services().writes, "backoff", Backoff(sleep=lambda seconds: None))


def test_a_failed_notification_is_sent_by_the_retry_without_ingesting_again(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = festival.put("uploads/day 1.csv", DAY_ONE)
    no_pauses(monkeypatch)
    outage = failing_calls("sns", "Publish", "InternalError", times=Backoff().attempts)  # outlasts the retries
    with outage, pytest.raises(Exception, match="InternalError"):
        festival.deliver(event)
    assert len(festival.items()) == 5
    assert festival.report("uploads/day 1.csv")["status"] == "ok"
    calls = CallLog().attach("dynamodb")
    festival.deliver(event)  # Lambda's retry
    assert not calls.named("BatchWriteItem")
    [message] = festival.notifications()
    assert message["body"]["accepted"] == 5
    festival.deliver(event)  # and a late duplicate
    assert festival.notifications() == []


def test_a_run_that_dies_midway_is_repaired_by_the_retry(festival: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
    festival.upload("uploads/day.csv", csv_text("Main,2026-07-01,08:00,09:00,Old,,"))
    festival.notifications()
    event = festival.put("uploads/day.csv", MANY)

    class Died(BaseException):
        """The Lambda was killed: nothing after this point runs, not even cleanup."""

    writes = {"count": 0}

    def die_after_two_batches(**_: Any) -> None:
        writes["count"] += 1
        if writes["count"] > 2:
            raise Died

    client = client_for("dynamodb", "BatchWriteItem")
    client.meta.events.register("before-call.dynamodb.BatchWriteItem", die_after_two_batches)
    with dead_run(), pytest.raises(Died):
        festival.deliver(event)
    client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", die_after_two_batches)
    written = len(festival.items())
    assert 1 < written < 61  # some batches of the new version landed, next to the old set

    # The retry finds the lease still held, waits for it to expire, and takes over.
    state = get_services().lease
    now = time.time()
    monkeypatch.setattr(state, "clock", lambda: now + LEASE_SECONDS + 1)
    festival.deliver(event)
    assert [artist for _, _, artist in slots(festival)] == [f"Act {n}" for n in range(60)]
    assert state_items(festival, "stage")["Main"]["performances"] == 60
    [message] = festival.notifications()
    assert message["body"]["accepted"] == 60


def test_a_commit_that_fails_leaves_no_ok_report_no_release_and_no_message(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    festival.upload("uploads/day.csv", csv_text("Main,2026-07-01,08:00,09:00,Old,,"))
    festival.notifications()
    releases = festival.client.http.get("/changes").body
    event = festival.put("uploads/day.csv", csv_text("Main,2026-07-01,10:00,11:00,New,,"))
    no_pauses(monkeypatch)
    # The run's transactions: the first marks its plan pending, the second commits it (and
    # fails every retry).
    refused = failing_calls("dynamodb", "TransactWriteItems", "InternalServerError", times=Backoff().attempts, after=1)
    with refused, pytest.raises(Exception, match="InternalServerError"):
        festival.deliver(event)
    report = festival.report("uploads/day.csv")
    assert report["status"] == "error" and "processed again automatically" in report["reason"]
    assert festival.client.http.get("/changes").body == releases  # no release
    assert festival.notifications() == []
    # Its sets may be half written until the retry commits them: no answer may be kept meanwhile.
    answer = festival.client.http.get("/stages/Main/performances")
    assert "ETag" not in answer.headers and answer.headers["Cache-Control"] == "no-store"

    festival.deliver(event)  # Lambda's retry finishes the plan and commits it
    assert festival.report("uploads/day.csv")["status"] == "ok"
    [message] = festival.notifications()
    assert message["body"]["accepted"] == 1
    served = json.loads(festival.client.http.get("/stages/Main/performances").body)["items"]
    assert [s["artist"] for s in served] == ["New"]


def test_a_held_lease_makes_the_run_give_up_so_lambda_retries_later(festival: Festival) -> None:
    event = festival.put("uploads/day.csv", MANY)
    with get_services().lease.lease(wait_seconds=1):
        from chalicelib.ingest.handler import handle_s3_event

        with pytest.raises(LeaseBusy):
            handle_s3_event(event, get_services(), wait_seconds=0.2)
    assert festival.items() == []


def test_the_same_event_delivered_concurrently_is_ingested_and_announced_once(festival: Festival) -> None:
    # Warm, as a container that ran before: the publication's exporters are imported on first
    # use, and the other deliveries wait only a second for the lease (the test client's Lambda
    # has 3 s left), so a cold import would make them give up (Lambda would retry them).
    import chalicelib.exports.c3voc
    import chalicelib.exports.calendar  # noqa: F401

    event = festival.put("uploads/day.csv", MANY)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            festival.deliver(event)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(festival.items()) == 60
    assert len(festival.notifications()) == 1


def test_two_files_for_one_stage_ingested_concurrently_both_land(festival: Festival) -> None:
    first = festival.put("uploads/a.csv", csv_text(*(f"Main,2026-07-01,{h}:00,{h}:30,A{h},," for h in range(10, 20))))
    second = festival.put("uploads/b.csv", csv_text(*(f"Main,2026-07-01,{h}:30,{h}:59,B{h},," for h in range(10, 20))))
    threads = [threading.Thread(target=festival.deliver, args=(event,)) for event in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(festival.items()) == 20
    assert state_items(festival, "stage")["Main"]["performances"] == 20
    day = state_items(festival, "day")["2026-07-01"]["stages"]["Main"]
    assert day == {
        "performances": 20,
        "first_start": "2026-07-01T10:00",
        "last_end": "2026-07-01T19:59",
        "last_start": "2026-07-01T19:30",
    }


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class _BreaksAfter:
    """An S3 body whose connection drops after some bytes."""

    def __init__(self, body: Any, limit: int) -> None:
        self._body = body
        self._left = limit

    def read(self, amount: int | None = None) -> bytes:
        if self._left <= 0:
            raise ResponseStreamingError(error="Connection broken: IncompleteRead")
        data = self._body.read(min(amount or self._left, self._left))
        self._left -= len(data)
        return data


def test_a_read_that_breaks_midway_is_reported_logged_and_repaired_by_the_retry(
    festival: Festival, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [  # 5 stages x 3 days x 200 sets of 4 minutes, every 5 minutes from 06:00
        f"Stage {stage},2026-07-0{day},{hhmm(start)},{hhmm(start + 4)},Artist number {stage}-{day}-{n},genre,notes {n}"
        for stage in range(5)
        for day in (1, 2, 3)
        for n, start in enumerate(range(360, 360 + 200 * 5, 5))
    ]
    body = csv_text(*rows)
    assert len(body.encode()) > 150_000
    event = festival.put("uploads/big.csv", body)
    client = get_services().s3_client

    def break_body(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Body"] = _BreaksAfter(parsed["Body"], limit=120_000)

    client.meta.events.register("after-call.s3.GetObject", break_body)
    calls = CallLog().attach("dynamodb")
    with caplog.at_level(logging.INFO, logger="festival.ingest"), pytest.raises(ResponseStreamingError):
        festival.deliver(event)
    client.meta.events.unregister("after-call.s3.GetObject", break_body)
    assert festival.items() == []  # the plan comes before any write: a broken read wrote nothing
    [line] = [json.loads(r.message) for r in caplog.records if r.name == "festival.ingest" and r.levelname == "ERROR"]
    assert line["outcome"] == "error" and "IncompleteRead" in line["error"] and line["retried"] is True
    report = festival.report("uploads/big.csv")
    assert report["status"] == "error" and "processed again automatically" in report["reason"]
    assert festival.notifications() == []

    festival.deliver(event)  # Lambda's retry
    assert len(festival.items()) == 3000
    assert festival.report("uploads/big.csv")["status"] == "ok"
    assert len(festival.notifications()) == 1
    table = festival.outputs["PerformancesTableName"]
    writes = [call for call in calls.named("BatchWriteItem") if table in call.params["RequestItems"]]
    assert len(writes) == 3000 // 25  # each set written once, by the retry


def test_sets_a_dead_run_wrote_are_swept_by_the_next_version(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    festival.upload("uploads/day.csv", csv_text("Main,2026-07-01,10:00,11:00,Kept,,"))
    dying = festival.put(
        "uploads/day.csv", csv_text("Side,2026-07-01,10:00,11:00,Orphan?,,", "Main,2026-07-01,12:00,13:00,Also,,")
    )

    class Died(BaseException):
        pass

    transactions = {"count": 0}

    def die_when_committing(**_: Any) -> None:
        transactions["count"] += 1
        if transactions["count"] == 2:  # the first marks the plan pending, the second commits it
            raise Died

    client = client_for("dynamodb", "TransactWriteItems")
    client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", die_when_committing)
    with dead_run(), pytest.raises(Died):
        festival.deliver(dying)
    client.meta.events.unregister("before-parameter-build.dynamodb.TransactWriteItems", die_when_committing)
    assert "Side" in {stage for stage, _, _ in slots(festival)}

    # A newer version arrives before Lambda retries the dead one; its lease has expired.
    newer = festival.put("uploads/day.csv", csv_text("Main,2026-07-01,14:00,15:00,Newest,,"))
    now = time.time()
    monkeypatch.setattr(get_services().lease, "clock", lambda: now + LEASE_SECONDS + 1)
    festival.deliver(newer)
    festival.deliver(dying)  # the retry, now older than what was processed: ignored
    assert slots(festival) == [("Main", "2026-07-01#14:00", "Newest")]
    assert set(state_items(festival, "stage")) == {"Main"}
