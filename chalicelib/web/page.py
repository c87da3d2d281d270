"""The schedule page: one HTML file with its CSS and script inline (no build step, nothing
fetched from elsewhere), served by the app with a Content-Security-Policy that allows
exactly that inline CSS and script, and requests to the app's own API."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

PAGE = Path(__file__).with_name("schedule.html")


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
        "base-uri 'none'; frame-ancestors 'none'"
    )
    headers: dict[str, str | list[str]] = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return html, headers
