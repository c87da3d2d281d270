"""The pages and their code: HTML files with their CSS inline, the ES modules they import
(`js/*.js`, served by the app: no build step, nothing fetched from elsewhere) and the
service worker, each with a Content-Security-Policy that allows exactly that code, the
app's own API and the worker.

Module addresses carry the version of all modules (`js/api.js?v=...`, imports inside the
modules too), so a browser never mixes modules of two deployments, and a versioned module
can be cached for good.

The schedule page carries the festival's days and the sets of the day it opens at, as
data (`<script type="application/json">`, which runs nothing): on a field's connection
the first sets are on screen without waiting for an API round trip; the other days load
after. What it carries is a function of the release and of today's festival day, which
is what its ETag is made from.

The organiser's page (`organiser.html`) carries what the app knows of the festival and
its bucket (the publish commands name it; the festival days follow the day change); it
reads no table, so its ETag is its own content's.

Both pages speak the visitor's language: one catalogue per language in `languages/`
(`<code>.json`, served at `languages/<code>.json?v=...`), each naming itself
(`language.name`, `language.dir`). A page carries the list of them and, inline in its head
(allowed by its hash), the few lines of `language.js` that choose one before anything is
drawn and fetch only that catalogue, beside the first modules. Adding a language is adding
its file. The schedule page also carries, inline, the words it speaks in the language the
browser's Accept-Language names (`SCHEDULE_WORDS`): a browser that chooses that language,
as one does on a first visit, fetches no catalogue before the first sets are drawn. (The
CDN's cache policy forwards no Accept-Language, so behind it the page carries English, and
another language's catalogue comes over HTTP/2 beside the modules, with no queue for a
connection.)

Modules are served without their whole-line comments (each left an empty line, so a line
number in the browser's console is the source's): on a field's connection every byte
before the first set counts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.settings import Settings
from chalicelib.timetable import clock

WEB = Path(__file__).parent
PAGE = WEB / "schedule.html"
ORGANISER_PAGE = WEB / "organiser.html"
MODULES = WEB / "js"
LANGUAGES = WEB / "languages"
CHOOSER = WEB / "language.js"
CATALOGUE_NAME = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*\.json")
LANGUAGES_SLOT = '<script type="application/json" id="languages"></script>'
CHOOSER_SLOT = '<script data-inline="language.js"></script>'
WORDS_SLOT = '<script type="application/json" id="words"></script>'
# The keys the schedule page speaks, by prefix (tests/test_languages.py checks that every
# key its HTML and modules name is one of them). Its errors are the read API's: of the
# server's codes it needs those only.
SCHEDULE_WORDS = (
    *("language.", "words.", "error.", "schedule.", "agenda.", "details.", "plan.", "live."),
    *("changes.", "change.", "set.", "strip.", "offline.", "search."),
    *(
        f"server.{code}"
        for code in ("unknown-parameter", "either-or", "bad-cursor", "too-many-ids", "empty-name", "no-set")
    ),
)
# A language range of Accept-Language and its weight: "de-AT", "de;q=0.8", "*;q=0.1".
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$")
# A whole-line comment of a module (outside a template literal, see _without_comments).
_COMMENT_LINE = re.compile(r"^[ \t]*//")
SERVICE_WORKER = WEB / "sw.js"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
MODULE_NAME = re.compile(r"[a-z][a-z0-9-]*\.js")
# `from "./x.js"`, `import "./x.js"` and `import("./x.js")`: the only ways the modules name each other.
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([a-z][a-z0-9-]*\.js)\2""")
_STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["']\./([a-z][a-z0-9-]*\.js)["']""", re.M)
_ENTRY = re.compile(r"""<script type="module" src="js/([a-z][a-z0-9-]*\.js)"></script>""")
DATA_SLOT = '<script type="application/json" id="festival-data"></script>'
ORGANISER_SLOT = '<script type="application/json" id="organiser-data"></script>'
# Fields of a set the page works out itself (its addresses) or never shows: left out of the
# page's data, since on a slow connection every byte before the first set counts.
_NOT_CARRIED = ("url", "starts_at", "ends_at", "date")


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


@dataclass(frozen=True)
class Modules:
    """The pages' modules as served: name -> text, with versioned imports."""

    version: str
    texts: dict[str, str]
    imports: dict[str, tuple[str, ...]]  # name -> the modules it imports statically

    def graph(self, entry: str) -> list[str]:
        """The entry and every module it imports statically, transitively, in a stable order."""
        seen: list[str] = []
        waiting = [entry]
        while waiting:
            name = waiting.pop(0)
            if name not in seen:
                seen.append(name)
                waiting.extend(self.imports.get(name, ()))
        return seen

    def address(self, name: str) -> str:
        return f"js/{name}?v={self.version}"


@cache
def modules() -> Modules:
    """Every module under js/, read once."""
    sources = {path.name: _without_comments(path.read_text(encoding="utf-8")) for path in sorted(MODULES.glob("*.js"))}
    digest = hashlib.blake2b(digest_size=8)
    for name, text in sources.items():
        digest.update(f"{name}\0{text}\0".encode())
    version = digest.hexdigest()
    texts = {
        name: _IMPORT.sub(lambda m: f"{m[1]}{m[2]}./{m[3]}?v={version}{m[2]}", text) for name, text in sources.items()
    }
    imports = {name: tuple(_STATIC_IMPORT.findall(text)) for name, text in sources.items()}
    return Modules(version, texts, imports)


def _without_comments(source: str) -> str:
    """The module with each whole-line `//` comment left an empty line. A line inside a
    template literal is text, not a comment: once a module's backticks so far are odd
    (a template literal spans lines, or a backtick in a regular expression makes it look
    so), the rest of it is kept as it is."""
    lines = source.split("\n")
    ticks = 0
    for number, line in enumerate(lines):
        if ticks % 2:
            break
        if _COMMENT_LINE.match(line):
            lines[number] = ""
        else:
            ticks += line.count("`")
    return "\n".join(lines)


def module(name: str, version: str | None) -> tuple[str, bool] | None:
    """A module's text, and whether the version asked for is the current one (so the
    answer may be cached for good); None when there is no such module."""
    found = modules()
    if not MODULE_NAME.fullmatch(name) or name not in found.texts:
        return None
    return found.texts[name], version == found.version


def _with_modules(html: str) -> str:
    """The page's entry module at its versioned address, with every module it imports
    preloaded at once (fetched side by side, not one import level after another)."""
    found = modules()

    def entry(match: re.Match[str]) -> str:
        name = match[1]
        preloads = "".join(f'\n<link rel="modulepreload" href="{found.address(dep)}">' for dep in found.graph(name)[1:])
        return f'<script type="module" src="{found.address(name)}"></script>{preloads}'

    return _ENTRY.sub(entry, html)


@dataclass(frozen=True)
class Catalogues:
    """The languages' catalogues as served: file name -> text, and what the pages list of them."""

    version: str
    texts: dict[str, str]
    languages: dict[str, dict[str, str]]  # code -> {"name": its own name, "dir": "ltr" or "rtl"}


@cache
def catalogues() -> Catalogues:
    """Every catalogue under languages/, read once; English first, then by code."""
    paths = sorted(LANGUAGES.glob("*.json"), key=lambda path: (path.stem != "en", path.stem))
    texts = {path.name: path.read_text(encoding="utf-8") for path in paths}
    digest = hashlib.blake2b(digest_size=8)
    for name, text in texts.items():
        digest.update(f"{name}\0{text}\0".encode())
    languages = {}
    for name, text in texts.items():
        words = json.loads(text)
        languages[name.removesuffix(".json")] = {"name": words["language.name"], "dir": words["language.dir"]}
    return Catalogues(digest.hexdigest(), texts, languages)


def catalogue(name: str, version: str | None) -> tuple[str, bool] | None:
    """A language's catalogue, and whether the version asked for is the current one (so the
    answer may be cached for good); None when there is no such catalogue."""
    found = catalogues()
    if not CATALOGUE_NAME.fullmatch(name) or name not in found.texts:
        return None
    return found.texts[name], version == found.version


def _with_languages(html: str) -> str:
    """The page with the list of languages and, inline, the script that chooses one."""
    found = catalogues()
    listed = json.dumps(
        {"version": found.version, "languages": found.languages}, ensure_ascii=False, separators=(",", ":")
    )
    html = html.replace(LANGUAGES_SLOT, LANGUAGES_SLOT.replace("></", ">" + listed.replace("<", "\\u003c") + "</"))
    return html.replace(CHOOSER_SLOT, f"<script>{CHOOSER.read_text(encoding='utf-8')}</script>")


def spoken(accept_language: str | None) -> str:
    """The language of the pages' catalogues that an Accept-Language header asks for first
    (by weight, then order; a region asks for its language: de-AT for de), else English: the
    rule the page's head applies to navigator.languages, which the browser's header lists."""
    codes = catalogues().languages
    ranges = []
    for order, item in enumerate((accept_language or "").split(",")[:32]):
        found = _RANGE.match(item)
        if found and found[1] != "*":
            weight = float(found[2]) if found[2] else 1.0
            if weight > 0:
                ranges.append((-weight, order, found[1].lower().split("-")[0]))
    return next((code for _, _, code in sorted(ranges) if code in codes), "en")


def folder_address(path: str) -> str | None:
    """Where to send a request for a page whose address does not end in "/" (API
    Gateway's stage root, `/api`): its modules and API calls are relative to its folder.
    None when the address is right."""
    return None if not path or path.endswith("/") else path + "/"


def _page(path: Path, *, worker: bool) -> tuple[str, dict[str, str | list[str]]]:
    """A page's HTML (its modules at their versioned addresses, its languages) and the headers
    to serve it with: its own modules, its inline CSS and language chooser by hash, the app's
    API (and worker) and nothing else."""
    html = _with_languages(_with_modules(path.read_text(encoding="utf-8")))
    styles = " ".join(_hash(body) for body in re.findall(r"<style>(.*?)</style>", html, re.DOTALL))
    scripts = "".join(f" {_hash(body)}" for body in re.findall(r"<script>(.*?)</script>", html, re.DOTALL))
    workers = "worker-src 'self'; " if worker else ""
    policy = (
        f"default-src 'none'; script-src 'self'{scripts}; style-src {styles}; connect-src 'self'; "
        f"img-src 'self' data:; {workers}base-uri 'none'; frame-ancestors 'none'"
    )
    return html, {"Content-Security-Policy": policy, **SECURITY_HEADERS}


@cache
def _schedule_template() -> tuple[str, dict[str, str | list[str]]]:
    return _page(PAGE, worker=True)


@cache
def schedule_page(language: str = "en") -> tuple[str, dict[str, str | list[str]]]:
    """The schedule page's HTML, carrying the words it speaks in `language` (a catalogue's
    code, as `spoken` gives it), and the headers to serve it with."""
    html, headers = _schedule_template()
    words = json.loads(catalogues().texts[f"{language}.json"])
    carried = {
        "language": language,
        "words": {key: text for key, text in words.items() if key.startswith(SCHEDULE_WORDS)},
    }
    return _with_data(html, WORDS_SLOT, carried), {**headers, "Vary": "Accept-Language"}


@cache
def _organiser_template() -> tuple[str, dict[str, str | list[str]]]:
    return _page(ORGANISER_PAGE, worker=False)


def organiser_page(settings: Settings) -> tuple[str, dict[str, str | list[str]]]:
    """The organiser's page with what it needs of the settings: the bucket the publish
    commands name, and the festival's zone and day change (its grid's festival days)."""
    html, headers = _organiser_template()
    data = {"bucket": settings.schedule_bucket, "timezone": settings.timezone, "day_change": settings.day_change}
    return _with_data(html, ORGANISER_SLOT, data), headers


@cache
def page_version() -> str:
    """What the page's own HTML is (its template and module version), for its ETag."""
    return hashlib.blake2b(_schedule_template()[0].encode("utf-8"), digest_size=8).hexdigest()


def festival_today(settings: Settings, now: datetime) -> str:
    """Today's festival day (YYYY-MM-DD), by the festival's zone and day change."""
    moment = clock.moment_of(now.astimezone(settings.zone))
    return clock.festival_date(moment, settings.day_change_minutes)


def opening_day(days: Sequence[str], today: str) -> str | None:
    """The festival day the page opens at: today's (or the next one, between two), and the
    first before or after the festival. The page's script follows the same rule."""
    if not days:
        return None
    if not days[0] <= today <= days[-1]:
        return days[0]
    return next(day for day in days if day >= today)


Answer = Callable[[dict[str, str]], dict[str, Any]]


def with_festival_data(html: str, days: Answer, day_sets: Callable[[str], dict[str, Any]], today: str) -> str:
    """The page with its data: every festival day (/days, all pages), and the first page of
    the opening day's sets (/performances?day=), as the API answers them."""
    answer = days({"limit": "500"})
    items = list(answer["items"])
    while answer["next"]:
        answer = days({"limit": "500", "cursor": answer["next"]})
        items += answer["items"]
    opening = opening_day([item["day"] for item in items], today)
    sets: dict[str, Any] = {"items": [], "next": None} if opening is None else day_sets(opening)
    data = {
        "days": {**answer, "items": items, "next": None},
        "day": opening,
        "sets": {**sets, "items": [_carried(item) for item in sets["items"]]},
    }
    return _with_data(html, DATA_SLOT, data)


def _with_data(html: str, slot: str, data: dict[str, Any]) -> str:
    """The page with `data` in its `<script type="application/json">` slot, which runs nothing."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "<" cannot end the element (</script>) or open a comment in it; JSON reads \u003c as "<".
    return html.replace(slot, slot.replace("></", ">" + text.replace("<", "\\u003c") + "</"))


def _carried(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _NOT_CARRIED}


@cache
def module_headers() -> dict[str, str | list[str]]:
    """A module is code, never a document: nothing but its MIME type counts."""
    return {"Content-Security-Policy": "default-src 'none'", **SECURITY_HEADERS}


@cache
def service_worker() -> tuple[str, dict[str, str | list[str]]]:
    """The service worker's script and the headers to serve it with: it may only fetch
    from the app's own origin."""
    script = SERVICE_WORKER.read_text(encoding="utf-8")
    return script, {"Content-Security-Policy": "default-src 'none'; connect-src 'self'", **SECURITY_HEADERS}
