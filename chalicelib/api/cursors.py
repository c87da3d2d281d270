"""Opaque page cursors, bound to the request that produced them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalice.app import NotFoundError

if TYPE_CHECKING:  # the batch writer is the ingest's: the API's cold start does without it
    from chalicelib.storage.batch import Key


class UnknownCursor(NotFoundError):
    """A well-formed cursor that no page of this listing gave: the page it names is not found.
    (`Params` has refused a malformed one with a 400.)"""

    def __init__(self) -> None:
        super().__init__(
            "cursor: no page of this listing has this cursor; a cursor is valid only with the request "
            "whose answer gave it (the same path and parameters)"
        )


class Cursor:
    """An opaque position in one listing: the page's last key, bound to the request
    that produced it. A cursor from another request, or edited, is not found (404)."""

    def __init__(self, scope: list[Any], key_names: tuple[str, ...], fixed: Mapping[str, str]) -> None:
        self._scope = hashlib.sha256(json.dumps(scope, ensure_ascii=False).encode()).hexdigest()[:16]
        self._names = key_names
        self._fixed = fixed

    def encode(self, key: Key | None) -> str | None:
        if not key:
            return None
        plain = {name: key[name]["S"] for name in self._names}
        raw = json.dumps({"q": self._scope, "k": plain}, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, text: str | None, *, check: Callable[[dict[str, str]], bool] = lambda key: True) -> Key | None:
        if text is None:
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            key = raw["k"]
            valid = (
                raw["q"] == self._scope
                and isinstance(key, dict)
                and sorted(key) == sorted(self._names)
                and all(isinstance(value, str) and value for value in key.values())
                and all(key[name] == value for name, value in self._fixed.items())
                and check(key)
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            valid = False
        if not valid:
            raise UnknownCursor()
        return {name: {"S": value} for name, value in key.items()}
