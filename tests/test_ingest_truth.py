"""The live schedule follows each upload's current object in S3, and no bad or stale write
reaches it: the reproductions of what a review against real S3 and DynamoDB found."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.api.cursors import Cursor
from chalicelib.services import get_services
from chalicelib.storage import sources
from chalicelib.storage.lease import LEASE_SECONDS
from tests.aws_calls import CallLog, client_for
from tests.conftest import Festival, csv_text
from tests.test_ingest import slots, state_items

V1 = csv_text("Main,2026-07-03,20:00,21:00,One,,", "Main,2026-07-03,21:30,22:30,Two,,")
V2 = csv_text("Main,2026-07-03,20:00,21:00,One,,", "Main,2026-07-03,22:00,23:00,Two moved,,")


@pytest.fixture
def versioned(festival: Festival) -> Festival:
    festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
    return festival


def delete_version(festival: Festival, key: str, version_id: str) -> dict[str, Any]:
    """What S3 does and sends for DELETE with a version id (moto sends no event in a
    versioned bucket, so the test builds the real-shaped one)."""
    festival.s3.delete_object(Bucket=festival.bucket, Key=key, VersionId=version_id)
    return festival.event(key, "ObjectRemoved:Delete", version_id=version_id)


def version_of(event: dict[str, Any]) -> str:
    return str(event["Records"][0]["s3"]["object"]["versionId"])


def artists(festival: Festival) -> list[str]:
    return [artist for _, _, artist in slots(festival)]


class TestVersions:
    def test_deleting_an_old_version_changes_nothing_and_announces_nothing(self, versioned: Festival) -> None:
        first = versioned.put("uploads/day.csv", V1)
        versioned.deliver(first)
        versioned.upload("uploads/day.csv", V2)
        versioned.notifications()
        versioned.deliver(delete_version(versioned, "uploads/day.csv", version_of(first)))
        assert artists(versioned) == ["One", "Two moved"]
        assert versioned.notifications() == []

    def test_deleting_the_current_version_rolls_back_and_says_so(self, versioned: Festival) -> None:
        versioned.upload("uploads/day.csv", V1)
        second = versioned.put("uploads/day.csv", V2)
        versioned.deliver(second)
        versioned.notifications()
        versioned.deliver(delete_version(versioned, "uploads/day.csv", version_of(second)))
        assert artists(versioned) == ["One", "Two"]
        [message] = versioned.notifications()
        assert message["body"]["what"].startswith("rolled back to the version uploaded at")
        assert versioned.report("uploads/day.csv")["what"] == message["body"]["what"]

    def test_removing_the_delete_marker_restores_the_file(self, versioned: Festival) -> None:
        versioned.upload("uploads/day.csv", V1)
        marker = versioned.delete("uploads/day.csv")
        versioned.deliver(marker)
        assert versioned.items() == []
        versioned.deliver(delete_version(versioned, "uploads/day.csv", version_of(marker)))
        assert artists(versioned) == ["One", "Two"]
        assert "restored" in versioned.notifications()[-1]["body"]["what"]
        assert state_items(versioned, "stage") == {"Main": {"performances": 2}}

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(["put1", "put2", "delete", "drop-current", "drop-oldest"]), max_size=6))
    def test_any_sequence_of_operations_leaves_the_current_objects_sets(self, versioned: Festival, ops: Any) -> None:
        key = f"uploads/{time.monotonic_ns()}.csv"
        bodies = {"put1": V1, "put2": V2}
        events = []
        for op in ops:
            listing = versioned.s3.list_object_versions(Bucket=versioned.bucket, Prefix=key)
            everything = sorted(
                listing.get("Versions", []) + listing.get("DeleteMarkers", []), key=lambda v: v["LastModified"]
            )
            if op in bodies:
                events.append(versioned.put(key, bodies[op]))
            elif op == "delete":
                events.append(versioned.delete(key))
            elif everything:
                chosen = everything[-1] if op == "drop-current" else everything[0]
                events.append(delete_version(versioned, key, chosen["VersionId"]))
        for event in [*events, *reversed(events)]:  # every event, in both orders, and repeated
            versioned.deliver(event)
        try:
            body = versioned.s3.get_object(Bucket=versioned.bucket, Key=key)["Body"].read().decode()
        except versioned.s3.exceptions.NoSuchKey:
            body = ""
        expected = [line.split(",")[4] for line in body.strip().splitlines()[1:]]
        assert artists(versioned) == expected, ops
        if expected:  # leave an empty festival for the next example
            versioned.deliver(versioned.delete(key))
        assert versioned.items() == [] and state_items(versioned, "stage") == {}
        versioned.notifications()


class TestBadReuploads:
    def test_a_rejected_row_keeps_the_set_it_stood_for(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        report = festival.upload(
            "uploads/day.csv", csv_text("Main,2026-07-03,20:00,21:00,One,,", "Main,03/07/2026,21:30,22:30,Two,,")
        )
        assert report["status"] == "partial"
        assert artists(festival) == ["One", "Two"]  # Two's row was rejected: its live set stays
        two = next(item for item in festival.items() if item["artist"] == "Two")
        assert report["kept"] == [
            {"id": two["id"], "stage": "Main", "start": "2026-07-03T21:30", "day": "2026-07-03", "artist": "Two"}
        ]
        assert any("stayed live" in warning for warning in report["warnings"])

    def test_most_rows_rejected_removes_none_of_the_sets_they_stood_for(self, festival: Festival) -> None:
        rows = [f"Main,2026-07-03,{10 + n}:00,{10 + n}:30,Act {n},," for n in range(10)]
        festival.upload("uploads/day.csv", csv_text(*rows))
        rewritten = [row.replace("2026-07-03", "7/3/26") for row in rows[1:]]
        report = festival.upload("uploads/day.csv", csv_text(rows[0], *rewritten))
        assert (report["accepted"], report["rejected"]) == (1, 9)
        assert len(festival.items()) == 10
        assert report["changes"]["removed"] == 0

    def test_a_clean_reupload_still_moves_and_drops(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        report = festival.upload("uploads/day.csv", V2)
        assert artists(festival) == ["One", "Two moved"]
        assert report["changes"]["removed"] + report["changes"]["moved"] >= 1


class TestLimitsAndClocks:
    def test_a_stage_or_artist_over_the_key_limit_is_rejected_naming_the_limit(self, festival: Festival) -> None:
        long_artist = "𝄞" * 600  # 2,400 bytes in 600 characters
        report = festival.upload(
            "uploads/day.csv",
            csv_text(f"Main,2026-07-03,20:00,21:00,{long_artist},,", "Main,2026-07-03,22:00,23:00,Fine,,"),
        )
        assert report["rejected"] == 1 and report["accepted"] == 1
        assert "2,400 bytes" in report["errors"][0]["reason"] and "2,048" in report["errors"][0]["reason"]

    def test_an_error_no_retry_can_fix_fails_the_file_without_promising_a_retry(self, festival: Festival) -> None:
        from tests.aws_calls import failing_calls

        event = festival.put("uploads/day.csv", V1)
        with failing_calls("dynamodb", "Query", "ValidationException", times=1):  # while planning
            festival.deliver(event)  # returns: Lambda does not retry it to the dead-letter queue
        report = festival.report("uploads/day.csv")
        assert report["status"] == "failed" and "will not be retried" in report["reason"]
        assert festival.items() == []

    def test_a_refusal_once_the_plan_is_under_way_undoes_it_and_fails_the_file(self, festival: Festival) -> None:
        """A write refused for good once the plan is kept (a policy that forbids it, say) is
        undone, never left half done or pending: the file fails with a report that says so,
        and the same file lands once the operators fixed the policy."""
        from tests.aws_calls import failing_calls

        event = festival.put("uploads/day.csv", V1)
        with failing_calls("dynamodb", "BatchWriteItem", "AccessDeniedException", times=1):
            festival.deliver(event)  # returns: nothing for Lambda to retry
        report = festival.report("uploads/day.csv")
        assert report["status"] == "failed" and "will not be retried" in report["reason"]
        assert artists(festival) == [] and state_items(festival, "stage") == {}
        festival.deliver(event)  # delivered again (or uploaded again) once the policy is fixed
        assert artists(festival) == ["One", "Two"]
        assert festival.report("uploads/day.csv")["status"] == "ok"

    def test_a_time_the_clocks_skip_is_rejected(self, festival: Festival) -> None:
        report = festival.upload(
            "uploads/spring.csv",
            csv_text("Main,2026-03-29,02:30,03:30,Ghost,,", "Main,2026-03-29,03:30,04:00,Real,,"),
        )
        assert report["rejected"] == 1
        assert "does not exist in Europe/Amsterdam" in report["errors"][0]["reason"]

    def test_times_carry_the_festival_offset_and_ambiguous_ones_mean_the_first(self, festival: Festival) -> None:
        festival.upload("uploads/autumn.csv", csv_text("Main,2026-10-25,02:30,03:30,Twice,,"))
        body = json.loads(festival.client.http.get("/stages/Main/performances").body)
        [item] = body["items"]
        assert (item["starts_at"], item["ends_at"]) == ("2026-10-25T02:30:00+02:00", "2026-10-25T03:30:00+01:00")

    def test_the_now_cursor_carries_its_moment(self, festival: Festival) -> None:
        # Three stages playing around the clock today (the festival day of now), from 06:00.
        today = datetime.now(ZoneInfo("Europe/Amsterdam")) - timedelta(hours=6)
        dates = [(today + timedelta(days=n)).date().isoformat() for n in (0, 1)]
        rows = [f"S{n},{dates[0]},06:00,18:00,A{n},," for n in range(3)]
        rows += [f"S{n},{dates[0]},18:00,06:00,B{n},," for n in range(3)]
        festival.upload("uploads/day.csv", csv_text(*rows))
        first = json.loads(festival.client.http.get("/performances?limit=2").body)
        assert first["next"]
        later = festival.client.http.get(f"/performances?limit=2&cursor={first['next']}")
        assert later.status_code == 200, later.body
        second = json.loads(later.body)
        assert second["at"] == first["at"] and [i["stage"] for i in second["items"]] == ["S2"]


def test_a_typical_festival_file_costs_a_bounded_number_of_bookkeeping_requests(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beside its sets' BatchWriteItems, a run costs a fixed number of requests, one Query
    per festival day it touches (the index of that day), a batch per 25 index items, and a
    read per 100 of them (what each held before: the plan's undo). Its publication is
    counted apart: it reads the festival in one Scan, and writes the days it changed."""
    rows = [
        f"Stage {stage},2026-07-0{3 + day},{12 + slot}:00,{12 + slot}:50,Act {stage}-{day}-{slot},,"
        for stage in range(12)
        for day in range(4)
        for slot in range(5)
    ]
    calls = CallLog().attach("dynamodb", "s3", "sns").apart_from_publications(monkeypatch)
    report = festival.upload("uploads/festival.csv", csv_text(*rows))
    assert report["accepted"] == 240
    table = festival.outputs["PerformancesTableName"]
    writes = [c for c in calls.of_the_runs() if c.operation == "BatchWriteItem" and table in c.params["RequestItems"]]
    others = [f"{c.service}:{c.operation}" for c in calls.of_the_runs() if c.operation != "BatchWriteItem"]
    assert len(writes) == 10
    assert others.count("dynamodb:Query") == 4  # one per festival day
    assert len(others) <= 15 + 4, "\n".join(others)
    batches = [c for c in calls.of_the_runs() if c.operation == "BatchWriteItem"]
    assert len(batches) - len(writes) == 4  # 48 stage-days, 12 stages, 4 days... in 4
    published = [f"{c.service}:{c.operation}" for c in calls.calls if c.published]
    assert published.count("dynamodb:Scan") == 1
    assert published.count("s3:PutObject") == 4 + 6 + 1  # the four days, the lists, changes and exports, the pointer
    calls.clear()
    festival.upload("uploads/festival.csv", csv_text(*rows[:-10]))  # a re-upload that drops ten sets
    others = [f"{c.service}:{c.operation}" for c in calls.of_the_runs() if c.operation != "BatchWriteItem"]
    assert len(others) <= 15 + 1 + 1 + 4, others  # the manifest, and what the sets it deletes held
    # The ten sets were Stage 11's on the last two days: those days' files and the whole-festival
    # files are written again, the other two days' files are not; the pointer twice (once the
    # days are in, with the last release's exports, and once the exports are).
    assert [f"{c.service}:{c.operation}" for c in calls.calls if c.published].count("s3:PutObject") == 2 + 6 + 2


def test_a_file_of_two_thousand_sets_keeps_its_manifest_so_no_run_reads_the_table(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = [360 + (n % 100) * 10 for n in range(2000)]  # 20 stages of 100 five-minute sets
    rows = [
        f"Stage {n // 100},2026-07-01,{t // 60:02d}:{t % 60:02d},{t // 60:02d}:{t % 60 + 5:02d},Artist number {n},,"
        for n, t in enumerate(starts)
    ]
    calls = CallLog().attach("dynamodb").apart_from_publications(monkeypatch)
    assert festival.upload("uploads/big.csv", csv_text(*rows))["accepted"] == 2000
    report = festival.upload("uploads/big.csv", csv_text(*rows[:-1]))
    assert report["changes"]["removed"] == 1
    table = festival.outputs["PerformancesTableName"]
    reads = [
        c for c in calls.of_the_runs() if c.operation in ("Query", "Scan", "GetItem") and c.params["TableName"] == table
    ]
    assert reads == []  # the manifest said it all; only each release's publication reads the festival


def test_a_manifest_of_many_chunks_is_read_whole(festival: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_CHUNK_BYTES", 100)  # a chunk a set
    rows = [f"Main,2026-07-03,{10 + n}:00,{10 + n}:30,Act {n},," for n in range(8)]
    festival.upload("uploads/day.csv", csv_text(*rows))
    report = festival.upload("uploads/day.csv", csv_text(*rows[:5], "Side,2026-07-03,10:00,10:30,Act 5,,"))
    assert report["changes"]["removed"] == 2  # Act 5 left Main for Side: it moved
    assert report["changes"]["moved"] == 1
    assert state_items(festival, "stage") == {"Main": {"performances": 5}, "Side": {"performances": 1}}
    [record] = [item for item in festival.bookkeeping() if item["pk"] == "source"]
    assert record["manifest"]["chunks"] > 3
    chunks = [item for item in festival.bookkeeping() if item["pk"].startswith("manifest#")]
    assert len(chunks) == record["manifest"]["chunks"]  # the old chunks are gone


def test_a_run_that_lost_the_lease_writes_no_index(festival: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lease expires mid-run and a removal of another file takes over: the first run's
    commit is refused, and its retry ends with exact counts."""
    festival.upload("uploads/other.csv", csv_text("Main,2026-07-04,20:00,21:00,Other,,"))
    event = festival.put("uploads/day.csv", V1)
    lease = get_services().lease
    real_clock = lease.clock
    removal = festival.delete("uploads/other.csv")

    transactions = client_for("dynamodb", "TransactWriteItems")

    def expire_and_take_over(**_: Any) -> None:
        monkeypatch.setattr(lease, "clock", lambda: real_clock() + LEASE_SECONDS + 1)
        transactions.meta.events.unregister("before-call.dynamodb.TransactWriteItems", hook)
        festival.deliver(removal)  # takes the expired lease, removes, commits, drops the lease
        monkeypatch.setattr(lease, "clock", real_clock)

    hook = expire_and_take_over
    transactions.meta.events.register("before-call.dynamodb.TransactWriteItems", hook)
    with pytest.raises(Exception, match="another run took over"):
        festival.deliver(event)
    assert state_items(festival, "stage") == {}  # the stale run's index never landed
    festival.deliver(event)  # Lambda's retry
    assert state_items(festival, "stage") == {"Main": {"performances": 2}}
    assert artists(festival) == ["One", "Two"]
    assert festival.report("uploads/day.csv")["status"] == "ok"  # no stale error report left behind


def test_a_file_that_takes_slots_of_a_file_with_many_chunks_edits_its_manifest(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_CHUNK_BYTES", 100)
    festival.upload(
        "uploads/a.csv",
        csv_text(*(f"{stage},2026-07-03,{h}:00,{h}:30,A {stage} {h},," for stage in ("X", "Y") for h in (10, 11, 12))),
    )
    report = festival.upload(
        "uploads/b.csv", csv_text("X,2026-07-03,15:00,15:30,B first,,", "Y,2026-07-03,11:00,11:30,B takes over,,")
    )
    assert any('that came from "uploads/a.csv"' in warning for warning in report["warnings"]), report["warnings"]
    assert state_items(festival, "stage") == {"X": {"performances": 4}, "Y": {"performances": 3}}
    # a.csv no longer claims the slot: dropping its rows leaves b.csv's set alone
    festival.upload("uploads/a.csv", csv_text("X,2026-07-03,10:00,10:30,A X 10,,"))
    assert ("Y", "2026-07-03#11:00", "B takes over") in slots(festival)


def test_a_file_whose_index_would_pass_dynamodbs_item_limit_fails_before_anything_is_written(
    festival: Festival,
) -> None:
    """420 stages with names of 995 bytes (a stage name may be 1,024) on one day: the day's
    list of stages would be 420 KB. The file fails with a report that says so; no plan is
    left pending."""
    rows = [f"{'Ж' * 495} {n:04d},2026-07-03,20:00,21:00,Act {n},," for n in range(420)]
    report = festival.upload("uploads/huge.csv", csv_text(*rows))
    assert report["status"] == "failed" and "will not be retried" in report["reason"]
    assert "day / 2026-07-03" in report["reason"] and "409,600" in report["reason"]
    assert festival.items() == []
    assert json.loads(festival.client.http.get("/stages").body)["items"] == []
    assert festival.client.http.get("/stages").headers.get("ETag")  # nothing pending: answers are tagged


def test_a_message_of_long_names_stays_within_what_sns_takes_and_the_next_version_lands(festival: Festival) -> None:
    name = "Ж" * 990  # nearly 2,000 bytes, about the longest a key may be
    rows = [f"Main,2026-07-0{1 + n // 12},{10 + n % 12}:00,{10 + n % 12}:30,{name} {n},," for n in range(50)]
    calls = CallLog().attach("sns")
    festival.upload("uploads/long.csv", csv_text(*rows))
    [publish] = calls.named("Publish")
    assert len(publish.params["body"]["Message"].encode()) <= 256 * 1024  # what SNS takes (moto takes more)
    [message] = festival.notifications()
    assert message["body"]["accepted"] == 50 and message["body"]["changelog_truncated"]
    report = festival.upload("uploads/long.csv", csv_text(*rows[:-1]))
    assert report["changes"]["removed"] == 1 and len(festival.notifications()) == 1


def test_a_forged_changes_cursor_is_refused_not_a_500(festival: Festival) -> None:
    import base64

    festival.upload("uploads/day.csv", V1)
    since = "2026-01-01T00:00:00.000Z"
    forged = {"q": Cursor(["changes", since], ("pk", "sk"), {})._scope, "k": {"pk": "release", "sk": "2000-01-01"}}
    text = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    answer = festival.client.http.get(f"/changes?since={since}&cursor={text}")
    assert answer.status_code in (400, 404)
