"""The festival-goer's planner on the schedule page, in Debian's headless Chromium: stars
that survive reloads and the organiser's moves, My plan with clashes, a shareable plan,
a calendar of the picks, accent-blind search, changes since the last visit, offline use
through the service worker, and accessibility (axe-core, keyboard, dark mode, print).

These tests re-upload a timetable, so they run on their own local stack."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from chalicelib.exports.calendar import uid
from tests.browser_plugin import DESKTOP, PHONE, block, needs_chromium, open_schedule, screenshot, watched
from tests.localstack import Stack, poll, running_stack

pytestmark = needs_chromium
SATURDAY = "2026-07-04"
PLANNER = (
    "stage,date,start,end,artist,genre,notes\n"
    "Meadow,2026-07-04,21:00,22:00,Björk,art pop,\n"
    "Meadow,2026-07-04,22:30,23:30,Sigur Rós,post-rock,\n"
    "Barn,2026-07-04,21:30,22:15,MØ,electropop,\n"
    "Barn,2026-07-04,23:40,00:40,Röyksopp Tribute,electronic,\n"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("planner")) as running:
        upload(running, PLANNER)
        yield running


def upload(stack: Stack, timetable: str, note: str = "") -> None:
    """Upload the planner's own file (with a release note) and wait until the API shows
    exactly its sets."""
    from chalicelib.ingest.notes import encode_note

    metadata = {"note": encode_note(note)} if note else {}
    stack.client("s3").put_object(
        Bucket=stack.bucket, Key="uploads/planner.csv", Body=timetable.encode(), Metadata=metadata
    )
    rows = [line.split(",") for line in timetable.splitlines()[1:]]
    wanted = sorted((stage, start, artist, genre) for stage, _, start, _, artist, genre, _ in rows)

    def shown() -> bool:
        status, body = stack.get("/performances?day=2026-07-04&limit=500")
        found = [(s["stage"], s["start"][11:16], s["artist"], s["genre"]) for s in body["items"]]
        return status == 200 and sorted(f for f in found if f[0] in ("Meadow", "Barn")) == wanted

    poll(shown, "the planner's upload")


def set_id(stack: Stack, artist: str) -> str:
    _, body = stack.get("/performances?day=2026-07-04&limit=500")
    return next(s["id"] for s in body["items"] if s["artist"] == artist)


def saturday(page: Any, stack: Stack, moment: str = "2026-07-04T20:00") -> None:
    open_schedule(page, stack, moment)
    page.click(f"nav.days button[data-day='{SATURDAY}']")
    block(page, "Björk").wait_for()


def star(page: Any, artist: str) -> Any:
    return block(page, artist).locator("button.star")


def plan_artists(page: Any) -> list[str]:
    return page.locator("#plan-list .pick .artist").all_text_contents()


def test_a_star_survives_a_reload_and_lists_the_set_in_my_plan(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    button = star(page, "Björk")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    saturday(page, stack)  # loads the page again
    assert star(page, "Björk").get_attribute("aria-pressed") == "true"
    page.click("#show-plan")
    assert page.locator("#plan-view").is_visible() and not page.locator("#timetable-view").is_visible()
    expect(page.locator("#plan-list .pick .artist")).to_have_text(["Björk"])  # once every day has loaded
    assert page.locator("#plan-list h3").all_text_contents() == ["Sat, Jul 4"]
    assert "Next: Björk (Meadow, Sat, Jul 4 21:00)" in page.text_content("#plan-now")
    assert page.text_content("#show-plan").strip() == "My plan (1)"
    assert page.problems == []


def test_tab_to_a_set_enter_opens_it_and_s_stars_it(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    opener = block(page, "Sigur Rós").locator(".open")
    name = opener.get_attribute("aria-label")
    assert name.startswith("Sigur Rós, Meadow, Sat, Jul 4 22:30 to 23:30")  # artist, stage and time for a reader
    for _ in range(400):  # Tab through the page, as a keyboard user would, to the set
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label') || ''") == name:
            break
    else:
        pytest.fail("Tab never reached the set")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus is visible
    page.keyboard.press("Enter")
    assert page.locator("dialog#details").is_visible()
    assert page.text_content("#details-artist") == "Sigur Rós"
    page.click("#details-star")
    assert page.get_attribute("#details-star", "aria-pressed") == "true"
    page.keyboard.press("Escape")
    assert not page.locator("dialog#details").is_visible()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == name  # focus returns to the set
    page.keyboard.press("s")
    assert star(page, "Sigur Rós").get_attribute("aria-pressed") == "false"
    page.keyboard.press("s")
    assert star(page, "Sigur Rós").get_attribute("aria-pressed") == "true"
    assert "Sigur Rós added to my plan" in page.text_content("#live")


def test_overlapping_picks_clash_and_walking_time_flags_sets_too_close(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    for artist in ("Björk", "MØ", "Sigur Rós", "Röyksopp Tribute"):
        star(page, artist).click()
    assert "clash" in block(page, "Björk").get_attribute("class")
    page.click("#show-plan")
    warnings = {
        item.locator(".artist").text_content(): item.locator(".warning").all_text_contents()
        for item in page.locator("#plan-list .pick").all()
    }
    assert warnings["Björk"] == ["Clashes with MØ (Barn, 21:30–22:15)"]
    assert warnings["MØ"] == ["Clashes with Björk (Meadow, 21:00–22:00)"]
    assert warnings["Sigur Rós"] == warnings["Röyksopp Tribute"] == []  # ten minutes apart: fine without walking
    page.fill("#walk", "15")
    page.dispatch_event("#walk", "change")
    sigur_ros = set_id(stack, "Sigur Rós")
    tight = page.locator(f"#plan-list .pick[data-id='{sigur_ros}'] .warning").all_text_contents()
    assert tight == ["Only 10 min to walk between Meadow and Barn (Röyksopp Tribute)"]
    page.reload()  # the walking time is a setting: it stays
    assert page.input_value("#walk") == "15"


def test_a_cancelled_pick_stays_in_my_plan_struck_through_and_clashes_with_nothing(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    star(page, "Golden Garçons").click()  # the sample cancels it: 15:15-15:55, Café Lumière
    star(page, "Moon Collective").click()  # 15:30-17:00, would overlap it
    page.click("#show-plan")
    cancelled = page.locator("#plan-list .pick", has_text="Golden Garçons")
    assert "cancelled" in cancelled.locator(".flag").all_text_contents()
    expect(cancelled.locator(".artist")).to_have_css("text-decoration-line", "line-through")
    assert page.locator("#plan-list .warning").count() == 0


def test_the_share_link_shows_the_plan_in_another_browser_which_may_add_it(
    page: Any, browser: Any, stack: Stack
) -> None:
    saturday(page, stack)
    star(page, "Björk").click()
    star(page, "Sigur Rós").click()
    page.click("#show-plan")
    page.click("#share")
    link = page.input_value("#share-link")
    picked = {set_id(stack, "Björk"), set_id(stack, "Sigur Rós")}
    assert link.startswith(stack.api + "/#plan=") and set(link.split("=", 1)[1].split(",")) == picked

    friend = browser.new_context(**DESKTOP, service_workers="block")
    other = watched(friend.new_page())
    other.goto(link)
    expect(other.locator("#plan-list .pick .artist")).to_have_text(["Björk", "Sigur Rós"])
    assert other.text_content("#plan-title") == "A shared plan"
    assert "2 sets; 2 of them are not in yours" in other.text_content("#shared")
    other.click("#shared-add")
    assert other.text_content("#plan-title") == "My plan" and sorted(plan_artists(other)) == ["Björk", "Sigur Rós"]
    expect(other).not_to_have_url(re.compile("#plan="))
    other.click("#show-timetable")
    other.click(f"nav.days button[data-day='{SATURDAY}']")
    assert star(other, "Björk").get_attribute("aria-pressed") == "true"
    assert star(other, "MØ").get_attribute("aria-pressed") == "false"
    assert other.problems == []
    friend.close()


def test_the_calendar_subscription_holds_exactly_the_picks(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    star(page, "Björk").click()
    star(page, "Röyksopp Tribute").click()
    page.click("#show-plan")
    subscription = page.eval_on_selector("#subscribe", "a => a.href")
    assert subscription.startswith("webcal://")
    assert page.eval_on_selector("#calendar-address", "a => a.href") == subscription.replace("webcal:", "http:", 1)
    feed = Calendar.from_ical(page.request.get(subscription.replace("webcal://", "http://", 1)).body())
    events = {str(event["SUMMARY"]): str(event["UID"]) for event in feed.walk("VEVENT")}
    picked = {"Björk": set_id(stack, "Björk"), "Röyksopp Tribute": set_id(stack, "Röyksopp Tribute")}
    assert events == {artist: uid(ident) for artist, ident in picked.items()}
    # One set on its own, from its details.
    page.click("#show-timetable")
    block(page, "MØ").locator(".open").click()
    one = Calendar.from_ical(page.request.get(page.eval_on_selector("#details-calendar", "a => a.href")).body())
    assert [str(event["SUMMARY"]) for event in one.walk("VEVENT")] == ["MØ"]


@pytest.mark.parametrize(
    ("typed", "found"), [("bjork", "Björk"), ("sigur ros", "Sigur Rós"), ("BJÖRK", "Björk"), ("mo electropop", "MØ")]
)
def test_search_ignores_case_and_accents_and_jumps_to_the_set(page: Any, stack: Stack, typed: str, found: str) -> None:
    open_schedule(page, stack)  # Friday on screen; the match plays on Saturday
    page.fill("#filter", typed)
    results = page.locator("#results button")
    assert results.first.locator(".artist").text_content() == found
    page.keyboard.press("Enter")
    page.wait_for_selector(f"nav.days button[data-day='{SATURDAY}'][aria-selected=true]")
    target = block(page, found)
    assert "found" in target.get_attribute("class")
    assert target.locator(".open").evaluate("b => b === document.activeElement")
    assert target.is_visible()


def test_a_set_moved_by_a_re_upload_stays_starred_and_is_marked_as_changed(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    star(page, "Sigur Rós").click()
    ident = set_id(stack, "Sigur Rós")
    moved = PLANNER.replace("Meadow,2026-07-04,22:30,23:30,Sigur Rós", "Barn,2026-07-04,22:20,23:20,Sigur Rós")
    upload(stack, moved, note="Sigur Rós moves to the Barn: the Meadow is flooded")
    try:
        page.reload()
        page.click(f"nav.days button[data-day='{SATURDAY}']")
        moved = page.locator(f"#grid .set[data-id='{ident}']")
        moved.wait_for()
        assert (moved.get_attribute("data-stage"), moved.get_attribute("data-start")) == ("Barn", "2026-07-04T22:20")
        assert moved.locator("button.star").get_attribute("aria-pressed") == "true"
        page.wait_for_selector(f"#grid .set.changed[data-id='{ident}']")  # once /changes has answered
        assert moved.locator(".news").text_content() == "moved"
        note = page.text_content("#changes-note")
        assert "Changed since your last visit: 1 moved." in note
        assert "Sigur Rós: moved, Barn Sat, Jul 4 22:20 (was Meadow 22:30)" in note
        assert "From the organisers: Sigur Rós moves to the Barn: the Meadow is flooded" in note
        assert "moved since your last visit" in moved.locator(".open").get_attribute("aria-label")
        page.click("#changes-dismiss")
        assert page.locator("#grid .set.changed").count() == 0
    finally:
        upload(stack, PLANNER)


@contextmanager
def crowd(stack: Stack, stages: int, acts: int) -> Iterator[list[str]]:
    """`acts` sets of four minutes on each of `stages` extra stages on Sunday, uploaded as
    one file and removed afterwards; yields their ids, earliest first."""
    clock = lambda minute: f"{10 + minute // 60:02d}:{minute % 60:02d}"  # noqa: E731
    rows = "".join(
        f"Big Top {stage},2026-07-05,{clock(n * 5)},{clock(n * 5 + 4)},Crowd Act {stage}-{n:03d},,\n"
        for stage in range(1, stages + 1)
        for n in range(1, acts + 1)
    )
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket, Key="uploads/crowd.csv", Body=(PLANNER.splitlines()[0] + "\n" + rows).encode())
    poll(lambda: stack.get("/changes?limit=1")[1]["items"][0]["total"] == stages * acts, "the crowd's release")
    try:
        sets = []
        for stage in range(1, stages + 1):
            _, page = stack.get(f"/stages/Big%20Top%20{stage}/performances?limit=500")
            sets += page["items"]
        yield [s["id"] for s in sorted(sets, key=lambda s: (s["start"], s["stage"]))]
    finally:
        s3.delete_object(Bucket=stack.bucket, Key="uploads/crowd.csv")
        poll(lambda: stack.get("/stages/Big%20Top%201/performances")[0] == 404, "the crowd's removal")


def test_a_release_of_many_changes_is_marked_whole_not_only_the_changes_it_lists_first(page: Any, stack: Stack) -> None:
    """/changes lists a release's first changes; the rest come a page at a time from
    `all_changes` (a release can hold thousands)."""
    saturday(page, stack)  # this visit's baseline: the release before the upload
    with crowd(stack, 1, 120) as ids:
        assert stack.get("/changes?limit=1")[1]["items"][0]["complete"] is False
        page.reload()
        page.wait_for_selector("#changes-note:not([hidden])")
        assert "Changed since your last visit: 120 new." in page.text_content("#changes-summary")
        page.click("nav.days button[data-day='2026-07-05']")
        page.wait_for_selector(f"#grid .set.changed[data-id='{ids[-1]}']")
        assert page.locator(f"#grid .set[data-id='{ids[-1]}'] .news").text_content() == "new"


PICKS_KEY = "festival-schedule:/:picks"


def stored_picks(page: Any) -> list[str]:
    return sorted(page.evaluate(f"JSON.parse(localStorage.getItem('{PICKS_KEY}') || '[]')"))


def test_two_tabs_keep_each_others_picks(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**DESKTOP, service_workers="block")
    first, second = watched(context.new_page()), watched(context.new_page())
    saturday(first, stack)
    saturday(second, stack)
    star(first, "Björk").click()
    expect(star(second, "Björk")).to_have_attribute("aria-pressed", "true")  # follows the other tab at once
    star(second, "MØ").click()
    expect(star(first, "MØ")).to_have_attribute("aria-pressed", "true")
    expect(first.locator("#plan-count")).to_have_text("(2)")
    # A write this tab has not heard of yet (a page hears no storage event of its own writes):
    # its next star is added to it, not written over it.
    sigur_ros = set_id(stack, "Sigur Rós")
    first.evaluate(
        f"localStorage.setItem('{PICKS_KEY}', JSON.stringify([...JSON.parse(localStorage.getItem("
        f"'{PICKS_KEY}')), '{sigur_ros}']))"
    )
    star(first, "Röyksopp Tribute").click()
    picked = sorted(set_id(stack, a) for a in ("Björk", "MØ", "Sigur Rós", "Röyksopp Tribute"))
    assert stored_picks(first) == picked
    second.reload()
    expect(second.locator("#plan-count")).to_have_text("(4)")
    assert first.problems == second.problems == []
    context.close()


def test_a_share_link_opened_in_a_new_tab_adds_to_the_picks_made_meanwhile(browser: Any, stack: Stack) -> None:
    context = browser.new_context(**DESKTOP, service_workers="block")
    mine = watched(context.new_page())
    saturday(mine, stack)
    star(mine, "Björk").click()
    shared = watched(context.new_page())
    shared.goto(f"{stack.api}/#plan={set_id(stack, 'Sigur Rós')}")
    expect(shared.locator("#shared-add")).to_be_visible()
    star(mine, "MØ").click()  # meanwhile, in the first tab
    # localStorage reaches another tab a few milliseconds later (Chromium passes it between
    # renderer processes); a person switching tabs is slower than that, this test need not be.
    shared.wait_for_function(f"() => (localStorage.getItem('{PICKS_KEY}') || '').includes('{set_id(stack, 'MØ')}')")
    shared.click("#shared-add")
    expect(mine.locator("#plan-count")).to_have_text("(3)")
    assert stored_picks(mine) == sorted(set_id(stack, a) for a in ("Björk", "MØ", "Sigur Rós"))
    context.close()


def test_a_shared_plan_of_sets_the_festival_does_not_have_adds_only_its_real_sets(page: Any, stack: Stack) -> None:
    real = [set_id(stack, "Björk"), set_id(stack, "MØ")]
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    invented = ["".join(random.Random(n).choices(alphabet, k=16)) for n in range(100_000)]
    page.goto(f"{stack.api}/#plan={','.join(real + invented)}")
    expect(page.locator("#shared-summary")).to_have_text("Someone shared a plan of 2 sets; 2 of them are not in yours.")
    assert "100,000 sets in the link are not in this festival's schedule" in page.text_content("#shared-left-out")
    page.click("#shared-add")
    expect(page.locator("#plan-count")).to_have_text("(2)")
    assert stored_picks(page) == sorted(real)


FILL_STORAGE = """() => {
  let size = 1 << 20, n = 0;
  while (size >= 1) {
    try { localStorage.setItem(`junk${n}`, "x".repeat(size)); n += 1; } catch (error) { size = Math.floor(size / 2); }
  }
}"""


def test_a_full_storage_is_said_and_the_pick_kept_until_there_is_room(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    page.evaluate(FILL_STORAGE)
    star(page, "Björk").click()
    expect(page.locator("#unsaved")).to_be_visible()  # said, not silently lost
    assert "not saved on this device" in page.text_content("#unsaved")
    assert star(page, "Björk").get_attribute("aria-pressed") == "true"
    assert stored_picks(page) == []
    page.evaluate("for (const k of Object.keys(localStorage)) if (k.startsWith('junk')) localStorage.removeItem(k)")
    star(page, "MØ").click()
    expect(page.locator("#unsaved")).to_be_hidden()
    assert stored_picks(page) == sorted([set_id(stack, "Björk"), set_id(stack, "MØ")])  # the first pick too


def test_a_plan_past_the_calendars_limit_is_split_into_subscriptions_the_api_answers(page: Any, stack: Stack) -> None:
    with crowd(stack, 3, 150) as ids:
        page.goto(stack.api + "/")
        starred = ids[::-1]  # picked latest first: the subscriptions still ask earliest first
        page.evaluate(f"localStorage.setItem('{PICKS_KEY}', JSON.stringify({json.dumps(starred)}))")
        page.reload()
        page.click("#show-plan")
        # Until every day is loaded the plan asks in the order picked; then, earliest first.
        expect(page.locator("#subscribe")).to_have_attribute("href", re.compile("ids=" + ",".join(ids[:3]) + ","))
        expect(page.locator("#subscribe-more a")).to_have_count(1)  # 450 in 2
        feeds = [page.eval_on_selector("#subscribe", "a => a.href")]
        feeds += page.eval_on_selector_all("#subscribe-more a", "links => links.map(a => a.href)")
        assert "in 2 subscriptions" in page.text_content("#subscribe-hint")
        asked: list[str] = []
        for feed in feeds:
            address = feed.replace("webcal://", "http://", 1)
            part = address.split("ids=")[1].split(",")
            assert len(part) <= 400 and len(address) < 8192
            answer = page.request.get(address)
            assert answer.status == 200, answer.text()
            assert len(Calendar.from_ical(answer.body()).walk("VEVENT")) == len(part)
            asked += part
        assert asked == ids  # every pick, earliest first, each once


# Where on screen a text starts: the left edge of its first occurrence under the element.
LEFT_OF = """(root, text) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at); range.setEnd(node, at + text.length);
    return range.getBoundingClientRect().left;
  }
  return null;
}"""
# Text nodes holding an override that share their run with other text (not alone in a
# <bdi> or a dir="auto" element).
UNISOLATED = """root => [...root.querySelectorAll(":not(script)")].flatMap(e => [...e.childNodes])
  .filter(n => n.nodeType === Node.TEXT_NODE && n.data.includes("\u202e"))
  .filter(n => !n.parentElement.matches("bdi, [dir=auto]")).map(n => n.parentElement.outerHTML)"""


def in_order(locator: Any, *texts: str) -> bool:
    """Whether the texts are drawn left to right in this order, as a reader expects."""
    lefts = [locator.evaluate(LEFT_OF, text) for text in texts]
    assert None not in lefts, (texts, lefts)
    return lefts == sorted(lefts)


def test_a_name_with_a_right_to_left_override_cannot_reverse_the_words_around_it(page: Any, stack: Stack) -> None:
    """U+202E in an artist or a stage (the API may carry one from another source): My plan,
    the strip, search results, the details and the changes keep the page's words in order."""
    hostile = {"Björk": "\u202eBjörk", "Meadow": "\u202eMeadow"}

    def rewrite(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        for name, reversed_name in hostile.items():
            body = body.replace(name, reversed_name)
        route.fulfill(response=response, body=body)

    page.route(lambda url: "/js/" not in url, rewrite)
    saturday(page, stack, "2026-07-04T21:15")
    strip = page.locator(".strip .stage", has_text="Meadow")
    assert in_order(strip, "Now: ", "Björk", "21:00–22:00")
    star(page, "Björk").click()
    star(page, "MØ").click()
    page.click("#show-plan")
    clash = page.locator("#plan-list .warning", has_text="Björk")
    assert in_order(clash, "Clashes with", "Björk", "21:00–22:00")
    assert in_order(page.locator("#plan-list .where", has_text="art pop"), "Meadow", "art pop")
    assert in_order(page.locator("#plan-now"), "Now: ", "Björk", "until 22:00")
    page.click("#show-timetable")
    page.fill("#filter", "bjork")
    assert page.locator("#results").evaluate(UNISOLATED) == []
    page.keyboard.press("Escape")
    block(page, "Björk").locator(".open").click()
    assert page.locator("dialog#details").evaluate(UNISOLATED) == []
    page.keyboard.press("Escape")
    upload(stack, PLANNER.replace("Meadow,2026-07-04,21:00,22:00,Björk", "Meadow,2026-07-04,20:00,21:00,Björk"))
    try:
        page.reload()
        page.wait_for_selector("#changes-note:not([hidden])")
        change = page.locator("#changes-list li", has_text="Björk")
        assert in_order(change, "Björk", "moved", "Sat, Jul 4 20:00", "(was", "21:00")
        assert page.locator("body").evaluate(UNISOLATED) == []
    finally:
        upload(stack, PLANNER)


def test_with_no_signal_the_page_opens_with_the_last_schedule_and_refreshes_when_back(
    browser: Any, stack: Stack
) -> None:
    context = browser.new_context(**DESKTOP)  # service worker allowed
    page = watched(context.new_page())
    saturday(page, stack)
    page.wait_for_selector("#saved:has-text('Saved on this device')")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline:not([hidden])")
    assert "last updated" in page.text_content("#offline")
    page.click(f"nav.days button[data-day='{SATURDAY}']")
    expect(block(page, "Björk")).to_be_visible()
    expect(block(page, "Sigur Rós")).to_be_visible()
    # Now and next come from the saved sets: the API cannot be asked.
    page.fill("#moment", "2026-07-04T21:15")
    page.dispatch_event("#moment", "change")
    page.wait_for_selector("#strip[data-moment='2026-07-04T21:15'] .stage")
    expect(page.locator(".strip .stage[data-stage='Meadow']")).to_contain_text("Now: Björk (21:00–22:00)")

    upload(stack, PLANNER.replace("Björk,art pop", "Björk,art pop and strings"))  # changed while in the field
    try:
        context.set_offline(False)  # the page hears "online" and asks again
        page.wait_for_selector("#offline[hidden]", state="attached", timeout=60_000)  # retried with backoff
        page.click(f"nav.days button[data-day='{SATURDAY}']")
        poll(lambda: block(page, "Björk").locator(".genre").text_content() == "art pop and strings", "the refresh")
    finally:
        upload(stack, PLANNER)
        context.close()


def axe_problems(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")  # axe reads the page drawn whole, not one being redrawn
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_timetable_my_plan_and_details(
    browser: Any, stack: Stack, scheme: str
) -> None:
    context = browser.new_context(**DESKTOP, color_scheme=scheme, service_workers="block")
    page = context.new_page()
    saturday(page, stack, "2026-07-04T21:15")
    star(page, "Björk").click()
    star(page, "MØ").click()  # a clash, so its warning is checked too
    assert axe_problems(page) == [], "timetable"
    page.click("#show-plan")
    assert axe_problems(page) == [], "my plan"
    page.click("#show-timetable")
    block(page, "Björk").locator(".open").click()
    assert axe_problems(page) == [], "details"
    context.close()


def test_dark_mode_reduced_motion_and_a_phone(browser: Any, stack: Stack, tmp_path: Path) -> None:
    context = browser.new_context(**PHONE, color_scheme="dark", reduced_motion="reduce", service_workers="block")
    phone = context.new_page()
    open_schedule(phone, stack, "2026-07-04T21:15")
    phone.click("#show-timetable")  # the grid, one tap from a phone's agenda
    phone.click(f"nav.days button[data-day='{SATURDAY}']")
    block(phone, "Björk").wait_for()
    background = phone.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(21, 20, 27)"  # the dark palette, not white
    assert phone.evaluate("getComputedStyle(document.querySelector('.grid-wrap')).scrollBehavior") == "auto"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "schedule-dark-phone", tmp_path)
    for artist in ("Björk", "MØ", "Sigur Rós"):
        star(phone, artist).click()
    phone.click("#show-plan")
    screenshot(phone, "plan-dark-phone", tmp_path)
    context.close()


def test_my_plan_prints_alone(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    star(page, "Björk").click()
    page.emulate_media(media="print")
    assert page.locator("#plan-view").is_visible() and page.locator("#plan-list .pick").count() == 1
    for hidden in ("#timetable-view", "nav.views", "#share", "#plan-list .star"):
        assert not page.locator(hidden).first.is_visible(), hidden


def test_larger_text_makes_the_grid_larger_too(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    before = block(page, "Björk").bounding_box()["height"]
    page.evaluate("document.documentElement.style.fontSize = '32px'")  # a reader's 200% text size
    after = block(page, "Björk").bounding_box()["height"]
    assert abs((after + 2) / (before + 2) - 2) < 0.05  # an hour stays an hour tall, twice as tall
    size = block(page, "Björk").locator(".artist").evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    assert size >= 25  # 0.8rem of 32px


def test_a_reload_asks_again_with_the_etag_it_holds(page: Any, stack: Stack) -> None:
    saturday(page, stack)
    asked: dict[str, str | None] = {}

    def note(request: Any) -> None:
        path = request.url.removeprefix(stack.api).split("&")[0]
        if path in ("/", "/performances?day=2026-07-04"):  # the page (with Friday in it), and Saturday
            asked[path] = request.all_headers().get("if-none-match")

    page.on("request", note)
    page.reload()
    page.wait_for_selector(".set")
    # a function, not an expression: Playwright polls an expression with eval, which the page's CSP refuses
    saturday_fetched = "() => performance.getEntriesByType('resource').some(e => e.name.includes('day=2026-07-04'))"
    page.wait_for_function(saturday_fetched)
    # Within their max-age, yet asked again: a reload never shows a stale timetable, and when
    # nothing changed the server answers 304 (tests/test_caching.py) for one small read.
    saturday_etag = page.request.get(stack.api + "/performances?day=2026-07-04&limit=500").headers["etag"]
    page_etag = page.request.get(stack.api + "/").headers["etag"]
    assert asked == {"/": page_etag, "/performances?day=2026-07-04": saturday_etag}
