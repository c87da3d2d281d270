"""No file wedges the ingest, and a run that lost its lease changes nothing: a write DynamoDB
refuses for good fails its own file and the next run goes on; a slow run's late writes
(sets, index, report, message, status, plan) never land after another run took over."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.services import get_services
from chalicelib.storage.lease import CLOCK_SKEW_SECONDS, GUARD_SECONDS, LEASE_SECONDS, LeaseLost
from chalicelib.storage.sending import Backoff, StoreUnavailable
from tests.aws_calls import CallLog, failing_calls, stalled
from tests.conftest import Festival, _fake_credentials, _festival, csv_text

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


# A run (the "slow" one) re-uploads day.csv with new sets; another run deletes the file.
BEFORE = csv_text("Main,2026-07-03,18:00,19:00,Opener,,")
GHOSTS = (f"Main,2026-07-03,2{n}:00,2{n}:30,Ghost {n},," for n in range(3))
SLOW = csv_text("Main,2026-07-03,18:00,19:00,Opener,,", *GHOSTS)
# The slow run's writes, in the order it sends them (its file fits one batch of sets, and
# one of index items), then those of the publisher its message starts, under its own lease;
# each stalls in turn until another run has taken over and committed (and published).
STALLS = [
    ("BatchWriteItem", 1, "its sets"),
    ("BatchWriteItem", 2, "its index, manifest and changes"),
    ("TransactWriteItems", 2, "its commit"),
    ("PutObject", 1, "its report"),
    ("Publish", 1, "its message"),
    ("TransactWriteItems", 3, "its 'notified' status"),
    ("DeleteObject", 1, "its plan's removal"),
    ("PutObject", 2, "its publisher's first file"),  # the day it changed, then the lists
    ("PutObject", 6, "its publisher's first pointer"),  # (the last release's exports), its exports, then
    ("PutObject", 10, "its publisher's pointer"),
    ("PutObjectTagging", 1, "its publisher retiring a file no pointer names"),
    ("TransactWriteItems", 4, "its publisher noting its release published"),
]


def end_state(festival: Festival) -> dict[str, Any]:
    """What users see of the festival, and what was announced (release ids aside)."""
    messages = festival.notifications()
    pointer = festival.pointer()
    newest = json.loads(get(festival, "/changes?limit=1").body)["items"][0]["release"]
    return {
        # The pointer on the newest release, whichever run published it (never moved back).
        "pointer": None if pointer is None else (pointer["release"] == newest, sorted(pointer["days"])),
        "sets": [(i["stage"], i["slot"], i["artist"]) for i in festival.items()],
        "stages": json.loads(get(festival, "/stages").body),
        "days": json.loads(get(festival, "/days").body),
        "calendar": "Ghost" in get(festival, "/calendar.ics").body.decode(),
        "report": {k: festival.report("uploads/day.csv")[k] for k in ("status", "what", "changes")},
        "messages": [(m["subject"], m["body"]["status"], m["body"].get("changes")) for m in messages],
        "releases": [m["attributes"].get("release") for m in messages],
    }


def expire_the_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """Move every run's clock past the lease the slow run (or its publisher) holds, as time
    passes in a stall."""
    for lease in (get_services().lease, get_services().publication_lease):
        later = lease.clock() + LEASE_SECONDS + 1
        monkeypatch.setattr(lease, "clock", lambda later=later: later)


@pytest.fixture(scope="module")
def one_after_the_other() -> dict[str, Any]:
    """The end state of the two runs, the slow one done before the other begins (module-wide:
    one festival on moto at a time)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        with _festival(monkeypatch) as clean:
            clean.upload("uploads/day.csv", BEFORE)
            clean.notifications()
            clean.deliver(clean.put("uploads/day.csv", SLOW))
            clean.deliver(clean.delete("uploads/day.csv"))
            return end_state(clean)


@pytest.mark.parametrize(("operation", "nth", "what"), STALLS, ids=[what for _, _, what in STALLS])
def test_a_run_stalled_until_another_took_over_and_committed_changes_nothing_after(
    one_after_the_other: dict[str, Any],
    festival: Festival,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    nth: int,
    what: str,
) -> None:
    festival.upload("uploads/day.csv", BEFORE)
    festival.notifications()
    slow = festival.put("uploads/day.csv", SLOW)

    def take_over() -> None:  # the slow run's lease runs out; the file is deleted and removed
        expire_the_lease(monkeypatch)
        festival.deliver(festival.delete("uploads/day.csv"))

    # A transaction is fenced by its condition, so it may even arrive late; any other
    # write is sent only while the lease outlives the client's timeouts, so a stalled one
    # was given up on before the lease ran out.
    late = operation == "TransactWriteItems"
    with stalled(operation, take_over, delivered=late, nth=nth) as happened, pytest.raises(LeaseLost):
        festival.deliver(slow)
    assert happened == ["stalled", "delivered" if late else "abandoned"]
    festival.deliver(slow)  # Lambda's retry of the slow run: nothing is left for it to do
    stalled_state = end_state(festival)
    expected = one_after_the_other

    assert stalled_state["sets"] == [] and not stalled_state["calendar"]
    if stalled_state["messages"] != expected["messages"]:
        # Stalled after its message went out, before noting it: the run that took over could
        # not know it was sent, and sent it again, the same, with the same release id.
        first, again, _ = stalled_state["messages"]
        assert first == again and stalled_state["releases"][0] == stalled_state["releases"][1], what
        assert operation in ("TransactWriteItems", "DeleteObject"), what
        del stalled_state["messages"][1], stalled_state["releases"][1]
    for name in ("sets", "stages", "days", "calendar", "report", "messages", "pointer"):
        assert stalled_state[name] == expected[name], (what, name)
    assert stalled_state["releases"][0] < stalled_state["releases"][1]


def test_one_attempt_of_a_write_ends_before_the_lease_it_was_sent_under_can_pass_to_another_run() -> None:
    """The argument in docs/architecture.md ("Fencing"), in numbers: a write is sent only with
    GUARD_SECONDS of lease left, and one attempt (botocore retries none of them itself) is
    over, or given up, sooner, even on hosts whose clocks disagree by CLOCK_SKEW_SECONDS."""
    from chalicelib.storage import clients

    for role in ("writes", "bulk"):
        config = clients._config(role)
        assert config.retries == {"mode": "standard", "total_max_attempts": 1}, role
        assert config.connect_timeout + config.read_timeout + 2 * CLOCK_SKEW_SECONDS < GUARD_SECONDS, role
    assert GUARD_SECONDS < LEASE_SECONDS / 2  # and a renewal every half lease or so, not every write


def test_the_guard_renews_the_lease_only_when_it_runs_short_and_stops_a_run_that_lost_it(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = get_services().lease
    now = store.clock()
    calls = CallLog().attach("dynamodb")
    with store.lease(wait_seconds=1) as lease:
        lease.guard()
        assert calls.named("PutItem") == [calls.calls[0]]  # the claim: no renewal with the lease fresh
        monkeypatch.setattr(store, "clock", lambda: now + LEASE_SECONDS - GUARD_SECONDS)
        lease.guard()
        assert len(calls.named("PutItem")) == 2  # renewed
        lease.guard()
        assert len(calls.named("PutItem")) == 2  # for another lease's length
        monkeypatch.setattr(store, "clock", lambda: now + 3 * LEASE_SECONDS)
        with store.lease(wait_seconds=1), pytest.raises(LeaseLost):  # another run took the expired lease
            lease.guard()


def test_a_plan_every_delivery_left_half_applied_is_finished_by_the_scheduled_run_with_an_alarm(
    festival: Festival, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    festival.upload("uploads/day.csv", BEFORE)
    festival.notifications()
    event = festival.put("uploads/day.csv", SLOW)
    monkeypatch.setattr(get_services().writes, "backoff", Backoff(sleep=lambda seconds: None))
    # DynamoDB refuses the index's writes for longer than Lambda's three deliveries last.
    outage = failing_calls("dynamodb", "BatchWriteItem", "InternalServerError", times=1000, after=1)
    with outage:
        for _ in range(3):
            with pytest.raises(StoreUnavailable):
                festival.deliver(event)
    during = get(festival, "/stages/Main/performances")
    assert "ETag" not in during.headers  # half applied: answers are not kept
    assert festival.notifications() == []
    capsys.readouterr()

    festival.scheduled_run()  # the outage is over
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "PendingPlansFound" in line]
    assert found and found[0]["PendingPlansFound"] == 1  # the metric the pending-plan alarm watches
    assert [i["artist"] for i in festival.items()] == ["Opener", "Ghost 0", "Ghost 1", "Ghost 2"]
    assert "ETag" in get(festival, "/stages/Main/performances").headers
    [message] = festival.notifications()
    assert message["body"]["changes"]["new"] == 3
    assert festival.report("uploads/day.csv")["status"] == "ok"
    festival.scheduled_run()
    assert "PendingPlansFound" not in capsys.readouterr().out  # nothing pending any more


def test_a_draft_and_an_upload_named_drafts_report_to_different_keys(festival: Festival) -> None:
    upload = festival.upload("uploads/drafts/a.csv", csv_text("Main,2026-07-03,18:00,19:00,Live,,"))
    draft = festival.upload("drafts/a.csv", csv_text("Main,2026-07-03,18:00,19:00,Draft,,", "Bad,row"))
    assert upload["source"]["key"] == "uploads/drafts/a.csv" and upload["accepted"] == 1
    assert draft["preview"]["draft"] == "drafts/a.csv" and draft["rejected"] == 1
    # Read again: neither wrote over the other.
    assert festival.report("uploads/drafts/a.csv")["source"]["key"] == "uploads/drafts/a.csv"
    assert festival.report("drafts/a.csv")["preview"]["publishes_as"] == "uploads/a.csv"


def test_a_plan_refuses_a_key_dynamodb_would_refuse_before_it_is_kept() -> None:
    from chalicelib.sets.index import IndexChanges
    from chalicelib.storage.plans import Header, PlanFile, PlanTooLarge

    plan = PlanFile(Header("run", "uploads/a.csv", "v1"), 6 * 60)
    try:
        with pytest.raises(PlanTooLarge, match="1,200 bytes"):
            plan.put_index(IndexChanges([], [], {}, {CYRILLIC_STAGE: 1}, {}))
    finally:
        plan.close()


def test_a_plan_writes_each_key_once_so_its_batches_may_land_in_any_order(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several batches are in flight at once, and DynamoDB leaves items of a throttled batch
    unprocessed, to be sent again later: that is safe because no plan writes one key twice
    (a slot is put or deleted, never both), so no order of landing leaves a wrong state.
    Checked on a re-upload that swaps, moves, cancels, removes and takes another file's slot."""
    from chalicelib.storage.plans import BOOKKEEPING, PERFORMANCES, plan_lines
    from chalicelib.storage.unit_of_work import UnitOfWork
    from tests.aws_calls import withheld_writes
    from tests.test_crash_proof import OTHER, V1, V2

    festival.upload("uploads/other.csv", OTHER)
    festival.upload("uploads/day.csv", V1)
    kept: list[bytes] = []
    keep = UnitOfWork.keep

    def keeping(self: UnitOfWork, plan: Any, head: Any) -> Any:
        kept.extend(plan.rewind().readlines())
        return keep(self, plan, head)

    monkeypatch.setattr(UnitOfWork, "keep", keeping)
    with withheld_writes(rounds=6, keep=3):  # most of each batch left unprocessed, then sent again
        report = festival.upload("uploads/day.csv", V2)
    keys: dict[bytes, list[str]] = {PERFORMANCES: [], BOOKKEEPING: []}
    for kind, payload in plan_lines(kept):
        if kind in keys:
            for request in json.loads(payload):
                [(what, body)] = request.items()
                key = body["Item"] if what == "PutRequest" else body["Key"]
                names = ("stage", "slot") if kind == PERFORMANCES else ("pk", "sk")
                keys[kind].append(json.dumps([key[name]["S"] for name in names]))
    assert keys[PERFORMANCES] and keys[BOOKKEEPING]
    assert all(len(found) == len(set(found)) for found in keys.values())
    assert report["status"] == "ok"
    assert [(i["stage"], i["slot"][11:], i["artist"], i.get("status")) for i in festival.items()] == [
        ("Main", "18:00", "Opener", None),
        ("Main", "19:00", "Swap B", None),
        ("Main", "20:00", "Swap A", None),
        ("Main", "22:00", "To Cancel", "cancelled"),
        ("Main", "23:30", "Newcomer", None),
        ("Tent", "21:00", "Mover", None),
        ("Tent", "22:00", "Taker", None),
    ]
