"""The query API through chalice's test client, on what the ingest wrote to moto."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from chalicelib.api.openapi import openapi_spec
from chalicelib.api.params import DATE_PATTERN, NAME_PATTERN, ROUTE_PARAMETERS
from chalicelib.api.routes import ScheduleApi
from chalicelib.services import get_services, reset_services
from tests.aws_calls import CallLog
from tests.conftest import Festival, csv_text

# The pages and their code: not part of the API, so neither described nor checked as it is.
PAGE_ROUTES = {"/", "/organiser", "/sw.js", "/js/{name}", "/languages/{name}"}
# Each checks its token before its query: probed signed in, in tests/test_organisers.py.
ORGANISER_ROUTES = {
    "/sessions",
    "/drafts/{file}",
    "/releases",
    "/releases/{release}/rollback",
    "/stages/{stage}/delays",
}
ODD_NAMES = ["AC/DC Tent", "Rock + Roll", "Bar & Grill", "Stage #2", "Scène Étoile", "100% Club"]
TIMETABLE = csv_text(
    "Main,2026-07-03,17:30,19:00,Early Bird,folk,",
    "Main,2026-07-03,19:00,20:30,Björk,art pop,",
    "Main,2026-07-03,21:00,23:30,Moderat,electronic,",
    "Main,2026-07-04,01:00,03:00,Night Owl,techno,",  # festival day 2026-07-03
    "Main,2026-07-04,15:00,16:00,Björk,art pop,encore",
    "Tent,2026-07-03,18:30,19:30,Tent Opener,,",
    "Tent,2026-07-03,20:00,21:00,Second,,",
    *(f"{name},2026-07-05,12:00,13:00,{name} Artist,," for name in ODD_NAMES),
)


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    assert festival.upload("uploads/timetable.csv", TIMETABLE)["status"] == "ok"
    return festival


def get(festival: Festival, path: str, status: int = 200) -> Any:
    response = festival.client.http.get(path)
    assert response.status_code == status, (path, response.body)
    return json.loads(response.body)


def starts(body: dict[str, Any]) -> list[str]:
    return [item["start"][11:] + " " + item["artist"] for item in body["items"]]


def path_of(stage: str) -> str:
    return f"/stages/{quote(stage, safe='')}/performances"


class TestLists:
    def test_stages_in_name_order_with_exact_integer_counts(self, loaded: Festival) -> None:
        body = get(loaded, "/stages")
        assert body["next"] is None
        assert [(item["stage"], item["performances"]) for item in body["items"]] == sorted(
            [("Main", 5), ("Tent", 2), *((name, 1) for name in ODD_NAMES)]
        )
        assert all(type(item["performances"]) is int for item in body["items"])

    def test_stages_page_with_a_cursor(self, loaded: Festival) -> None:
        first = get(loaded, "/stages?limit=3")
        second = get(loaded, f"/stages?limit=3&cursor={first['next']}")
        rest = get(loaded, f"/stages?limit=10&cursor={second['next']}")
        names = [item["stage"] for page in (first, second, rest) for item in page["items"]]
        assert names == sorted(["Main", "Tent", *ODD_NAMES]) and rest["next"] is None

    def test_days_for_the_schedule_tabs(self, loaded: Festival) -> None:
        body = get(loaded, "/days")
        assert (body["timezone"], body["day_change"]) == ("Europe/Amsterdam", "06:00")
        assert body["items"][0] == {
            "day": "2026-07-03",
            "stages": ["Main", "Tent"],
            "first_start": "2026-07-03T17:30",
            "last_end": "2026-07-04T03:00",
            "performances": 6,
        }
        assert [item["day"] for item in body["items"]] == ["2026-07-03", "2026-07-04", "2026-07-05"]

    def test_a_performance_has_the_documented_shape(self, loaded: Festival) -> None:
        body = get(loaded, path_of("Main") + "/2026-07-04T15:00")
        assert re.fullmatch(r"[a-z2-7]{16}", body["id"])
        assert body == {
            "stage": "Main",
            "id": body["id"],
            "date": "2026-07-04",
            "start": "2026-07-04T15:00",
            "end": "2026-07-04T16:00",
            "artist": "Björk",
            "genre": "art pop",
            "notes": "encore",
            "day": "2026-07-04",
            "status": "scheduled",
            "starts_at": "2026-07-04T15:00:00+02:00",
            "ends_at": "2026-07-04T16:00:00+02:00",
            "url": f"/performances/{body['id']}",
        }
        assert get(loaded, body["url"]) == body
        assert list(body)[:9] == ["stage", "id", "date", "start", "end", "artist", "genre", "notes", "day"]

    def test_cors_is_enabled(self, loaded: Festival) -> None:
        response = loaded.client.http.get("/stages")
        assert response.headers["Access-Control-Allow-Origin"] == "*"


class TestStageTimes:
    def test_a_stage_in_time_order(self, loaded: Festival) -> None:
        assert starts(get(loaded, path_of("Main"))) == [
            "17:30 Early Bird",
            "19:00 Björk",
            "21:00 Moderat",
            "01:00 Night Owl",
            "15:00 Björk",
        ]

    def test_a_window_returns_the_sets_that_overlap_it(self, loaded: Festival) -> None:
        body = get(loaded, path_of("Main") + "?from=2026-07-03T18:00&to=2026-07-03T20:00")
        assert starts(body) == ["17:30 Early Bird", "19:00 Björk"]
        body = get(loaded, path_of("Main") + "?from=2026-07-03T19:00&to=2026-07-03T21:00")
        assert starts(body) == ["19:00 Björk"]  # Early Bird ends at 19:00; Moderat starts at 21:00

    def test_from_or_to_alone_and_dates_mean_midnight(self, loaded: Festival) -> None:
        assert starts(get(loaded, path_of("Main") + "?from=2026-07-03T23:00")) == [
            "21:00 Moderat",
            "01:00 Night Owl",
            "15:00 Björk",
        ]
        assert starts(get(loaded, path_of("Main") + "?from=2026-07-04")) == ["01:00 Night Owl", "15:00 Björk"]
        assert starts(get(loaded, path_of("Main") + "?to=2026-07-03T19:00")) == ["17:30 Early Bird"]

    def test_a_festival_day_keeps_its_night(self, loaded: Festival) -> None:
        assert starts(get(loaded, path_of("Main") + "?day=2026-07-03")) == [
            "17:30 Early Bird",
            "19:00 Björk",
            "21:00 Moderat",
            "01:00 Night Owl",
        ]
        assert starts(get(loaded, path_of("Main") + "?day=2026-07-04")) == ["15:00 Björk"]

    def test_pages_follow_each_other_to_the_end(self, loaded: Festival) -> None:
        seen, cursor = [], None
        while True:
            body = get(loaded, path_of("Main") + "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            seen += starts(body)
            cursor = body["next"]
            if not cursor:
                break
        assert seen == starts(get(loaded, path_of("Main")))

    def test_key_range_queries_only_and_never_a_scan(self, loaded: Festival) -> None:
        calls = CallLog().attach("dynamodb")
        body = get(loaded, path_of("Main") + "?from=2026-07-03T18:00&to=2026-07-03T20:00&limit=1")
        # The first page of a window: the sets still playing at its start (the 12 hours
        # before it), then the sets starting inside it. Later pages: one Query each.
        # Every answer first reads the festival index, for its ETag (the current release).
        assert [call.operation for call in calls.calls] == ["GetItem", "Query", "Query"]
        earlier, inside = (call.params for call in calls.calls[1:])
        assert earlier["ExpressionAttributeValues"][":first"] == {"S": "2026-07-03#06:00"}
        assert earlier["ExpressionAttributeValues"][":last"] == {"S": "2026-07-03#17:59"}
        assert inside["ExpressionAttributeValues"][":first"] == {"S": "2026-07-03#18:00"}
        assert inside["ExpressionAttributeValues"][":last"] == {"S": "2026-07-03#19:59"}
        calls.clear()
        get(loaded, path_of("Main") + f"?from=2026-07-03T18:00&to=2026-07-03T20:00&limit=1&cursor={body['next']}")
        assert [call.operation for call in calls.calls] == ["GetItem", "Query"]

    @pytest.mark.parametrize(
        ("path", "most"),
        [
            # Each first reads the festival's head (the ETag's release).
            ("/stages", 2),
            ("/days", 3),  # the head, one day, then as many days as fit in 64 KB
            ("/stages/Main/performances", 2),
            ("/stages/Main/performances?day=2026-07-03", 2),
            ("/stages/Main/performances?from=2026-07-03T18:00&to=2026-07-03T20:00", 3),
            ("/stages/Nowhere/performances", 3),  # the stage's index item tells 404 from empty
            ("/stages/Main/performances/2026-07-03T19:00", 2),
            ("/performances?day=2026-07-03", 2),
            ("/artists/Bj%C3%B6rk/performances", 2),
            ("/performances?at=2026-07-03T19:15&limit=3", 3),  # the head, the day's stages, their sets
            ("/changes", 2),
        ],
    )
    def test_every_route_makes_a_bounded_number_of_calls_and_never_scans(
        self, loaded: Festival, path: str, most: int
    ) -> None:
        calls = CallLog().attach("dynamodb")
        loaded.client.http.get(path)
        operations = [call.operation for call in calls.calls]
        assert 1 <= len(operations) <= most, operations
        assert set(operations) <= {"Query", "GetItem", "BatchGetItem"}

    def test_a_window_page_is_full_even_after_long_gaps(self, loaded: Festival) -> None:
        body = get(loaded, path_of("Main") + "?from=2026-07-03T20:00&limit=2")
        assert starts(body) == ["19:00 Björk", "21:00 Moderat"]

    @pytest.mark.parametrize("name", ODD_NAMES)
    def test_names_with_reserved_characters_round_trip(self, loaded: Festival, name: str) -> None:
        body = get(loaded, path_of(name))
        [item] = body["items"]
        assert (item["stage"], item["artist"]) == (name, f"{name} Artist")
        assert get(loaded, item["url"]) == item
        assert get(loaded, f"/artists/{quote(name + ' Artist', safe='')}/performances")["items"] == [item]


class TestAcrossStages:
    def test_now_playing_and_next_on_every_stage(self, loaded: Festival) -> None:
        body = get(loaded, "/performances?at=2026-07-03T19:15")
        assert body["at"] == "2026-07-03T19:15" and body["timezone"] == "Europe/Amsterdam"
        on = {item["stage"]: item for item in body["items"]}
        assert on["Main"]["now"]["artist"] == "Björk" and on["Main"]["next"]["artist"] == "Moderat"
        assert on["Tent"]["now"]["artist"] == "Tent Opener" and on["Tent"]["next"]["artist"] == "Second"
        assert "Rock + Roll" not in on  # it plays on another day: now playing lists the day's stages
        sunday = {item["stage"]: item for item in get(loaded, "/performances?at=2026-07-05T10:00")["items"]}
        assert sunday["Rock + Roll"]["now"] is None and sunday["Rock + Roll"]["next"]["start"] == "2026-07-05T12:00"

    def test_now_is_in_the_festival_time_zone(self, loaded: Festival) -> None:
        api = ScheduleApi(get_services())
        body = api.performances({}, now=datetime(2026, 7, 3, 17, 15, tzinfo=UTC))  # 19:15 in Amsterdam
        assert body["at"] == "2026-07-03T19:15"

    def test_a_festival_day_across_stages_in_start_order(self, loaded: Festival) -> None:
        first = get(loaded, "/performances?day=2026-07-03&limit=4")
        second = get(loaded, f"/performances?day=2026-07-03&limit=4&cursor={first['next']}")
        assert starts(first) + starts(second) == [
            "17:30 Early Bird",
            "18:30 Tent Opener",
            "19:00 Björk",
            "20:00 Second",
            "21:00 Moderat",
            "01:00 Night Owl",
        ]

    def test_an_artist_everywhere_they_play(self, loaded: Festival) -> None:
        body = get(loaded, "/artists/Bj%C3%B6rk/performances")
        assert [(item["stage"], item["start"]) for item in body["items"]] == [
            ("Main", "2026-07-03T19:00"),
            ("Main", "2026-07-04T15:00"),
        ]


class TestRefusals:
    @pytest.mark.parametrize(
        ("path", "names"),
        [
            ("/stages?limit=0", "limit"),
            ("/stages?limit=501", "limit"),
            ("/stages?limit=-3", "limit"),
            ("/stages?limit=ten", "limit"),
            ("/stages?limit=99999999999999999999", "limit"),
            ("/stages?colour=red", "colour"),
            ("/stages/Main/performances?from=2026-07-03 18:00", "from"),
            ("/stages/Main/performances?from=2026-07-03T25:00", "from"),
            ("/stages/Main/performances?to=yesterday", "to"),
            ("/stages/Main/performances?day=2026-07-03&from=2026-07-03", "day"),
            ("/stages/Main/performances?day=03-07-2026", "day"),
            ("/stages/Main/performances/2026-07-03", "start"),
            ("/performances/not-an-id", "id"),
            ("/performances?at=now", "at"),
            ("/performances?at=2026-07-03T10:00&day=2026-07-03", "at"),
            ("/stages/Main/performances?cursor=not-a-cursor", "cursor"),
            ("/stages/Main/performances?cursor=0", "cursor"),
        ],
    )
    def test_bad_parameters_get_400_naming_them(self, loaded: Festival, path: str, names: str) -> None:
        body = get(loaded, path, status=400)
        assert body["Code"] == "InvalidParameter"
        assert f"{names}: " in body["Message"]
        # Beside the English message, a stable code and its values, for a page to say it in its own language.
        assert body["code"] in ("bad-parameter", "unknown-parameter", "either-or", "bad-cursor")
        assert body["code"] == "bad-cursor" or body["values"]["name"] == names

    @pytest.mark.parametrize(
        "path",
        [
            "/stages/Nowhere/performances",
            "/stages/Main/performances/2026-07-03T10:00",
            "/artists/Nobody/performances",
            # Names longer than DynamoDB keeps of a key (which it refuses to look up): no
            # stage or artist has one, so nothing answers to them either.
            "/stages/" + quote("Ж" * 1025) + "/performances",
            "/stages/" + quote("Ж" * 1025) + "/performances/2026-07-03T10:00",
            "/artists/" + quote("Ж" * 1025) + "/performances",
        ],
    )
    def test_unknown_things_get_404(self, loaded: Festival, path: str) -> None:
        body = get(loaded, path, status=404)
        assert body["Code"] == "NotFound" and body["code"] == "not-found" and body["Message"]

    def test_a_cursor_from_another_stage_is_refused(self, loaded: Festival) -> None:
        # Well formed, but no page of this listing: the page it names is not found.
        cursor = get(loaded, path_of("Main") + "?limit=1")["next"]
        body = get(loaded, path_of("Tent") + f"?limit=1&cursor={cursor}", status=404)
        assert body["Message"].startswith("cursor: ")
        # ...and so is one from the same stage with other parameters.
        get(loaded, path_of("Main") + f"?day=2026-07-03&cursor={cursor}", status=404)
        get(loaded, path_of("Main") + "?cursor=eyJxIjoxfQ", status=404)

    def test_an_edited_cursor_is_refused(self, loaded: Festival) -> None:
        import base64

        cursor = get(loaded, path_of("Main") + "?limit=1")["next"]
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=="))
        raw["k"]["stage"] = "Tent"
        forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
        get(loaded, path_of("Main") + f"?limit=1&cursor={forged}", status=404)

    @pytest.mark.parametrize(
        "stage",
        [
            "x" * 10_000,
            "../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd",
            "%00",
            "Main\u0000",
            "Main/../Tent",
            "*",
            "' OR 1=1 --",
        ],
    )
    def test_hostile_stage_names_find_nothing_and_never_fail(self, loaded: Festival, stage: str) -> None:
        for suffix in ("", "?from=2026-07-03T18:00&limit=500", "/2026-07-03T19:00"):
            response = loaded.client.http.get(path_of(stage) + suffix)
            assert response.status_code == 404, (stage, suffix, response.body[:200])
        assert loaded.client.http.get(f"/artists/{quote(stage, safe='')}/performances").status_code == 404

    def test_a_huge_limit_or_cursor_is_refused_politely(self, loaded: Festival) -> None:
        assert get(loaded, "/stages?limit=" + "9" * 5000, status=400)["Code"] == "InvalidParameter"
        assert get(loaded, path_of("Main") + "?cursor=" + "A" * 20_000, status=400)["Code"] == "InvalidParameter"

    def test_an_empty_stage_window_is_200_not_404(self, loaded: Festival) -> None:
        assert get(loaded, path_of("Tent") + "?day=2026-07-05")["items"] == []

    def test_a_window_that_ends_before_it_starts_holds_no_set(self, loaded: Festival) -> None:
        # The schema cannot compare two parameters: an empty window is an empty page, not a 400.
        for window in ("from=2026-07-03T20:00&to=2026-07-03T18:00", "from=2026-07-03T19:00&to=2026-07-03T19:00"):
            assert get(loaded, path_of("Main") + "?" + window) == {"items": [], "next": None}
        get(loaded, path_of("Nowhere") + "?from=2026-07-03T20:00&to=2026-07-03T18:00", status=404)
        get(loaded, path_of("Main") + "?from=2026-07-03T20:00&to=2026-07-03T18:00&cursor=0", status=400)


def _declared(route: str) -> dict[str, dict[str, Any]]:
    """The schema of each query parameter of a route, as /openapi.json describes it."""
    found: dict[str, dict[str, Any]] = {}
    operations = openapi_spec()["paths"][route]
    [operation] = [operations["get"]] if "get" in operations else operations.values()  # a set's PATCH: test_edit_routes
    for parameter in operation["parameters"]:
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        if schema.get("type") == "object":  # a form-exploded object: each property is a parameter
            found.update(schema["properties"])
        else:
            found[parameter["name"]] = schema
    return found


def _admits(route: str, query: dict[str, str]) -> bool:
    """Whether the OpenAPI description admits these query values (each on its own)."""
    declared = _declared(route)
    for name, value in query.items():
        schema = declared[name]
        candidate: Any = int(value) if schema.get("type") == "integer" and value.isdigit() else value
        if not Draft202012Validator(schema).is_valid(candidate):
            return False
    return True


class TestTheSchemaSaysWhatTheServerAccepts:
    """Every value the OpenAPI description admits gets an answer (a page, maybe empty, or
    a 404 for what does not exist), never a 400 or a 500; every value it refuses, a 400."""

    @pytest.mark.parametrize(
        ("route", "path"),
        [
            ("/performances", "/performances?at=1000-01-01T00:00"),
            ("/performances", "/performances?at=1000-01-01"),
            ("/performances", "/performances?at=9999-12-31T23:59"),
            ("/performances", "/performances?day=1000-01-01"),
            ("/performances", "/performances?day=9999-12-31"),
            ("/performances", "/performances?at=2024-02-29T12:00"),
            ("/changes", "/changes?since=1000-01-01T00:00"),
            ("/changes", "/changes?since=9999-12-31T23:59"),
            ("/changes", "/changes?since=0000-00-00T00:00:00.000Z"),
            ("/stages/{stage}/performances", "/stages/Main/performances?from=9999-12-31T23:59"),
            ("/stages/{stage}/performances", "/stages/Main/performances?to=1000-01-01"),
            ("/stages/{stage}/performances", "/stages/Main/performances?from=1000-01-01T00:00&to=1000-01-01T00:01"),
            ("/stages/{stage}/performances", "/stages/Main/performances?day=9999-12-31"),
            ("/stages/{stage}/performances", "/stages/Main/performances?day=1000-01-01"),
            ("/calendar.ics", "/calendar.ics?stage=%C2%A0Main"),
        ],
    )
    def test_values_the_schema_admits_are_answered(self, loaded: Festival, route: str, path: str) -> None:
        query = dict(pair.split("=", 1) for pair in path.split("?", 1)[1].split("&"))
        assert _admits(route, {name: unquote(value) for name, value in query.items()}), path
        response = loaded.client.http.get(path)
        assert response.status_code == 200, (path, response.body)

    def test_a_feed_of_a_stage_that_does_not_exist_is_a_404_naming_it(self, loaded: Festival) -> None:
        response = loaded.client.http.get("/calendar.ics?stage=%C2%A0x")
        assert response.status_code == 404
        assert json.loads(response.body)["Message"] == 'no stage named "x"'

    @pytest.mark.parametrize(
        ("route", "path", "name"),
        [
            ("/performances", "/performances?at=0001-01-01T00:00", "at"),  # was a 500
            ("/performances", "/performances?at=0000-01-01", "at"),
            ("/performances", "/performances?at=0999-12-31T23:59", "at"),
            ("/performances", "/performances?day=2026-02-30", "day"),
            ("/performances", "/performances?day=2100-02-29", "day"),
            ("/performances", "/performances?day=%D9%A2%D9%A0%D9%A2%D9%A6-07-03", "day"),  # Arabic-Indic digits
            ("/changes", "/changes?since=0001-01-01T00:00", "since"),  # was a 500
            ("/changes", "/changes?since=%D9%A2026-07-03T10:00:00.000Z", "since"),
            ("/stages/{stage}/performances", "/stages/Main/performances?from=2026-04-31", "from"),
            ("/stages/{stage}/performances", "/stages/Main/performances?to=2026-07-03T24:00", "to"),
            ("/stages", "/stages?cursor=0", "cursor"),
            ("/calendar.ics", "/calendar.ics?stage=%1F", "stage"),
            ("/calendar.ics", "/calendar.ics?artist=%E2%80%83%0A", "artist"),
        ],
    )
    def test_values_the_schema_refuses_are_a_400_naming_them(
        self, loaded: Festival, route: str, path: str, name: str
    ) -> None:
        value = unquote(path.split(f"{name}=", 1)[1].split("&")[0])
        assert not _admits(route, {name: value}), path
        body = get(loaded, path, status=400)
        assert body["Message"].startswith(f"{name}: "), body

    def test_a_since_past_what_utc_can_hold_lists_nothing(
        self, loaded: Festival, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FESTIVAL_TIMEZONE", "America/Los_Angeles")
        reset_services()
        assert get(loaded, "/changes?since=9999-12-31T23:59")["items"] == []
        assert len(get(loaded, "/changes?since=1000-01-01T00:00")["items"]) == 1
        monkeypatch.setenv("FESTIVAL_TIMEZONE", "Pacific/Kiritimati")  # UTC+14
        reset_services()
        assert len(get(loaded, "/changes?since=1000-01-01T00:00")["items"]) == 1

    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("/performances?at=2026-07-03T10:00&day=2026-07-03", "at"),
            ("/stages/Main/performances?day=2026-07-03&from=2026-07-03", "day"),
            ("/stages/Main/performances?day=2026-07-03&to=2026-07-04", "day"),
        ],
    )
    def test_parameters_that_exclude_each_other_are_declared_so(self, loaded: Festival, path: str, name: str) -> None:
        route = "/performances" if path.startswith("/performances") else "/stages/{stage}/performances"
        [query] = [p for p in openapi_spec()["paths"][route]["get"]["parameters"] if p["in"] == "query"]
        values = dict(pair.split("=", 1) for pair in path.split("?", 1)[1].split("&"))
        assert not Draft202012Validator(query["schema"]).is_valid(values)
        assert Draft202012Validator(query["schema"]).is_valid({name: values[name]})
        assert get(loaded, path, status=400)["Message"].startswith(f"{name}: give either")


def test_the_date_pattern_is_the_calendar_from_year_1000_to_9999() -> None:
    pattern = re.compile(DATE_PATTERN)
    years = [*range(1000, 1010), *range(1896, 1905), *range(1996, 2105), *range(2396, 2405), *range(9990, 10000)]
    for year in years:
        first = date(year, 1, 1)
        for offset in range((date(year, 12, 31) - first).days + 1):
            day = first + timedelta(days=offset)
            assert pattern.fullmatch(day.isoformat()), day
        for month, last in ((1, 32), (2, 30), (4, 31), (6, 31), (9, 31), (11, 31), (13, 1), (0, 1)):
            assert not pattern.fullmatch(f"{year}-{month:02d}-{last:02d}"), (year, month, last)
    for year in range(1000, 10000):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        assert bool(pattern.fullmatch(f"{year}-02-29")) == leap, year
    for text in ("0000-01-01", "0999-12-31", "10000-01-01", "2026-00-10", "2026-07-00", "2026-7-3", "٢٠٢٦-07-03"):
        assert not pattern.fullmatch(text), text


def test_a_name_is_what_python_calls_not_only_whitespace() -> None:
    pattern = re.compile(NAME_PATTERN)
    for code in range(0x110000):
        char = chr(code)
        assert bool(pattern.search(char)) == (not char.isspace()), hex(code)


def test_the_openapi_description_is_valid_and_covers_every_route(festival: Festival) -> None:
    spec = get(festival, "/openapi.json")
    validate(spec)
    from app import app

    documented = set(spec["paths"])
    assert set(app.routes) <= documented | PAGE_ROUTES


def test_each_route_is_checked_and_described_from_one_declaration_of_its_parameters(festival: Festival) -> None:
    spec = get(festival, "/openapi.json")
    from app import app

    for path in set(spec["paths"]) - ORGANISER_ROUTES:
        assert list(_declared(path)) == [p.name for p in ROUTE_PARAMETERS[path]], path
    # /previews and /fixes are POSTs: probed in tests/test_previews.py and tests/test_fixes.py.
    for path in set(app.routes) - PAGE_ROUTES - ORGANISER_ROUTES - {"/previews", "/fixes"}:
        probe = festival.client.http.get(
            path.format(
                stage="Main",
                artist="A",
                start="2026-07-01T10:00",
                performance_id="a" * 16,
                release="2026-07-01T10:00:00.000Z",
                name="days.json",
            )
            + "?bogus=1"
        )
        accepted = [p.name for p in ROUTE_PARAMETERS[path]]
        assert probe.status_code == 400, path
        assert json.loads(probe.body)["Message"].endswith(f"this route takes {', '.join(accepted) or 'none'}"), path


def test_the_apis_cold_start_sets_up_only_the_dynamodb_client(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting up a boto3 client loads its service's model (about 20 ms each for S3 and
    SNS): the API's function reads DynamoDB only, so a cold start sets up nothing else."""
    import boto3

    reset_services()  # a new API function: no client yet
    created: list[str] = []
    setup = boto3.client

    def recorded(service: str, **options: Any) -> Any:
        created.append(service)
        return setup(service, **options)

    monkeypatch.setattr(boto3, "client", recorded)
    routes = ("/", "/stages", "/days", "/performances?day=2026-07-04", "/changes", "/calendar.ics", "/schedule.json")
    for path in routes:
        assert loaded.client.http.get(path).status_code == 200, path
    response = loaded.client.http.post("/previews", headers={"Content-Type": "text/csv"}, body=TIMETABLE.encode())
    assert response.status_code == 200, response.body
    assert created == ["dynamodb"]
