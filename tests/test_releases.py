"""Sets keep their identity across re-uploads, every release lists its changes, and
GET /changes and GET /performances/{id} answer from them (ingest and API on moto)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.storage.releases import release_id
from tests.aws_calls import CallLog, client_for
from tests.conftest import Festival, csv_text

HEADER = "stage,date,start,end,artist,genre,notes,status\n"


def timetable(*rows: str) -> str:
    return csv_text(*rows, header=HEADER)


V1 = timetable(
    "Main,2026-07-03,18:00,19:00,Opener,indie,,",
    "Main,2026-07-03,20:00,21:00,Swap A,,,",
    "Main,2026-07-03,21:30,22:30,Swap B,,,",
    "Main,2026-07-03,23:00,23:45,Twice,,,",
    "Tent,2026-07-04,14:00,15:00,Twice,,,",
    "Tent,2026-07-04,16:00,17:00,Leaves,,,",
)


def get(festival: Festival, path: str, status: int = 200) -> Any:
    response = festival.client.http.get(path)
    assert response.status_code == status, (path, response.body)
    return json.loads(response.body)


def ids(festival: Festival) -> dict[tuple[str, str], str]:
    """(artist, slot) -> id of every set in the table."""
    return {(item["artist"], f"{item['stage']} {item['start']}"): item["id"] for item in festival.items()}


def id_of(festival: Festival, artist: str, start: str | None = None) -> str:
    [found] = [
        item["id"]
        for item in festival.items()
        if item["artist"] == artist and (start is None or item["start"] == start)
    ]
    return str(found)


class TestIdentity:
    def test_ids_are_opaque_url_safe_and_unique(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        found = list(ids(festival).values())
        assert len(set(found)) == 6 and all(re.fullmatch(r"[a-z2-7]{16}", i) for i in found)

    def test_a_set_keeps_its_id_when_it_moves_to_another_time_and_stage(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        opener = id_of(festival, "Opener")
        report = festival.upload(
            "uploads/day.csv", V1.replace("Main,2026-07-03,18:00,19:00,Opener", "Tent,2026-07-03,17:00,18:00,Opener")
        )
        assert id_of(festival, "Opener") == opener
        body = get(festival, f"/performances/{opener}")
        assert (body["stage"], body["start"], body["url"]) == ("Tent", "2026-07-03T17:00", f"/performances/{opener}")
        assert report["changes"] == {"new": 0, "moved": 1, "changed": 0, "cancelled": 0, "removed": 0, "unchanged": 5}
        assert report["changelog"] == [
            {
                "change": "moved",
                "id": opener,
                "artist": "Opener",
                "stage": "Tent",
                "start": "2026-07-03T17:00",
                "end": "2026-07-03T18:00",
                "status": "scheduled",
                "from": {"stage": "Main", "start": "2026-07-03T18:00", "end": "2026-07-03T19:00"},
            }
        ]

    def test_two_artists_who_swap_slots_keep_their_ids(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        a, b = id_of(festival, "Swap A"), id_of(festival, "Swap B")
        swapped = V1.replace("20:00,21:00,Swap A", "20:00,21:00,Swap X").replace(
            "21:30,22:30,Swap B", "21:30,22:30,Swap A"
        )
        report = festival.upload("uploads/day.csv", swapped.replace("Swap X", "Swap B"))
        assert id_of(festival, "Swap A") == a and id_of(festival, "Swap B") == b
        assert get(festival, f"/performances/{a}")["start"] == "2026-07-03T21:30"
        assert report["changes"]["moved"] == 2 and report["changes"]["removed"] == 0

    def test_an_artist_who_plays_twice_keeps_both_ids_in_time_order(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        late, early = id_of(festival, "Twice", "2026-07-03T23:00"), id_of(festival, "Twice", "2026-07-04T14:00")
        # The second set stays in its slot; the first moves an hour earlier.
        festival.upload("uploads/day.csv", V1.replace("23:00,23:45,Twice", "22:45,23:30,Twice"))
        assert id_of(festival, "Twice", "2026-07-03T22:45") == late
        assert id_of(festival, "Twice", "2026-07-04T14:00") == early
        # Both move: paired in time order, earliest with earliest.
        festival.upload(
            "uploads/day.csv",
            V1.replace("Main,2026-07-03,23:00,23:45,Twice", "Main,2026-07-03,23:15,23:59,Twice").replace(
                "Tent,2026-07-04,14:00,15:00,Twice", "Tent,2026-07-04,18:00,19:00,Twice"
            ),
        )
        assert id_of(festival, "Twice", "2026-07-03T23:15") == late
        assert id_of(festival, "Twice", "2026-07-04T18:00") == early

    def test_a_set_in_the_same_slot_wins_its_id_even_if_a_moved_row_comes_first(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        late, early = id_of(festival, "Twice", "2026-07-03T23:00"), id_of(festival, "Twice", "2026-07-04T14:00")
        report = festival.upload(
            "uploads/day.csv",
            timetable(
                "Main,2026-07-03,17:00,17:30,Twice,,,",  # new, and earlier than both
                "Main,2026-07-03,23:00,23:45,Twice,,,",  # the same slot as before
            ),
        )
        assert id_of(festival, "Twice", "2026-07-03T23:00") == late
        assert id_of(festival, "Twice", "2026-07-03T17:00") == early  # the other one, moved
        assert report["changes"]["moved"] == 1 and report["changes"]["new"] == 0

    def test_an_artist_renamed_is_a_new_set_and_the_old_one_is_removed(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        leaves = id_of(festival, "Leaves")
        report = festival.upload("uploads/day.csv", V1.replace("Leaves", "Arrives"))
        assert id_of(festival, "Arrives") != leaves
        get(festival, f"/performances/{leaves}", status=404)
        kinds = {(c["change"], c["artist"], c["id"]) for c in report["changelog"]}
        assert kinds == {("removed", "Leaves", leaves), ("new", "Arrives", id_of(festival, "Arrives"))}

    def test_the_same_files_into_an_empty_table_give_the_same_ids(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        before = ids(festival)
        festival.deliver(festival.delete("uploads/day.csv"))
        assert festival.items() == []
        festival.upload("uploads/day.csv", V1)
        assert ids(festival) == before

    def test_a_new_set_in_a_slot_a_moved_set_came_from_gets_its_own_id(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", timetable("Main,2026-07-03,18:00,19:00,X,,,"))
        first = id_of(festival, "X")
        festival.upload("uploads/day.csv", timetable("Main,2026-07-03,19:00,20:00,X,,,"))  # moved
        festival.upload(
            "uploads/day.csv", timetable("Main,2026-07-03,18:00,18:45,X,,,", "Main,2026-07-03,19:00,20:00,X,,,")
        )
        assert id_of(festival, "X", "2026-07-03T19:00") == first
        assert id_of(festival, "X", "2026-07-03T18:00") not in {first, ""}

    def test_the_same_artist_in_another_file_is_another_set(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        festival.upload("uploads/extra.csv", timetable("Side,2026-07-05,12:00,13:00,Opener,,,"))
        assert len({item["id"] for item in festival.items() if item["artist"] == "Opener"}) == 2

    def test_the_slot_lookup_still_answers_whatever_set_is_there(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        body = get(festival, "/stages/Main/performances/2026-07-03T18:00")
        assert body["artist"] == "Opener" and body["id"] == id_of(festival, "Opener")

    def test_an_unknown_id_is_a_404_and_a_malformed_one_a_400(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        assert "no performance with id" in get(festival, "/performances/aaaaaaaaaaaaaaaa", status=404)["Message"]
        assert get(festival, "/performances/2026-07-03T18:00", status=400)["Message"].startswith("id: ")


class TestCancelled:
    def test_a_cancelled_set_stays_listed_as_cancelled_and_now_playing_skips_it(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        opener = id_of(festival, "Opener")
        report = festival.upload("uploads/day.csv", V1.replace("Opener,indie,,", "Opener,indie,,cancelled"))
        assert id_of(festival, "Opener") == opener
        assert get(festival, f"/performances/{opener}")["status"] == "cancelled"
        listed = get(festival, "/stages/Main/performances?day=2026-07-03")["items"]
        assert [(item["artist"], item["status"]) for item in listed][:2] == [
            ("Opener", "cancelled"),
            ("Swap A", "scheduled"),
        ]
        [main] = [
            stage for stage in get(festival, "/performances?at=2026-07-03T18:30")["items"] if stage["stage"] == "Main"
        ]
        assert main["now"] is None and main["next"]["artist"] == "Swap A"
        [change] = report["changelog"]
        assert (change["change"], change["id"], change["status"], change["fields"]) == (
            "cancelled",
            opener,
            "cancelled",
            ["status"],
        )

    def test_next_skips_cancelled_sets(self, festival: Festival) -> None:
        festival.upload(
            "uploads/day.csv",
            timetable(
                "Main,2026-07-03,18:00,19:00,Gone,,,cancelled",
                "Main,2026-07-03,19:00,20:00,Gone too,,,canceled",
                "Main,2026-07-03,20:00,21:00,Plays,,,",
            ),
        )
        [main] = get(festival, "/performances?at=2026-07-03T17:00")["items"]
        assert main["next"]["artist"] == "Plays"

    def test_a_stand_in_may_play_during_a_cancelled_set(self, festival: Festival) -> None:
        report = festival.upload(
            "uploads/day.csv",
            timetable("Main,2026-07-03,18:00,20:00,Gone,,,cancelled", "Main,2026-07-03,18:30,19:30,Stand-in,,,"),
        )
        assert report["status"] == "ok"
        [main] = get(festival, "/performances?at=2026-07-03T18:45")["items"]
        assert main["now"]["artist"] == "Stand-in"


class TestChangelog:
    def test_changed_fields_are_named(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        report = festival.upload(
            "uploads/day.csv", V1.replace("18:00,19:00,Opener,indie,,", "18:00,19:30,Opener,rock,moved to 19:30,")
        )
        [change] = report["changelog"]
        assert change["change"] == "changed" and change["fields"] == ["end", "genre", "notes"]

    def test_an_identical_reupload_changes_nothing_and_makes_no_release(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        report = festival.upload("uploads/day.csv", V1 + "\n")
        assert report["changelog"] == [] and "release" not in report
        assert len(get(festival, "/changes")["items"]) == 1

    def test_the_sns_summary_lists_the_changes(self, festival: Festival) -> None:
        festival.upload("uploads/day.csv", V1)
        festival.notifications()
        festival.upload("uploads/day.csv", V1.replace("Leaves", "Arrives"))
        [message] = festival.notifications()
        body = message["body"]
        assert {change["change"] for change in body["changelog"]} == {"new", "removed"}
        assert body["release"] == get(festival, "/changes")["items"][0]["release"]


class TestEmail:
    def published(self, calls: CallLog) -> dict[str, str]:
        [publish] = calls.named("Publish")
        form = publish.params["body"]  # SNS speaks the query protocol: the form fields as sent
        assert form["MessageStructure"] == "json"
        return dict(json.loads(form["Message"]))

    def test_email_subscribers_get_plain_text_and_queues_keep_the_json(self, festival: Festival) -> None:
        festival.upload("uploads/day 1.csv", V1)
        festival.notifications()
        calls = CallLog().attach("sns")
        changed = V1.replace("Main,2026-07-03,18:00,19:00,Opener", "Tent,2026-07-03,17:00,18:00,Opener")
        festival.upload("uploads/day 1.csv", changed.replace("Leaves,,,", "Leaves,,,cancelled") + "Main,x,,,Bad,,,\n")
        messages = self.published(calls)
        text = messages["email"]
        assert text.startswith("uploads/day 1.csv: partial\n")
        assert "6 rows accepted, 1 rejected." in text
        assert "- moved: Opener, from Main, 2026-07-03 18:00-19:00 to Tent, 2026-07-03 17:00-18:00" in text
        assert "- cancelled: Leaves (status), Tent, 2026-07-04 16:00-17:00" in text
        assert '- line 8: start and end are empty; date "x" is not a date in the form YYYY-MM-DD' in text
        assert "\nIngested the version uploaded at " in text
        assert "Report: s3://" in text and "reports/day 1.csv.json" in text
        assert "{" not in text  # no JSON for people
        assert max(len(line) for line in text.splitlines() if not line.startswith("- line")) < 120
        # SQS, Lambda and HTTP subscribers get the JSON summary.
        [queued] = festival.notifications()
        assert json.loads(messages["default"]) == queued["body"] and queued["body"]["status"] == "partial"

    def test_a_long_changelog_is_cut_in_the_email_and_says_how_many_more(self, festival: Festival) -> None:
        calls = CallLog().attach("sns")
        festival.upload(
            "uploads/big.csv", timetable(*(f"Main,2026-07-03,{h:02d}:00,{h:02d}:30,Act {h},,," for h in range(24)))
        )
        text = self.published(calls)["email"]
        assert text.count("- new: ") == 20 and "... and 4 more in the report" in text


class TestChangesRoute:
    @pytest.fixture
    def releases(self, festival: Festival) -> list[str]:
        festival.upload("uploads/day.csv", V1)
        festival.upload("uploads/day.csv", V1.replace("Leaves", "Arrives"))
        festival.upload("uploads/other.csv", timetable("Side,2026-07-05,12:00,13:00,Elsewhere,,,"))
        festival.deliver(festival.delete("uploads/other.csv"))
        return [item["release"] for item in get(festival, "/changes")["items"]]

    def test_releases_newest_first_each_with_its_changes(self, festival: Festival, releases: list[str]) -> None:
        items = get(festival, "/changes")["items"]
        assert len(items) == 4 and releases == sorted(releases, reverse=True)
        assert [(item["source"], [c["change"] for c in item["changes"]]) for item in items] == [
            ("uploads/other.csv", ["removed"]),
            ("uploads/other.csv", ["new"]),
            ("uploads/day.csv", ["new", "removed"]),
            ("uploads/day.csv", ["new"] * 6),
        ]
        assert all(item["at"] == item["release"] for item in items)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", release) for release in releases)

    def test_since_a_release_gives_only_what_came_after(self, festival: Festival, releases: list[str]) -> None:
        after = get(festival, f"/changes?since={releases[2]}")["items"]
        assert [item["release"] for item in after] == releases[:2]
        assert get(festival, f"/changes?since={releases[0]}")["items"] == []

    def test_since_a_moment_in_festival_time(self, festival: Festival, releases: list[str]) -> None:
        assert len(get(festival, "/changes?since=2000-01-01T00:00")["items"]) == 4
        assert get(festival, "/changes?since=2099-01-01T00:00")["items"] == []
        assert get(festival, "/changes?since=last-tuesday", status=400)["Message"].startswith("since: ")

    def test_pages_are_one_query_each(self, festival: Festival, releases: list[str]) -> None:
        calls = CallLog().attach("dynamodb")
        seen: list[str] = []
        path = f"/changes?limit=3&since={releases[3]}"
        while path:
            body = get(festival, path)
            seen += [item["release"] for item in body["items"]]
            path = f"/changes?limit=3&since={releases[3]}&cursor={body['next']}" if body["next"] else ""
        assert seen == releases[:3]
        operations = [call.operation for call in calls.calls]
        assert operations == ["GetItem", "Query"] * 2  # the index (for the ETag), then one Query a page


class TestFestivalDayFiles:
    def test_a_date_only_file_with_fridays_late_sets_under_fridays_date_is_warned_about(
        self, festival: Festival
    ) -> None:
        report = festival.upload(
            "uploads/friday.csv",
            timetable(
                "Main,2026-07-03,22:00,23:45,Friday Closer,,,",
                "Main,2026-07-03,00:30,02:00,Friday Late DJ,,,",
            ),
        )
        assert report["status"] == "ok"
        [warning] = report["warnings"]
        assert "1 after-midnight set (line 3)" in warning and "add a day column" in warning
        # Taken as written (never silently moved): its festival day is the night before.
        assert [item["day"] for item in get(festival, "/days")["items"]] == ["2026-07-02", "2026-07-03"]

    def test_a_day_column_puts_late_sets_in_their_night(self, festival: Festival) -> None:
        report = festival.upload(
            "uploads/friday.csv",
            "stage,day,start,end,artist\n"
            "Main,2026-07-03,22:00,23:45,Friday Closer\n"
            "Main,2026-07-03,00:30,02:00,Late DJ\n",
        )
        assert report["status"] == "ok" and report["warnings"] == []
        [day] = get(festival, "/days")["items"]
        assert (day["day"], day["last_end"], day["performances"]) == ("2026-07-03", "2026-07-04T02:00", 2)


class TestEveryChangeStaysListed:
    def test_a_file_replaced_wholesale_lists_every_new_and_removed_set_with_counts(self, festival: Festival) -> None:
        def row(n: int) -> str:
            start = 8 * 60 + n % 100 * 6  # a hundred five-minute sets a day, over six days
            hhmm = [f"{minutes // 60:02d}:{minutes % 60:02d}" for minutes in (start, start + 5)]
            return f"Main,2026-07-0{1 + n // 100},{hhmm[0]},{hhmm[1]},Old {n},,"

        old = [row(n) for n in range(600)]
        new = [line.replace("Main,", "Tent,").replace("Old ", "New ") for line in old]
        festival.upload("uploads/day.csv", csv_text(*old))
        festival.upload("uploads/day.csv", csv_text(*new))
        [release] = get(festival, "/changes?limit=1")["items"]
        assert release["counts"] == {
            "new": 600,
            "moved": 0,
            "changed": 0,
            "cancelled": 0,
            "removed": 600,
            "unchanged": 0,
        }
        assert release["total"] == 1200 and not release["complete"]
        listed: list[dict[str, Any]] = []
        path = release["all_changes"]
        while path:
            page = get(festival, path)
            assert len(page["items"]) <= 50
            listed += page["items"]
            path = f"{release['all_changes']}?cursor={page['next']}" if page["next"] else ""
        assert len(listed) == 1200
        assert sum(1 for change in listed if change["change"] == "removed") == 600
        assert len({change["id"] for change in listed}) == 1200

    def test_since_a_moment_lists_a_release_committed_after_it_though_its_run_began_before(
        self, festival: Festival
    ) -> None:
        """A release's id is the time it was committed, so a client that asked at a moment
        while the run was under way finds it with `since=` that moment."""
        festival.upload("uploads/day.csv", V1)
        event = festival.put("uploads/day.csv", V1.replace("Leaves", "Arrives"))
        seen: list[str] = []
        client = client_for("dynamodb", "BatchWriteItem")  # the ingest's batch writes

        def look(**_: Any) -> None:
            if not seen:
                seen.append(release_id(datetime.now(UTC)))
                time.sleep(0.01)

        client.meta.events.register("before-call.dynamodb.BatchWriteItem", look)
        try:
            festival.deliver(event)
        finally:
            client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", look)
        [release] = get(festival, f"/changes?since={seen[0]}")["items"]
        assert release["release"] > seen[0]


def test_now_playing_keeps_the_set_still_playing_when_the_nights_last_start_is_cancelled(festival: Festival) -> None:
    festival.upload(
        "uploads/night.csv",
        csv_text(
            "Main,2026-07-03,22:00,07:00,All Nighter,,,",
            "Main,2026-07-04,05:00,05:30,Dawn Guest,,,cancelled",
            "Main,2026-07-04,12:00,13:00,Noon,,,",
            header="stage,date,start,end,artist,genre,notes,status\n",
        ),
    )
    [entry] = get(festival, "/performances?at=2026-07-04T06:30")["items"]
    assert entry["now"]["artist"] == "All Nighter" and entry["next"]["artist"] == "Noon"
