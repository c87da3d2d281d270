"""HTTP caching for a crowd: a strong ETag on every answer, Cache-Control a shared cache
(CloudFront) can use, and `304 Not Modified` without reading the performances table.

An answer is a function of the current release (in the festival index, one GetItem),
the request's path and query, the API's shape version and, for "now" answers whose
moment was not given, the minute. So the ETag is made from those, before any set is
read: a client or CDN that already holds the answer gets a 304 for one small read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

from chalice.app import Response

# Bump when an answer's shape changes: it is part of every ETag.
SHAPE_VERSION = "3"

# Data answers: a minute fresh everywhere, then served stale while a cache revalidates,
# and for a day if the API fails (a festival with no signal is better served stale).
DATA = "public, max-age=60, s-maxage=60, stale-while-revalidate=300, stale-if-error=86400"
# "Now" answers whose moment is the clock's: they go stale within the minute.
LIVE = "public, max-age=15, s-maxage=15, stale-while-revalidate=15, stale-if-error=3600"
# What changes only with a deployment (the page, the API description).
STATIC = "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400, stale-if-error=604800"
# The service worker's script: browsers check it for updates, and a stale one would keep
# serving an old page; revalidating costs a 304.
REVALIDATE = "no-cache"
# A page module at the version its page names: that address never holds anything else.
IMMUTABLE = "public, max-age=31536000, s-maxage=31536000, immutable"
SCRIPT = "text/javascript; charset=utf-8"
HTML = "text/html; charset=utf-8"
# The schedule page carries a day's sets: browsers revalidate it every time (a 304 when
# neither the release nor the festival day changed), shared caches keep it as they keep data.
PAGE = "public, max-age=0, s-maxage=60, stale-while-revalidate=60, stale-if-error=86400"
JSON = "application/json; charset=utf-8"
# While a run's writes are landing: no cache keeps what may change before the commit.
IN_FLUX = "no-store"


def entity_tag(*parts: str) -> str:
    """A strong ETag (quoted) for the answer these parts determine."""
    digest = hashlib.blake2b("\x1f".join((SHAPE_VERSION, *parts)).encode("utf-8", "surrogateescape"), digest_size=12)
    return f'"{digest.hexdigest()}"'


def set_tag(origin: str, version: str) -> str:
    """A set's own ETag (`GET /performances/{id}`), made from its version and not from the
    release: it changes when the set or its file's live version changes, and with nothing
    else, so an edit's `If-Match` is checked against exactly what its client read."""
    return entity_tag("performance", origin, version)


def request_identity(path: str, query: Mapping[str, str] | None) -> str:
    """The path and the decoded query as one unambiguous string, names in order (so
    `a=1&b=2` is `b=2&a=1`, and a value holding `&` is not two parameters)."""
    return json.dumps([path, sorted((query or {}).items())], ensure_ascii=False)


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` names this ETag: a list and weak tags (`W/"..."`, compared
    weakly as RFC 9110 says for GET) count. `*` is not a tag: see `names_any`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def matches(if_match: str | None, etag: str) -> bool:
    """Whether `If-Match` names this ETag, for a write made from what was read: compared
    strongly (RFC 9110 13.1.1: a weak tag never matches), in a list, or `*` (any current
    representation, which `etag` is)."""
    candidates = [candidate.strip() for candidate in (if_match or "").split(",")]
    return "*" in candidates or etag in candidates


def names_any(if_none_match: str | None) -> bool:
    """Whether `If-None-Match` holds `*`, which matches any current representation."""
    return any(candidate.strip() == "*" for candidate in (if_none_match or "").split(","))


def conditional(
    headers: Mapping[str, str],
    etag: str,
    cache_control: str,
    body: Callable[[], str | bytes],
    content_type: str,
    extra_headers: Mapping[str, str | list[str]] | None = None,
) -> Response:
    """A 304 when the client holds this ETag (the body is never built), otherwise the
    body; both with the ETag and Cache-Control, as RFC 9110 wants of a 304.

    `*` matches only when the resource exists (RFC 9110 13.1.2), which only building
    the answer can tell: a 404 or 400 raised by `body` is answered as such. Clients send
    `*` rarely on a GET, so they, not the common revalidation, pay for that read."""
    caching: dict[str, str | list[str]] = {"ETag": etag, "Cache-Control": cache_control}
    if_none_match = headers.get("if-none-match")
    if not_modified(if_none_match, etag):
        return Response(body="", status_code=304, headers=caching)
    answer = body()
    if names_any(if_none_match):
        return Response(body="", status_code=304, headers=caching)
    return Response(
        body=answer, status_code=200, headers={"Content-Type": content_type, **caching, **(extra_headers or {})}
    )


def uncached(
    body: Callable[[], str | bytes], content_type: str, extra_headers: Mapping[str, str | list[str]] | None = None
) -> Response:
    """The body with no ETag and no caching: what it says may change before the next read."""
    headers = {"Content-Type": content_type, "Cache-Control": IN_FLUX, **(extra_headers or {})}
    return Response(body=body(), status_code=200, headers=headers)
