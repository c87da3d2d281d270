"""The schedule page: one HTML file with its CSS and script inline (no build step, nothing
fetched from elsewhere), served by the app with a Content-Security-Policy that allows
exactly that inline CSS and script, requests to the app's own API and its service worker
(the one other file, which keeps the schedule for use with no signal)."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

PAGE = Path(__file__).with_name("schedule.html")
SERVICE_WORKER = Path(__file__).with_name("sw.js")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


@cache
def schedule_page() -> tuple[str, dict[str, str | list[str]]]:
    """The page's HTML and the headers to serve it with."""
    html = PAGE.read_text(encoding="utf-8")
    scripts = " ".join(_hash(body) for body in re.findall(r"<script>(.*?)</script>", html, re.DOTALL))
    styles = " ".join(_hash(body) for body in re.findall(r"<style>(.*?)</style>", html, re.DOTALL))
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; connect-src 'self'; img-src 'self' data:; "
        "worker-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return html, {"Content-Security-Policy": policy, **SECURITY_HEADERS}


@cache
def service_worker() -> tuple[str, dict[str, str | list[str]]]:
    """The service worker's script and the headers to serve it with: it may only fetch
    from the app's own origin."""
    script = SERVICE_WORKER.read_text(encoding="utf-8")
    return script, {"Content-Security-Policy": "default-src 'none'; connect-src 'self'", **SECURITY_HEADERS}
