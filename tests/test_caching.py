"""HTTP caching: ETags, Cache-Control for shared caches, and 304s without reading sets."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib.api import caching
from chalicelib.services import get_services
from chalicelib.storage.lease import LEASE_SECONDS
from tests.aws_calls import CallLog, client_for, dead_run
from tests.conftest import Festival, csv_text

TIMETABLE = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,,",
    "Main,2026-07-03,21:00,23:30,Headliner,,",
    "Tent,2026-07-04,01:00,02:00,Late,,",
)
ROUTES = [
    "/stages",
    "/days",
    "/stages/Main/performances",
    "/stages/Main/performances/2026-07-03T18:00",
    "/performances?at=2026-07-03T18:30",
    "/performances?day=2026-07-03",
    "/artists/Opener/performances",
    "/changes",
    "/openapi.json",
    "/",
    "/organiser",
]


def fetch(festival: Festival, path: str, **headers: str) -> Any:
    return festival.client.http.get(path, headers=headers)


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    festival.upload("uploads/day.csv", TIMETABLE)
    return festival


class TestHeaders:
    @pytest.mark.parametrize("path", ROUTES)
    def test_every_get_has_a_strong_etag_and_a_shared_cache_policy(self, loaded: Festival, path: str) -> None:
        response = fetch(loaded, path)
        assert response.status_code == 200
        etag = response.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
        policy = response.headers["Cache-Control"]
        for directive in ("public", "max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="):
            assert directive in policy, (path, policy)

    def test_now_without_a_moment_goes_stale_sooner(self, loaded: Festival) -> None:
        live = fetch(loaded, "/performances").headers["Cache-Control"]
        fixed = fetch(loaded, "/performances?at=2026-07-03T18:30").headers["Cache-Control"]
        assert "max-age=15" in live and "max-age=60" in fixed

    def test_cors_exposes_the_etag(self, loaded: Festival) -> None:
        response = fetch(loaded, "/stages", Origin="https://app.example")
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]


class TestConditionalRequests:
    @pytest.mark.parametrize("path", ROUTES)
    def test_a_matching_if_none_match_gets_304(self, loaded: Festival, path: str) -> None:
        etag = fetch(loaded, path).headers["ETag"]
        for form in ("{tag}", "W/{tag}", '"other", {tag}', "*"):
            response = fetch(loaded, path, **{"If-None-Match": form.format(tag=etag)})
            assert response.status_code == 304 and response.body in (b"", ""), form
            assert response.headers["ETag"] == etag and "max-age" in response.headers["Cache-Control"]

    def test_a_304_reads_no_set(self, loaded: Festival) -> None:
        for path in ROUTES[:8]:
            etag = fetch(loaded, path).headers["ETag"]
            calls = CallLog().attach("dynamodb")
            assert fetch(loaded, path, **{"If-None-Match": etag}).status_code == 304
            assert [call.operation for call in calls.calls] == ["GetItem"], path  # the festival's head only
            assert calls.calls[0].params["TableName"].endswith("-bookkeeping")

    def test_the_unquoted_tag_or_another_tag_gets_the_answer(self, loaded: Festival) -> None:
        etag = fetch(loaded, "/stages").headers["ETag"]
        assert fetch(loaded, "/stages", **{"If-None-Match": etag.strip('"')}).status_code == 200
        assert fetch(loaded, "/stages", **{"If-None-Match": '"nope"'}).status_code == 200

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/stages/Nowhere/performances", 404),
            ("/artists/Nobody/performances", 404),
            ("/performances/aaaaaaaaaaaaaaaa", 404),
            ("/stages/Main/performances/2026-07-03T10:00", 404),
            ("/stages?limit=0", 400),
            ("/stages?colour=red", 400),
            ("/performances?at=yesterday", 400),
        ],
    )
    def test_star_matches_only_what_exists(self, loaded: Festival, path: str, status: int) -> None:
        # RFC 9110 13.1.2: `*` is false when there is no current representation.
        for form in ("*", '"other", *'):
            response = fetch(loaded, path, **{"If-None-Match": form})
            assert response.status_code == status, (path, form, response.body)

    def test_a_star_on_what_exists_is_still_a_304(self, loaded: Festival) -> None:
        response = fetch(loaded, "/stages/Main/performances", **{"If-None-Match": "*"})
        assert response.status_code == 304 and response.headers["ETag"]


class TestTheEtagFollowsTheData:
    def test_it_changes_with_a_release_and_only_then(self, loaded: Festival) -> None:
        before = {path: fetch(loaded, path).headers["ETag"] for path in ROUTES[:8]}
        loaded.upload("uploads/day.csv", TIMETABLE + "\n")  # the same sets: no release
        loaded.upload("uploads/broken.csv", "not,a,timetable\n")  # fails: nothing live changes
        assert {path: fetch(loaded, path).headers["ETag"] for path in ROUTES[:8]} == before
        loaded.upload("uploads/day.csv", TIMETABLE.replace("Headliner", "New Headliner"))
        after = {path: fetch(loaded, path).headers["ETag"] for path in ROUTES[:8]}
        assert all(after[path] != before[path] for path in before)

    def test_different_queries_have_different_tags_and_the_order_of_parameters_does_not_matter(
        self, loaded: Festival
    ) -> None:
        one = fetch(loaded, "/stages/Main/performances?limit=1&day=2026-07-03").headers["ETag"]
        same = fetch(loaded, "/stages/Main/performances?day=2026-07-03&limit=1").headers["ETag"]
        other = fetch(loaded, "/stages/Main/performances?limit=2&day=2026-07-03").headers["ETag"]
        assert one == same != other
        # A value holding "&" is one parameter, not two: another answer, another tag.
        joined = fetch(loaded, "/calendar.ics?artist=Opener%26stage%3DMain").headers["ETag"]
        split = fetch(loaded, "/calendar.ics?artist=Opener&stage=Main").headers["ETag"]
        assert joined != split


def test_the_service_worker_is_served_beside_the_page_and_always_revalidated(festival: Festival) -> None:
    response = fetch(festival, "/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "no-cache"  # a new page's worker is picked up at once
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]
    assert fetch(festival, "/sw.js", **{"If-None-Match": response.headers["ETag"]}).status_code == 304
    page_policy = fetch(festival, "/").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in page_policy


def test_while_a_runs_writes_land_answers_carry_no_tag_and_are_not_kept(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies halfway through its writes leaves a day page that may change at the
    next read: it is served uncached and untagged (one strong tag, one body), until the
    retry commits and the tag changes."""
    before = fetch(loaded, "/performances?day=2026-07-03").headers["ETag"]
    event = loaded.put("uploads/day.csv", TIMETABLE.replace("Opener", "New Opener"))

    class Killed(BaseException):
        pass

    def die(**_: Any) -> None:
        raise Killed

    client = client_for("dynamodb", "BatchWriteItem")  # the ingest's batch writes: the plan is pending by now
    client.meta.events.register("before-call.dynamodb.BatchWriteItem", die)
    with dead_run(), pytest.raises(Killed):
        loaded.deliver(event)
    client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", die)
    during = fetch(loaded, "/performances?day=2026-07-03", **{"If-None-Match": before})
    assert during.status_code == 200
    assert "ETag" not in during.headers and during.headers["Cache-Control"] == "no-store"
    later = time.time() + LEASE_SECONDS + 1
    monkeypatch.setattr(get_services().lease, "clock", lambda: later)
    loaded.deliver(event)  # Lambda's retry finishes the plan
    after = fetch(loaded, "/performances?day=2026-07-03")
    assert after.headers["ETag"] not in (before, None) and "New Opener" in after.body.decode()


def test_page_modules_are_served_by_the_app_with_etags_and_cached_for_good_at_their_version(
    festival: Festival,
) -> None:
    from chalicelib.web.page import modules

    version = modules().version
    page = fetch(festival, "/")
    policy = page.headers["Content-Security-Policy"]
    scripts = policy.split("script-src")[1].split(";")[0].split()
    # The page's own modules, and inline only the few lines that choose its language (by their hash).
    assert scripts[0] == "'self'" and len(scripts) == 2 and scripts[1].startswith("'sha256-")
    body = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert f'<script type="module" src="js/schedule.js?v={version}"></script>' in body
    assert f'<link rel="modulepreload" href="js/state.js?v={version}">' in body  # imported, so fetched at once
    assert "js/api.js" not in body  # imported once the first sets are drawn (from the data the page carries)
    current = fetch(festival, f"/js/api.js?v={version}")
    assert current.status_code == 200 and current.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in current.headers["Cache-Control"]
    assert fetch(festival, "/js/api.js", **{"If-None-Match": current.headers["ETag"]}).status_code == 304
    older = fetch(festival, "/js/api.js?v=0123456789abcdef")  # a page of another deployment asks
    assert older.headers["Cache-Control"] == "no-cache"
    module = fetch(festival, f"/js/schedule.js?v={version}").body
    module = module.decode() if isinstance(module, bytes) else module
    assert f'from "./state.js?v={version}"' in module  # imports name the same version
    assert f'import("./plan.js?v={version}")' in module  # and so do the later ones
    for missing in ("/js/nothing.js", "/js/..%2Fpage.py", "/js/sw.js"):
        assert fetch(festival, missing).status_code == 404, missing


def test_language_catalogues_are_served_with_etags_and_cached_for_good_at_their_version(festival: Festival) -> None:
    from chalicelib.web.page import catalogues

    version = catalogues().version
    page = fetch(festival, "/")
    body = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert f'"version":"{version}"' in body and '"ar":{"name":"العربية","dir":"rtl"}' in body
    current = fetch(festival, f"/languages/de.json?v={version}")
    assert current.status_code == 200 and current.headers["Content-Type"].startswith("application/json")
    assert "immutable" in current.headers["Cache-Control"]
    words = json.loads(current.body)
    assert words["language.name"] == "Deutsch"
    assert fetch(festival, "/languages/de.json", **{"If-None-Match": current.headers["ETag"]}).status_code == 304
    assert fetch(festival, "/languages/de.json?v=0123456789abcdef").headers["Cache-Control"] == "no-cache"
    for missing in ("/languages/xx.json", "/languages/..%2Fpage.py", "/languages/de.js"):
        assert fetch(festival, missing).status_code == 404, missing


def test_the_page_at_a_stage_root_without_its_slash_is_sent_to_its_folder() -> None:
    from chalicelib.web.page import folder_address

    # Under API Gateway the page is /api/: at /api, "js/schedule.js" would be /js/schedule.js.
    assert folder_address("/api") == "/api/"
    assert folder_address("/api/") is None and folder_address("/") is None and folder_address("") is None


class TestASetsOwnTag:
    """`GET /performances/{id}` carries the set's own ETag (what an edit's If-Match is checked
    against): it changes when the set or its file's live version changes, and with nothing else."""

    @staticmethod
    def path(festival: Festival, artist: str) -> str:
        found = json.loads(fetch(festival, f"/artists/{artist}/performances").body)["items"][0]
        return f"/performances/{found['id']}"

    def test_another_files_release_leaves_it_and_its_own_change_changes_it(self, loaded: Festival) -> None:
        path = self.path(loaded, "Opener")
        etag = fetch(loaded, path).headers["ETag"]
        stages = fetch(loaded, "/stages").headers["ETag"]
        loaded.upload("uploads/other.csv", csv_text("Tent,2026-07-05,18:00,19:00,Elsewhere,,"))
        assert fetch(loaded, "/stages").headers["ETag"] != stages  # the release's tag moved on
        assert fetch(loaded, path).headers["ETag"] == etag
        assert fetch(loaded, path, **{"If-None-Match": etag}).status_code == 304
        loaded.upload("uploads/day.csv", TIMETABLE.replace("18:00,19:00,Opener", "18:15,19:15,Opener"))
        moved = fetch(loaded, path)
        assert moved.headers["ETag"] != etag and json.loads(moved.body)["start"] == "2026-07-03T18:15"

    def test_a_new_version_of_its_file_changes_it_even_when_the_set_stays(self, loaded: Festival) -> None:
        path = self.path(loaded, "Opener")
        etag = fetch(loaded, path).headers["ETag"]
        body = fetch(loaded, path).body
        loaded.upload("uploads/day.csv", TIMETABLE.replace("Headliner", "New Headliner"))
        again = fetch(loaded, path)
        assert again.body == body and again.headers["ETag"] != etag

    def test_it_is_strong_answers_304_and_costs_three_small_reads(self, loaded: Festival) -> None:
        path = self.path(loaded, "Late")
        etag = fetch(loaded, path).headers["ETag"]
        assert etag.startswith('"') and "public" in fetch(loaded, path).headers["Cache-Control"]
        calls = CallLog().attach("dynamodb")
        assert fetch(loaded, path, **{"If-None-Match": f"W/{etag}"}).status_code == 304
        # The head (in flux?), the set by id, and its file's live version (that attribute only).
        assert [call.operation for call in calls.calls] == ["GetItem", "Query", "GetItem"]
        assert calls.calls[2].params["ProjectionExpression"] == "#p"

    def test_if_match_compares_strongly(self) -> None:
        etag = caching.set_tag("https://festival.example", "v1")
        assert caching.matches(etag, etag) and caching.matches(f'"x", {etag}', etag) and caching.matches("*", etag)
        assert not caching.matches(f"W/{etag}", etag) and not caching.matches(etag.strip('"'), etag)
        assert not caching.matches(None, etag) and not caching.matches(
            caching.set_tag("https://festival.example", "v2"), etag
        )
