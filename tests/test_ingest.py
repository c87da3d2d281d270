"""Ingest end to end on moto: an S3 event in; items, indexes, a report and an SNS message out."""

from __future__ import annotations

import json
import logging
import math

import pytest

from chalicelib.services import get_services
from chalicelib.storage.sending import Backoff, StoreUnavailable
from chalicelib.timetable import clock
from tests.aws_calls import CallLog, failing_calls, withheld_writes
from tests.conftest import Festival, csv_text

DAY_ONE = csv_text(
    "Main Stage,2026-07-03,18:00,19:00,Opening Act,indie,",
    "Main Stage,2026-07-03,21:30,23:00,Björk,art pop,",
    'Main Stage,2026-07-03,23:30,01:00,Moderat,electronic,"ends after midnight, on the 4th"',
    "Tent & Bar,2026-07-04,02:00,04:00,Night Owl,techno,",
    "Tent & Bar,2026-07-04,14:00,15:00,Day Tripper,,",
)


def state_items(festival: Festival, kind: str) -> dict[str, dict]:
    """The festival index as `stage` (name -> count) or `day` (day -> stage -> share) views."""
    indexes = get_services().indexes
    if kind == "stage":
        stages, _ = indexes.stages(limit=1000, after=None)
        return {name: {"performances": count} for name, count in stages}
    views: dict[str, dict] = {}
    for stage_day in indexes.whole_days(indexes.all_days()):
        if not stage_day.sets:
            continue
        starts = sorted(stage_day.sets)
        views.setdefault(clock.iso_date(stage_day.day), {"stages": {}})["stages"][stage_day.stage] = share(
            len(starts),
            clock.iso(starts[0]),
            clock.iso(max(end for end, _ in stage_day.sets.values())),
            clock.iso(starts[-1]),
        )
    return dict(sorted(views.items()))


def share(performances: int, first_start: str, last_end: str, last_start: str) -> dict[str, object]:
    return {
        "performances": performances,
        "first_start": first_start,
        "last_end": last_end,
        "last_start": last_start,
    }


def slots(festival: Festival) -> list[tuple[str, str, str]]:
    return [(item["stage"], item["slot"], item["artist"]) for item in festival.items()]


class TestOneUpload:
    def test_items_hold_iso_times_the_festival_day_and_provenance(self, festival: Festival) -> None:
        report = festival.upload("uploads/day 1.csv", DAY_ONE)
        assert report["status"] == "ok" and report["accepted"] == 5
        moderat = next(item for item in festival.items() if item["artist"] == "Moderat")
        assert moderat == {
            "stage": "Main Stage",
            "slot": "2026-07-03#23:30",
            "day": "2026-07-03",
            "start": "2026-07-03T23:30",
            "end": "2026-07-04T01:00",
            "artist": "Moderat",
            "genre": "electronic",
            "notes": "ends after midnight, on the 4th",
            "id": moderat["id"],
            "changed": moderat["changed"],  # when it last changed: decided just before its release
            "source": "uploads/day 1.csv",
        }
        assert moderat["changed"] <= report["release"]
        assert len({item["id"] for item in festival.items()}) == 5
        night_owl = next(item for item in festival.items() if item["artist"] == "Night Owl")
        assert (night_owl["slot"], night_owl["day"]) == ("2026-07-04#02:00", "2026-07-03")
        assert "genre" not in next(item for item in festival.items() if item["artist"] == "Day Tripper")

    def test_the_report_lies_beside_the_upload(self, festival: Festival) -> None:
        report = festival.upload("uploads/day 1.csv", DAY_ONE + "Tent & Bar,2026-07-04,14:30,15:30,Clash,,\n")
        assert report["status"] == "partial"
        assert report["source"]["bucket"] == festival.bucket
        assert report["source"]["key"] == "uploads/day 1.csv"
        assert report["source"]["version"]
        assert (report["accepted"], report["rejected"]) == (5, 1)
        assert report["errors"] == [
            {
                "line": 7,
                "reason": 'overlaps the set on line 6 (2026-07-04T14:00 to 2026-07-04T15:00 on "Tent & Bar")',
                "columns": ["stage", "start", "end"],  # the cells to look at
                # For a page to say it in its visitor's language: the code, and what the message names.
                "code": "overlap",
                "problems": [
                    {
                        "code": "overlap",
                        "message": 'overlaps the set on line 6 (2026-07-04T14:00 to 2026-07-04T15:00 on "Tent & Bar")',
                        "values": {
                            "line": 6,
                            "start": "2026-07-04T14:00",
                            "end": "2026-07-04T15:00",
                            "stage": "Tent & Bar",
                        },
                    }
                ],
            }
        ]
        assert report["errors_truncated"] is False
        assert report["changes"] == {"new": 5, "moved": 0, "changed": 0, "cancelled": 0, "removed": 0, "unchanged": 0}
        assert report["encoding"] == "UTF-8"
        timings = report["timings"]
        assert 0 <= timings["committed_ms"] <= timings["duration_ms"]
        assert report["requests"]["performance_writes"] == 1

    def test_keys_with_spaces_accents_and_plus_signs_are_decoded(self, festival: Festival) -> None:
        key = "uploads/Día 2 + extra & more/Zürich – final.csv"
        report = festival.upload(key, DAY_ONE)
        assert report["source"]["key"] == key
        assert {item["source"] for item in festival.items()} == {key}

    def test_the_notification_has_an_ascii_subject_and_the_summary(self, festival: Festival) -> None:
        key = "uploads/Día 2 – " + "Ünïcödé " * 20 + ".csv"
        festival.upload(key, DAY_ONE)
        [message] = festival.notifications()
        subject = message["subject"]
        assert subject.isascii() and len(subject) <= 100 and "\n" not in subject
        assert subject.startswith("Timetable ok (5 accepted, 0 rejected): Dia 2 - Unicode")
        body = message["body"]
        assert body["status"] == "ok" and body["source"]["key"] == key
        assert body["report"] == f"s3://{festival.bucket}/reports/{key.removeprefix('uploads/')}.json"
        assert body["changes"]["new"] == 5

    def test_a_failed_file_writes_nothing_and_keeps_the_previous_version(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        before = festival.items()
        report = festival.upload("uploads/day 1.csv", "stage,date,artist\nMain,2026-07-03,x\n")
        assert report["status"] == "failed"
        assert "lacks the required columns start, end" in report["reason"]
        assert festival.items() == before
        assert [m["body"]["status"] for m in festival.notifications()] == ["ok", "failed"]

    def test_a_file_whose_every_row_is_rejected_fails_and_keeps_the_previous_version(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        before = festival.items()
        report = festival.upload("uploads/day 1.csv", csv_text("Main Stage,2026-07-03,30:00,31:00,x,,"))
        assert report["status"] == "failed"
        assert report["reason"] == "every one of the 1 data rows was rejected"
        assert festival.items() == before

    def test_a_header_only_reupload_fails_and_keeps_the_live_sets(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        report = festival.upload("uploads/day 1.csv", csv_text())
        assert report["status"] == "failed" and report["accepted"] == 0
        assert "no data rows" in report["reason"] and "delete the file" in report["reason"]
        assert len(festival.items()) == 5

    def test_errors_are_capped_at_a_thousand(self, festival: Festival) -> None:
        rows = [f"Main,2026-07-03,30:{n % 60:02d},11:00,x{n},," for n in range(1200)]
        report = festival.upload("uploads/bad.csv", csv_text("Main,2026-07-03,10:00,11:00,good,,", *rows))
        assert (report["accepted"], report["rejected"]) == (1, 1200)
        assert len(report["errors"]) == 1000 and report["errors_truncated"] is True
        assert report["status"] == "partial"

    def test_one_structured_log_line_per_file(self, festival: Festival, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="festival.ingest"):
            festival.upload("uploads/day 1.csv", DAY_ONE)
        [line] = [json.loads(record.message) for record in caplog.records if record.name == "festival.ingest"]
        assert line["outcome"] == "ok" and line["accepted"] == 5 and line["rejected"] == 0
        assert line["key"] == "uploads/day 1.csv" and line["duration_ms"] >= 0

    def test_each_file_emits_cloudwatch_metrics_in_the_embedded_metric_format(
        self, festival: Festival, capsys: pytest.CaptureFixture[str]
    ) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE + "Main,x,,,Bad,,\n")
        festival.upload("uploads/broken.csv", "no header here\n")
        documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
        assert [(d["Outcome"], d["RowsAccepted"], d["RowsRejected"]) for d in documents] == [
            ("partial", 5, 1),
            ("failed", 0, 0),
        ]
        for document in documents:  # what CloudWatch needs to turn the line into metrics
            [directive] = document["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == "FestivalSchedule" and document["_aws"]["Timestamp"] > 0
            for dimensions in directive["Dimensions"]:
                assert all(isinstance(document[name], str) for name in dimensions)
            names = {metric["Name"] for metric in directive["Metrics"]}
            assert names == {"Files", "RowsAccepted", "RowsRejected", "IngestDuration"}
            assert all(isinstance(document[name], int) for name in names)


class TestWrites:
    def test_performances_go_in_exactly_ceil_n_over_25_batches_without_repeated_keys(
        self, festival: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [
            f"Stage {stage},2026-07-0{day},{hour}:00,{hour}:50,Act {stage}-{day}-{hour},,"
            for stage in range(7)
            for day in (3, 4, 5)
            for hour in range(10, 22)
        ]
        calls = CallLog().attach("dynamodb").apart_from_publications(monkeypatch)
        report = festival.upload("uploads/big.csv", csv_text(*rows))
        assert report["accepted"] == len(rows) == 252
        table = festival.outputs["PerformancesTableName"]
        writes = [call for call in calls.named("BatchWriteItem") if table in call.params["RequestItems"]]
        assert len(writes) == math.ceil(252 / 25) == report["requests"]["performance_writes"]
        for call in writes:
            [requests] = call.params["RequestItems"].values()
            keys = [(r["PutRequest"]["Item"]["stage"]["S"], r["PutRequest"]["Item"]["slot"]["S"]) for r in requests]
            assert len(keys) == len(set(keys)) <= 25
        assert [call.published for call in calls.named("Scan")] == [True]  # only the publication reads it all
        assert len(festival.items()) == 252

    def test_unprocessed_items_are_resent_until_written(
        self, festival: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rows = [f"Main,2026-07-0{1 + n // 12},{10 + n % 12}:00,{10 + n % 12}:30,A{n},," for n in range(60)]
        naps: list[float] = []
        monkeypatch.setattr(get_services().writes, "backoff", Backoff(sleep=naps.append))
        monkeypatch.setattr(get_services().writes, "concurrency", 1)  # one batch at a time: a fixed order
        calls = CallLog().attach("dynamodb")
        with withheld_writes(rounds=6, keep=5):
            report = festival.upload("uploads/day.csv", csv_text(*rows))
        assert report["status"] == "ok"
        assert len(festival.items()) == 60
        # 25 rows written 5 at a time (4 pauses), then 25 with one round withheld
        # (1 pause), then the last 10 at once.
        table = festival.outputs["PerformancesTableName"]
        assert len([call for call in calls.named("BatchWriteItem") if table in call.params["RequestItems"]]) == 8
        limits = [0.05, 0.1, 0.2, 0.4, 0.05]
        assert len(naps) == len(limits) and all(0 <= nap <= limit for nap, limit in zip(naps, limits, strict=True))

    def test_unprocessed_items_are_resent_with_batches_in_flight_together(self, festival: Festival) -> None:
        rows = [
            f"S{n % 3},2026-07-0{1 + n // 36},{10 + n // 3 % 12}:00,{10 + n // 3 % 12}:30,A{n},," for n in range(300)
        ]
        with withheld_writes(rounds=20, keep=7):
            report = festival.upload("uploads/many.csv", csv_text(*rows))
        assert report["status"] == "ok" and len(festival.items()) == 300

    def test_throttling_that_outlasts_the_retries_raises_so_lambda_retries(
        self, festival: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        event = festival.put("uploads/day 1.csv", DAY_ONE)
        monkeypatch.setattr(get_services().writes, "backoff", Backoff(sleep=lambda seconds: None))
        throttled = failing_calls("dynamodb", "BatchWriteItem", "ProvisionedThroughputExceededException", times=8)
        with throttled, pytest.raises(StoreUnavailable, match="unprocessed after 8 attempts"):
            festival.deliver(event)
        assert festival.notifications() == []
        report = festival.report("uploads/day 1.csv")
        assert report["status"] == "error" and "StoreUnavailable" in report["reason"]
        festival.deliver(event)  # Lambda's retry
        assert len(festival.items()) == 5
        assert [m["body"]["status"] for m in festival.notifications()] == ["ok"]


class TestVersions:
    def test_a_new_version_moves_changes_adds_and_drops_sets(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        festival.upload("uploads/other.csv", csv_text("Main Stage,2026-07-05,12:00,13:00,Other File,,"))
        report = festival.upload(
            "uploads/day 1.csv",
            csv_text(
                "Main Stage,2026-07-03,18:00,19:00,Opening Act,indie,",  # unchanged
                "Main Stage,2026-07-03,21:00,22:30,Björk,art pop,",  # moved (21:30 -> 21:00)
                "Main Stage,2026-07-03,23:30,01:30,Moderat,electronic,",  # changed end and notes
                "Tent & Bar,2026-07-04,16:00,17:00,Newcomer,,",  # added
                # Night Owl and Day Tripper dropped
            ),
        )
        assert report["changes"] == {"new": 1, "moved": 1, "changed": 1, "cancelled": 0, "removed": 2, "unchanged": 1}
        assert slots(festival) == [
            ("Main Stage", "2026-07-03#18:00", "Opening Act"),
            ("Main Stage", "2026-07-03#21:00", "Björk"),
            ("Main Stage", "2026-07-03#23:30", "Moderat"),
            ("Main Stage", "2026-07-05#12:00", "Other File"),
            ("Tent & Bar", "2026-07-04#16:00", "Newcomer"),
        ]
        moderat = next(item for item in festival.items() if item["artist"] == "Moderat")
        assert moderat["end"] == "2026-07-04T01:30" and "notes" not in moderat

    def test_a_row_taking_another_files_slot_replaces_it_with_a_warning(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        report = festival.upload("uploads/fix.csv", csv_text("Main Stage,2026-07-03,21:30,22:30,Björk (short),,"))
        assert report["warnings"] == [
            '1 row replaces a set that came from "uploads/day 1.csv" (same stage and start; line 2)'
        ]
        bjork = next(item for item in festival.items() if item["slot"] == "2026-07-03#21:30")
        assert (bjork["artist"], bjork["source"]) == ("Björk (short)", "uploads/fix.csv")
        # Removing the first file leaves the set it lost to the other one.
        festival.deliver(festival.delete("uploads/day 1.csv"))
        assert slots(festival) == [("Main Stage", "2026-07-03#21:30", "Björk (short)")]

    def test_deleting_an_upload_removes_its_performances_and_says_so(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        festival.upload("uploads/day 2.csv", csv_text("Main Stage,2026-07-04,20:00,21:00,Stays,,"))
        festival.notifications()
        festival.deliver(festival.delete("uploads/day 1.csv"))
        assert slots(festival) == [("Main Stage", "2026-07-04#20:00", "Stays")]
        report = festival.report("uploads/day 1.csv")
        assert report["status"] == "removed" and report["changes"]["removed"] == 5
        [message] = festival.notifications()
        assert message["subject"] == "Timetable removed (5 sets removed): day 1.csv"
        assert state_items(festival, "stage") == {"Main Stage": {"performances": 1}}

    def test_the_same_event_twice_changes_nothing_and_notifies_once(self, festival: Festival) -> None:
        event = festival.put("uploads/day 1.csv", DAY_ONE)
        festival.deliver(event)
        items = festival.items()
        calls = CallLog().attach("dynamodb")
        festival.deliver(event)
        assert festival.items() == items
        assert len(festival.notifications()) == 1
        assert not calls.named("BatchWriteItem")

    def test_an_older_event_arriving_late_is_ignored(self, festival: Festival) -> None:
        old = festival.put("uploads/day 1.csv", DAY_ONE)
        new = festival.put("uploads/day 1.csv", csv_text("Main Stage,2026-07-03,20:00,21:00,Newest,,"))
        festival.deliver(new)
        festival.deliver(old)
        assert slots(festival) == [("Main Stage", "2026-07-03#20:00", "Newest")]
        assert len(festival.notifications()) == 1

    def test_a_reupload_of_older_content_is_a_new_version(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        festival.upload("uploads/day 1.csv", csv_text("Main Stage,2026-07-03,20:00,21:00,Interlude,,"))
        festival.upload("uploads/day 1.csv", DAY_ONE)
        assert len(festival.items()) == 5
        assert len(festival.notifications()) == 3

    def test_an_event_for_an_overwritten_object_applies_what_the_key_holds_now(self, festival: Festival) -> None:
        stale = festival.put("uploads/day 1.csv", DAY_ONE)
        newest = festival.put("uploads/day 1.csv", csv_text("Main Stage,2026-07-03,20:00,21:00,Newest,,"))
        festival.deliver(stale)  # its version is gone: the key's current object is applied
        assert slots(festival) == [("Main Stage", "2026-07-03#20:00", "Newest")]
        festival.deliver(newest)  # already live: nothing more to say
        assert len(festival.notifications()) == 1

    def test_stage_and_day_indexes_are_exact_after_every_change(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", DAY_ONE)
        festival.upload("uploads/extra.csv", csv_text("Side,2026-07-05,05:00,05:30,Dawn,,"))
        stages = {name: int(item["performances"]) for name, item in state_items(festival, "stage").items()}
        assert stages == {"Main Stage": 3, "Tent & Bar": 2, "Side": 1}
        days = {name: item["stages"] for name, item in state_items(festival, "day").items()}
        assert days == {
            "2026-07-03": {
                "Main Stage": share(3, "2026-07-03T18:00", "2026-07-04T01:00", "2026-07-03T23:30"),
                "Tent & Bar": share(1, "2026-07-04T02:00", "2026-07-04T04:00", "2026-07-04T02:00"),
            },
            "2026-07-04": {
                "Tent & Bar": share(1, "2026-07-04T14:00", "2026-07-04T15:00", "2026-07-04T14:00"),
                "Side": share(1, "2026-07-05T05:00", "2026-07-05T05:30", "2026-07-05T05:00"),
            },
        }
        festival.deliver(festival.delete("uploads/day 1.csv"))
        assert set(state_items(festival, "stage")) == {"Side"}
        assert {name: set(item["stages"]) for name, item in state_items(festival, "day").items()} == {
            "2026-07-04": {"Side"}
        }


class TestVersionedBucket:
    """Production's bucket is versioned: events carry a versionId and the run reads exactly that version."""

    @pytest.fixture
    def versioned(self, festival: Festival) -> Festival:
        festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
        return festival

    def test_an_older_versions_event_applies_the_current_version_once(self, versioned: Festival) -> None:
        first = versioned.put("uploads/day 1.csv", DAY_ONE)
        second = versioned.put("uploads/day 1.csv", csv_text("Main Stage,2026-07-03,20:00,21:00,Newest,,"))
        assert first["Records"][0]["s3"]["object"]["versionId"]
        versioned.deliver(first)  # an older version's event: the key now holds the second
        assert slots(versioned) == [("Main Stage", "2026-07-03#20:00", "Newest")]
        versioned.deliver(second)
        versioned.deliver(first)  # a late duplicate
        assert slots(versioned) == [("Main Stage", "2026-07-03#20:00", "Newest")]
        assert [m["body"]["source"]["version"] for m in versioned.notifications()] == [
            second["Records"][0]["s3"]["object"]["versionId"],
        ]

    def test_a_delete_marker_removes_the_performances(self, versioned: Festival) -> None:
        versioned.upload("uploads/day 1.csv", DAY_ONE)
        event = versioned.delete("uploads/day 1.csv")
        assert event["Records"][0]["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
        versioned.deliver(event)
        assert versioned.items() == []
