"""The agenda, a phone's first view of the schedule page, in Debian's headless Chromium as
a 390 x 844 touch phone: the day's sets in time order with whole names, thumb-sized
targets, a stage filter and "my picks only" that stay, opened at what plays now, and
accessible in light and dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_plugin import DESKTOP, PHONE, drawn, entry, needs_chromium, screenshot, watched
from tests.localstack import Stack, poll, running_stack
from tests.test_planner_page import axe_problems

pytestmark = needs_chromium
FRIDAY, SATURDAY = "2026-07-03", "2026-07-04"
LONG = "The Extraordinarily Long-Named Midnight Orchestra of Everyone Who Ever Played Here"
UNBROKEN = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
LONG_NAMES = (
    "stage,date,start,end,artist,genre,notes\n"
    f"Main Stage,2026-07-03,12:00,12:10,{LONG},orchestral,\n"
    f"Forest,2026-07-03,12:00,12:10,{UNBROKEN},folk,\n"
)
# Saturday 21:15 in Amsterdam (summer time): six sets play.
PLAYING_AT = datetime(2026, 7, 4, 19, 15, tzinfo=UTC)
PLAYING = {"Kaiser the Fjords", "Señor Kids", "Electric Étoiles", "Neon Garçons", "Ø Rivière", "Neon Étoiles"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("agenda")) as running:
        running.client("s3").put_object(Bucket=running.bucket, Key="uploads/long.csv", Body=LONG_NAMES.encode())
        poll(
            lambda: running.get("/stages/Forest/performances?day=2026-07-03")[1]["items"][0]["artist"] == UNBROKEN,
            "the long names",
        )
        yield running


def agenda(page: Any, stack: Stack, *, whole: bool = True) -> None:
    """The page open on a phone at its agenda; whole: drawn for the last time (every day read)."""
    page.goto(stack.api + "/")
    page.wait_for_selector("#agenda .entry")
    if whole:
        drawn(page)


def artists(page: Any) -> list[str]:
    return page.locator("#agenda .entry .artist").all_text_contents()


def test_a_phone_opens_at_the_agenda_and_a_wide_screen_is_one_tap_from_it(
    phone: Any, browser: Any, stack: Stack
) -> None:
    agenda(phone, stack)  # no tap
    assert phone.locator("#agenda-view").is_visible() and not phone.locator("#grid-wrap").is_visible()
    assert phone.get_attribute("#show-agenda", "aria-current") == "true"
    names = artists(phone)
    assert names[:2] == sorted(names[:2]) and LONG in names and UNBROKEN in names  # Friday, in time order
    starts = phone.locator("#agenda .entry").evaluate_all("items => items.map(i => i.dataset.start)")
    assert starts == sorted(starts)
    heads = phone.locator("#agenda .slot h3").all_text_contents()
    assert heads[0] == "12:00" and len(heads) == len(set(heads))  # grouped by start time
    assert phone.problems == []
    desktop = browser.new_context(**DESKTOP, service_workers="block")
    wide = desktop.new_page()
    wide.goto(stack.api + "/")
    wide.wait_for_selector("#grid .set")  # the grid first on a wide screen
    wide.click("#show-agenda")  # one tap
    expect(wide.locator("#agenda .entry").first).to_be_visible()
    desktop.close()


FIRST_UNDER_THE_BAR = """() => {
  const top = document.getElementById("bar").getBoundingClientRect().bottom;
  const head = document.querySelector("#agenda .slot h3").offsetHeight;
  const item = document.elementFromPoint(200, top + head + 6).closest(".entry");
  return [item.querySelector(".artist").textContent, item.classList.contains("playing"),
          item.getBoundingClientRect().top - top - head];
}"""
CUT = """items => items.filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent)"""


def test_no_name_or_time_in_the_agenda_is_cut(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)
    for day in (FRIDAY, SATURDAY):
        phone.click(f"nav.days button[data-day='{day}']")
        # An afternoon set: the night before ends on this date too, and must not count as this day drawn.
        phone.wait_for_selector(f"#agenda .entry[data-start^='{day}T1']")
        texts = phone.locator("#agenda .entry .artist, #agenda .entry .when")
        assert texts.count() > 100
        assert texts.evaluate_all(CUT) == [], day
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    phone.click(f"nav.days button[data-day='{FRIDAY}']")
    phone.wait_for_load_state("networkidle")  # the day drawn from what is kept, then again once revalidated
    long = entry(phone, LONG).locator(".artist")
    assert long.text_content() == LONG and long.bounding_box()["height"] > 40  # wrapped onto lines, whole
    assert entry(phone, UNBROKEN).locator(".artist").text_content() == UNBROKEN


def test_every_star_tab_and_view_switch_is_thumb_sized(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)
    targets = phone.locator(
        "#agenda .star, nav.days button, nav.views button, #stage-filter summary, label.switch"
    ).evaluate_all(
        "items => items.map(i => [i.outerHTML.slice(0, 60), i.getBoundingClientRect().width, "
        "i.getBoundingClientRect().height])"
    )
    assert len(targets) > 60
    small = [(what, width, height) for what, width, height in targets if width < 44 or height < 44]
    assert small == []


def test_the_stage_filter_and_my_picks_only_are_kept_across_a_reload(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)
    phone.click("#stage-filter summary")
    phone.check("#stage-choices input[value='Forest']")
    phone.check("#stage-choices input[value='Main Stage']")
    expect(phone.locator("#stage-summary")).to_have_text("2 of 6")
    stages = lambda: set(phone.locator("#agenda .entry .where bdi:first-child").all_text_contents())  # noqa: E731
    assert stages() == {"Forest", "Main Stage"}
    phone.click("#stage-filter summary")
    entry(phone, "Mañana Machines").locator(".star").click()  # Forest, Friday 22:30
    phone.check("#mine-only")
    assert artists(phone) == ["Mañana Machines"]
    phone.reload()
    phone.wait_for_selector("#agenda .entry")
    assert phone.is_checked("#mine-only") and artists(phone) == ["Mañana Machines"]
    phone.uncheck("#mine-only")
    assert stages() == {"Forest", "Main Stage"}
    expect(phone.locator("#stage-summary")).to_have_text("2 of 6")
    phone.click("#stage-filter summary")
    phone.click("#stages-all")
    assert len(stages()) == 6


def test_opened_during_the_festival_the_agenda_starts_at_what_plays_then(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**PHONE, service_workers="block")
    page = watched(context.new_page())
    page.clock.set_fixed_time(PLAYING_AT)  # the phone's clock: Saturday 21:15 at the festival
    page.goto(stack.api + "/")
    page.wait_for_selector("#agenda[data-moment='2026-07-04T21:15']")
    assert page.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == SATURDAY
    assert set(page.locator("#agenda .entry.playing .artist").all_text_contents()) == PLAYING
    # The first set under the bar and the start time that sticks below it plays now.
    first = page.evaluate(FIRST_UNDER_THE_BAR)
    assert first[0] in PLAYING and first[1], first
    assert -2 < first[2] < 2, first  # what ended before sits above, out of sight
    assert page.problems == []
    context.close()


def test_the_rest_of_the_festival_arriving_does_not_stop_a_scroll_to_a_found_set(phone: Any, stack: Stack) -> None:
    """A search result scrolls smoothly to its set. The agenda is drawn again when the last
    day arrives; that redraw keeps the list where it is and must not stop the scroll."""
    held: list[Any] = []
    phone.route("**/performances?day=2026-07-05*", lambda route: held.append(route))  # Sunday comes late
    agenda(phone, stack, whole=False)
    phone.fill("#filter", "zoe avenue")
    phone.click("#results button")  # Saturday, far down the day: a smooth scroll begins
    while not held:
        phone.wait_for_timeout(20)
    for route in held:
        route.continue_()
    found = entry(phone, "Zoë Avenue")
    expect(found).to_be_in_viewport()
    assert phone.problems == []


def test_search_and_a_sets_link_open_the_set_in_the_agenda(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)
    phone.fill("#filter", "zoe avenue")
    phone.click("#results button")
    found = entry(phone, "Zoë Avenue")
    expect(found).to_have_class("entry found")
    assert found.locator(".open").evaluate("b => b === document.activeElement")
    expect(found).to_be_in_viewport()
    _, body = stack.get("/performances?day=2026-07-05&limit=500")
    late = next(s for s in body["items"] if s["artist"] == "Ø Brûlée")
    phone.goto(f"{stack.api}/#set={late['id']}")
    expect(phone.locator("dialog#details")).to_be_visible()
    assert phone.locator("nav.days button[aria-selected=true]").get_attribute("data-day") == "2026-07-05"
    expect(phone.locator(f"#agenda .entry[data-id='{late['id']}']")).to_be_in_viewport()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_agenda(browser: Any, stack: Stack, scheme: str, tmp_path: Path) -> None:
    context = browser.new_context(**PHONE, color_scheme=scheme, service_workers="block")
    page = watched(context.new_page())
    page.clock.set_fixed_time(PLAYING_AT)
    page.goto(stack.api + "/")
    page.wait_for_selector("#agenda[data-moment='2026-07-04T21:15']")
    for artist in ("Electric Étoiles", "Señor Kids"):  # a clash, warned on both and on what overlaps them
        entry(page, artist).locator(".star").click()
    expect(page.locator("#agenda .warning").first).to_be_visible()
    assert page.locator("#agenda .entry.cancelled").count() > 0  # Golden Garçons
    assert axe_problems(page) == [], "agenda"
    page.click("#now-button")  # back to what plays now, for the picture
    # a function, not an expression: Playwright polls an expression with eval, which the page's CSP refuses
    page.wait_for_function(f"() => ({FIRST_UNDER_THE_BAR})()[1]")
    screenshot(page, "agenda-phone" if scheme == "light" else "agenda-dark-phone", tmp_path)
    page.click("#stage-filter summary")
    assert axe_problems(page) == [], "stage filter"
    assert page.problems == []
    context.close()


def test_the_grid_on_a_phone_wraps_names_instead_of_cutting_them(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)
    phone.click("#show-timetable")
    for day in (FRIDAY, SATURDAY):
        phone.click(f"nav.days button[data-day='{day}']")
        phone.wait_for_selector(f"#grid .set[data-start^='{day}T1']")  # an afternoon set: this day drawn
        names = phone.locator("#grid .set .artist")
        assert names.count() > 20
        assert names.evaluate_all(CUT) == [], day  # every name whole: wrapped, never cut off at the side
        # A set of an hour or more (a block of 94 px and up: 1.6 px a minute) has room for its
        # whole name and times, wrapped.
        clipped = phone.locator("#grid .set").evaluate_all(
            "blocks => blocks.filter(b => b.getBoundingClientRect().height >= 94"
            " && b.scrollHeight > b.clientHeight + 1).map(b => b.textContent)"
        )
        assert clipped == [], day
    assert phone.problems == []


def test_stars_made_in_the_agenda_are_shared_and_a_shared_link_opens_on_a_phone(
    phone: Any, browser: Any, stack: Stack
) -> None:
    agenda(phone, stack)
    phone.click(f"nav.days button[data-day='{SATURDAY}']")
    picked = ("Kaiser the Fjords", "Señor Kids")
    for artist in picked:
        entry(phone, artist).locator(".star").click()
    ids = {entry(phone, artist).get_attribute("data-id") for artist in picked}
    phone.click("#show-plan")
    phone.click("#share")
    expect(phone.locator("#share-link")).to_have_value(re.compile(r"#plan=[a-z2-7]{16},[a-z2-7]{16}$"))
    link = phone.input_value("#share-link")
    assert set(link.split("#plan=", 1)[1].split(",")) == ids
    friend = browser.new_context(**PHONE, service_workers="block")
    other = watched(friend.new_page())
    other.goto(link)
    expect(other.locator("#plan-list .pick .artist")).to_have_count(2)
    assert sorted(other.locator("#plan-list .pick .artist").all_text_contents()) == sorted(picked)
    other.click("#shared-add")
    other.click("#show-agenda")
    other.click(f"nav.days button[data-day='{SATURDAY}']")
    for artist in picked:
        expect(entry(other, artist).locator(".star")).to_have_attribute("aria-pressed", "true")
    assert other.problems == []
    friend.close()


def test_a_moved_set_is_flagged_in_the_agenda_under_the_changes_banner(phone: Any, stack: Stack) -> None:
    agenda(phone, stack)  # a visit: the release seen last, kept once /changes has answered
    phone.wait_for_function("() => localStorage.getItem('festival-schedule:/:seen') !== null")
    moved = LONG_NAMES.replace(
        f"Forest,2026-07-03,12:00,12:10,{UNBROKEN}", f"Main Stage,2026-07-03,13:00,13:10,{UNBROKEN}"
    )
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket, Key="uploads/long.csv", Body=moved.encode())
    poll(lambda: starts_of(stack, UNBROKEN) == ["2026-07-03T13:00"], "the move")
    try:
        phone.reload()
        phone.wait_for_selector("#changes-note:not([hidden])")
        assert "1 moved" in phone.text_content("#changes-note")
        flagged = entry(phone, UNBROKEN)
        expect(flagged.locator(".flag.news")).to_have_text("moved")
        assert flagged.get_attribute("data-start") == "2026-07-03T13:00"
        assert phone.problems == []
    finally:
        s3.put_object(Bucket=stack.bucket, Key="uploads/long.csv", Body=LONG_NAMES.encode())
        poll(lambda: starts_of(stack, UNBROKEN) == ["2026-07-03T12:00"], "the move back")


def starts_of(stack: Stack, artist: str) -> list[str]:
    _, body = stack.get("/performances?day=2026-07-03&limit=500")
    return [s["start"] for s in body["items"] if s["artist"] == artist]


def test_with_no_signal_the_agenda_still_shows_every_day_it_saved(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**PHONE)  # the service worker allowed: it keeps what was read
    page = watched(context.new_page())
    agenda(page, stack)
    page.click(f"nav.days button[data-day='{SATURDAY}']")
    page.wait_for_selector(f"#agenda .entry[data-start^='{SATURDAY}T1']")  # an afternoon set: Saturday drawn
    page.wait_for_selector("#saved:has-text('Saved on this device')")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline:not([hidden])")
    assert page.locator("#agenda-view").is_visible()
    for day, artist in ((FRIDAY, UNBROKEN), (SATURDAY, "Kaiser the Fjords")):  # both days it read
        page.click(f"nav.days button[data-day='{day}']")
        expect(entry(page, artist)).to_be_visible()
    context.set_offline(False)
    context.close()
