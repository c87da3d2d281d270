"""Browser fixtures and helpers for the page's tests: Debian's headless Chromium, driven
by Playwright, against the app running locally on moto (see tests.localstack)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.localstack import ROOT, Stack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it when run as root)"
)
# Flags for a machine with no network but the package registries.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
# The suite's browsers speak English with a 24-hour clock (the page writes times as the
# browser's locale has them), as its assertions are written; the language tests
# (test_languages_page.py) choose their own locales, en-US's 12-hour clock among them.
ENGLISH_24H = "en-US-u-hc-h23"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": ENGLISH_24H}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": ENGLISH_24H}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def watched(page: Any) -> Any:
    """The page, with its script errors collected in `page.problems`."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.problems = problems
    return page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The browser's own time zone differs from the festival's on purpose. The service
    # worker is blocked: it would answer requests before page.route sees them (the
    # offline tests allow it in their own contexts).
    context = browser.new_context(**DESKTOP, timezone_id="America/Los_Angeles", service_workers="block")
    yield watched(context.new_page())
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page on a 390 px phone (touch), its script errors collected."""
    context = browser.new_context(**PHONE, service_workers="block")
    yield watched(context.new_page())
    context.close()


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Saved under tmp_path; SCREENSHOTS=docs writes the README's pictures instead."""
    folder = ROOT / "docs" if os.environ.get("SCREENSHOTS") == "docs" else tmp_path
    path = folder / f"{name}.png"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(path), full_page=False)
    return path


def drawn(page: Any) -> None:
    """Waits until the schedule page has drawn its last time on opening: it draws the day it
    carries, again once every day is read and the picks are marked, and then starts following
    releases (html[data-release]). A measure between two drawings finds detached boxes."""
    page.wait_for_selector("html[data-release]", state="attached")


def open_schedule(page: Any, stack: Stack, moment: str = "2026-07-03T23:00", address: str = "/") -> None:
    page.goto(stack.api + address)
    page.wait_for_selector("nav.days button")
    page.fill("#moment", moment)
    page.dispatch_event("#moment", "change")
    page.wait_for_selector(f"#strip[data-moment='{moment}'] .stage")
    page.wait_for_selector("#grid .set, #agenda .entry")  # the grid on a wide screen, the agenda on a phone


def block(page: Any, artist: str) -> Any:
    return page.locator(".set", has=page.locator(".artist", has_text=artist))


def entry(page: Any, artist: str) -> Any:
    """A set in the agenda."""
    return page.locator("#agenda .entry", has=page.locator(".artist", has_text=artist))


def without_carried_data(page: Any) -> None:
    """The page as it comes with no data in it (served while DynamoDB failed, say): it
    reads the API itself."""

    def strip(route: Any) -> None:
        response = route.fetch()
        body = re.sub(r'(id="festival-data">).*?(</script>)', r"\1\2", response.text(), flags=re.DOTALL)
        route.fulfill(response=response, body=body)

    page.route(lambda url: urlparse(url).path == "/", strip)
