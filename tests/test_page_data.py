"""The schedule page carries the festival's days and the sets of the day it opens at, so
the first sets are on screen without an API round trip: what it carries, which day, and
its ETag, which follows the release and the festival day like every answer's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.api.routes import ScheduleApi
from chalicelib.web.page import opening_day
from tests.aws_calls import CallLog, app_clients
from tests.conftest import Festival, csv_text

TIMETABLE = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,,",
    "Main,2026-07-03,21:00,23:30,Headliner,rock,</script><!-- a name is data",
    "Tent,2026-07-04,01:00,02:00,Late,,",
    "Tent,2026-07-06,14:00,15:00,After the rest day,,",
)
DATA = re.compile(r'<script type="application/json" id="festival-data">(.*?)</script>', re.DOTALL)
WORDS = re.compile(r'<script type="application/json" id="words">(.*?)</script>', re.DOTALL)


def text(response: Any) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def carried(response: Any) -> Any:
    found = DATA.findall(text(response))
    assert len(found) == 1  # one data element, whatever the names hold
    return json.loads(found[0]) if found[0] else None


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """The API's clock reads `when`."""
    import app

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return when if tz is None else when.astimezone(tz)

    monkeypatch.setattr(app, "datetime", Frozen)


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    festival.upload("uploads/day.csv", TIMETABLE)
    return festival


def test_the_page_carries_every_day_and_the_sets_of_the_day_it_opens_at(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, datetime(2026, 7, 3, 17, 0, tzinfo=UTC))  # Friday 19:00 in Amsterdam
    data = carried(loaded.client.http.get("/"))
    days = json.loads(loaded.client.http.get("/days?limit=500").body)
    assert data["days"] == days and data["days"]["day_change"] == "06:00"  # the day change is the API's
    assert data["day"] == "2026-07-03"
    friday = json.loads(loaded.client.http.get("/performances?day=2026-07-03&limit=500").body)
    shown = [{k: v for k, v in s.items() if k not in ("url", "starts_at", "ends_at", "date")} for s in friday["items"]]
    assert data["sets"] == {"items": shown, "next": None}
    assert [s["artist"] for s in data["sets"]["items"]] == ["Opener", "Headliner", "Late"]  # Late: Friday's night


@pytest.mark.parametrize(
    ("local", "day"),
    [
        ("2026-07-04T05:59", "2026-07-03"),  # before the day change: still Friday's night
        ("2026-07-04T06:00", "2026-07-06"),  # Saturday, a rest day: the next festival day
        ("2026-07-06T10:00", "2026-07-06"),
        ("2026-06-01T12:00", "2026-07-03"),  # before the festival: its first day
        ("2026-12-01T12:00", "2026-07-03"),  # and after it
    ],
)
def test_the_page_opens_at_the_festival_day_of_now(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch, local: str, day: str
) -> None:
    from zoneinfo import ZoneInfo

    at(monkeypatch, datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Amsterdam")))
    assert carried(loaded.client.http.get("/"))["day"] == day


def test_the_rule_for_the_opening_day() -> None:
    days = ["2026-07-03", "2026-07-04", "2026-07-06"]
    assert opening_day(days, "2026-07-05") == "2026-07-06"
    assert opening_day(days, "2026-07-06") == "2026-07-06"
    assert opening_day(days, "2026-07-07") == "2026-07-03"
    assert opening_day([], "2026-07-03") is None


def test_the_pages_etag_follows_the_release_and_the_festival_day(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, datetime(2026, 7, 3, 17, 0, tzinfo=UTC))
    first = loaded.client.http.get("/")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=0,")  # a browser asks every time
    calls = CallLog().attach("dynamodb")
    again = loaded.client.http.get("/?utm_source=poster", headers={"If-None-Match": etag})
    assert again.status_code == 304  # a query changes nothing on the page
    assert [call.operation for call in calls.calls] == ["GetItem"]  # the festival's head, no set read
    at(monkeypatch, datetime(2026, 7, 4, 17, 0, tzinfo=UTC))  # Saturday: another day to carry
    saturday = loaded.client.http.get("/", headers={"If-None-Match": etag})
    assert saturday.status_code == 200 and saturday.headers["ETag"] != etag
    loaded.upload("uploads/day.csv", TIMETABLE.replace("Opener", "New Opener"))  # a new release
    at(monkeypatch, datetime(2026, 7, 3, 17, 0, tzinfo=UTC))
    fresh = loaded.client.http.get("/", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "New Opener" in text(fresh)


def test_the_page_carries_its_words_in_the_language_the_browser_asks_for_first(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first visit draws its first sets in the browser's language with no catalogue to fetch."""
    at(monkeypatch, datetime(2026, 7, 3, 17, 0, tzinfo=UTC))
    german = loaded.client.http.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    english = loaded.client.http.get("/", headers={"Accept-Language": "ja-JP"})  # no catalogue: English
    said = {}
    for name, page in (("de", german), ("en", english)):
        found = WORDS.findall(text(page))
        assert len(found) == 1
        said[name] = json.loads(found[0])
        assert page.headers["Vary"] == "Accept-Language"
    assert said["de"]["language"] == "de" and said["en"]["language"] == "en"
    assert said["de"]["words"]["agenda.noSets"] != said["en"]["words"]["agenda.noSets"]
    assert "organiser.title" not in said["de"]["words"]  # the schedule page's words only
    assert german.headers["ETag"] != english.headers["ETag"]
    again = loaded.client.http.get("/", headers={"Accept-Language": "de", "If-None-Match": german.headers["ETag"]})
    assert again.status_code == 304


def test_a_name_cannot_end_the_data_element(loaded: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, datetime(2026, 7, 3, 17, 0, tzinfo=UTC))
    data = carried(loaded.client.http.get("/"))
    assert data["sets"]["items"][1]["notes"] == "</script><!-- a name is data"


def test_while_a_runs_writes_land_the_page_is_not_kept_and_keeps_its_policy(
    loaded: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ScheduleApi, "release", lambda self: None)
    page = loaded.client.http.get("/")
    assert page.status_code == 200 and "ETag" not in page.headers and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert carried(page)["day"] == "2026-07-03"


def test_when_dynamodb_fails_the_page_still_opens_and_reads_the_api_itself(loaded: Festival) -> None:
    def fail(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "GetItem")

    client = app_clients("dynamodb")[0]
    client.meta.events.register("before-call.dynamodb.GetItem", fail)
    try:
        page = loaded.client.http.get("/")
    finally:
        client.meta.events.unregister("before-call.dynamodb.GetItem", fail)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert carried(page) is None  # no data: the page's script asks the API (and says what fails)


def test_the_deployed_api_compresses_what_it_answers() -> None:
    """On a field's connection the page and its modules arrive gzipped (API Gateway does it
    from 1 KB, as CloudFront does behind CDN=1): bench/page_load.py measures both."""
    from chalice.config import Config

    from tests.localstack import ROOT

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        assert Config(chalice_stage=stage, config_from_disk=config).minimum_compression_size == 1024


def test_modules_are_served_without_their_whole_line_comments_and_with_their_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a field's connection every byte before the first set counts; a line inside a
    template literal is text, never a comment, and is served as written."""
    from chalicelib.web import page

    served = page.modules().texts["agenda.js"]
    source = (page.MODULES / "agenda.js").read_text(encoding="utf-8")
    assert source.count("\n") == served.count("\n")  # the console's line numbers are the source's
    assert "\n// " in source and not re.search(r"(?m)^\s*//", served)
    assert len(served) < 0.9 * len(source)
    (tmp_path / "a.js").write_text(
        "// said\nconst a = 1;  // kept: code comes first\nconst b = `\n// text of the literal\n`;\n// kept too\n"
    )
    monkeypatch.setattr(page, "MODULES", tmp_path)
    text = page.modules.__wrapped__().texts["a.js"]
    assert text == "\nconst a = 1;  // kept: code comes first\nconst b = `\n// text of the literal\n`;\n// kept too\n"
