"""A run's steps against a unit of work kept in memory (tests/fakes.py), without AWS: what
it plans, keeps, applies, commits, reports and announces, and what it does when a plan
was left pending, is refused for good, or loses the lease. (The same paths against moto,
killed at every call, are in test_crash_proof.py and test_fencing.py.)"""

from __future__ import annotations

import pytest

from chalicelib.ingest.events import ObjectEvent
from chalicelib.ingest.handler import Run
from chalicelib.settings import Settings
from chalicelib.storage.lease import LeaseLost
from chalicelib.storage.sources import COMMITTED, NOTIFIED
from chalicelib.timetable import clock
from tests.conftest import csv_text
from tests.fakes import FakeUnitOfWork

SETTINGS = Settings("bucket", "performances", "bookkeeping", "topic", "Europe/Amsterdam", 6 * 60)
DAY = csv_text("Main,2026-07-03,20:00,21:00,Aurora,,", "Main,2026-07-03,21:00,22:00,Boreal,,")
KEY = "uploads/day.csv"


def run(uow: FakeUnitOfWork, key: str = KEY, *, removed: bool = False) -> dict | None:
    return Run(ObjectEvent("bucket", key, removed=removed), uow, SETTINGS).go(replay=False)


def slot(stage: str, when: str) -> tuple[str, int]:
    return stage, clock.stored_moment(when)


def test_an_upload_is_planned_kept_applied_committed_reported_and_announced_once() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    summary = run(uow)
    assert summary is not None and summary["status"] == "ok" and summary["changes"]["new"] == 2
    assert [artist for artist, _, _ in uow.festival.live().values()] == ["Aurora", "Boreal"]
    [(_, message, attributes)] = uow.messages
    assert attributes["release"] == message["release"] == uow.festival.head.release
    assert uow.reports[KEY]["status"] == "ok" and uow.reports[KEY]["release"] == message["release"]
    assert uow.festival.source_records[KEY].status == NOTIFIED and not uow.plans  # the plan is gone
    assert not uow.festival.head.pending and uow.festival.stages == {"Main": 2}
    assert run(uow) is None and len(uow.messages) == 1  # the same version again: nothing to do


def test_a_new_version_moves_a_set_and_keeps_its_id() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    run(uow)
    [aurora_id] = [set_id for artist, set_id, _ in uow.festival.live().values() if artist == "Aurora"]
    uow.upload(KEY, DAY.replace("Main,2026-07-03,20:00,21:00,Aurora", "Tent,2026-07-03,20:00,21:00,Aurora").encode())
    summary = run(uow)
    assert summary is not None and summary["changes"]["moved"] == 1
    assert uow.festival.live()[slot("Tent", "2026-07-03T20:00")] == ("Aurora", aurora_id, False)
    assert uow.festival.stages == {"Main": 1, "Tent": 1}


def test_a_removed_file_takes_its_sets_away() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    run(uow)
    uow.delete(KEY)
    summary = run(uow, removed=True)
    assert summary is not None and summary["status"] == "removed" and summary["changes"]["removed"] == 2
    assert uow.festival.live() == {} and uow.festival.stages == {} and uow.festival.days == {}


def test_a_plan_a_dead_run_left_pending_is_finished_before_anything_else() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    dying = Run(ObjectEvent("bucket", KEY, removed=False), uow, SETTINGS)
    plan = dying._planned(uow.current(KEY), None, source=KEY, what="ingested")
    assert plan is not None
    uow.keep(plan.writes, uow.head())  # then the run died: nothing applied
    assert uow.head().pending and uow.festival.live() == {}
    uow.upload("uploads/other.csv", csv_text("Tent,2026-07-03,20:00,21:00,Other,,").encode())
    run(uow, "uploads/other.csv")
    assert [artist for artist, _, _ in uow.festival.live().values()] == ["Aurora", "Boreal", "Other"]
    assert not uow.head().pending
    assert sorted(message["source"]["key"] for _, message, _ in uow.messages) == [KEY, "uploads/other.csv"]


def test_a_plan_refused_for_good_is_undone_fails_its_file_and_the_next_run_goes_on() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    run(uow)
    before = uow.festival.live()
    uow.upload(KEY, DAY.replace("Boreal", "Cyan").encode())
    uow.refuse = True
    assert run(uow) is None  # nothing for Lambda to retry
    assert uow.festival.live() == before and not uow.head().pending
    report = uow.reports[KEY]
    assert report["status"] == "failed" and "will not be retried" in report["reason"]
    assert len(uow.messages) == 1  # only the first version's
    uow.upload("uploads/other.csv", csv_text("Tent,2026-07-03,20:00,21:00,Other,,").encode())
    assert run(uow, "uploads/other.csv") is not None
    assert "Other" in {artist for artist, _, _ in uow.festival.live().values()}


def test_a_run_that_loses_the_lease_before_its_commit_writes_no_report_and_raises_for_the_retry() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    uow.lose_lease = True
    with pytest.raises(LeaseLost):
        run(uow)
    assert KEY not in uow.reports and uow.messages == []  # the run that took over reports
    assert uow.head().pending  # and finishes this plan
    uow.lose_lease = False
    uow.upload("uploads/other.csv", csv_text("Tent,2026-07-03,20:00,21:00,Other,,").encode())
    run(uow, "uploads/other.csv")
    assert len(uow.festival.live()) == 3 and uow.festival.source_records[KEY].status == NOTIFIED


def test_a_committed_run_whose_message_did_not_go_out_is_announced_by_the_retry() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    publish = uow.publish

    def fails(*args: object) -> None:
        raise ConnectionError("SNS is away")

    uow.publish = fails  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        run(uow)
    assert uow.festival.source_records[KEY].status == COMMITTED and uow.messages == []
    uow.publish = publish  # type: ignore[method-assign]
    summary = run(uow)  # Lambda's retry
    assert summary is not None and len(uow.messages) == 1
    assert uow.festival.source_records[KEY].status == NOTIFIED


def test_a_draft_is_previewed_beside_itself_and_changes_nothing_live() -> None:
    uow = FakeUnitOfWork()
    uow.upload(KEY, DAY.encode())
    run(uow)
    live = uow.festival.live()
    uow.upload("drafts/day.csv", DAY.replace("Boreal", "Cyan").encode())
    summary = Run(ObjectEvent("bucket", "drafts/day.csv", removed=False), uow, SETTINGS).preview()
    assert summary is not None
    assert uow.reports["drafts/day.csv"]["preview"]["publishes_as"] == KEY
    assert {(c["change"], c["artist"]) for c in uow.reports["drafts/day.csv"]["changelog"]} == {
        ("new", "Cyan"),
        ("removed", "Boreal"),
    }
    assert uow.messages[-1][2] == {"preview": "true"}
    assert uow.festival.live() == live and not uow.plans
