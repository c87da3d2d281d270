"""The pages and their code: HTML files with their CSS inline, the ES modules they import
(`js/*.js`, served by the app: no build step, nothing fetched from elsewhere) and the
service worker, each with a Content-Security-Policy that allows exactly that code, the
app's own API and the worker.

Module addresses carry the version of all modules (`js/api.js?v=...`, imports inside the
modules too), so a browser never mixes modules of two deployments, and a versioned module
can be cached for good."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEB = Path(__file__).parent
PAGE = WEB / "schedule.html"
MODULES = WEB / "js"
SERVICE_WORKER = WEB / "sw.js"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
MODULE_NAME = re.compile(r"[a-z][a-z0-9-]*\.js")
# `from "./x.js"`, `import "./x.js"` and `import("./x.js")`: the only ways the modules name each other.
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([a-z][a-z0-9-]*\.js)\2""")
_STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["']\./([a-z][a-z0-9-]*\.js)["']""", re.M)
_ENTRY = re.compile(r"""<script type="module" src="js/([a-z][a-z0-9-]*\.js)"></script>""")


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
    sources = {path.name: path.read_text(encoding="utf-8") for path in sorted(MODULES.glob("*.js"))}
    digest = hashlib.blake2b(digest_size=8)
    for name, text in sources.items():
        digest.update(f"{name}\0{text}\0".encode())
    version = digest.hexdigest()
    texts = {
        name: _IMPORT.sub(lambda m: f"{m[1]}{m[2]}./{m[3]}?v={version}{m[2]}", text) for name, text in sources.items()
    }
    imports = {name: tuple(_STATIC_IMPORT.findall(text)) for name, text in sources.items()}
    return Modules(version, texts, imports)


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
        preloads = "".join(
            f'\n<link rel="modulepreload" href="{found.address(dep)}">' for dep in found.graph(name)[1:]
        )
        return f'<script type="module" src="{found.address(name)}"></script>{preloads}'

    return _ENTRY.sub(entry, html)


def folder_address(path: str) -> str | None:
    """Where to send a request for a page whose address does not end in "/" (API
    Gateway's stage root, `/api`): its modules and API calls are relative to its folder.
    None when the address is right."""
    return None if not path or path.endswith("/") else path + "/"


@cache
def schedule_page() -> tuple[str, dict[str, str | list[str]]]:
    """The page's HTML and the headers to serve it with."""
    html = _with_modules(PAGE.read_text(encoding="utf-8"))
    styles = " ".join(_hash(body) for body in re.findall(r"<style>(.*?)</style>", html, re.DOTALL))
    policy = (
        f"default-src 'none'; script-src 'self'; style-src {styles}; connect-src 'self'; img-src 'self' data:; "
        "worker-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return html, {"Content-Security-Policy": policy, **SECURITY_HEADERS}


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
