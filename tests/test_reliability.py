"""Faults and races: whatever happens midway, the table ends as the newest version says,
and each object version is announced once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chalicelib.services import get_services
from chalicelib.state import LEASE_SECONDS, Lease, LeaseBusy
from tests.aws_calls import CallLog, fail_calls
from tests.conftest import Festival, csv_text
from tests.test_ingest import DAY_ONE, slots, state_items

MANY = csv_text(*(f"Main,2026-07-0{1 + n // 12},{10 + n % 12}:00,{10 + n % 12}:45,Act {n},," for n in range(60)))


def test_a_failed_notification_is_sent_by_the_retry_without_ingesting_again(festival: Festival) -> None:
    event = festival.put("uploads/day 1.csv", DAY_ONE)
    detach = fail_calls("sns", "Publish", "InternalError", times=1)
    try:
        with pytest.raises(Exception, match="InternalError"):
            festival.deliver(event)
    finally:
        detach()
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

    client = get_services().performances.client
    client.meta.events.register("before-call.dynamodb.BatchWriteItem", die_after_two_batches)
    monkeypatch.setattr(Lease, "__exit__", lambda self, *exc: None)  # a dead run releases nothing
    with pytest.raises(Died):
        festival.deliver(event)
    client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", die_after_two_batches)
    monkeypatch.undo()
    assert len(festival.items()) == 51  # two batches of the new version, and the old set

    # The retry finds the lease still held, waits for it to expire, and takes over.
    state = get_services().state
    now = time.time()
    monkeypatch.setattr(state, "clock", lambda: now + LEASE_SECONDS + 1)
    festival.deliver(event)
    assert [artist for _, _, artist in slots(festival)] == [f"Act {n}" for n in range(60)]
    assert state_items(festival, "stage")["Main"]["performances"] == 60
    [message] = festival.notifications()
    assert message["body"]["accepted"] == 60


def test_a_held_lease_makes_the_run_give_up_so_lambda_retries_later(festival: Festival) -> None:
    event = festival.put("uploads/day.csv", MANY)
    with get_services().state.lease(wait_seconds=1):
        from chalicelib.ingest import handle_s3_event

        with pytest.raises(LeaseBusy):
            handle_s3_event(event, get_services(), wait_seconds=0.2)
    assert festival.items() == []


def test_the_same_event_delivered_concurrently_is_ingested_and_announced_once(festival: Festival) -> None:
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
    assert day == {"performances": 20, "first_start": "2026-07-01T10:00", "last_end": "2026-07-01T19:59"}
