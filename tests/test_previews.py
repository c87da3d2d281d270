"""Preview before publish: a draft (drafts/...) or a POST /previews says exactly what an
upload would change, from the same plan the ingest applies, and changes nothing live;
publishing is a copy under uploads/, with the organiser's release note."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.ingest.notes import encode_note
from infra.publish import NoDraft, publish
from tests.aws_calls import CallLog
from tests.conftest import Festival, csv_text

HEADER = "stage,date,start,end,artist,genre,notes,status\n"
LIVE = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,indie,,",
    "Main,2026-07-03,20:00,21:00,Headliner,,,",
    "Tent,2026-07-04,14:00,15:00,Afternoon,,,",
    "Tent,2026-07-04,16:00,17:00,Leaves,,,",
    header=HEADER,
)
NEXT = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,indie pop,,",  # changed (its genre)
    "Tent,2026-07-03,20:00,21:00,Headliner,,,",  # moves indoors
    "Tent,2026-07-04,14:00,15:00,Afternoon,,,cancelled",  # cancelled
    "Main,2026-07-04,22:00,23:00,Newcomer,,,",  # new (Leaves is gone)
    header=HEADER,
)
NOTE = "Saturday's main stage moves indoors: the storm"


def get(festival: Festival, path: str, **headers: str) -> Any:
    return festival.client.http.get(path, headers=headers)


def live_state(festival: Festival) -> dict[str, Any]:
    return {
        "items": festival.items(),
        "changes": json.loads(get(festival, "/changes").body),
        "etags": {path: get(festival, path).headers["ETag"] for path in ("/stages", "/days", "/changes")},
    }


def changelog(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((entry["change"], entry["id"], entry["artist"]) for entry in entries)


def every_change(festival: Festival, release: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    path = f"/changes/{release}"
    while path:
        page = json.loads(get(festival, path).body)
        found += page["items"]
        path = f"/changes/{release}?cursor={page['next']}" if page["next"] else ""
    return found


def without_days(entry: dict[str, Any]) -> dict[str, Any]:
    """A preview's change as the release lists it: the preview adds each place's festival day."""
    entry = {name: value for name, value in entry.items() if name != "day"}
    if "from" in entry:
        entry["from"] = {name: value for name, value in entry["from"].items() if name != "day"}
    return entry


class TestDrafts:
    def test_a_draft_changes_nothing_live_and_says_what_publishing_it_then_does(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", LIVE)
        festival.notifications()
        before = live_state(festival)
        asked = datetime.now(UTC).replace(microsecond=0)
        report = festival.upload("drafts/day.csv", NEXT, {"note": NOTE})
        assert live_state(festival) == before  # sets, /changes and every ETag untouched
        assert asked <= datetime.fromisoformat(report["preview"]["computed_at"]) <= datetime.now(UTC)
        assert report["preview"]["publishes_as"] == "uploads/day.csv" and report["preview"]["would_release"]
        assert report["preview"]["against_release"] == before["changes"]["items"][0]["release"]
        assert report["changes"] == {"new": 1, "moved": 1, "changed": 1, "cancelled": 1, "removed": 1, "unchanged": 0}
        by_kind = {entry["change"]: entry for entry in report["changelog"]}
        was = {"stage": "Main", "start": "2026-07-03T20:00", "end": "2026-07-03T21:00", "day": "2026-07-03"}
        assert by_kind["moved"]["from"] == was
        assert (by_kind["moved"]["stage"], by_kind["moved"]["start"]) == ("Tent", "2026-07-03T20:00")
        assert by_kind["changed"]["fields"] == ["genre"]
        assert report["note"] == NOTE
        [message] = festival.notifications()
        assert message["subject"].startswith("Preview ok") and message["attributes"]["preview"] == "true"

        publish(festival.s3, festival.bucket, "day.csv")  # make publish DRAFT=day.csv
        published = festival.s3.head_object(Bucket=festival.bucket, Key="uploads/day.csv")
        festival.deliver(festival.event("uploads/day.csv", "ObjectCreated:Copy", etag=published["ETag"].strip('"')))
        [release] = json.loads(get(festival, "/changes?limit=1").body)["items"]
        assert release["counts"] == report["changes"]
        by_id = sorted(map(without_days, report["changelog"]), key=lambda entry: entry["id"])
        assert sorted(every_change(festival, release["release"]), key=lambda entry: entry["id"]) == by_id
        assert release["note"] == NOTE
        [message] = festival.notifications()
        assert message["attributes"]["preview"] == "false"

    def test_a_draft_with_errors_reports_them_by_line_and_changes_nothing(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", LIVE)
        before = live_state(festival)
        report = festival.upload("drafts/day.csv", NEXT + "Main,2026-07-04,2x:00,23:00,Typo,,,\n")
        assert live_state(festival) == before
        assert report["status"] == "partial" and report["rejected"] == 1
        [error] = report["errors"]
        assert error["line"] == 6 and "start" in error["reason"] and error["columns"] == ["start"]

    def test_a_draft_of_a_new_file_lists_every_set_as_new_with_the_ids_the_publish_gives(
        self, festival: Festival
    ) -> None:
        report = festival.upload("drafts/new.csv", LIVE)
        assert report["changes"]["new"] == 4 and festival.items() == []
        publish(festival.s3, festival.bucket, "new.csv")
        festival.deliver(festival.put("uploads/new.csv", LIVE))
        assert sorted(item["id"] for item in festival.items()) == sorted(c["id"] for c in report["changelog"])

    def test_when_the_live_schedule_changes_after_the_preview_the_release_follows_the_file(
        self, festival: Festival
    ) -> None:
        festival.upload("uploads/day.csv", LIVE)
        report = festival.upload("drafts/day.csv", NEXT)
        # Before it is published, someone uploads another version of the live file.
        festival.upload("uploads/day.csv", LIVE + "Main,2026-07-04,12:00,13:00,Late Addition,,,\n")
        then = json.loads(get(festival, "/changes?limit=1").body)["items"][0]["release"]
        assert then != report["preview"]["against_release"]  # the preview says what it compared with

        publish(festival.s3, festival.bucket, "day.csv")
        published = festival.s3.head_object(Bucket=festival.bucket, Key="uploads/day.csv")
        festival.deliver(festival.event("uploads/day.csv", "ObjectCreated:Copy", etag=published["ETag"].strip('"')))
        live = sorted((item["stage"], item["start"], item["artist"], item.get("status")) for item in festival.items())
        assert live == [
            ("Main", "2026-07-03T18:00", "Opener", None),
            ("Main", "2026-07-04T22:00", "Newcomer", None),
            ("Tent", "2026-07-03T20:00", "Headliner", None),
            ("Tent", "2026-07-04T14:00", "Afternoon", "cancelled"),
        ]
        [release] = json.loads(get(festival, "/changes?limit=1").body)["items"]
        assert release["counts"]["removed"] == report["changes"]["removed"] + 1  # Late Addition, unknown then

    def test_publishing_a_draft_that_is_not_there_says_so(self, festival: Festival) -> None:
        with pytest.raises(NoDraft, match="no draft"):
            publish(festival.s3, festival.bucket, "missing.csv")


class TestNotes:
    def test_a_note_in_any_language_is_kept_by_the_release_and_shown_everywhere(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", LIVE)
        festival.notifications()
        note = "La scène principale passe sous le chapiteau à cause de l’orage"
        calls = CallLog().attach("sns")
        festival.upload("uploads/day.csv", NEXT, {"note": encode_note(note)})
        [release] = json.loads(get(festival, "/changes?limit=1").body)["items"]
        assert release["note"] == note
        [publish_call] = calls.named("Publish")
        email = json.loads(publish_call.params["body"]["Message"])["email"]
        assert f"Note: {note}" in email
        version = json.loads(get(festival, "/schedule.json").body)["schedule"]["version"]
        assert version == f"{release['release']}: {note}"

    def test_a_note_too_long_is_left_out_with_a_warning_and_the_file_still_lands(self, festival: Festival) -> None:
        report = festival.upload("uploads/day.csv", LIVE, {"note": "x" * 501})
        assert report["status"] == "ok" and "note" not in report
        assert any("at most 500" in warning for warning in report["warnings"])
        [release] = json.loads(get(festival, "/changes").body)["items"]
        assert "note" not in release


def post(festival: Festival, body: bytes | str, content_type: str = "text/csv", query: str = "") -> Any:
    data = body.encode() if isinstance(body, str) else body
    return festival.client.http.post(f"/previews{query}", headers={"Content-Type": content_type}, body=data)


class TestPostPreviews:
    def test_a_posted_csv_gets_the_drafts_preview_and_nothing_is_stored(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", LIVE)
        before = live_state(festival)
        answer = post(festival, NEXT, query="?file=day.csv")
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
        preview = json.loads(answer.body)
        assert live_state(festival) == before
        draft = festival.upload("drafts/day.csv", NEXT)
        assert preview["changes"] == draft["changes"]
        assert changelog(preview["changelog"]) == changelog(draft["changelog"])
        assert preview["preview"]["publishes_as"] == "uploads/day.csv"

    def test_over_2_mb_is_413_naming_the_limit(self, festival: Festival) -> None:
        answer = post(festival, "stage,date,start,end,artist\n" + "x" * (2 * 1024 * 1024))
        assert answer.status_code == 413 and "2,097,152 bytes" in json.loads(answer.body)["Message"]

    def test_an_empty_body_is_previewed_as_an_empty_file_and_another_content_type_is_415(
        self, festival: Festival
    ) -> None:
        empty = post(festival, b"")
        assert empty.status_code == 200 and json.loads(empty.body)["reason"] == "the file is empty"
        assert post(festival, NEXT, content_type="application/json").status_code == 415

    def test_a_file_that_is_not_a_timetable_gets_its_reason(self, festival: Festival) -> None:
        answer = json.loads(post(festival, b"PK\x03\x04 an Excel workbook").body)
        assert answer["status"] == "failed" and "Excel" in answer["reason"]

    def test_a_file_name_that_is_not_a_csv_is_400(self, festival: Festival) -> None:
        assert post(festival, NEXT, query="?file=..%2Fx.txt").status_code == 400

    def test_what_a_preview_reads_is_bounded_whatever_days_its_body_names(self, festival: Festival) -> None:
        """An anonymous body of 3,000 days (81 KB) reads the festival's days, not 3,000 of them:
        days outside the festival's span cost nothing, at most 31 inside it are compared, and
        the answer says which were not."""
        festival.upload("uploads/day.csv", LIVE)
        calls = CallLog().attach("dynamodb")
        first = date(2026, 7, 3)
        rows = [f"Main,{first + timedelta(days=n)},20:00,21:00,Act {n},," for n in range(-1000, 2000)]
        body = csv_text(*rows)
        assert 75_000 < len(body) < 200_000
        answer = post(festival, body)
        assert answer.status_code == 200
        preview = json.loads(answer.body)
        assert preview["accepted"] == 3000 and preview["preview"]["compared_in_full"]  # no day outside was read
        reads = [call for call in calls.calls if call.operation in ("Query", "BatchGetItem", "GetItem")]
        # The head, the file's record, the festival's days, and the few days the festival spans.
        assert len(reads) <= 12, [call.operation for call in reads]
        # A festival of 40 days, and a body that names all of them: 31 are compared, and it says so.
        festival.upload(
            "uploads/long.csv",
            csv_text(*(f"Tent,{first + timedelta(days=n)},12:00,13:00,Long {n},," for n in range(40))),
        )
        calls.clear()
        preview = json.loads(
            post(
                festival, csv_text(*(f"Tent,{first + timedelta(days=n)},12:00,13:00,Other {n},," for n in range(40)))
            ).body
        )
        assert not preview["preview"]["compared_in_full"]
        assert preview["preview"]["not_compared"] == [str(first + timedelta(days=n)) for n in range(31, 40)]
        assert any("9 festival days" in warning for warning in preview["warnings"])
        assert len(calls.named("Query")) <= 31 + 2
        assert preview["changes"]["removed"] == 31  # what it compared, it compared exactly

    def test_a_file_whose_index_would_pass_an_items_limit_is_previewed_as_failed_not_a_500(
        self, festival: Festival
    ) -> None:
        rows = [f"{'Ж' * 495} {n:04d},2026-07-03,20:00,21:00,Act {n},," for n in range(420)]
        answer = post(festival, csv_text(*rows))
        assert answer.status_code == 200
        preview = json.loads(answer.body)
        assert preview["status"] == "failed" and "409,600" in preview["reason"]


def test_a_draft_in_a_versioned_bucket_is_read_at_the_version_that_was_uploaded(festival: Festival) -> None:
    festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
    festival.upload("uploads/day.csv", LIVE)
    report = festival.upload("drafts/day.csv", NEXT)
    assert report["source"]["version"] != "null" and report["changes"]["moved"] == 1
