"""The organiser's page (`/organiser`) in Debian's headless Chromium, against the app running
locally on moto with the sample festival live at uploads/sample/*.csv: a re-upload of
Friday with one set moved and one row with a typo, dropped on the page, shows the verdict,
the rejected row with the wrong cell marked, the moved set in the changes and on the day's
grid, and the commands that publish it, which do; axe finds nothing serious in light or
dark; the page is cached with an ETag like every route, under a CSP that allows nothing
inline."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_plugin import DESKTOP, PHONE, needs_chromium, screenshot, watched
from tests.localstack import BIN, EDITOR, ORGANISER_PASSWORD, PUBLISHER, ROOT, Stack, poll, running_stack
from tests.test_planner_page import axe_problems

pytestmark = needs_chromium
FRIDAY = "2026-07-03"
SAMPLE = (ROOT / "local" / "sample" / "friday.csv").read_text(encoding="utf-8")
MOVED = ("Forest,2026-07-03,20:15,22:15,Hôtel Étoiles", "Forest,2026-07-03,20:00,22:00,Hôtel Étoiles")
TYPO = ("The Dome,2026-07-03,17:55,19:10,Electric Noir", "The Dome,2026-07-03,17.55,19:10,Electric Noir")


SCROLLED_TO = """b => { const grid = document.getElementById("grid").getBoundingClientRect();
  const set = b.getBoundingClientRect(); return set.top >= grid.top && set.bottom <= grid.bottom; }"""


def reupload() -> str:
    text = SAMPLE
    for old, new in (MOVED, TYPO):
        assert old in text
        text = text.replace(old, new)
    return text


REUPLOAD = reupload()
TYPO_LINE = REUPLOAD.splitlines().index(TYPO[1] + ",electronic,") + 1
# A new file dated by festival day, with the small hours written both ways: the page
# draws its rows where the server's preview places them.
LATE = (
    "Stage,Day,Start,End,Artist,Status\n"
    "Night Tent,2026-07-05,23:30,01:00,Owl Choir,\n"
    "Night Tent,2026-07-05,01:15,02:00,Moth Quartet,\n"
    "Night Tent,2026-07-05,26:10,27:00,Last Light,\n"
    "Night Tent,2026-07-06,18:00,19:30,Monday Matinee,cancelled\n"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("organiser")) as running:
        yield running


def open_page(page: Any, stack: Stack) -> Any:
    response = page.goto(stack.api + "/organiser")
    page.wait_for_selector("body[data-state=ready]")
    return response


def drop(page: Any, name: str, text: str) -> None:
    """Drop a file on the drop zone, as a file manager would."""
    data = page.evaluate_handle(
        """([name, text]) => {
          const data = new DataTransfer();
          data.items.add(new File([text], name, { type: "text/csv" }));
          return data;
        }""",
        [name, text],
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": data})


def previewed(page: Any, name: str) -> Any:
    page.wait_for_selector(f"#report[data-previewed='{name}']")
    page.wait_for_selector("body[data-state=done]")
    return page.locator("#report")


def preview_reupload(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    page.fill("#name", "sample/friday.csv")  # the live file it replaces
    drop(page, "friday.csv", REUPLOAD)
    previewed(page, "sample/friday.csv")


def live_set(stack: Stack, artist: str) -> dict[str, Any]:
    _, body = stack.get(f"/performances?day={FRIDAY}&limit=500")
    return next(item for item in body["items"] if item["artist"] == artist)


def test_a_dropped_reupload_shows_the_rejected_cell_and_the_moved_set(page: Any, stack: Stack, tmp_path: Path) -> None:
    before = live_set(stack, "Hôtel Étoiles")
    preview_reupload(page, stack)
    assert page.get_attribute("#report", "data-status") == "partial"
    expect(page.locator("#verdict .word")).to_have_text("Partial")
    counts = dict(reversed(item.split(" ", 1)) for item in page.locator("#verdict .counts li").all_text_contents())
    assert counts == {"new": "0", "moved": "1", "changed": "0", "cancelled": "0", "removed": "0", "unchanged": "55"}

    # The rejected row, whole, as the file has it, and only its start marked.
    row = page.locator(f"#problems-body li[data-line='{TYPO_LINE}']")
    expect(row.locator(".reason")).to_contain_text('start "17.55"')
    cells = row.locator(".cell")
    assert cells.locator("dd").all_text_contents() == [
        "The Dome",
        "2026-07-03",
        "17.55",
        "19:10",
        "Electric Noir",
        "electronic",
        "(empty)",
    ]
    bad = row.locator(".cell.bad")
    assert bad.count() == 1 and bad.get_attribute("data-column") == "start"
    # Marked by more than colour: a sign, a word for screen readers, a double border.
    assert bad.locator("dt").evaluate("dt => getComputedStyle(dt, '::before').content") == '"✗ "'
    assert "(to fix)" in bad.locator("dt").text_content()
    assert bad.evaluate("c => getComputedStyle(c).borderTopStyle") == "double"
    assert row.locator(".cell:not(.bad)").first.evaluate("c => getComputedStyle(c).borderTopStyle") == "solid"

    # The changes, by kind and stage: the moved set, from -> to.
    moved = page.locator("#changes section[data-kind=moved] ul[data-stage='Forest'] li")
    expect(moved).to_have_count(1)
    assert moved.get_attribute("data-id") == before["id"]  # the set the festival-goers have picked
    assert moved.locator(".artist").text_content() == "Hôtel Étoiles"
    assert moved.locator(".was").text_content() == "Fri, Jul 3 20:15–22:15"
    assert moved.locator(".when").text_content() == "Fri, Jul 3 20:00–22:00"
    assert page.locator("#changes section[data-kind]").evaluate_all("s => s.map(x => x.dataset.kind)") == ["moved"]

    # The day's grid: Friday, stages as columns, the moved set marked where it goes.
    assert page.locator("#days [role=tab]").evaluate_all("tabs => tabs.map(t => t.dataset.day)") == [FRIDAY]
    block = page.locator("#grid li.set.moved")
    expect(block).to_have_count(1)
    assert block.get_attribute("data-start") == "2026-07-03T20:00" and block.get_attribute("data-stage") == "Forest"
    assert block.locator(".flag").text_content() == "moved"
    assert block.locator(".from").text_content() == "from 20:15–22:15"
    assert block.evaluate(SCROLLED_TO), "the grid opens scrolled to the first change"
    assert page.locator("#grid li.set").count() == 56  # every accepted row
    expect(page.locator("#gone")).to_contain_text("Electric Noir")  # its row is rejected: it stays as it is

    # Nothing is published by a preview.
    assert live_set(stack, "Hôtel Étoiles") == before
    assert page.problems == []
    page.set_viewport_size({"width": 1280, "height": 1560})  # the picture: from the verdict to the moved set
    page.evaluate("document.getElementById('verdict-title').scrollIntoView()")
    screenshot(page, "organiser-page", tmp_path)


def test_a_file_chosen_on_a_phone_is_a_list_that_fits_and_scales(browser: Any, stack: Stack, tmp_path: Path) -> None:
    context = browser.new_context(**PHONE, service_workers="block")
    page = watched(context.new_page())
    open_page(page, stack)
    page.set_input_files("#file", files=[{"name": "friday.csv", "mimeType": "text/csv", "buffer": REUPLOAD.encode()}])
    previewed(page, "friday.csv")  # named after the file: compared with no live file, every set is new
    assert page.input_value("#name") == "friday.csv"
    page.fill("#name", "sample/friday.csv")
    page.press("#name", "Enter")
    previewed(page, "sample/friday.csv")
    assert page.get_attribute("#day-panel", "data-layout") == "list"  # a phone's first view
    entry = page.locator("#agenda li.entry.moved")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Hôtel Étoiles")
    expect(entry.locator(".from")).to_have_text("from 20:15–22:15")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    page.check("#changed-only")
    expect(page.locator("#agenda li.entry")).to_have_count(1)
    page.evaluate("document.getElementById('changes-title').scrollIntoView()")
    screenshot(page, "organiser-phone", tmp_path)
    page.evaluate("document.documentElement.style.fontSize = '200%'")  # the reader's larger text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.problems == []
    context.close()


def test_the_grid_places_the_files_rows_where_the_api_puts_them(page: Any, stack: Stack) -> None:
    """The page draws the sets where the server's preview places them (the same reading of
    the CSV as the ingest's): an unchanged file's sets are where the API has them, and a file
    dated by festival day with 24:00-29:59 and small hours lands where the preview says."""
    open_page(page, stack)
    page.fill("#name", "sample/friday.csv")
    drop(page, "friday.csv", SAMPLE)
    previewed(page, "sample/friday.csv")
    assert page.get_attribute("#report", "data-status") == "ok"
    drawn = page.locator("#grid li.set").evaluate_all(
        "sets => sets.map(s => [s.dataset.stage, s.querySelector('.artist').textContent, s.dataset.start, "
        "s.dataset.end])"
    )
    _, body = stack.get(f"/performances?day={FRIDAY}&limit=500")
    assert sorted(drawn) == sorted([s["stage"], s["artist"], s["start"][:16], s["end"][:16]] for s in body["items"])

    drop(page, "late.csv", LATE)  # another file: it takes its own name
    previewed(page, "late.csv")
    assert page.get_attribute("#report", "data-status") == "ok"
    days = page.locator("#days [role=tab]").evaluate_all("tabs => tabs.map(t => t.dataset.day)")
    assert days == ["2026-07-05", "2026-07-06"]
    sunday = page.locator("#grid li.set").evaluate_all("s => s.map(x => [x.dataset.change, x.dataset.start])")
    # Every row matched its change in the server's preview: none drawn twice, none unmatched.
    assert sorted(sunday) == [["new", "2026-07-05T23:30"], ["new", "2026-07-06T01:15"], ["new", "2026-07-06T02:10"]]
    page.click("#days [data-day='2026-07-06']")
    monday = page.locator("#grid li.set")
    expect(monday).to_have_count(1)
    assert "cancelled" in monday.get_attribute("class") and monday.get_attribute("data-end") == "2026-07-06T19:30"
    assert page.problems == []


# What Excel saves in much of Europe: Windows-1252, semicolons, CRLF, a quoted value on two
# lines (so line numbers are not row numbers); the last row lasts too long. Its 13:00 set
# takes a slot of the live Sunday's, which publishing would remove.
EXCEL = (
    "stage;date;start;end;artist;notes\r\n"
    'Café Lumière;2026-07-05;12:00;12:30;Crème Brûlée;"two\r\nlines"\r\n'
    "Café Lumière;2026-07-05;13:00;13:30;Señor Typo;\r\n"
    'Café Lumière;2026-07-05;14:00;14:30;Naïve;"a ""quoted"" word"\r\n'
    "Café Lumière;2026-07-05;25:00;13:30;Wrong;\r\n"
).encode("cp1252")


def test_a_windows_1252_semicolon_file_shows_its_rejected_row_by_its_physical_line(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    page.set_input_files("#file", files=[{"name": "excel.csv", "mimeType": "text/csv", "buffer": EXCEL}])
    previewed(page, "excel.csv")
    expect(page.locator("#verdict")).to_contain_text("Read as Windows-1252, semicolon-separated.")
    row = page.locator("#problems-body li[data-line='6']")  # the fifth record starts on the sixth line
    assert row.locator("dd").all_text_contents() == ["Café Lumière", "2026-07-05", "25:00", "13:30", "Wrong", "(empty)"]
    assert row.locator(".cell.bad").evaluate_all("cells => cells.map(c => c.dataset.column)") == ["start", "end"]
    removed = page.locator("#changes section[data-kind=removed] li")
    expect(removed).to_have_text(re.compile(r"Neon Strangers · Sun, Jul 5 13:00–13:30"))
    expect(page.locator("#gone")).to_contain_text("Neon Strangers")
    notes = page.locator("#grid li.set .artist").all_text_contents()
    assert notes == ["Crème Brûlée", "Señor Typo", "Naïve"]
    assert page.problems == []


def test_a_file_over_2_mb_and_a_busy_api_are_said_not_shown_as_a_blank_page(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    large = b"stage,date,start,end,artist\n" + b"x" * (2 * 1024 * 1024)
    page.set_input_files("#file", files=[{"name": "huge.csv", "mimeType": "text/csv", "buffer": large}])
    expect(page.locator("#error")).to_contain_text("at most 2 MB")
    expect(page.locator("#error")).to_contain_text("drafts/")
    page.route(
        "**/previews?*",
        lambda route: route.fulfill(
            status=503,
            headers={"Retry-After": "30"},
            json={"Code": "ServiceUnavailable", "Message": "an upload is being applied right now"},
        ),
    )
    page.set_input_files("#file", files=[{"name": "friday.csv", "mimeType": "text/csv", "buffer": SAMPLE.encode()}])
    expect(page.locator("#error")).to_contain_text("an upload is being applied right now (in about 30 seconds)")
    page.unroute("**/previews?*")
    page.click("#error button")  # Try again
    previewed(page, "friday.csv")
    assert page.locator("#error").is_hidden()


def test_day_tabs_and_views_work_from_the_keyboard(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    stops = []
    for _ in range(5):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.id"))
    # the language first (top of the page), then sign in, then choose a file
    assert stops == ["language", "email", "password", "sign-in-button", "file"]
    page.fill("#name", "late.csv")
    drop(page, "late.csv", LATE)
    previewed(page, "late.csv")
    page.focus("#days [aria-selected=true]")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus is visible
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.day") == "2026-07-06"
    assert page.get_attribute("#day-panel", "data-day") == "2026-07-06"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "show-grid"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # List
    assert page.get_attribute("#day-panel", "data-layout") == "list"
    assert page.get_attribute("#show-list", "aria-pressed") == "true"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_organisers_page(browser: Any, stack: Stack, scheme: str) -> None:
    context = browser.new_context(**DESKTOP, color_scheme=scheme, reduced_motion="reduce", service_workers="block")
    page = watched(context.new_page())
    open_page(page, stack)
    assert axe_problems(page) == [], "empty"
    preview_reupload(page, stack)
    page.click("#problems-body details summary")  # the row as written, open
    assert axe_problems(page) == [], "grid"
    page.click("#show-list")
    assert axe_problems(page) == [], "list"
    assert page.problems == []
    context.close()


def test_the_page_is_cached_with_an_etag_under_a_policy_that_allows_nothing_inline(page: Any, stack: Stack) -> None:
    response = open_page(page, stack)
    etag = response.headers["etag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)  # weak once compressed, as CloudFront makes it
    assert "max-age=" in response.headers["cache-control"]
    again = page.request.get(stack.api + "/organiser", headers={"If-None-Match": etag})
    assert again.status == 304
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    # The page's own modules, and inline only the few lines that choose its language, by their hash.
    assert directives["default-src"] == "'none'" and directives["script-src"].startswith("'self' 'sha256-")
    assert len(directives["script-src"].split()) == 2
    assert directives["connect-src"] == "'self'" and "'unsafe-inline'" not in policy
    assert directives["style-src"].startswith("'sha256-")  # its own CSS, by hash
    scripts = page.locator("script").evaluate_all("s => s.map(x => [x.type, Boolean(x.src), x.text.length > 0])")
    inline = [text for kind, src, text in scripts if kind == "" and not src]
    assert inline == [True]  # the language chooser, allowed by its hash
    assert all(
        (kind == "module" and src and not text) or kind in ("application/json", "") for kind, src, text in scripts
    )
    assert page.evaluate("JSON.parse(document.getElementById('organiser-data').textContent).bucket") == stack.bucket
    # Relative addresses: under API Gateway's /api prefix the page's modules are /api/js/...
    assert page.locator("script[type=module]").get_attribute("src").startswith("js/organiser.js?v=")


def test_the_copied_command_publishes_the_file_with_its_note(browser: Any, stack: Stack, tmp_path: Path) -> None:
    context = browser.new_context(**DESKTOP, service_workers="block")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.api)
    page = watched(context.new_page())
    open_page(page, stack)
    encore = "stage,date,start,end,artist\nEncore Stage,2026-07-05,22:00,23:00,Zugabe\n"
    page.set_input_files("#file", files=[{"name": "encore $1.csv", "mimeType": "text/csv", "buffer": encore.encode()}])
    previewed(page, "encore $1.csv")
    note = "Zugabe: l'orage passe, «dehors», $HOME"
    page.fill("#note", note)
    assert page.text_content("#command-make").startswith("(make cannot")  # "$" in the name: make would expand it
    page.click("button[aria-label='Copy the command to publish it now']")
    expect(page.locator("#live")).to_have_text("Copied the command to publish it now.")
    command = page.evaluate("navigator.clipboard.readText()")
    assert command == page.text_content("#command-straight") and command.startswith("aws s3 cp ")
    (tmp_path / "encore $1.csv").write_text(encore)
    # The command as shown, with the AWS CLI pointed at the local stack.
    aws = f"aws() {{ '{BIN / 'aws'}' --endpoint-url '{stack.endpoint}' \"$@\"; }}\n"
    subprocess.run(["bash", "-c", aws + command], cwd=tmp_path, env=stack.env, check=True, timeout=60)

    def published() -> dict[str, Any] | None:
        if stack.get("/artists/Zugabe/performances")[0] != 200:
            return None
        release: dict[str, Any] = stack.get("/changes?limit=1")[1]["items"][0]
        return release

    release = poll(published, "the published file")
    assert release["note"] == note and release["source"] == "uploads/encore $1.csv"
    assert page.problems == []
    context.close()


def sign_in(page: Any, email: str) -> None:
    page.fill("#email", email)
    page.fill("#password", ORGANISER_PASSWORD)
    page.click("#sign-in-button")
    expect(page.locator("#who")).to_contain_text(email)


def test_a_publisher_on_a_phone_signs_in_publishes_a_draft_and_rolls_it_back(
    browser: Any, stack: Stack, tmp_path: Path
) -> None:
    context = browser.new_context(**PHONE, service_workers="block")
    page = watched(context.new_page())
    open_page(page, stack)
    sign_in(page, PUBLISHER)
    expect(page.locator("#history-list li.release").first).to_be_visible()
    before = live_set(stack, "Hôtel Étoiles")
    fixed = REUPLOAD.replace(TYPO[1], TYPO[0])  # no rejected row: publishable
    page.fill("#name", "sample/friday.csv")
    drop(page, "friday.csv", fixed)
    previewed(page, "sample/friday.csv")
    expect(page.locator("#publish-button")).to_be_visible()
    drafts = stack.client("s3").list_object_versions(Bucket=stack.bucket, Prefix="drafts/sample/friday.csv")
    assert drafts.get("Versions"), "the dropped file is kept as a draft"
    for target in ("#publish-button", "#sign-out", "#history-more"):
        box = page.locator(target).bounding_box() if page.locator(target).is_visible() else None
        assert box is None or (box["height"] >= 44 and box["width"] >= 44), target
    page.fill("#note", "Hôtel Étoiles starts a quarter hour earlier")
    page.click("#publish-button")
    expect(page.locator("#publish-status")).to_contain_text("Published")
    newest = page.locator("#history-list li.release").first
    expect(newest).to_have_attribute("data-action", "publish", timeout=30_000)
    expect(newest).to_contain_text(PUBLISHER)
    expect(newest).to_contain_text("Hôtel Étoiles starts a quarter hour earlier")
    moved = poll(
        lambda: (lambda s: s if s["start"] != before["start"] else None)(live_set(stack, "Hôtel Étoiles")),
        "the published move",
    )
    assert moved["id"] == before["id"] and moved["start"].endswith("20:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("document.getElementById('history-title').scrollIntoView()")
    screenshot(page, "organiser-history-phone", tmp_path)

    newest.locator("button.rollback").click()
    expect(page.locator("#history-list li.release").first).to_have_attribute("data-action", "rollback", timeout=30_000)
    expect(page.locator("#history-list li.release").first).to_contain_text(PUBLISHER)
    poll(lambda: live_set(stack, "Hôtel Étoiles")["start"] == before["start"], "the rollback")
    assert live_set(stack, "Hôtel Étoiles")["id"] == before["id"]
    assert page.problems == []
    context.close()


def test_an_editor_keeps_drafts_but_is_not_offered_publish_or_roll_back(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    sign_in(page, EDITOR)
    expect(page.locator("#history-list li.release").first).to_be_visible()
    expect(page.locator("#history-list button.rollback")).to_have_count(0)
    page.fill("#name", "sample/saturday.csv")
    drop(page, "saturday.csv", (ROOT / "local" / "sample" / "saturday.csv").read_text(encoding="utf-8"))
    previewed(page, "sample/saturday.csv")
    expect(page.locator("#publish-button")).to_be_hidden()
    expect(page.locator("#publish-status")).to_contain_text("Only publishers publish")
    assert axe_problems(page) == [], "signed in, with the history"
    page.click("#sign-out")
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#history")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0 and page.context.cookies() == []


def test_a_wrong_password_is_said_and_signs_no_one_in(page: Any, stack: Stack) -> None:
    open_page(page, stack)
    page.fill("#email", PUBLISHER)
    page.fill("#password", "not-the-password")
    page.click("#sign-in-button")
    expect(page.locator("#account-status")).to_have_text("Wrong e-mail or password.")
    expect(page.locator("#history")).to_be_hidden()
