"""Issue 25's points that live in the feeds: what a hostile query string or an odd
character in a stored field can do to the calendar and the frab exports. Nothing may be
injected, nothing may answer 500, a personal calendar reads only its own sets, one body
has one ETag (and one CDN key), and nothing a query holds is echoed at any length."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import boto3
import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream
from lxml import etree

from chalicelib.api.params import MAX_IDS
from infra.stack import TEMPLATE
from tests.aws_calls import CallLog
from tests.clients_node import run_node
from tests.conftest import REGION, Festival, csv_text

HEADER = "stage,day,start,end,artist,genre,notes,status\n"
TIMETABLE = csv_text(
    "Main,2026-07-03,21:00,22:30,Björk,art pop,,",
    "Main,2026-07-04,21:00,22:30,Moderat,electronic,,",
    "Main,2026-07-05,21:00,22:30,Night Owl,techno,,",
    "Tent,2026-07-05,18:00,19:00,Sigur Rós,post-rock,,",
    header=HEADER,
)
HOST = {"Host": "festival.example", "X-Forwarded-Proto": "https"}


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    assert festival.upload("uploads/timetable.csv", TIMETABLE)["status"] == "ok"
    return festival


def get(festival: Festival, path: str, headers: dict[str, str] | None = None) -> Any:
    return festival.client.http.get(path, headers={**HOST, **(headers or {})})


def text(response: Any) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def ids_of(festival: Festival) -> dict[str, str]:
    return {item["artist"]: item["id"] for item in festival.items()}


class TestCalendarTitle:
    """`stage=` and `artist=` name the feed (NAME, X-WR-CALNAME): as escaped TEXT, never raw."""

    def test_carriage_returns_cannot_inject_an_event(self, loaded: Festival) -> None:
        hostile = "Main\rX-INJECTED:1\rBEGIN:VEVENT\rSUMMARY:fake\rUID:fake\rEND:VEVENT"
        # No stage has that name: a 404, which writes no calendar at all.
        assert get(loaded, "/calendar.ics?stage=" + quote(hostile)).status_code == 404
        response = get(loaded, "/calendar.ics?artist=" + quote(hostile))  # an artist's feed is named too
        assert response.status_code == 200
        body = text(response)
        assert "\r" not in body.replace("\r\n", "")  # no bare CR for a CR-splitting parser
        assert not re.search(r"^(X-INJECTED|UID:fake)", body.replace("\r", "\n"), re.MULTILINE)
        calendar = icalendar.Calendar.from_ical(body)
        assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == []  # no such artist
        assert "X-INJECTED" not in calendar

    @pytest.mark.parametrize("raw", ["%0A", "%0D%0A", "%00", "%0B", "%1B", "%7F", "%C2%85"])
    def test_control_characters_never_give_a_500_nor_reach_the_feed(self, loaded: Festival, raw: str) -> None:
        response = get(loaded, f"/calendar.ics?artist=A{raw}B")
        assert response.status_code == 200, text(response)
        body = text(response)
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]", body)
        IcsCalendarStream.calendar_from_ics(body)
        assert str(icalendar.Calendar.from_ical(body)["NAME"]).startswith("Festival · A")

    def test_semicolons_commas_and_backslashes_are_escaped(self, loaded: Festival) -> None:
        body = text(get(loaded, "/calendar.ics?artist=" + quote("A;B,C\\D")))
        assert "NAME:Festival · A\\;B\\,C\\\\D\r\n" in body
        assert "X-WR-CALNAME:Festival · A\\;B\\,C\\\\D\r\n" in body
        assert IcsCalendarStream.calendar_from_ics(body).name == ["Festival · A;B,C\\D"]  # read as TEXT


def _poison(festival: Festival, artist: str, **fields: str) -> None:
    """Put characters into a stored set behind the ingest's back: each exporter must be
    safe on its own, whatever the table holds."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(festival.outputs["PerformancesTableName"])
    [item] = [item for item in festival.items() if item["artist"] == artist]
    names = {f"#{name}": name for name in fields}
    values = {f":{name}": value for name, value in fields.items()}
    table.update_item(
        Key={"stage": item["stage"], "slot": item["slot"]},
        UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


ODD = "a\ufffeb\uffffc\x85d\x9be\x00f\x7fg\ufdd0h\U0010ffffi\x0cj"


class TestCharactersNoFormatCarries:
    def test_the_xml_stays_well_formed_and_valid(self, loaded: Festival) -> None:
        _poison(loaded, "Moderat", notes=ODD, genre=ODD)
        response = get(loaded, "/schedule.xml")
        assert response.status_code == 200
        raw = response.body if isinstance(response.body, bytes) else response.body.encode()
        document = etree.fromstring(raw)  # raises when not well-formed
        [event] = [e for e in document.iter("event") if e.findtext("title") == "Moderat"]
        assert event.findtext("track").startswith("a\ufffdb\ufffdc")

    def test_the_json_and_the_calendar_carry_none_of_them(self, loaded: Festival) -> None:
        _poison(loaded, "Moderat", notes=ODD, genre=ODD)
        body = text(get(loaded, "/schedule.json"))
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufdd0]", body)
        json.loads(body)
        feed = text(get(loaded, "/calendar.ics"))
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ufdd0]", feed)
        IcsCalendarStream.calendar_from_ics(feed)


class TestPersonalCalendarCost:
    def test_ids_reads_only_the_sets_asked_for(self, loaded: Festival) -> None:
        ids = ids_of(loaded)
        calls = CallLog().attach("dynamodb")
        response = get(loaded, f"/calendar.ics?ids={ids['Moderat']},{ids['Sigur Rós']}")
        assert response.status_code == 200
        queries = calls.named("Query")
        assert [call.params.get("IndexName") for call in queries] == ["by_id", "by_id"]
        assert {call.params["ExpressionAttributeValues"][":id"]["S"] for call in queries} == {
            ids["Moderat"],
            ids["Sigur Rós"],
        }
        summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(text(response)).walk("VEVENT")}
        assert summaries == {"Moderat", "Sigur Rós"}

    def test_one_body_has_one_etag_however_the_query_is_spelt(self, loaded: Festival) -> None:
        ids = ids_of(loaded)
        a, b = ids["Moderat"], ids["Björk"]
        spellings = [f"ids={a},{b}", f"ids={b},{a}", f"ids={a},{b},{a}", f"ids={a},%20{b}", f"ids={b}%2C{a}"]
        tags = {get(loaded, f"/calendar.ics?{query}").headers["ETag"] for query in spellings}
        assert len(tags) == 1
        names = ["stage=Main", "stage=%20Main%20", "stage=Main%20"]
        assert len({get(loaded, f"/calendar.ics?{query}").headers["ETag"] for query in names}) == 1

    def test_repeats_count_toward_the_cap(self, loaded: Festival) -> None:
        one = ids_of(loaded)["Moderat"]
        response = get(loaded, "/calendar.ics?ids=" + ",".join([one] * (MAX_IDS + 1)))
        assert response.status_code == 400
        assert json.loads(text(response))["Message"].startswith("ids: ")

    def test_past_the_cap_is_a_400_and_the_cap_fits_a_cdn_url(self, loaded: Festival) -> None:
        many = [f"{i:0>16}".translate(str.maketrans("0123456789", "abcdefghij")) for i in range(MAX_IDS + 1)]
        assert get(loaded, "/calendar.ics?ids=" + ",".join(many)).status_code == 400
        assert get(loaded, "/calendar.ics?ids=" + ",".join(many[:MAX_IDS])).status_code == 200
        # The longest URL the API takes, with a long host and API Gateway's prefix, its
        # commas escaped: within CloudFront's 8,192 bytes.
        url = "https://" + "h" * 200 + ".example/api/calendar.ics?ids=" + "%2C".join(many[:MAX_IDS])
        assert len(url.encode()) <= 8192

    def test_a_name_longer_than_any_name_is_not_echoed(self, loaded: Festival) -> None:
        response = get(loaded, "/calendar.ics?artist=" + "x" * 1_000_000)
        assert response.status_code == 400
        assert len(response.body) < 1000
        # The longest name the API takes is echoed once per title property, no more.
        name = "é" * 1024  # 2,048 bytes
        body = text(get(loaded, "/calendar.ics?artist=" + quote(name))).replace("\r\n ", "")
        assert body.count(name) == 2


def _cdn_function() -> str:
    """The viewer-request function's code, as infra/template.yaml deploys it."""
    lines = TEMPLATE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "FunctionCode: |") + 1
    indent = len(lines[start]) - len(lines[start].lstrip())
    code = []
    for line in lines[start:]:
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        code.append(line[indent:])
    return "\n".join(code)


def _viewer_request(querystring: dict[str, Any], uri: str = "/calendar.ics") -> dict[str, Any]:
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "192.0.2.1"},
        "request": {
            "method": "GET",
            "uri": uri,
            "headers": {"host": {"value": "d1.cloudfront.net"}},
            "querystring": querystring,
            "cookies": {},
        },
    }


class TestCdnKey:
    """CloudFront keys its cache on the query as the viewer-request function leaves it:
    the function canonicalises the calendar's query the way the API does for its ETag."""

    def test_every_spelling_of_one_calendar_is_one_cache_key(self) -> None:
        a, b = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
        spellings = [
            {"ids": {"value": f"{a},{b}"}},
            {"ids": {"value": f"{b},{a}"}},
            {"ids": {"value": f"{a},{b},{a}"}},
            {"ids": {"value": f"{a},%20{b}"}},
            {"ids": {"value": f"{b}%2C{a}"}},
            {"ids": {"value": f"{b}, {a} "}},
        ]
        results = run_node(
            "cloudfront-function.mjs",
            json.dumps({"code": _cdn_function(), "events": [_viewer_request(q) for q in spellings]}),
        )
        keys = {json.dumps(result["querystring"], sort_keys=True) for result in results}
        assert len(keys) == 1, keys

    def test_names_are_trimmed_and_other_routes_left_alone(self) -> None:
        events = [
            _viewer_request({"stage": {"value": "Main"}}),
            _viewer_request({"stage": {"value": "%20Main%20"}}),
            _viewer_request({"stage": {"value": "Main%09 "}}),
            _viewer_request({"ids": {"value": "b,a"}}, uri="/stages"),
        ]
        results = run_node("cloudfront-function.mjs", json.dumps({"code": _cdn_function(), "events": events}))
        assert len({json.dumps(r["querystring"], sort_keys=True) for r in results[:3]}) == 1
        assert results[3]["querystring"] == {"ids": {"value": "b,a"}}
