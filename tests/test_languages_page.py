"""The pages in the visitor's language, in Debian's headless Chromium against the app on
moto with the sample festival: German, Arabic (right to left) and Japanese (no catalogue:
English), the agenda and the grid on a 390 px phone with no text cut, times in each
locale's own form, axe clean in each; switching the language keeps the picks and the
scroll position; the organiser's page in German and Arabic, the server's reasons for a
rejected row said in them by their code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_plugin import DESKTOP, PHONE, entry, needs_chromium, watched
from tests.localstack import Stack, running_stack
from tests.test_organiser_page import REUPLOAD, TYPO_LINE, drop, previewed
from tests.test_planner_page import axe_problems

pytestmark = needs_chromium
FRIDAY = "2026-07-03"
EVENING = "Hôtel Kids"  # Späti Stage, Friday 21:00-21:45
# Text that runs out of its box: wider than it (a word cut), on one line or wrapped.
CUT = """items => items.filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.className + ": " + e.textContent)"""
# Every element the page writes words into, on the schedule page's first screen and agenda.
WORDED = (
    "header h1, header .zone, header label, .bar button, nav.days button, .controls label, .controls button, "
    "#stage-filter summary, label.switch, #agenda .slot h3, #agenda .entry .artist, #agenda .entry .when, "
    "#agenda .entry .where, #agenda .entry .flag, #agenda .entry .warning, #agenda .entry .during"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("languages")) as running:
        yield running


def settled(page: Any, selector: str) -> None:
    """Wait for `selector`, then for the page's follow-up reads (the changes, the rest of the
    modules) to be answered: each may redraw the sets a test is about to measure."""
    page.wait_for_selector(selector)
    page.wait_for_load_state("networkidle")


def spaced(text: str) -> str:
    """Intl's narrow and no-break spaces as plain ones (9:00\u202fPM)."""
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text)


def open_in(browser: Any, stack: Stack, locale: str, shape: dict[str, Any], path: str = "/") -> Any:
    context = browser.new_context(**{**shape, "locale": locale}, service_workers="block")
    page = watched(context.new_page())
    page.goto(stack.api + path)
    return page


def agenda_in(browser: Any, stack: Stack, locale: str) -> Any:
    page = open_in(browser, stack, locale, PHONE)
    page.click(f"nav.days button[data-day='{FRIDAY}']")
    settled(page, f"#agenda .entry[data-start^='{FRIDAY}T21']")
    return page


@pytest.mark.parametrize(
    ("locale", "language", "direction", "title", "evening"),
    [
        ("de-DE", "de", "ltr", "Festivalprogramm", "21:00–21:45"),
        ("ar", "ar", "rtl", "برنامج المهرجان", "9:00 م–9:45 م"),
        ("ja-JP", "en", "ltr", "Festival schedule", "9:00 PM–9:45 PM"),  # no Japanese catalogue: English
        ("en-US", "en", "ltr", "Festival schedule", "9:00 PM–9:45 PM"),
    ],
)
def test_the_agenda_on_a_phone_speaks_the_browsers_language_with_its_times_and_nothing_cut(
    browser: Any, stack: Stack, locale: str, language: str, direction: str, title: str, evening: str
) -> None:
    page = agenda_in(browser, stack, locale)
    root = page.evaluate(
        "[document.documentElement.lang, document.documentElement.dir, document.documentElement"
        ".dataset.language, document.title]"
    )
    assert root[1:] == [direction, language, title]
    assert root[0] == (locale if language != "en" or locale == "en-US" else "en")
    assert page.input_value("#language") == language
    assert spaced(entry(page, EVENING).locator(".when").text_content()) == evening  # the locale's own clock
    heads = [spaced(text) for text in page.locator("#agenda .slot h3").all_text_contents()]
    assert len(heads) == len(set(heads)) > 10
    texts = page.locator(WORDED)
    assert texts.count() > 100
    assert texts.evaluate_all(CUT) == []  # German's long words wrap, none is cut
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    assert page.problems == []
    page.context.close()


def test_german_writes_the_weekday_and_date_its_own_way_and_the_grid_in_24_hours(browser: Any, stack: Stack) -> None:
    page = agenda_in(browser, stack, "de-DE")
    assert page.locator("nav.days button").all_text_contents()[:2] == ["Fr., 3. Juli", "Sa., 4. Juli"]
    assert "Zeiten in Europe/Amsterdam" in page.text_content("#zone")
    page.click("#show-timetable")
    settled(page, "#grid .set")
    hours = page.locator("#grid .hour").all_text_contents()
    assert hours[:2] == ["12:00", "13:00"] and "21:00" in hours
    cut = page.locator("#grid .set .artist, #grid .set .when, #grid .stage-head, #grid .hour").evaluate_all(CUT)
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()


def test_arabic_is_mirrored_the_time_axis_on_the_right_and_names_keep_their_direction(
    browser: Any, stack: Stack
) -> None:
    page = open_in(browser, stack, "ar", DESKTOP)
    settled(page, "#grid .set")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    axis = page.locator("#grid .times").bounding_box()
    columns = page.locator("#grid .column").evaluate_all(
        "cs => cs.map(c => c.getBoundingClientRect()).map(r => [r.left, r.right])"
    )
    assert all(right <= axis["x"] + 1 for _, right in columns)  # the time axis is the rightmost column
    assert columns == sorted(columns, reverse=True)  # the stages run from the right
    block = page.locator("#grid .set").first
    star, name = block.locator(".star").bounding_box(), block.locator(".artist").bounding_box()
    assert star["x"] < name["x"]  # the star at the block's end: its left, in Arabic
    assert block.locator(".artist").get_attribute("dir") == "auto"  # a Latin name keeps its direction
    assert page.evaluate("getComputedStyle(document.querySelector('#grid .set')).borderRightWidth") == "4px"
    page.click("#show-agenda")
    item = page.locator("#agenda .entry").first
    star, name = item.locator(".star").bounding_box(), item.locator(".artist").bounding_box()
    assert star["x"] < name["x"]
    item.locator(".open").click()
    details = page.locator("#details dl")
    term, value = details.locator("dt").first.bounding_box(), details.locator("dd").first.bounding_box()
    assert term["x"] > value["x"]  # the dialog's labels on the right
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize("locale", ["de-DE", "ar", "ja-JP"])
def test_axe_finds_nothing_serious_in_each_language(browser: Any, stack: Stack, locale: str) -> None:
    page = agenda_in(browser, stack, locale)
    entry(page, EVENING).locator(".star").click()
    assert axe_problems(page) == [], "agenda"
    page.click("#show-timetable")
    settled(page, "#grid .set")
    assert axe_problems(page) == [], "grid"
    page.click("#show-plan")
    page.wait_for_selector("#plan-list .pick")
    assert axe_problems(page) == [], "my plan"
    page.context.close()


def test_switching_the_language_keeps_the_picks_the_day_and_the_scroll_position(browser: Any, stack: Stack) -> None:
    page = agenda_in(browser, stack, "en-US")
    catalogues = "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/languages'))"
    assert page.evaluate(catalogues) == []  # the page carried its words in the browser's language
    for artist in (EVENING, "Kaiser Brûlée"):
        entry(page, artist).locator(".star").click()
    entry(page, EVENING).scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 120)")
    before = page.evaluate(
        """() => { const top = document.getElementById("bar").getBoundingClientRect().bottom;
          const item = [...document.querySelectorAll("#agenda .entry")].find(e => e.getBoundingClientRect().top > top);
          return [window.scrollY, item.dataset.id, item.getBoundingClientRect().top]; }"""
    )
    assert before[0] > 500
    page.select_option("#language", "de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#show-plan")).to_contain_text("Mein Plan (2)")
    expect(entry(page, EVENING).locator(".when")).to_have_text("21:00–21:45")
    assert [name.split("/")[-1].split("?")[0] for name in page.evaluate(catalogues)] == ["de.json"]
    after = page.evaluate(
        """(id) => [window.scrollY,
                    document.querySelector(`#agenda .entry[data-id="${id}"]`).getBoundingClientRect().top]""",
        before[1],
    )
    assert abs(after[0] - before[0]) <= 2 and abs(after[1] - before[2]) <= 2  # the same set where it was
    assert page.get_attribute(f"nav.days button[data-day='{FRIDAY}']", "aria-selected") == "true"
    assert entry(page, EVENING).locator(".star").get_attribute("aria-pressed") == "true"
    page.reload()  # kept: the page opens in German from now on, whatever the browser says
    settled(page, "#agenda .entry")
    assert page.evaluate("document.documentElement.dataset.language") == "de"
    expect(page.locator("#show-agenda")).to_have_text("Liste")
    expect(page.locator("#plan-count")).to_have_text("(2)")  # drawn once the picks are read
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "direction", "verdict", "reason", "apply"),
    [
        ("de-DE", "ltr", "Teilweise", "start „17.55“ ist keine Uhrzeit der Form HH:MM (24 Stunden)", "Vorschau"),
        ("ar", "rtl", "جزئي", "start «17.55» ليس وقتًا بالصيغة HH:MM (24 ساعة)", "معاينة"),
    ],
)
def test_the_organisers_page_speaks_german_and_arabic_and_says_the_servers_reasons_by_their_code(
    browser: Any, stack: Stack, locale: str, direction: str, verdict: str, reason: str, apply: str
) -> None:
    page = open_in(browser, stack, locale, PHONE, "/organiser")
    page.wait_for_selector("body[data-state=ready]")
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.text_content("#preview-button") == apply
    page.fill("#name", "sample/friday.csv")
    drop(page, "friday.csv", REUPLOAD)
    previewed(page, "sample/friday.csv")
    expect(page.locator(".verdict .word")).to_have_text(verdict)
    row = page.locator(f"#problems-body li[data-line='{TYPO_LINE}']")
    expect(row.locator(".reason")).to_have_text(reason)  # translated by its code, with the value it names
    moved = page.locator(".kind[data-kind=moved] li").first
    assert re.search(r"20:15|8:15", spaced(moved.text_content()))  # times through Intl
    cells = row.locator(".cell")
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert (first["x"] > second["x"]) == (direction == "rtl")  # the row's cells run from the right in Arabic
    assert page.locator("#problems-body, #changes, #day-panel").evaluate_all(CUT) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_problems(page) == [], locale
    assert page.problems == []
    page.context.close()


def refusing(body: dict[str, Any]) -> Any:
    """A route handler answering 413 with `body` (Playwright passes the route and the request)."""

    def refuse(route: Any) -> None:
        route.fulfill(status=413, json=body)

    return refuse


def test_a_4xx_answer_is_said_by_its_code_and_an_unknown_code_in_the_apis_english(browser: Any, stack: Stack) -> None:
    page = open_in(browser, stack, "de-DE", DESKTOP, "/organiser")
    page.wait_for_selector("body[data-state=ready]")
    answers = {
        "preview-too-large": ("the CSV is 3,000,000 bytes; a preview takes at most", {"count": "3,000,000"}),
        "something-new": ("a message no catalogue has", {}),
    }
    for code, (message, values) in answers.items():
        body = {"Code": "PayloadTooLarge", "Message": message, "code": code, "values": values}

        page.route("**/previews?*", refusing(body))
        page.fill("#name", f"{code}.csv")
        drop(page, f"{code}.csv", "stage,date,start,end,artist\n")
        expected = "3,000,000 Bytes; eine Vorschau nimmt höchstens 2 MB" if code == "preview-too-large" else message
        expect(page.locator("#error")).to_contain_text(expected)
        page.unroute("**/previews?*")
    page.context.close()
