"""The pool's signing keys (its JWKS), fetched once per container and kept: a token signed
by a key not among them makes one more fetch (Cognito rotated its keys); such refetches
happen at most once a minute, so that tokens with made-up key ids cannot make every
request fetch."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from chalicelib.organisers.tokens import PublicKey

REFETCH_SECONDS = 60
FETCH_TIMEOUT_SECONDS = 5
MAX_JWKS_BYTES = 65_536


def fetch_json(url: str) -> Any:
    """The JSON document at an http(s) address."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"the organisers' keys must be at an http(s) address, not {url[:40]!r}")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310  # nosec B310
        return json.loads(answer.read(MAX_JWKS_BYTES))


class PoolKeys:
    """The signing keys of one pool, by key id."""

    def __init__(
        self, url: str, fetch: Callable[[str], Any] = fetch_json, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, PublicKey] | None = None
        self._refetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def for_kid(self, kid: str) -> dict[str, PublicKey]:
        """The keys, fetched again first when `kid` is not among them (unless they were
        fetched again for that less than a minute ago)."""
        with self._lock:
            if self._keys is None:
                self._keys = self._load()
            elif kid not in self._keys and (
                self._refetched_at is None or self._clock() - self._refetched_at >= REFETCH_SECONDS
            ):
                self._refetched_at = self._clock()
                self._keys = self._load()
            return self._keys

    def _load(self) -> dict[str, PublicKey]:
        self.fetches += 1
        document = self._fetch(self.url)
        found = {}
        for jwk in document.get("keys", []) if isinstance(document, dict) else []:
            key = PublicKey.from_jwk(jwk) if isinstance(jwk, dict) else None
            if key is not None and isinstance(jwk.get("kid"), str):
                found[jwk["kid"]] = key
        return found
