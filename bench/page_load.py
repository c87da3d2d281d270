"""The schedule page on a field's connection: how long until the first set is on screen,
in headless Chromium as a phone with Chromium's own network emulation (400 kbit/s both
ways, 400 ms round trips) and an empty cache, against `make run`'s stack.

Measured on the sample festival (6 stages) and on the sample with four more stages (a
10-stage festival, 117 sets on a day); for this page and for the page before issue 27
(`BASELINE`: one inline script that asks for /days, then the day's sets), this page also
by browsers in German and Arabic (each reads its catalogue); as `make run`
serves it (since issue 33 it compresses as the deployment does), and uncompressed for
comparison; the baseline's `make run` compressed nothing, so it is also measured behind a
proxy that compresses as the deployment does. Each run in a fresh browser context. A
benchmark, not a test: `python -m bench.page_load` runs it alone and rewrites
docs/benchmarks.md (`--this-page-only` keeps the baseline's figures from the last run).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import http.client
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LATENCY_MS = 400
KBIT_PER_S = 400
BUDGET_MS = 1500
# This page as make run serves it, by a browser in each of these languages.
LANGUAGES = {"make run": "en-US", "make run, German": "de-DE", "make run, Arabic": "ar"}
# The page before issue 27: the whole script inline, the sets asked for after the page.
BASELINE = "70d8ffd"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# When the first set (an agenda entry or a grid block) is in the page and a frame has been
# drawn: the same signal for both pages, set by the browser, not by the page's own code.
FIRST_SET = """(() => {
  const drawn = () => requestAnimationFrame(() => setTimeout(() => { window.__firstSet = performance.now(); }));
  new MutationObserver((_, observer) => {
    if (document.querySelector("#agenda .entry, #grid .set")) { observer.disconnect(); drawn(); }
  }).observe(document, { childList: true, subtree: true });
})();"""


def more_stages(stages: int = 4) -> str:
    """More stages on the sample's three days: fifteen 50-minute sets a stage a day, every
    hour from 12:00 to 02:00, with names as long as real ones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("stage", "day", "start", "end", "artist", "genre", "notes"))
    for stage in range(stages):
        for day in ("2026-07-03", "2026-07-04", "2026-07-05"):
            for slot in range(15):
                hour = 12 + slot
                writer.writerow(
                    (
                        f"Field Stage {stage + 1}",
                        day,
                        f"{hour}:00",
                        f"{hour}:50",
                        f"The Remarkable Ensemble {stage}-{day[-1]}-{slot} & Friends",
                        "electronic",
                        "",
                    )
                )
    return out.getvalue()


@contextmanager
def proxy(upstream: str, *, compress: bool) -> Iterator[str]:
    """The stack behind a proxy that asks it for no compression and, with `compress`,
    gzips as the deployment does: CloudFront compresses (`Compress: true`), and so does API
    Gateway with Chalice's `minimum_compression_size` (1,024 bytes, in .chalice/config.json).
    Compressing weakens the ETag, as CloudFront does (the API compares weakly). Yields the
    proxy's address."""
    port = int(upstream.rsplit(":", 1)[1])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def do_GET(self) -> None:  # the name http.server calls
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            sent = {k: v for k, v in self.headers.items() if k.lower() not in ("accept-encoding", "connection")}
            connection.request("GET", self.path, headers=sent)
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
            skip = ("content-length", "connection", "transfer-encoding", "date", "server")
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in skip]
            kind = answer.getheader("content-type", "")
            if (
                compress
                and "gzip" in self.headers.get("accept-encoding", "")
                and len(body) >= 1024
                and (kind.startswith("text/") or "json" in kind or "javascript" in kind)
            ):
                body = gzip.compress(body, 6)
                headers = [(k, f"W/{v}" if k.lower() == "etag" and not v.startswith("W/") else v) for k, v in headers]
                headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
            self.send_response(answer.status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if answer.status != 304 else 0))
            self.end_headers()
            # The browser may close the page before the last byte: the next run has begun.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if answer.status != 304:
                    self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def baseline_tree() -> Iterator[Path | None]:
    """The repository at BASELINE, unpacked (no worktree, nothing in .git changes); None
    when the commit is not here (a shallow clone)."""
    try:
        archive = subprocess.run(["git", "archive", BASELINE], cwd=ROOT, capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        yield None
        return
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)


@contextmanager
def stack(tree: Path, workdir: Path) -> Iterator[Any]:
    """`make run`'s stack from a tree of the repository, with the sample festival."""
    from tests import localstack

    saved = localstack.ROOT
    localstack.ROOT = tree
    try:
        with localstack.running_stack(workdir) as running:
            yield running
    finally:
        localstack.ROOT = saved


def first_set(browser: Any, address: str, locale: str = "en-US") -> dict[str, float]:
    """One load with an empty cache on the emulated connection, by a browser in `locale`."""
    # Playwright's waiting evaluates script, which the pages' CSP (rightly) refuses: the
    # benchmark lifts the CSP for itself; what the page loads and runs is the same.
    context = browser.new_context(**PHONE, locale=locale, service_workers="block", bypass_csp=True)
    try:
        page = context.new_page()
        page.add_init_script(FIRST_SET)
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": KBIT_PER_S * 1000 / 8,
                "uploadThroughput": KBIT_PER_S * 1000 / 8,
            },
        )
        page.goto(address)
        page.wait_for_function("window.__firstSet", timeout=60_000)
        return page.evaluate(
            """() => {
              const at = window.__firstSet;
              const before = performance.getEntriesByType("resource").filter(e => e.responseEnd <= at);
              const page = performance.getEntriesByType("navigation")[0];
              return { first_set_ms: at, page_ms: page.responseEnd, requests: 1 + before.length,
                       bytes: page.transferSize + before.reduce((sum, e) => sum + e.transferSize, 0),
                       page_bytes: page.transferSize };
            }"""
        )
    finally:
        context.close()


def measure(browser: Any, address: str, runs: int, locale: str = "en-US") -> dict[str, Any]:
    first_set(browser, address, locale)  # warms the server (its first request imports the app), not the browser
    samples = [first_set(browser, address, locale) for _ in range(runs)]
    return {
        "median_first_set_ms": statistics.median(s["first_set_ms"] for s in samples),
        "worst_first_set_ms": max(s["first_set_ms"] for s in samples),
        "median_page_ms": statistics.median(s["page_ms"] for s in samples),
        "requests": samples[0]["requests"],
        "bytes": samples[0]["bytes"],
        "page_bytes": samples[0]["page_bytes"],
        "samples": samples,
    }


def page_load_benchmark(runs: int = 5, *, baseline: bool = True) -> dict[str, Any]:
    """The first set on screen, per page version and festival size (medians of `runs`)."""
    from playwright.sync_api import sync_playwright

    from tests.browser_plugin import CHROMIUM, CHROMIUM_FLAGS
    from tests.localstack import poll

    if CHROMIUM is None:
        raise RuntimeError("Debian's chromium is needed (apt-get install chromium)")
    results: dict[str, Any] = {
        "latency_ms": LATENCY_MS,
        "kbit_per_s": KBIT_PER_S,
        "budget_ms": BUDGET_MS,
        "runs": runs,
        "baseline": BASELINE,
        "pages": {},
    }
    with sync_playwright() as playwright, baseline_tree() as old, tempfile.TemporaryDirectory() as work:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        trees = {"this page": ROOT, **({"before issue 27": old} if old and baseline else {})}
        for name, tree in trees.items():
            with (
                stack(tree, Path(tempfile.mkdtemp(dir=work))) as running,
                proxy(running.api, compress=True) as gzipped,
                proxy(running.api, compress=False) as plain,
            ):
                # `make run` itself compresses since issue 33; the baseline's did not. This page
                # also in German and Arabic: their catalogue is what the first sets wait for.
                ways = (
                    {how: (running.api, locale) for how, locale in LANGUAGES.items()} | {"plain": (plain, "en-US")}
                    if tree == ROOT
                    else {"gzip": (gzipped, "en-US"), "plain": (plain, "en-US")}
                )
                festivals: dict[str, Any] = {}
                for festival in ("sample: 6 stages, 57 sets on the day", "10 stages, 117 sets on the day"):
                    if festival.startswith("10"):
                        running.client("s3").put_object(
                            Bucket=running.bucket, Key="uploads/more-stages.csv", Body=more_stages().encode()
                        )
                        poll(lambda r=running: r.get("/stages/Field%20Stage%204/performances")[0] == 200, "stages")
                    festivals[festival] = {
                        how: measure(browser, address + "/", runs, locale) for how, (address, locale) in ways.items()
                    }
                results["pages"][name] = festivals
        browser.close()
    return results


HEADING = "## The schedule page on a field's connection"


def report_section(page_load: dict[str, Any] | None) -> list[str]:
    """The section of docs/benchmarks.md about the page (no plot: it needs no matplotlib)."""
    if not page_load:
        return []
    intro = (
        "Headless Chromium (Debian's) as a 390 x 844 touch phone, with Chromium's own network emulation at "
        f"{page_load['kbit_per_s']} kbit/s and {page_load['latency_ms']} ms round trips, and an empty cache: the "
        "time from navigation until the first set (an agenda entry or a grid block) is drawn, median of "
        f"{page_load['runs']} fresh loads, the worst in brackets (`bench/page_load.py`). *make run* is the page as "
        "`make run` serves it, which since issue 33 compresses as the deployment does (API Gateway from 1 KB: "
        "`minimum_compression_size` in `.chalice/config.json`; CloudFront with `Compress: true`), by a browser in "
        "English, and in German and Arabic (the page carries the words it speaks in the language the browser's "
        "Accept-Language asks for first, issue 35: no catalogue is read before the first set); *plain* is the "
        "same answers uncompressed, through a proxy that asks for no compression (what `make run` served before). "
        f"*Before* is the page at `{page_load['baseline']}`, before issue 27: the whole script inline, then `/days`, "
        "then the day's sets, one after the other; its `make run` compressed nothing, so *gzip* is it behind a "
        f"proxy that compresses as the deployment does. The budget is {page_load['budget_ms'] / 1000:.1f} s."
    )
    lines = [
        HEADING,
        "",
        *textwrap.wrap(intro, 110),
        "",
        "| page | festival day | served | first set on screen | requests until then | bytes until then | "
        "the page itself |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for page, festivals in page_load["pages"].items():
        for festival, ways in festivals.items():
            for served, m in ways.items():
                lines.append(
                    f"| {page} | {festival} | {served} | "
                    f"**{m['median_first_set_ms'] / 1000:.2f} s** ({m['worst_first_set_ms'] / 1000:.2f}) | "
                    f"{m['requests']} | {m['bytes'] / 1024:.0f} KiB | {m['median_page_ms'] / 1000:.2f} s, "
                    f"{m['page_bytes'] / 1024:.0f} KiB |"
                )
    lines += [
        "",
        "What it takes: the page carries the festival's days and the sets of the day it opens at (one",
        "round trip instead of three), and the first sets need only the page and the six small modules it",
        "preloads, requested side by side as soon as its head arrives (HTTP/1.1 allows six connections to a",
        "host, so the last starts when the page is in; CloudFront's HTTP/2 needs one). The API's client, the",
        "grid, My plan, search, changes and offline use are imported after the first sets are drawn.",
        "Uncompressed, every byte counts at 50 KB/s, which is why the deployment compresses, and `make run` with it.",
        "",
        "Issue 35 first cost 0.4 s (1.71, 1.74 and 1.79 s on the sample, 9 requests, 38-40 KiB): the page fetched",
        "its language's whole catalogue (both pages' words, 9 KB compressed), which the browser asked for after the",
        "modules its head named and which so waited for a seventh and eighth connection; and i18n.js was a sixth",
        "module. Now the page carries the 3 KB of words it speaks, storage.js is folded into dom.js and state.js,",
        "the modules are named at the top of the head and served without their whole-line comments.",
        "",
    ]
    return lines


def rewrite_section(heading: str, lines: list[str]) -> None:
    """Put a section in docs/benchmarks.md in place of the one under `heading` (before the
    notes on real AWS when it is new): a benchmark run alone, the rest of the file `make bench`'s."""
    report = DOCS / "benchmarks.md"
    text = report.read_text() if report.exists() else "# Benchmarks\n"
    section = "\n".join(lines)
    if heading in text:
        before, rest = text.split(heading, 1)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + section + "\n" + after
    else:
        marker = "## What these numbers mean on real AWS"
        text = text.replace(marker, section + "\n" + marker) if marker in text else text + "\n" + section
    report.write_text(text)


def main() -> int:
    """Measure, keep the result in docs/benchmarks.json and rewrite this section of
    docs/benchmarks.md (the rest of it is `make bench`'s)."""
    checkpoint = DOCS / "benchmarks.json"
    results = json.loads(checkpoint.read_text()) if checkpoint.exists() else {}
    this_page_only = "--this-page-only" in sys.argv  # the baseline's figures kept from the last run
    kept = results.get("page_load", {}).get("pages", {})
    results["page_load"] = page_load_benchmark(baseline=not this_page_only)
    if this_page_only:
        results["page_load"]["pages"].update({name: m for name, m in kept.items() if name != "this page"})
    checkpoint.write_text(json.dumps(results, indent=2))
    rewrite_section(HEADING, report_section(results["page_load"]))
    medians = {
        page: {
            name: {how: round(m["median_first_set_ms"]) for how, m in ways.items()} for name, ways in festivals.items()
        }
        for page, festivals in results["page_load"]["pages"].items()
    }
    print(json.dumps(medians, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
