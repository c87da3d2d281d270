"""The schedule page in a real headless Chromium (Debian's), driven by Playwright, against
the app running locally on moto with the sample festival loaded through S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser_plugin import PHONE, block, needs_chromium, open_schedule, screenshot, without_carried_data
from tests.localstack import Stack, poll, running_stack

pytestmark = needs_chromium
HOSTILE = (
    "stage,date,start,end,artist,genre,notes\n"
    '<i>Stage</i>,2026-07-04,20:00,21:00,<b>x</b>,<script>alert(1)</script>,"<img src=x onerror=alert(2)>"\n'
    "<i>Stage</i>,2026-07-04,21:30,22:30,"
    + "A very long artist name that goes on and on " * 3
    + ",,\n"
    + "".join(f"Extra stage {n:02d},2026-07-05,15:00,16:00,Crowd {n},,\n" for n in range(14))
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("page")) as running:
        yield running


@pytest.fixture(scope="module")
def hostile(stack: Stack) -> Stack:
    """The sample festival plus markup in names, a very long name and many stages on Sunday."""
    stack.client("s3").put_object(Bucket=stack.bucket, Key="uploads/hostile.csv", Body=HOSTILE.encode())
    poll(lambda: stack.get("/stages/Extra%20stage%2013/performances")[0] == 200, "the hostile upload")
    return stack


def test_days_are_tabs_and_sets_are_blocks_in_stage_columns(page: Any, stack: Stack, tmp_path: Path) -> None:
    open_schedule(page, stack)
    assert page.locator("nav.days button").evaluate_all("tabs => tabs.map(t => t.dataset.day)") == [
        "2026-07-03",
        "2026-07-04",
        "2026-07-05",
    ]
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-03"
    heads = page.locator(".stage-head").all_text_contents()
    assert heads == ["Café Lumière", "Forest", "Main Stage", "Späti Stage", "Tent & Bar", "The Dome"]
    opener = block(page, "Björn & Club")  # Main Stage, 14:15-15:15
    assert opener.get_attribute("data-stage") == "Main Stage"
    assert opener.locator(".when").text_content() == "14:15–15:15"
    # Blocks are sized by their length: the two-hour set is twice the one-hour set.
    long_set, short_set = block(page, "Señor Strangers").bounding_box(), opener.bounding_box()
    assert abs((long_set["height"] + 2) / (short_set["height"] + 2) - 2) < 0.02
    # Sets after midnight stay in the Friday night, below the evening ones.
    assert block(page, "Señor Strangers").get_attribute("data-start") == "2026-07-04T02:00"
    assert long_set["y"] > block(page, "Mañana Machines").bounding_box()["y"]
    assert page.problems == []
    screenshot(page, "schedule-page", tmp_path)


def test_switching_day_shows_that_days_sets(page: Any, stack: Stack) -> None:
    open_schedule(page, stack)
    page.click("nav.days button[data-day='2026-07-04']")
    page.wait_for_selector(".set >> text=Zoë Avenue")
    assert block(page, "Señor Strangers").count() == 0
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-04"


def test_a_cancelled_set_is_struck_through_never_hidden_and_never_playing(page: Any, stack: Stack) -> None:
    open_schedule(page, stack, "2026-07-04T15:30")  # the sample cancels Golden Garçons, 15:15-15:55
    page.click("nav.days button[data-day='2026-07-04']")
    gone = block(page, "Golden Garçons")
    gone.wait_for()
    assert "cancelled" in gone.get_attribute("class") and "playing" not in gone.get_attribute("class")
    assert gone.locator(".flag").text_content() == "cancelled"
    assert page.evaluate("getComputedStyle(document.querySelector('.set.cancelled .artist')).textDecorationLine") == (
        "line-through"
    )
    assert len(gone.get_attribute("data-id")) == 16
    strip = page.locator(".strip .stage[data-stage='Café Lumière']").text_content()
    assert "Golden Garçons" not in strip


def test_the_filter_keeps_matching_sets_by_artist_or_genre(page: Any, stack: Stack) -> None:
    open_schedule(page, stack)
    page.fill("#filter", "señor")
    visible = page.locator(".set:not(.dimmed) .artist").all_text_contents()
    assert visible and all("Señor" in artist for artist in visible)
    page.fill("#filter", "AMBIENT")
    genres = page.locator(".set:not(.dimmed) .genre").all_text_contents()
    assert genres and set(genres) == {"ambient"}
    page.fill("#filter", "")
    assert page.locator(".set.dimmed").count() == 0


def test_a_set_shows_its_details_and_its_own_api_url(page: Any, stack: Stack) -> None:
    open_schedule(page, stack)
    block(page, "Mañana Machines").click()
    dialog = page.locator("dialog#details")
    assert dialog.is_visible()
    assert page.text_content("#details-notes") == "runs past midnight"
    url = page.text_content("#details-url")
    assert url.startswith(f"{stack.api}/performances/")  # by its stable id, wherever it moves
    assert page.request.get(url).json()["artist"] == "Mañana Machines"


def test_now_line_and_now_playing_strip_follow_the_chosen_moment(page: Any, stack: Stack) -> None:
    open_schedule(page, stack, "2026-07-03T23:00")
    forest = page.locator(".strip .stage[data-stage='Forest']")
    assert "Now: Mañana Machines (22:30–00:30)" in forest.text_content()
    assert "Next: Electric Brûlée (00:45–01:45)" in forest.text_content()  # still Friday night
    assert block(page, "Mañana Machines").get_attribute("class") == "set playing"
    assert page.locator("#now-line").is_visible()
    line, playing = page.locator("#now-line").bounding_box(), block(page, "Mañana Machines").bounding_box()
    assert playing["y"] < line["y"] < playing["y"] + playing["height"]


def test_names_are_shown_as_text_never_as_markup(page: Any, hostile: Stack, tmp_path: Path) -> None:
    open_schedule(page, hostile, "2026-07-04T20:30")
    page.click("nav.days button[data-day='2026-07-04']")
    hostile = block(page, "<b>x</b>")
    hostile.wait_for()
    assert hostile.locator("b").count() == 0
    assert hostile.locator(".genre").text_content() == "<script>alert(1)</script>"
    assert page.locator(".stage-head", has_text="<i>Stage</i>").count() == 1
    hostile.click()
    assert page.text_content("#details-notes") == "<img src=x onerror=alert(2)>"
    assert page.locator("dialog img").count() == 0
    assert page.problems == []
    long_name = block(page, "A very long artist name")
    assert long_name.evaluate("b => b.scrollWidth <= b.clientWidth + 1")  # cut with an ellipsis, not overflowing
    screenshot(page, "schedule-hostile", tmp_path)


def test_many_stages_scroll_sideways_and_a_phone_sees_the_page(browser: Any, hostile: Stack, tmp_path: Path) -> None:
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    open_schedule(phone, hostile, "2026-07-05T15:30")
    phone.click("#show-timetable")  # the agenda is a phone's first view; the grid one tap away
    phone.click("nav.days button[data-day='2026-07-05']")
    phone.wait_for_selector(".set >> text=Crowd 13")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    assert phone.evaluate("(w => w.scrollWidth > w.clientWidth)(document.getElementById('grid-wrap'))")
    screenshot(phone, "schedule-phone", tmp_path)
    context.close()


def test_an_empty_festival_says_how_to_upload(page: Any, stack: Stack) -> None:
    without_carried_data(page)
    page.route(
        "**/days?*",
        lambda route: route.fulfill(
            json={"timezone": "Europe/Amsterdam", "day_change": "06:00", "items": [], "next": None}
        ),
    )
    page.goto(stack.api + "/")
    message = page.locator("#empty")
    message.wait_for()
    assert "uploads/" in message.text_content() and "stage,date,start,end,artist" in message.text_content()
    assert page.locator(".set").count() == 0


def test_an_api_error_is_shown_not_a_blank_page(page: Any, stack: Stack) -> None:
    without_carried_data(page)
    page.route(
        "**/days?*",
        lambda route: route.fulfill(status=503, json={"Code": "ServiceUnavailable", "Message": "try again soon"}),
    )
    page.goto(stack.api + "/")
    error = page.locator("#error")
    error.wait_for()
    assert "try again soon" in error.text_content()
    assert error.locator("button", has_text="Try again").is_visible()


def test_the_page_is_served_with_a_strict_content_security_policy(page: Any, stack: Stack) -> None:
    response = page.goto(stack.api + "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["content-type"].startswith("text/html")


def test_a_quick_change_of_tabs_shows_the_last_tab_chosen(page: Any, stack: Stack) -> None:
    held: list[Any] = []

    def hold_saturday(route: Any) -> None:
        if "day=2026-07-04" in route.request.url:
            held.append(route)  # answered only after Sunday is on screen
        else:
            route.continue_()

    page.route("**/performances?day=*", hold_saturday)
    page.goto(stack.api + "/")  # Friday, which the page carries
    page.wait_for_selector("#grid .set")
    # Asking the page something lets Playwright hand the route its request meanwhile.
    poll(lambda: page.evaluate("true") and held, "Saturday's request")
    page.click("nav.days button[data-day='2026-07-04']")  # waits for the held answer
    page.click("nav.days button[data-day='2026-07-05']")
    page.wait_for_selector(".set[data-start^='2026-07-05']")
    held[0].continue_()
    page.wait_for_timeout(500)
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-05"
    days = page.locator(".set").evaluate_all("blocks => blocks.map(b => b.dataset.start.slice(0, 10))")
    assert days and set(days) <= {"2026-07-05", "2026-07-06"}


def test_a_sets_link_in_the_exports_opens_the_page_at_that_set(page: Any, stack: Stack) -> None:
    """Every feed and export links a set to `{origin}/#set={id}`: the page opens at its day,
    scrolled to it, with its details shown."""
    _, schedule = stack.get("/schedule.json")
    events = [
        event for day in schedule["schedule"]["conference"]["days"] for room in day["rooms"].values() for event in room
    ]
    late = next(event for event in events if event["title"] == "Ø Brûlée")  # Sunday night, 02:50, The Dome
    assert late["url"].startswith(f"{stack.api}/#set=")
    ident = late["url"].split("#set=")[1]
    page.goto(late["url"])
    expect(page.locator("dialog#details")).to_be_visible()
    assert page.text_content("#details-artist") == "Ø Brûlée"
    assert page.text_content("#details-link") == late["url"]
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-05"
    target = page.locator(f"#grid .set[data-id='{ident}']")
    expect(target).to_be_in_viewport()  # the last set of the night: scrolled down to it
    page.keyboard.press("Escape")
    assert target.locator(".open").evaluate("b => b === document.activeElement")
    # Closed: the page's own address again (set by the dialog's close event, a task after the key).
    expect(page).to_have_url(stack.api + "/")
    assert page.problems == []


def test_a_calendar_events_link_opens_its_set_and_a_removed_sets_link_says_so(page: Any, stack: Stack) -> None:
    feed = Calendar.from_ical(page.request.get(stack.api + "/calendar.ics").body())
    event = next(e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Zoë Avenue")
    page.goto(str(event["URL"]))
    expect(page.locator("dialog#details")).to_be_visible()
    assert page.text_content("#details-artist") == "Zoë Avenue"
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-04"
    # A link followed as the dialog closes (here in one task, so the close event runs
    # after the address changed) is kept and followed, not taken for the closed set's.
    page.evaluate("gone => { document.getElementById('details').close(); location.hash = gone; }", "#set=" + "a" * 16)
    expect(page.locator("#notice")).to_contain_text("no longer in the schedule")
    assert page.url.endswith("#set=" + "a" * 16)
    assert not page.locator("dialog#details").is_visible()
