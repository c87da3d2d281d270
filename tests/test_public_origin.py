"""Absolute links in feeds and exports: built from the request's own Host (or the
configured PUBLIC_ORIGIN), never from a header a client can write freely."""

from __future__ import annotations

import json
from typing import Any

import icalendar
import pytest

from chalicelib.services import reset_services
from chalicelib.settings import get_settings
from tests.conftest import Festival, csv_text

TIMETABLE = csv_text("Main,2026-07-03,21:00,22:30,Björk,art pop,")
HOSTILE = 'javascript://evil.example/"><script>alert(1)</script>'


@pytest.fixture
def loaded(festival: Festival) -> Festival:
    assert festival.upload("uploads/day.csv", TIMETABLE)["status"] == "ok"
    return festival


def links(festival: Festival, **headers: str) -> list[str]:
    """Every absolute link the calendar feed and the schedule export carry."""
    found = []
    response = festival.client.http.get("/calendar.ics", headers=headers)
    assert response.status_code == 200, response.body
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    found += [str(event["URL"]) for event in icalendar.Calendar.from_ical(text).walk("VEVENT")]
    response = festival.client.http.get("/schedule.json", headers=headers)
    assert response.status_code == 200, response.body
    found += _urls(json.loads(response.body))
    assert len(found) >= 3
    return found


def _urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [url for key, item in value.items() for url in ([item] if key.endswith("url") else _urls(item))]
    if isinstance(value, list):
        return [url for item in value for url in _urls(item)]
    return []


def configure(monkeypatch: pytest.MonkeyPatch, origin: str) -> None:
    monkeypatch.setenv("PUBLIC_ORIGIN", origin)
    reset_services()


@pytest.mark.parametrize(
    "forwarded",
    [
        {"X-Forwarded-Host": HOSTILE},
        {"X-Forwarded-Host": "evil.example"},
        {"X-Forwarded-Proto": "javascript"},
        {"X-Forwarded-Proto": HOSTILE, "X-Forwarded-Host": "evil.example"},
    ],
)
def test_forwarded_headers_never_make_a_link(loaded: Festival, forwarded: dict[str, str]) -> None:
    found = links(loaded, Host="festival.example", **forwarded)
    assert all(url.startswith(("http://festival.example/", "https://festival.example/")) for url in found), found


def test_the_scheme_is_https_or_http_as_api_gateway_says(loaded: Festival) -> None:
    found = links(loaded, Host="abc.execute-api.eu-west-1.amazonaws.com", **{"X-Forwarded-Proto": "https"})
    assert all(url.startswith("https://abc.execute-api.eu-west-1.amazonaws.com/") for url in found), found
    assert all(url.startswith("http://127.0.0.1:8000/") for url in links(loaded, Host="127.0.0.1:8000"))


@pytest.mark.parametrize("host", [HOSTILE, "evil.example/x", "a b", "evil.example:80:80", "ex_ample.org", "-x.org"])
def test_a_host_header_that_is_no_host_is_a_400(loaded: Festival, host: str) -> None:
    response = loaded.client.http.get("/calendar.ics", headers={"Host": host})
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["Message"].startswith("Host: ")


def test_a_configured_public_origin_is_the_only_one(loaded: Festival, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `make deploy CDN=1` sets: the CDN's address, whatever reached the API.
    configure(monkeypatch, "https://d1.cloudfront.net")
    headers = {"Host": "abc.execute-api.eu-west-1.amazonaws.com", "X-Forwarded-Host": HOSTILE}
    found = links(loaded, **headers, **{"X-Forwarded-Proto": "http"})
    assert all(url.startswith("https://d1.cloudfront.net/") for url in found), found
    assert any(url == "https://d1.cloudfront.net/" for url in found)
    # The origin is part of the ETag: a CDN's copy stays the same whatever reaches the API.
    first = loaded.client.http.get("/calendar.ics", headers={"Host": "a.example"}).headers["ETag"]
    assert loaded.client.http.get("/calendar.ics", headers={"Host": "b.example"}).headers["ETag"] == first


@pytest.mark.parametrize(
    "origin",
    [
        "javascript:alert(1)",
        "ftp://files.example",
        "https://",
        "https://a.example/?q=1",
        "https://u@a.example",
        "https://a.example/#x",
        'https://evil.example/"><script>',
        "d1.cloudfront.net",
    ],
)
def test_a_public_origin_that_is_no_origin_stops_the_start(monkeypatch: pytest.MonkeyPatch, origin: str) -> None:
    configure(monkeypatch, origin)
    with pytest.raises(ValueError, match="PUBLIC_ORIGIN"):
        get_settings()


def test_a_public_origin_may_have_a_path_and_loses_its_last_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, "https://schedule.example.org/api/")
    assert get_settings().public_origin == "https://schedule.example.org/api"


def test_links_in_answers_lose_api_gateways_stage_behind_the_cdn() -> None:
    """The CDN serves the API at its root: `url` and `all_changes` must not carry `/api`."""
    from chalicelib.api.shapes import api_base

    through_api_gateway = {"stage": "api", "path": "/api/stages"}
    assert api_base(through_api_gateway) == "/api"
    assert api_base(through_api_gateway, "https://d1.cloudfront.net") == ""
    assert api_base(through_api_gateway, "https://schedule.example/api") == "/api"
