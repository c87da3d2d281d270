"""Each release published as files (README, "The public files"; the contract in the team's
notes): the pointer written last and naming only files that exist, each day's file exactly
what `/performances?day=` lists, the lists and changes as the API has them, a day written
again only when its sets changed, files no pointer names retired for the lifecycle rule;
the API serving the same paths, and the unfiltered exports answered by the release's file."""

from __future__ import annotations

import gzip
import json
from typing import Any

import icalendar
import pytest
from lxml import etree

from chalicelib.publish.files import POINTER_CACHE, RELEASE_CACHE
from chalicelib.services import reset_services
from tests.aws_calls import CallLog
from tests.conftest import Festival, csv_text

FRIDAY = csv_text("Main,2026-07-03,18:00,19:00,Opener,indie,", "Tent,2026-07-03,23:30,01:00,Late Night,,")
SATURDAY = csv_text("Main,2026-07-04,18:00,19:00,Second Day,,")


def get(festival: Festival, path: str, **headers: str) -> Any:
    return festival.client.http.get(path, headers=headers)


def files_named(pointer: dict[str, Any]) -> list[str]:
    return [*pointer["days"].values(), *pointer["files"].values()]


def test_the_pointer_names_the_release_and_files_that_exist_with_their_headers(festival: Festival) -> None:
    assert festival.pointer() is None  # nothing published before the first release
    festival.upload("uploads/friday.csv", FRIDAY)
    festival.upload("uploads/saturday.csv", SATURDAY)
    pointer = festival.pointer()
    assert pointer is not None
    [latest] = json.loads(get(festival, "/changes?limit=1").body)["items"]
    assert pointer["release"] == latest["release"]
    assert pointer["timezone"] == "Europe/Amsterdam" and pointer["day_change"] == 360
    assert set(pointer["days"]) == {"2026-07-03", "2026-07-04"}
    assert set(pointer["files"]) == {"days", "stages", "changes", "schedule.json", "schedule.xml", "calendar.ics"}
    _, head = festival.public("current.json")
    assert head["CacheControl"] == POINTER_CACHE and head["ContentEncoding"] == "gzip"
    for path in files_named(pointer):
        body, head = festival.public(path)
        assert body and head["ContentEncoding"] == "gzip" and head["CacheControl"] == RELEASE_CACHE, path
    assert festival.public(pointer["files"]["calendar.ics"])[1]["ContentType"].startswith("text/calendar")


def test_the_files_hold_what_the_api_answers(festival: Festival) -> None:
    festival.upload("uploads/friday.csv", FRIDAY)
    pointer = festival.pointer()
    assert pointer is not None
    day, _ = festival.public(pointer["days"]["2026-07-03"])
    listed = json.loads(get(festival, "/performances?day=2026-07-03&limit=500").body)
    assert json.loads(day) == {"day": "2026-07-03", "items": listed["items"]}  # the late set is Friday's
    days = json.loads(festival.public(pointer["files"]["days"])[0])
    answered = json.loads(get(festival, "/days?limit=500").body)
    assert days == {k: answered[k] for k in ("timezone", "day_change", "items")}
    stages = json.loads(festival.public(pointer["files"]["stages"])[0])
    assert stages["items"] == json.loads(get(festival, "/stages?limit=500").body)["items"]
    changes = json.loads(festival.public(pointer["files"]["changes"])[0])
    answered = json.loads(get(festival, f"/changes/{pointer['release']}").body)
    assert changes == {k: v for k, v in answered.items() if k != "next"}
    calendar = icalendar.Calendar.from_ical(festival.public(pointer["files"]["calendar.ics"])[0])
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"Opener", "Late Night"}
    xml = etree.fromstring(festival.public(pointer["files"]["schedule.xml"])[0])
    assert {e.findtext("title") for e in xml.iter("event")} == {"Opener", "Late Night"}
    schedule = json.loads(festival.public(pointer["files"]["schedule.json"])[0])
    assert schedule["schedule"]["version"].startswith(pointer["release"])


def test_a_release_writes_again_only_the_days_it_changed_and_retires_what_no_pointer_names(
    festival: Festival,
) -> None:
    festival.upload("uploads/friday.csv", FRIDAY)
    festival.upload("uploads/saturday.csv", SATURDAY)
    before = festival.pointer()
    assert before is not None
    calls = CallLog().attach("s3")
    festival.upload("uploads/saturday.csv", csv_text("Main,2026-07-04,19:00,20:00,Second Day,,"))  # moved
    after = festival.pointer()
    assert after is not None and after["release"] > before["release"]
    assert after["days"]["2026-07-03"] == before["days"]["2026-07-03"]  # untouched: the same file
    assert after["days"]["2026-07-04"] == f"releases/{after['release']}/days/2026-07-04.json"
    assert all(path.startswith(f"releases/{after['release']}/") for path in after["files"].values())
    written = [
        c.params["url_path"].split("/public/")[1]
        for c in calls.named("PutObject")
        if "/public/" in c.params["url_path"]
    ]
    # The changed day, the lists and changes, the pointer (with the last release's exports),
    # then the exports and the pointer again.
    assert [path.rsplit("/", 1)[-1] for path in written] == [
        "2026-07-04.json", "days.json", "stages.json", "changes.json", "current.json",
        "schedule.json", "schedule.xml", "calendar.ics", "current.json",
    ]  # fmt: skip
    retired = {*before["files"].values(), before["days"]["2026-07-04"]}
    for path in files_named(before):
        tags = festival.s3.get_object_tagging(Bucket=festival.bucket, Key=f"public/{path}")["TagSet"]
        assert (tags == [{"Key": "retired", "Value": "true"}]) == (path in retired), path
    # The day whose last set goes is absent from the pointer, and its file retired.
    festival.deliver(festival.delete("uploads/saturday.csv"))
    gone = festival.pointer()
    assert gone is not None and list(gone["days"]) == ["2026-07-03"]
    tags = festival.s3.get_object_tagging(Bucket=festival.bucket, Key=f"public/{after['days']['2026-07-04']}")
    assert tags["TagSet"] == [{"Key": "retired", "Value": "true"}]


def test_an_open_page_has_a_releases_days_before_its_exports_are_rendered(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering the exports is most of a large festival's publication (about a minute at
    50,000 sets): the pointer names the release's days and changes first, with the last
    release's exports, and names its own once they are written."""
    from chalicelib.ingest import publishing

    festival.upload("uploads/friday.csv", FRIDAY)
    before = festival.pointer()
    assert before is not None
    seen: list[dict[str, Any] | None] = []
    render = publishing.export_files

    def rendering(*args: Any, **kwargs: Any) -> Any:
        seen.append(festival.pointer())
        return render(*args, **kwargs)

    monkeypatch.setattr(publishing, "export_files", rendering)
    festival.upload("uploads/friday.csv", csv_text("Main,2026-07-03,18:30,19:30,Opener,indie,"))
    after = festival.pointer()
    assert after is not None and len(seen) == 1 and seen[0] is not None
    early = seen[0]
    assert early["release"] == after["release"] and early["days"] == after["days"]
    assert early["files"]["changes"] == after["files"]["changes"] != before["files"]["changes"]
    for name in ("schedule.json", "schedule.xml", "calendar.ics"):
        assert early["files"][name] == before["files"][name] != after["files"][name]
    for path in files_named(early):  # every file it named was there
        festival.public(path)


def test_the_ingest_ends_with_its_release_live_and_its_message_starts_the_publication(festival: Festival) -> None:
    """The run that commits a release reports it and announces it, live in the API, and
    ends; its message starts the publisher, which writes the files."""
    festival.upload("uploads/friday.csv", FRIDAY)
    first = festival.pointer()
    assert first is not None
    festival.notifications()
    festival.deliver(festival.put("uploads/saturday.csv", SATURDAY), publish=False)
    release = festival.report("uploads/saturday.csv")["release"]
    assert json.loads(get(festival, "/changes").body)["items"][0]["release"] == release
    [message] = festival.notifications()
    assert message["attributes"]["release"] == release
    assert festival.pointer() == first  # the files are not the run's to write
    assert festival.publish_announced() == 1
    published = festival.pointer()
    assert published is not None and published["release"] == release
    assert sorted(published["days"]) == ["2026-07-03", "2026-07-04"]
    # A draft's message (a preview) starts it too: it reads the head and what was published, and stops.
    festival.deliver(festival.put("drafts/saturday.csv", FRIDAY), publish=False)
    calls = CallLog().attach("s3", "dynamodb")
    assert festival.publish_announced() == 1
    assert [call.operation for call in calls.calls] == ["GetItem", "GetItem"]
    assert festival.pointer() == published


def test_the_next_upload_is_live_while_the_last_release_is_being_rendered(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publisher reads the festival in the runs' turn and renders it in its own: an
    upload that arrives meanwhile is not kept waiting (it gets the ingest lease at once),
    and the publisher that follows its message publishes it after."""
    from chalicelib.ingest import handler, publishing
    from chalicelib.services import get_services

    festival.upload("uploads/friday.csv", FRIDAY)
    render = publishing.export_files
    reports: list[dict[str, Any]] = []

    def rendering(*args: Any, **kwargs: Any) -> Any:
        if not reports:  # Saturday's file arrives while Friday's second version is rendered
            event = festival.put("uploads/saturday.csv", SATURDAY)
            handler.handle_s3_event(event, get_services(), wait_seconds=1)  # LeaseBusy if it must wait
            reports.append(festival.report("uploads/saturday.csv"))
        return render(*args, **kwargs)

    monkeypatch.setattr(publishing, "export_files", rendering)
    friday = festival.upload("uploads/friday.csv", csv_text("Main,2026-07-03,18:30,19:30,Opener,indie,"))
    [saturday] = reports
    assert saturday["status"] == "ok" and saturday["release"] > friday["release"]
    published = festival.pointer()
    assert published is not None and published["release"] == saturday["release"]
    assert sorted(published["days"]) == ["2026-07-03", "2026-07-04"]


def test_a_release_whose_every_publication_failed_is_published_by_the_scheduled_run(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.ingest import handler

    festival.upload("uploads/friday.csv", FRIDAY)
    first = festival.pointer()
    with monkeypatch.context() as patch:
        patch.setattr(handler, "publish_release", lambda *args, **kwargs: None)  # every attempt failed
        festival.upload("uploads/saturday.csv", SATURDAY)
    assert festival.pointer() == first
    festival.scheduled_run()  # within five minutes
    published = festival.pointer()
    assert published is not None and published["release"] == festival.report("uploads/saturday.csv")["release"]


def test_a_release_that_was_never_published_is_covered_by_the_next_publication(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run committed and died before publishing, and another file's run came first: the
    publication of the head writes every day either release changed."""
    from chalicelib.ingest import handler

    festival.upload("uploads/friday.csv", FRIDAY)
    festival.upload("uploads/saturday.csv", SATURDAY)
    first = festival.pointer()
    assert first is not None
    with monkeypatch.context() as patch:
        patch.setattr(handler, "publish_head", lambda *args: None)  # as if it died there
        festival.upload("uploads/friday.csv", csv_text("Main,2026-07-03,18:30,19:00,Opener,indie,"))
    assert festival.pointer() == first
    festival.upload("uploads/saturday.csv", csv_text("Main,2026-07-04,20:00,21:00,Second Day,,"))
    latest = festival.pointer()
    assert latest is not None
    assert all(path.startswith(f"releases/{latest['release']}/") for path in latest["days"].values())
    friday = json.loads(festival.public(latest["days"]["2026-07-03"])[0])
    assert [item["start"] for item in friday["items"]] == ["2026-07-03T18:30"]  # (the late set left the file)


def test_the_api_serves_the_same_paths_and_refuses_any_other(festival: Festival) -> None:
    festival.upload("uploads/friday.csv", FRIDAY)
    pointer = festival.pointer()
    assert pointer is not None
    reads = CallLog().attach("s3")
    answer = get(festival, "/public/current.json", **{"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == POINTER_CACHE
    assert json.loads(gzip.decompress(answer.body)) == pointer
    for path in files_named(pointer):
        answer = get(festival, f"/public/{path}", **{"Accept-Encoding": "gzip, br"})
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == RELEASE_CACHE
        assert gzip.decompress(answer.body) == festival.public(path)[0]
        again = get(festival, f"/public/{path}", **{"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304, path
    plain = get(festival, f"/public/{pointer['days']['2026-07-03']}")  # a client that takes no gzip
    assert "Content-Encoding" not in plain.headers and json.loads(plain.body)["day"] == "2026-07-03"
    reads.clear()
    release = pointer["release"]
    for path, status in (
        ("/public/releases/nonsense/days.json", 400),  # what the description refuses: a 400 naming it
        (f"/public/releases/{release}/days/2026-07-03.csv", 400),
        (f"/public/releases/{release}/days/..%2F..%2Fcurrent.json", 400),
        (f"/public/releases/{release}/secrets.json", 404),  # no release has that file
        (f"/public/releases/{release}/%2E%2E", 404),
        ("/public/releases/2020-01-01T00:00:00.000Z/days.json", 404),  # well-formed: asked, not there
    ):
        answer = get(festival, path)
        assert answer.status_code == status, (path, answer.status_code)
    assert len(reads.named("GetObject")) == 1  # only the well-formed name reached S3
    assert get(festival, "/public/current.json?v=1").status_code == 400


def test_an_unfiltered_export_is_the_releases_file_through_a_redirect_that_reads_no_query(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_ORIGIN", "https://d1.cloudfront.net")  # as `make deploy CDN=1` sets it, for both
    reset_services()
    festival.upload("uploads/friday.csv", FRIDAY)
    pointer = festival.pointer()
    assert pointer is not None
    calls = CallLog().attach("dynamodb", "s3")
    for name in ("schedule.json", "schedule.xml", "calendar.ics"):
        calls.clear()
        answer = get(festival, f"/{name}")
        assert answer.status_code == 302, (name, answer.body)
        assert answer.headers["Location"] == f"public/{pointer['files'][name]}"  # relative: API and CDN alike
        assert answer.headers["Cache-Control"] == POINTER_CACHE
        assert [c.operation for c in calls.calls] == ["GetItem"]  # what was published; no set, no Query
        file = get(festival, f"/{answer.headers['Location']}", **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(file.body) == festival.public(pointer["files"][name])[0]
    calendar = icalendar.Calendar.from_ical(festival.public(pointer["files"]["calendar.ics"])[0])
    assert all(str(e["URL"]).startswith("https://d1.cloudfront.net/#set=") for e in calendar.walk("VEVENT"))
    # A filter is built, from what it names.
    assert get(festival, "/calendar.ics?artist=Opener").status_code == 200
    # Published for another origin (PUBLIC_ORIGIN changed since): built, with the right links.
    monkeypatch.setenv("PUBLIC_ORIGIN", "https://schedule.example.org")
    reset_services()
    answer = get(festival, "/calendar.ics")
    assert answer.status_code == 200 and b"https://schedule.example.org/#set=" in answer.body.replace(b"\r\n ", b"")


def test_without_a_public_origin_the_api_builds_the_export_with_the_requests_host(festival: Festival) -> None:
    festival.upload("uploads/friday.csv", FRIDAY)
    answer = get(festival, "/calendar.ics", Host="festival.example")
    assert answer.status_code == 200 and b"http://festival.example/#set=" in answer.body.replace(b"\r\n ", b"")


def test_a_filtered_feed_reads_only_what_it_names(festival: Festival) -> None:
    festival.upload("uploads/friday.csv", FRIDAY)
    festival.upload("uploads/saturday.csv", SATURDAY)
    calls = CallLog().attach("dynamodb")
    answer = get(festival, "/calendar.ics?stage=Main")
    assert answer.status_code == 200
    assert {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(answer.body).walk("VEVENT")} == {
        "Opener",
        "Second Day",
    }
    # The head (the ETag), the stage's item, the stage's sets: no day, no other stage.
    assert [c.operation for c in calls.calls] == ["GetItem", "GetItem", "Query"]
    assert calls.calls[2].params["ExpressionAttributeValues"] == {":stage": {"S": "Main"}}
    calls.clear()
    answer = get(festival, "/calendar.ics?stage=Nowhere")
    assert answer.status_code == 404 and "Nowhere" in json.loads(answer.body)["Message"]
    assert [c.operation for c in calls.calls] == ["GetItem", "GetItem"]  # the head, and no such stage
    calls.clear()
    answer = get(festival, "/calendar.ics?artist=Late%20Night")
    assert {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(answer.body).walk("VEVENT")} == {"Late Night"}
    assert [c.operation for c in calls.calls] == ["GetItem", "Query"]
    assert calls.calls[1].params["IndexName"] == "by_artist"
