"""On the day: a set delayed, cancelled, restored or moved, and a stage's rest of the day
delayed, each written back into the set's own CSV file as its next version (moto's S3 and
DynamoDB), refused with the ingest's own reasons, and never a lost update
(chalicelib/edits)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chalice.app import BadRequestError

from chalicelib.api.edits import delay_stage, edit_set
from chalicelib.edits.model import Edit, StageDelay, read_delay, read_edit
from chalicelib.edits.rules import Refused
from chalicelib.edits.service import MAX_FILE_BYTES, Applied, Editor, Missing, Previewed, Stale
from chalicelib.ingest.notes import read_note
from chalicelib.services import get_services
from chalicelib.storage.files import TimetableFiles
from chalicelib.timetable import clock
from tests.aws_calls import CallLog
from tests.conftest import Festival

FRIDAY = (
    "stage,day,start,end,artist,genre,notes\n"
    "Main,2026-07-03,20:00,21:00,Opener,indie,\n"
    'Main,2026-07-03,21:30,23:00,Headliner,"art pop","doors, then\nthe show"\n'
    "Main,2026-07-03,23:30,00:45,Late,,\n"
    "Main,2026-07-03,01:00,02:00,Night Owl,techno,\n"
    "Tent,2026-07-03,22:00,23:00,Tent Act,,\n"
)
KEY = "uploads/friday.csv"


def hhmm(text: str) -> int:
    minutes = clock.parse_time(text)
    assert isinstance(minutes, int)
    return minutes


@pytest.fixture
def live(festival: Festival) -> Festival:
    festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
    festival.upload(KEY, FRIDAY)
    festival.notifications()
    return festival


def editor(festival: Festival) -> Editor:
    return Editor(get_services(), TimetableFiles(festival.s3, festival.bucket, max_bytes=MAX_FILE_BYTES))


def set_id(festival: Festival, artist: str) -> str:
    return str(json.loads(festival.client.http.get(f"/artists/{artist}/performances").body)["items"][0]["id"])


def performance(festival: Festival, artist: str) -> dict[str, Any]:
    return json.loads(festival.client.http.get(f"/performances/{set_id(festival, artist)}").body)  # type: ignore[no-any-return]


def version_of(festival: Festival, artist: str) -> str:
    found = editor(festival).current(set_id(festival, artist))
    assert found is not None
    return found[1]  # what GET /performances/{id}'s ETag is made from


def edit(festival: Festival, artist: str, change: Edit, *, author: str = "stage manager", dry_run: bool = False) -> Any:
    version = version_of(festival, artist)
    return editor(festival).edit(
        set_id(festival, artist), change, expected=lambda now: now == version, author=author, dry_run=dry_run
    )


def current_file(festival: Festival, key: str = KEY) -> bytes:
    return festival.s3.get_object(Bucket=festival.bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]


def versions(festival: Festival, key: str = KEY) -> list[dict[str, Any]]:
    return festival.s3.list_object_versions(Bucket=festival.bucket, Prefix=key).get("Versions", [])  # type: ignore[no-any-return]


def release(festival: Festival, outcome: Any) -> dict[str, Any]:
    """Deliver the event S3 sends for each version an edit wrote; the report of the last."""
    assert isinstance(outcome, Applied), outcome
    for written in outcome.written:
        festival.deliver(
            festival.event(written.key, "ObjectCreated:Put", etag=written.etag, version_id=written.version_id)
        )
    return festival.report(outcome.written[-1].key)


def changelog(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted((c["change"], c["artist"], c["stage"], c["start"]) for c in report["changelog"])


class TestOneSet:
    def test_a_delay_moves_start_and_end_in_the_file_and_the_release_keeps_the_id(self, live: Festival) -> None:
        before = performance(live, "Late")
        outcome = edit(live, "Late", Edit(delay=10, note="the generator"))
        assert current_file(live) == FRIDAY.replace("23:30,00:45,Late", "23:40,00:55,Late").encode()
        head = live.s3.head_object(Bucket=live.bucket, Key=KEY)
        assert head["Metadata"]["author"] == "stage manager" and head["Metadata"]["action"] == "edit"
        assert read_note(head["Metadata"]["note"]) == ("the generator", None)
        report = release(live, outcome)
        assert report["changelog"] == [
            {
                "change": "moved",
                "id": before["id"],
                "artist": "Late",
                "stage": "Main",
                "start": "2026-07-03T23:40",
                "end": "2026-07-04T00:55",
                "status": "scheduled",
                "from": {"stage": "Main", "start": "2026-07-03T23:30", "end": "2026-07-04T00:45"},
            }
        ]
        after = performance(live, "Late")
        assert (after["id"], after["start"], after["end"]) == (before["id"], "2026-07-03T23:40", "2026-07-04T00:55")
        changes = json.loads(live.client.http.get("/changes").body)["items"][0]
        assert changes["note"] == "the generator" and changes["counts"]["moved"] == 1

    def test_a_cancellation_and_its_restore_keep_the_id(self, live: Festival) -> None:
        before = performance(live, "Tent Act")
        report = release(live, edit(live, "Tent Act", Edit(cancelled=True)))
        # The file had no status column: it gets one, at the end of the header and of that row.
        assert (
            current_file(live)
            == (
                FRIDAY.replace("artist,genre,notes\n", "artist,genre,notes,status\n").replace(
                    "Tent Act,,\n", "Tent Act,,,cancelled\n"
                )
            ).encode()
        )
        assert changelog(report) == [("cancelled", "Tent Act", "Tent", "2026-07-03T22:00")]
        assert performance(live, "Tent Act")["status"] == "cancelled"
        report = release(live, edit(live, "Tent Act", Edit(cancelled=False)))
        assert report["changelog"][0]["change"] == "changed" and report["changelog"][0]["fields"] == ["status"]
        restored = performance(live, "Tent Act")
        assert (restored["id"], restored["status"]) == (before["id"], "scheduled")

    def test_a_move_to_another_stage_keeps_the_id(self, live: Festival) -> None:
        before = performance(live, "Night Owl")
        report = release(live, edit(live, "Night Owl", Edit(stage="Tent", start=hhmm("00:30"), end=hhmm("01:30"))))
        assert (
            current_file(live)
            == FRIDAY.replace("Main,2026-07-03,01:00,02:00,Night Owl", "Tent,2026-07-03,00:30,01:30,Night Owl").encode()
        )
        assert changelog(report) == [("moved", "Night Owl", "Tent", "2026-07-04T00:30")]
        assert performance(live, "Night Owl")["id"] == before["id"]

    def test_a_dry_run_writes_nothing_and_previews_exactly_what_the_release_then_says(self, live: Festival) -> None:
        count = len(versions(live))
        dry = edit(live, "Opener", Edit(delay=-15), dry_run=True)
        assert isinstance(dry, Previewed) and len(versions(live)) == count
        (preview,) = dry.previews
        assert preview["status"] == "ok" and preview["file"] == KEY and preview["preview"]["would_release"]
        report = release(live, edit(live, "Opener", Edit(delay=-15)))
        assert [{k: v for k, v in c.items() if k != "day" and k != "from"} for c in preview["changelog"]] == [
            {k: v for k, v in c.items() if k != "from"} for c in report["changelog"]
        ]
        assert preview["changes"] == report["changes"]

    def test_the_set_gone_or_a_stale_version_writes_nothing(self, live: Festival) -> None:
        count = len(versions(live))
        found = editor(live).edit("aaaaaaaaaaaaaaaa", Edit(delay=5), expected=lambda v: True, author="x")
        assert isinstance(found, Missing)
        identity = set_id(live, "Opener")
        stale = editor(live).edit(identity, Edit(delay=5), expected=lambda v: False, author="x")
        assert isinstance(stale, Stale) and stale.current is not None and stale.current.id == identity
        assert stale.version == version_of(live, "Opener")
        assert len(versions(live)) == count


class TestRefusals:
    """Each refusal is the ingest's own reason (or the edit's one rule: the festival day), and
    writes nothing."""

    @pytest.mark.parametrize(
        ("artist", "change", "words"),
        [
            ("Late", Edit(delay=-60), "(line 5) overlaps the set on line 3"),  # into the headliner
            ("Late", Edit(delay=20), "line 6, live now, would be rejected: overlaps the set on line 5"),
            ("Tent Act", Edit(stage="Main"), "overlaps the set on line 3"),  # onto a busy stage
            ("Headliner", Edit(end=hhmm("11:00")), "the set would last 13 h 30 min"),
            ("Night Owl", Edit(delay=5 * 60), "outside festival day 2026-07-03 (the day changes at 06:00)"),
            ("Opener", Edit(start=hhmm("21:00")), "end is the same as start"),
            ("Opener", Edit(stage="Tent\u202e"), "a control character that reorders the text"),
        ],
    )
    def test_refused_with_the_reason(self, live: Festival, artist: str, change: Edit, words: str) -> None:
        count = len(versions(live))
        refused = edit(live, artist, change)
        assert isinstance(refused, Refused), refused
        assert words in refused.reason and refused.source == KEY
        assert len(versions(live)) == count and current_file(live) == FRIDAY.encode()

    def test_a_value_a_windows_1252_file_cannot_hold(self, live: Festival) -> None:
        live.upload(
            "uploads/tent.csv", "stage;date;start;end;artist\r\nZelt;2026-07-04;14:00;15:00;Björk\r\n".encode("cp1252")
        )
        refused = edit(live, "Björk", Edit(stage="Zelt ✓"))
        assert isinstance(refused, Refused) and "U+2713 CHECK MARK" in refused.reason
        assert "Windows-1252" in refused.reason and (refused.line, refused.columns) == (2, ("stage",))

    def test_a_row_the_current_version_accepts_is_never_rejected(self, live: Festival) -> None:
        # The opener delayed into the headliner: the headliner's row comes after it in the file,
        # so the ingest would keep the opener and reject the headliner, live now.
        refused = edit(live, "Opener", Edit(delay=45))
        assert isinstance(refused, Refused) and refused.line == 3
        assert refused.reason.startswith("line 3, live now, would be rejected: overlaps the set on line 2")

    def test_taking_another_files_slot_is_refused(self, live: Festival) -> None:
        live.upload("uploads/extra.csv", "stage,date,start,end,artist\nTent,2026-07-04,00:00,00:30,Guest\n")
        refused = edit(live, "Tent Act", Edit(start=hhmm("00:00"), end=hhmm("00:20")))
        assert isinstance(refused, Refused) and '"Guest"\'s set from uploads/extra.csv' in refused.reason

    def test_a_set_a_rejected_row_keeps_cannot_be_edited(self, live: Festival) -> None:
        live.upload(KEY, FRIDAY.replace("Tent,2026-07-03,22:00,23:00", "Tent,2026-07-03,22:00,99:00"))
        refused = edit(live, "Tent Act", Edit(delay=5))
        assert isinstance(refused, Refused) and "a rejected row keeps the set live" in refused.reason


class TestStageDelay:
    def test_the_rest_of_the_stage_moves_across_midnight_into_the_days_night(self, live: Festival) -> None:
        ids = {artist: set_id(live, artist) for artist in ("Opener", "Headliner", "Late", "Night Owl")}
        delay = StageDelay("Main", clock.parse_moment("2026-07-03T21:30") or 0, 20, "headliner late")
        outcome = editor(live).delay(delay, author="stage manager")
        assert (
            current_file(live)
            == (
                FRIDAY.replace("21:30,23:00,Headliner", "21:50,23:20,Headliner")
                .replace("23:30,00:45,Late", "23:50,01:05,Late")
                .replace("01:00,02:00,Night Owl", "01:20,02:20,Night Owl")
            ).encode()
        )
        report = release(live, outcome)
        assert changelog(report) == [
            ("moved", "Headliner", "Main", "2026-07-03T21:50"),
            ("moved", "Late", "Main", "2026-07-03T23:50"),
            ("moved", "Night Owl", "Main", "2026-07-04T01:20"),
        ]
        assert {artist: set_id(live, artist) for artist in ids} == ids
        assert performance(live, "Opener")["start"] == "2026-07-03T20:00"

    def test_a_delay_past_the_day_change_moves_nothing(self, live: Festival) -> None:
        count = len(versions(live))
        delay = StageDelay("Main", clock.parse_moment("2026-07-03T21:30") or 0, 5 * 60)
        refused = editor(live).delay(delay, author="x")
        assert isinstance(refused, Refused) and '"Night Owl" would start at 2026-07-04T06:00' in refused.reason
        assert len(versions(live)) == count

    def test_a_stage_in_two_files_gets_one_new_version_of_each(self, live: Festival) -> None:
        live.upload("uploads/late.csv", "stage,date,start,end,artist\nMain,2026-07-04,03:00,04:00,Dawn\n")
        outcome = editor(live).delay(StageDelay("Main", clock.parse_moment("2026-07-04T00:00") or 0, 10), author="x")
        assert isinstance(outcome, Applied) and sorted(w.key for w in outcome.written) == [
            "uploads/friday.csv",
            "uploads/late.csv",
        ]
        release(live, outcome)
        assert performance(live, "Dawn")["start"] == "2026-07-04T03:10"
        assert performance(live, "Night Owl")["start"] == "2026-07-04T01:10"

    def test_when_one_of_its_files_changed_meanwhile_the_others_are_put_back(
        self, live: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        live.upload("uploads/late.csv", "stage,date,start,end,artist\nMain,2026-07-04,03:00,04:00,Dawn\n")
        upload = b"stage,date,start,end,artist\nMain,2026-07-04,03:30,04:00,Dawn\n"
        before_write(live, monkeypatch, "uploads/late.csv", lambda: live.put("uploads/late.csv", upload))
        outcome = editor(live).delay(StageDelay("Main", clock.parse_moment("2026-07-04T00:00") or 0, 10), author="x")
        assert isinstance(outcome, Stale) and "uploads/late.csv" in outcome.reason
        assert current_file(live) == FRIDAY.encode()  # the first file is put back
        assert current_file(live, "uploads/late.csv") == upload

    def test_nothing_to_delay_says_so(self, live: Festival) -> None:
        refused = editor(live).delay(StageDelay("Main", clock.parse_moment("2026-07-04T03:00") or 0, 10), author="x")
        assert isinstance(refused, Refused) and 'no set on "Main" starts at or after' in refused.reason


def before_write(festival: Festival, monkeypatch: pytest.MonkeyPatch, key: str, action: Callable[[], Any]) -> None:
    """Run `action` just before the editor's conditional write of `key` (once)."""
    original = TimetableFiles.write
    done: list[Any] = []

    def write(self: TimetableFiles, read: Any, body: bytes, metadata: dict[str, str]) -> Any:
        if read.key == key and not done:
            done.append(action())
        return original(self, read, body, metadata)

    monkeypatch.setattr(TimetableFiles, "write", write)


class TestConcurrency:
    def test_the_harness_lets_one_conditional_write_of_a_version_win_as_s3_does(
        self, festival: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # moto alone checks If-Match and then writes, and lets two writers win about once in
        # 200 races (conftest._atomic_moto_s3); a pause between the check and the write makes
        # every race one that moto alone would lose.
        from moto.s3.models import S3Backend

        write = S3Backend.put_object

        def slowly(*args: Any, **kwargs: Any) -> Any:
            time.sleep(0.02)
            return write(*args, **kwargs)

        monkeypatch.setattr(S3Backend, "put_object", slowly)
        for round_number in range(3):
            etag = festival.s3.put_object(Bucket=festival.bucket, Key="uploads/race.csv", Body=b"%d" % round_number)

            def conditional(number: int, etag: str = etag["ETag"]) -> Callable[[], bool]:
                def write() -> bool:
                    try:
                        festival.s3.put_object(
                            Bucket=festival.bucket, Key="uploads/race.csv", Body=b"x%d" % number, IfMatch=etag
                        )
                    except ClientError as error:
                        assert error.response["Error"]["Code"] == "PreconditionFailed"
                        return False
                    return True

                return write

            assert sum(at_once(*(conditional(number) for number in range(4)))) == 1, round_number

    def test_of_concurrent_edits_of_one_version_exactly_one_is_written(self, live: Festival) -> None:
        identity = set_id(live, "Opener")
        version = version_of(live, "Opener")
        services = get_services()

        def delay_by(minutes: int) -> Callable[[], Any]:
            mine = Editor(services, TimetableFiles(live.s3, live.bucket, max_bytes=MAX_FILE_BYTES))
            return lambda: mine.edit(
                identity, Edit(delay=minutes), expected=lambda v: v == version, author=str(minutes)
            )

        outcomes = at_once(*(delay_by(minutes) for minutes in (5, 10, 15, 20, 25, 30)))
        written = [outcome for outcome in outcomes if isinstance(outcome, Applied)]
        assert len(written) == 1
        assert all(
            isinstance(outcome, Stale) and outcome.current is not None for outcome in outcomes if outcome not in written
        )
        winner = int(live.s3.head_object(Bucket=live.bucket, Key=KEY)["Metadata"]["author"])
        moved = f"{clock.hh_mm(20 * 60 + winner)},{clock.hh_mm(21 * 60 + winner)},Opener"
        assert current_file(live) == FRIDAY.replace("20:00,21:00,Opener", moved).encode()
        assert len(versions(live)) == 2  # the upload and the one edit: no lost update, none half written

    def test_an_upload_landing_between_the_read_and_the_write_refuses_the_edit_whole(
        self, live: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        upload = FRIDAY.replace("Opener", "New Opener")
        before_write(live, monkeypatch, KEY, lambda: live.put(KEY, upload))
        outcome = edit(live, "Late", Edit(delay=10))
        assert isinstance(outcome, Stale) and "another change of the file was written first" in outcome.reason
        assert current_file(live) == upload.encode()

    def test_an_edit_racing_an_upload_is_refused_or_superseded_whole(self, live: Festival) -> None:
        """An upload straight to the bucket is unconditional, so it is the newest version
        whichever comes first: an edit written before it stays in the history, one written
        after is refused. Either way the live schedule is the upload's, whole."""
        upload = FRIDAY.replace("Opener", "New Opener")
        identity, version = set_id(live, "Late"), version_of(live, "Late")
        services = get_services()
        for _ in range(6):
            live.put(KEY, FRIDAY)  # as the record says is live again (the same ETag)
            outcome, uploaded = at_once(
                lambda: Editor(services, TimetableFiles(live.s3, live.bucket, max_bytes=MAX_FILE_BYTES)).edit(
                    identity, Edit(delay=10), expected=lambda v: v == version, author="x"
                ),
                lambda: live.put(KEY, upload),
            )
            assert isinstance(outcome, Applied | Stale)
            if isinstance(outcome, Applied):
                written = outcome.written[0].version_id
                body = live.s3.get_object(Bucket=live.bucket, Key=KEY, VersionId=written)["Body"].read()
                assert body == FRIDAY.replace("23:30,00:45,Late", "23:40,00:55,Late").encode()
            assert current_file(live) == upload.encode()
        live.deliver(uploaded)
        assert performance(live, "New Opener")["start"] == "2026-07-03T20:00"
        assert performance(live, "Late")["start"] == "2026-07-03T23:30"


def at_once(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in threads started together; their results, in order."""
    start = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(number: int) -> None:
        start.wait()
        results[number] = actions[number]()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_an_unversioned_bucket_is_edited_conditionally_on_the_etag(festival: Festival) -> None:
    festival.upload(KEY, FRIDAY)
    outcome = edit(festival, "Opener", Edit(delay=5))
    assert isinstance(outcome, Applied) and outcome.written[0].version_id == ""
    assert current_file(festival) == FRIDAY.replace("20:00,21:00,Opener", "20:05,21:05,Opener").encode()
    stale = edit(festival, "Opener", Edit(delay=5))  # the table still says the first version is live
    assert isinstance(stale, Stale)


class TestReadingTheBody:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({"delay": 15}, Edit(delay=15)),
            ({"delay": 15.0}, Edit(delay=15)),  # JSON's 15.0 is the integer 15 (as JSON Schema reads it)
            ({"delay": -5, "note": "  rain  "}, Edit(delay=-5, note="rain")),
            ({"start": "23:30", "end": "25:00"}, Edit(start=23 * 60 + 30, end=25 * 60)),
            ({"stage": " Tent ", "status": ""}, Edit(stage="Tent", cancelled=False)),
            ({"status": "cancelled"}, Edit(cancelled=True)),
        ],
    )
    def test_an_edit(self, body: dict[str, Any], expected: Edit) -> None:
        assert read_edit(body) == expected

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ([], "the body must be a JSON object"),
            ({}, "asks for no change"),
            ({"note": "only a note"}, "asks for no change"),
            ({"colour": "red"}, 'unknown field "colour"'),
            ({"delay": 0}, "0 is not a delay"),
            ({"delay": 1440}, "1440 is not a delay"),
            ({"delay": "15"}, "is not a whole number of minutes"),
            ({"delay": True}, "is not a whole number of minutes"),
            ({"delay": 15.5}, "is not a whole number of minutes"),
            ({"delay": 5, "start": "20:00"}, "not both"),
            ({"start": "8pm"}, 'start "8pm" is not a time in the form HH:MM'),
            ({"end": "30:00"}, "is not a time of day"),
            ({"stage": ""}, "is not a stage's name"),
            ({"stage": "Main\nStage"}, "is not a stage's name"),
            ({"status": "postponed"}, 'status "postponed" is not one an edit can set'),
            ({"delay": 5, "note": "x" * 501}, "the note cannot be used"),
        ],
    )
    def test_what_is_not_an_edit(self, body: Any, words: str) -> None:
        reason = read_edit(body)
        assert isinstance(reason, str) and words in reason, reason

    def test_a_stage_delay(self) -> None:
        assert read_delay("Main", {"from": "2026-07-03T21:30", "minutes": 20}) == StageDelay(
            "Main", clock.parse_moment("2026-07-03T21:30") or 0, 20
        )
        for body, words in (
            ({"from": "21:30", "minutes": 20}, "is not a moment"),
            ({"from": "2026-07-03T21:30"}, "minutes null is not a whole number"),
            ({"from": "2026-07-03T21:30", "minutes": 20, "by": "me"}, 'unknown field "by"'),
        ):
            reason = read_delay("Main", body)
            assert isinstance(reason, str) and words in reason, reason


class TestHttp:
    """The edges the routes will call (chalicelib/api/edits.py), with the ETag GET gives."""

    ORIGIN = "http://localhost"  # where the test client reaches the app (no Host header)

    def patch(
        self, festival: Festival, artist: str, body: Any, query: dict[str, str] | None = None, **headers: str
    ) -> Any:
        identity = set_id(festival, artist)
        return edit_set(
            get_services(),
            identity,
            json.dumps(body).encode(),
            {name.lower().replace("_", "-"): value for name, value in headers.items()},
            query,
            author="stage manager",
            origin=self.ORIGIN,
            base="",
        )

    def test_without_if_match_428_and_with_a_stale_one_412_with_the_set_as_it_is(self, live: Festival) -> None:
        count = len(versions(live))
        assert self.patch(live, "Opener", {"delay": 5}).status_code == 428
        stale = self.patch(live, "Opener", {"delay": 5}, if_match='"not-its-tag"')
        assert stale.status_code == 412 and stale.headers["ETag"] == get(live, "Opener").headers["ETag"]
        assert json.loads(stale.body)["performance"] == json.loads(get(live, "Opener").body)
        assert len(versions(live)) == count

    def test_a_dry_run_answers_the_preview_and_the_edit_202_with_the_new_version(self, live: Festival) -> None:
        etag = get(live, "Opener").headers["ETag"]
        dry = self.patch(live, "Opener", {"delay": 5}, {"dry_run": "1"}, if_match=etag)
        assert dry.status_code == 200 and json.loads(dry.body)["previews"][0]["changes"]["moved"] == 1
        done = self.patch(live, "Opener", {"delay": 5, "note": "soundcheck"}, if_match=etag)
        assert done.status_code == 202
        (written,) = json.loads(done.body)["files"]
        assert written == {"file": KEY, "version": versions(live)[0]["VersionId"]} and versions(live)[0]["IsLatest"]
        again = self.patch(live, "Opener", {"delay": 5}, if_match=etag)  # the same read, a second time
        assert again.status_code == 412

    def test_a_refused_rule_is_422_with_where_and_a_bad_body_400(self, live: Festival) -> None:
        etag = get(live, "Late").headers["ETag"]
        refused = self.patch(live, "Late", {"delay": -60}, if_match=etag)
        assert refused.status_code == 422
        body = json.loads(refused.body)
        assert (body["file"], body["line"], body["columns"]) == (KEY, 5, ["stage", "start", "end"])
        assert "overlaps the set on line 3" in body["Message"]
        assert self.patch(live, "Late", {"delay": "soon"}, if_match=etag).status_code == 400
        with pytest.raises(BadRequestError):
            self.patch(live, "Late", {"delay": 5}, {"dry_run": "yes"}, if_match=etag)

    def test_an_edit_costs_six_reads_and_two_object_requests(self, live: Festival) -> None:
        identity, etag = set_id(live, "Opener"), get(live, "Opener").headers["ETag"]
        calls = CallLog().attach("dynamodb", "s3")
        answer = edit_set(
            get_services(), identity, b'{"delay": 5}', {"if-match": etag}, None, author="x", origin=self.ORIGIN, base=""
        )
        assert answer.status_code == 202
        # The head, the set by id, its file's record (the version live); that version's bytes;
        # what the plan reads (the file's manifest, the festival days it touches, the stages'
        # days); the conditional write.
        assert [(call.service, call.operation) for call in calls.calls] == [
            ("dynamodb", "GetItem"),
            ("dynamodb", "Query"),
            ("dynamodb", "GetItem"),
            ("s3", "GetObject"),
            ("dynamodb", "Query"),
            ("dynamodb", "Query"),
            ("dynamodb", "BatchGetItem"),
            ("s3", "PutObject"),
        ]

    def test_a_stage_delay(self, live: Festival) -> None:
        body = json.dumps({"from": "2026-07-03T23:00", "minutes": 10}).encode()
        answer = delay_stage(get_services(), "Main", body, None, author="x", origin=self.ORIGIN, base="")
        assert answer.status_code == 202
        changes = json.loads(answer.body)["previews"][0]["changelog"]
        assert sorted(change["artist"] for change in changes) == ["Late", "Night Owl"]


def get(festival: Festival, artist: str) -> Any:
    return festival.client.http.get(f"/performances/{set_id(festival, artist)}")
