"""An open schedule page follows the organiser's releases (issue 33), in Debian's headless
Chromium on `make run`'s stack: a re-upload that moves one pick and cancels another shows
without a reload, the live region and a notification name both, and the page stays where
it was (its scroll, its open set, its search). The bell asks for permission only when
tapped, and keeps its state.

The ingest publishes each release's files under public/ and the API serves them, as on
`make run`. The pointer is read every second here (`?poll=1`); nothing waits for a time to
pass."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_plugin import DESKTOP, PHONE, block, needs_chromium, open_schedule, watched
from tests.localstack import Stack, poll, running_stack
from tests.test_planner_page import axe_problems

pytestmark = needs_chromium
SATURDAY = "2026-07-04"
HEADER = "stage,date,start,end,artist,genre,notes,status\n"
PLANNER = HEADER + (
    "Meadow,2026-07-04,21:00,22:00,Xeno Xylo,art pop,,\n"
    "Meadow,2026-07-04,22:30,23:30,Papa Pulse,post-rock,,\n"
    "Barn,2026-07-04,21:30,22:15,MØ,electropop,,\n"
)
# Xeno Xylo moves to the Barn at 22:20 (after MØ), Papa Pulse is cancelled.
RELEASED = HEADER + (
    "Barn,2026-07-04,22:20,23:20,Xeno Xylo,art pop,,\n"
    "Meadow,2026-07-04,22:30,23:30,Papa Pulse,post-rock,,cancelled\n"
    "Barn,2026-07-04,21:30,22:15,MØ,electropop,,\n"
)
# Every notification the page shows, kept for the test (the real one is shown too).
CAPTURE_NOTIFICATIONS = """(() => {
  const Real = window.Notification;
  window.__notifications = [];
  window.__permissionAsked = 0;
  if (!Real) return;
  class Captured extends Real {
    constructor(title, options = {}) {
      super(title, options);
      window.__notifications.push({ title, body: options.body });
    }
    static requestPermission(...args) { window.__permissionAsked += 1; return Real.requestPermission(...args); }
  }
  window.Notification = Captured;
})();"""
UNISOLATE = str.maketrans("", "", "\u2068\u2069")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("live")) as running:
        upload(running, PLANNER)
        published(running)
        yield running


def upload(stack: Stack, timetable: str) -> None:
    """Upload the test's own file through the bucket and wait until the API shows its
    Saturday (a release is one commit: its other days are in too)."""
    stack.client("s3").put_object(Bucket=stack.bucket, Key="uploads/live.csv", Body=timetable.encode())
    rows = [line.split(",") for line in timetable.splitlines()[1:]]
    wanted = sorted((row[0], row[2], row[4], row[7]) for row in rows if row[1] == SATURDAY)

    def shown() -> bool:
        status, body = stack.get(f"/performances?day={SATURDAY}&limit=500")
        found = [
            (s["stage"], s["start"][11:16], s["artist"], "cancelled" if s["status"] == "cancelled" else "")
            for s in body["items"]
            if s["stage"] in ("Meadow", "Barn")
        ]
        return status == 200 and sorted(found) == wanted

    poll(shown, "the upload")


def published(stack: Stack) -> str:
    """The release the API shows, once the ingest has published its files (the pointer names it)."""
    release = str(stack.get("/changes?limit=1")[1]["items"][0]["release"])
    poll(lambda: stack.get("/public/current.json")[1].get("release") == release, "the release's publication")
    return release


def public_reads(page: Any) -> list[str]:
    """The page's requests for public files (paths below public/), in order, as they are made."""
    asked: list[str] = []

    def seen(request: Any) -> None:
        path = urllib.parse.urlparse(request.url).path
        if "/public/" in path:
            asked.append(path.split("/public/", 1)[1])

    page.on("request", seen)
    return asked


# ---- the page ----


def set_id(stack: Stack, artist: str) -> str:
    _, body = stack.get(f"/performances?day={SATURDAY}&limit=500")
    return str(next(s["id"] for s in body["items"] if s["artist"] == artist))


def following(page: Any, stack: Stack, address: str = "/?poll=1") -> None:
    """The page open on Saturday, having read the pointer once (so it follows from here)."""
    open_schedule(page, stack, "2026-07-04T20:00", address)
    page.click(f"nav.days button[data-day='{SATURDAY}']")
    page.wait_for_selector("html[data-release]", state="attached")


def test_an_open_page_follows_a_release_names_the_changed_picks_and_stays_where_it_was(
    browser: Any, stack: Stack
) -> None:
    # Reduced motion: the grid scrolls at once, so where it is can be compared to the pixel.
    context = browser.new_context(
        **DESKTOP, service_workers="block", permissions=["notifications"], reduced_motion="reduce"
    )
    page = watched(context.new_page())
    page.add_init_script(CAPTURE_NOTIFICATIONS)
    asked = public_reads(page)
    xeno, papa = set_id(stack, "Xeno Xylo"), set_id(stack, "Papa Pulse")
    try:
        following(page, stack)
        for artist in ("Xeno Xylo", "Papa Pulse"):
            block(page, artist).locator("button.star").click()
        page.click("#bell")
        expect(page.locator("#bell")).to_have_attribute("aria-pressed", "true")
        page.fill("#filter", "pulse")  # its results listed, the rest of the grid dimmed
        expect(page.locator("#results")).to_contain_text("Papa Pulse")
        expect(block(page, "MØ")).to_have_class(re.compile(r"\bdimmed\b"))
        page.evaluate("document.getElementById('grid-wrap').scrollTop = 120")
        block(page, "Xeno Xylo").locator(".open").focus()  # scrolls it into sight
        page.keyboard.press("Enter")  # its details open
        expect(page.locator("#details-stage")).to_have_text("Meadow")
        scrolled = page.evaluate("document.getElementById('grid-wrap').scrollTop")
        assert scrolled > 0
        meadow = page.locator(".strip .stage[data-stage='Meadow']")
        expect(meadow).to_contain_text("Next: Xeno Xylo (21:00–22:00)")
        page.evaluate("window.__notReloaded = true")
        asked.clear()

        upload(stack, RELEASED)
        published(stack)

        moved = page.locator(f"#grid .set[data-id='{xeno}']")
        expect(moved).to_have_attribute("data-stage", "Barn", timeout=30_000)
        assert moved.get_attribute("data-start") == "2026-07-04T22:20"
        expect(page.locator(f"#grid .set[data-id='{papa}']")).to_have_class(re.compile(r"\bcancelled\b"))
        news = page.locator("#picks-news[role=status]")
        expect(news).to_contain_text("Xeno Xylo moved to Barn, 22:20")
        expect(news).to_contain_text("Papa Pulse cancelled")
        notified = page.evaluate("window.__notifications")
        assert len(notified) == 1, notified
        assert notified[0]["body"].translate(UNISOLATE).splitlines() == [
            "Xeno Xylo moved to Barn, 22:20",
            "Papa Pulse cancelled",
        ]
        expect(meadow).to_have_count(0)  # now and next follow (from the sets the release brought): nothing plays
        # Marked as changed, as a visit's changes are.
        expect(moved.locator(".news")).to_have_text("moved")
        expect(page.locator("#changes-note")).to_contain_text("Xeno Xylo: moved, Barn")
        # Where it was: no reload, the same scroll, the details open (on the set as it is now), the search.
        assert page.evaluate("window.__notReloaded") is True
        assert page.evaluate("document.getElementById('grid-wrap').scrollTop") == scrolled
        assert page.locator("dialog#details").is_visible()
        expect(page.locator("#details-stage")).to_have_text("Barn")
        assert page.input_value("#filter") == "pulse"
        expect(page.locator("#results")).to_contain_text("Papa Pulse")
        expect(page.locator("#results")).to_contain_text("cancelled")  # the results follow the release too
        expect(block(page, "MØ")).to_have_class(re.compile(r"\bdimmed\b"))
        # Only what changed was read: the pointer, Saturday's file and the changes.
        files = [path for path in asked if path != "current.json"]
        release = page.get_attribute("html", "data-release")
        assert sorted(files) == [f"releases/{release}/changes.json", f"releases/{release}/days/{SATURDAY}.json"]
        assert page.problems == []
        page.keyboard.press("Escape")  # the details close
        assert axe_problems(page) == []  # the news, the bell and the marks
    finally:
        upload(stack, PLANNER)
        published(stack)
        context.close()


def test_the_bell_asks_for_permission_only_when_tapped_and_keeps_its_state(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**PHONE, service_workers="block")
    page = watched(context.new_page())
    page.add_init_script(CAPTURE_NOTIFICATIONS)
    try:
        following(page, stack)
        bell = page.locator("#bell")
        expect(bell).to_be_visible()
        box = bell.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44  # a thumb's target
        assert bell.get_attribute("aria-pressed") == "false"
        assert page.evaluate("window.__permissionAsked") == 0  # never on load
        bell.click()  # headless Chromium answers the prompt itself: not granted
        poll(lambda: page.evaluate("window.__permissionAsked") == 1, "the permission prompt")
        expect(page.locator("#notice")).to_contain_text("blocked")
        assert bell.get_attribute("aria-pressed") == "false"
        context.grant_permissions(["notifications"])
        bell.click()
        expect(bell).to_have_attribute("aria-pressed", "true")
        following(page, stack)  # a reload: the bell is still on, nothing asked
        expect(page.locator("#bell")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.__permissionAsked") == 0
        page.click("#bell")
        expect(page.locator("#bell")).to_have_attribute("aria-pressed", "false")
        assert page.problems == []
    finally:
        context.close()


def test_with_no_release_published_yet_the_page_is_quiet(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**DESKTOP, service_workers="block")
    page = watched(context.new_page())
    pointers: list[str] = []

    def missing(route: Any) -> None:
        pointers.append(route.request.url)
        route.fulfill(status=404, content_type="application/json", body='{"Message": "no such file"}')

    page.route(lambda url: "/public/" in url, missing)
    try:
        open_schedule(page, stack, "2026-07-04T20:00", "/?poll=1")
        for _ in range(3):  # the pointer, read again, less and less often
            with page.expect_request(lambda request: request.url.endswith("/public/current.json"), timeout=30_000):
                pass
        assert page.locator("#error").is_hidden() and page.locator("#notice").is_hidden()
        assert page.text_content("#picks-news") == ""
        assert page.get_attribute("html", "data-release") is None
        # Nothing but Chromium's own line for each 404 (no page can silence it): no script error.
        browser_lines = "Failed to load resource: the server responded with a status of 404 (Not Found)"
        assert [problem for problem in page.problems if problem != browser_lines] == []
    finally:
        context.close()


def test_a_page_opened_with_no_signal_after_a_release_it_followed_shows_that_release(
    browser: Any, stack: Stack
) -> None:
    """The service worker's kept days are replaced by the release's, the day the kept page
    carries (the festival's first, here) included."""
    context = browser.new_context(**DESKTOP)  # service worker allowed
    page = watched(context.new_page())
    friday = "Meadow,2026-07-03,18:00,19:00,Early Echo,indie,,\n"
    upload(stack, PLANNER + friday)
    published(stack)
    try:
        following(page, stack)
        page.wait_for_selector("#saved:has-text('Saved on this device')")
        xeno = set_id(stack, "Xeno Xylo")
        upload(stack, RELEASED + friday.replace("18:00,19:00", "18:30,19:30"))
        published(stack)
        moved = page.locator(f"#grid .set[data-id='{xeno}']")
        expect(moved).to_have_attribute("data-stage", "Barn", timeout=30_000)
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#offline:not([hidden])")
        # The day the page carries (Friday) and the others come from the release followed.
        expect(block(page, "Early Echo").locator(".when")).to_have_text("18:30–19:30")
        page.click(f"nav.days button[data-day='{SATURDAY}']")
        expect(page.locator(f"#grid .set[data-id='{xeno}']")).to_have_attribute("data-stage", "Barn")
    finally:
        context.set_offline(False)
        context.close()
        upload(stack, PLANNER)
        published(stack)


# The first agenda entry below the sticky bar, and where it is on screen.
IN_SIGHT = """() => {
  const top = document.getElementById("bar").getBoundingClientRect().bottom;
  const item = [...document.querySelectorAll("#agenda .entry")].find((e) => e.getBoundingClientRect().top >= top);
  return [item.dataset.id, Math.round(item.getBoundingClientRect().top)];
}"""


def test_on_a_phone_the_agenda_stays_where_it_was_read(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**PHONE, service_workers="block", reduced_motion="reduce")
    page = watched(context.new_page())
    try:
        following(page, stack)
        page.locator("#agenda .entry", has=page.locator(".artist", has_text="MØ")).scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 200)")
        before = page.evaluate(IN_SIGHT)
        assert page.evaluate("window.scrollY") > 0
        upload(stack, RELEASED)
        release = published(stack)
        page.wait_for_selector(f"html[data-release='{release}']", state="attached", timeout=30_000)  # drawn
        assert page.evaluate(IN_SIGHT) == before  # the same set at the same place under the reader's thumb
        assert page.problems == []
    finally:
        upload(stack, PLANNER)
        published(stack)
        context.close()
