"""The pages' languages, read without a browser: every catalogue has exactly English's keys,
each count in its language's plural categories, each value naming only what the page gives;
and no visible text is left in the pages' HTML or modules outside the catalogues (a scan
for literal text, with an explicit allow-list of names and symbols). The schedule page
carries the words it names, in the language the browser's Accept-Language asks for first."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.web.page import LANGUAGES, MODULES, PAGE, SCHEDULE_WORDS, catalogues, spoken

WEB = MODULES.parent
ENGLISH = json.loads((LANGUAGES / "en.json").read_text(encoding="utf-8"))
CODES = sorted(path.stem for path in LANGUAGES.glob("*.json"))
# Intl.PluralRules(code).resolvedOptions().pluralCategories in Chromium and Node (CLDR 44).
PLURALS = {
    "en": {"one", "other"},
    "de": {"one", "other"},
    "nl": {"one", "other"},
    "fr": {"one", "many", "other"},
    "es": {"one", "many", "other"},
    "pt": {"one", "many", "other"},
    "ar": {"zero", "one", "two", "few", "many", "other"},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def words(code: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((LANGUAGES / f"{code}.json").read_text(encoding="utf-8"))
    return loaded


def names(value: object) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in PLACEHOLDER.findall(str(text))}


def test_the_seven_languages_are_served_each_naming_itself() -> None:
    assert CODES == ["ar", "de", "en", "es", "fr", "nl", "pt"]
    listed = catalogues().languages
    assert next(iter(listed)) == "en" and set(listed) == set(CODES)
    assert listed["ar"] == {"name": "العربية", "dir": "rtl"} and listed["de"] == {"name": "Deutsch", "dir": "ltr"}
    assert all(listed[code]["dir"] == "ltr" for code in CODES if code != "ar")


@pytest.mark.parametrize("code", CODES)
def test_every_key_is_in_every_catalogue_and_no_other(code: str) -> None:
    found = words(code)
    assert sorted(set(ENGLISH) - set(found)) == [], "missing"
    assert sorted(set(found) - set(ENGLISH)) == [], "not in English"


@pytest.mark.parametrize("code", CODES)
def test_counts_have_their_languages_plural_forms_and_values_name_only_what_the_page_gives(code: str) -> None:
    for key, value in words(code).items():
        english = ENGLISH[key]
        assert isinstance(value, dict) == isinstance(english, dict), key
        if isinstance(value, dict):
            assert set(value) == PLURALS[code], key  # Intl.PluralRules picks one of these
        else:
            assert isinstance(value, str) and value.strip(), key
            assert names(value) == names(english), key  # every value said, none invented
        assert names(value) <= names(english), key


def test_adding_a_language_is_one_file_and_the_readme_says_how() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "chalicelib/web/languages/<code>.json" in readme and "Adding a language" in readme


# ---- no visible text outside the catalogues ----

# Text a page may show as written: names of things that are not words of a language (the
# folder and file names of the examples, the language menu's names come from the catalogues).
ALLOWED_HTML = {"uploads/", "—", "★", "☆", "→", "✗"}
# Attributes a person reads: they come from the catalogues (data-i18n-label, ...).
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")


class Texts(HTMLParser):
    """The visible text and read attributes of a page's body, with what they are."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("script", "style", "title"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(f"{tag}[{name}]={value}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if self._in_body and not self._skip and text and text not in ALLOWED_HTML:
            self.found.append(text)


@pytest.mark.parametrize("page", ["schedule.html", "organiser.html"])
def test_no_visible_text_is_written_in_the_pages_html(page: str) -> None:
    html = (WEB / page).read_text(encoding="utf-8")
    parser = Texts()
    parser.feed(html)
    assert parser.found == []
    # What the style sheet writes is a word from the catalogue (a CSS variable) or a symbol.
    for content in re.findall(r"content:\s*([^;}]+)", html):
        assert all(not re.search(r"[A-Za-z]{2,}", text) for text in re.findall(r'"([^"]*)"', content)), content


# String literals in the modules that look like words for people: a capitalised word
# followed by another, or words ending as a sentence does.
SENTENCE = re.compile(r"[A-Z][a-z]+\s+[a-z]{2,}|[a-z]{2,}\s+[a-z]{2,}.*[.:!?…]\s*$")
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`')
# Literals that are not words of a language: protocol names, headers, the API's own
# English error text the page only logs, and messages for developers.
ALLOWED_JS = {
    "Content-Type",
    "If-Match",
    "Retry-After",
    "X-Saved-At",
    "uploads/",  # a folder's name, as code
    "x-amz-meta-note",  # S3's metadata key, as code
}
# Shell commands the organiser copies (in no language), and the API's English message kept
# on an error for logs (the page shows the catalogue's words instead).
ALLOWED_PREFIXES = ("make publish ", "aws s3 cp ", "The schedule API answered ")
# Literals shown as text: el(tag, class, "text"), .textContent = "text", announce("text").
SHOWN = [
    re.compile(r'\bel\(\s*"[^"]*"\s*,\s*"[^"]*"\s*,\s*"([^"]*[A-Za-z]{2,}[^"]*)"'),
    re.compile(r'\.textContent\s*=\s*"([^"]*[A-Za-z]{2,}[^"]*)"'),
    re.compile(r'\b(?:announce|notice|fail)\(\s*"([^"]*[A-Za-z]{2,}[^"]*)"'),
    re.compile(r'setAttribute\(\s*"(?:aria-label|title|placeholder)"\s*,\s*"([^"]*[A-Za-z]{2,}[^"]*)"'),
]


def _code(text: str) -> str:
    """A module without its comments."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in text.splitlines())


MODULE_FILES = sorted(MODULES.glob("*.js"))


@pytest.mark.parametrize("module", MODULE_FILES, ids=[path.name for path in MODULE_FILES])
def test_no_visible_text_is_written_in_the_pages_modules(module: Path) -> None:
    code = _code(module.read_text(encoding="utf-8"))
    found = []
    for match in LITERAL.finditer(code):
        literal = match[1] if match[1] is not None else match[2]
        bare = re.sub(r"\$\{[^}]*\}", "", literal)
        if bare not in ALLOWED_JS and SENTENCE.search(bare):
            found.append(literal)
    for shown in SHOWN:
        found += [text for text in shown.findall(code) if text not in ALLOWED_JS]
    assert [text for text in found if not text.startswith(ALLOWED_PREFIXES)] == []


def test_the_scan_finds_literal_text() -> None:
    """The scan above can fail: a sentence in a module, or a word written as an element's text."""
    code = _code('const a = el("p", "hint", "cancelled"); b.textContent = "Try again"; c = "Nothing matches.";')
    shown = [text for pattern in SHOWN for text in pattern.findall(code)]
    assert shown == ["cancelled", "Try again"]
    assert SENTENCE.search("Nothing matches.") and not SENTENCE.search("warning clash")


KEY = re.compile(r"""["'`]([a-z]+(?:\.[A-Za-z-]+)+)["'`]""")
KEY_PREFIX = re.compile(r"`([a-z]+(?:\.[A-Za-z-]+)*\.)\$\{")
IMPORTED = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']\./([a-z][a-z0-9-]*\.js)["']""")


def schedule_modules() -> list[Path]:
    """schedule.js and every module it imports, statically or when first used."""
    found: list[Path] = []
    waiting = [MODULES / "schedule.js"]
    while waiting:
        module = waiting.pop()
        if module not in found:
            found.append(module)
            waiting += [MODULES / name for name in IMPORTED.findall(module.read_text(encoding="utf-8"))]
    return found


def test_the_schedule_page_carries_every_key_its_html_and_modules_name() -> None:
    """What the page carries inline (SCHEDULE_WORDS) is all it says: a key it names that is
    left out would show as the key itself."""
    modules = schedule_modules()
    assert {path.name for path in modules} >= {"agenda.js", "live.js", "plan.js", "timetable.js", "i18n.js"}
    texts = [PAGE.read_text(encoding="utf-8"), *(_code(path.read_text(encoding="utf-8")) for path in modules)]
    named = {key for text in texts for key in KEY.findall(text) if key in ENGLISH}
    prefixes = {prefix for text in texts for prefix in KEY_PREFIX.findall(text)}
    # i18n.js says any server code (`server.${code}`); the page's errors are the read API's,
    # whose codes SCHEDULE_WORDS names one by one (each a key of the catalogues).
    assert "server." in prefixes
    prefixes.remove("server.")
    named |= {key for prefix in prefixes for key in ENGLISH if key.startswith(prefix)}
    assert len(named) > 100 and "live.cancelled" in named and "change.moved" in named
    assert sorted(key for key in named if not key.startswith(SCHEDULE_WORDS)) == []
    codes = [word for word in SCHEDULE_WORDS if word.startswith("server.")]
    assert codes and all(code in ENGLISH for code in codes)
    carried = [key for key in ENGLISH if key.startswith(SCHEDULE_WORDS)]
    assert not any(key.startswith(("organiser.", "report.", "publish.")) for key in carried)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("de-AT,de;q=0.9,en;q=0.8", "de"),  # a region asks for its language
        ("ja-JP,ja;q=0.9,fr;q=0.7", "fr"),  # the first one with a catalogue
        ("en;q=0.5, nl", "nl"),  # by weight, then order
        ("ar;q=0, es", "es"),  # q=0: not acceptable
        ("ja-JP", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("de;q=2, pt-BR;q=0.1, ;;,", "pt"),  # a malformed range is passed over
    ],
)
def test_the_language_the_browser_asks_for_first(header: str | None, code: str) -> None:
    assert spoken(header) == code
