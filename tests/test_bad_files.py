"""A corpus of broken and hostile files (tests/data/bad/, expectations in expected.json):
each one gets a clear report through the real ingest path, and none raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import icalendar
import pytest
from lxml import etree

from tests.conftest import Festival

CORPUS = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


@pytest.fixture(scope="module")
def reports(festival_module: Festival) -> dict[str, dict[str, Any]]:
    """Every corpus file uploaded once, through the S3 event handler."""
    results = {}
    for name in EXPECTED:
        key = f"uploads/bad/{name}"
        festival_module.deliver(festival_module.put(key, (CORPUS / name).read_bytes()))
        results[name] = festival_module.report(key)
    return results


def test_every_failure_mode_has_a_file() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in CORPUS.glob("*.csv"))
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_clear_report(reports: dict[str, dict[str, Any]], name: str) -> None:
    report, expected = reports[name], EXPECTED[name]
    assert report["status"] == expected["status"], report
    for count in ("accepted", "rejected"):
        if count in expected:
            assert report[count] == expected[count], report
    text = report.get("reason", "") + " ".join(error["reason"] for error in report["errors"])
    if "says" in expected:
        assert expected["says"] in text, report
    if "line" in expected:
        assert expected["line"] in [error["line"] for error in report["errors"]], report
    if "warning" in expected:
        assert any(expected["warning"] in warning for warning in report["warnings"]), report
    if report["status"] == "failed":
        assert len(report["reason"].split()) >= 3  # a sentence, not a code


def test_values_are_stored_as_text_never_interpreted(
    reports: dict[str, dict[str, Any]], festival_module: Festival
) -> None:
    stored = {value for item in festival_module.items() for value in (item["stage"], item["artist"])}
    for name, expected in EXPECTED.items():
        for value in expected.get("stored", []):
            assert value in stored, (name, value)


def test_every_export_stays_well_formed_whatever_was_uploaded(
    reports: dict[str, dict[str, Any]], festival_module: Festival
) -> None:
    """One accepted row with a character a format cannot carry would break that export for
    every consumer: whatever the corpus holds, each answers and parses."""
    client = festival_module.client
    xml = client.http.get("/schedule.xml")
    assert xml.status_code == 200, xml.body
    etree.fromstring(xml.body if isinstance(xml.body, bytes) else xml.body.encode())
    feed = client.http.get("/calendar.ics")
    assert feed.status_code == 200, feed.body
    text = feed.body.decode() if isinstance(feed.body, bytes) else feed.body
    assert icalendar.Calendar.from_ical(text).walk("VEVENT")
    schedule = client.http.get("/schedule.json")
    assert schedule.status_code == 200 and json.loads(schedule.body)
    for path in ("/stages?limit=500", "/performances?day=2026-07-03&limit=500"):
        assert client.http.get(path).status_code == 200, path
