"""Opaque page cursors, bound to the request that produced them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.api.params import InvalidParameter
from chalicelib.storage.batch import Key


class Cursor:
    """An opaque position in one listing: the page's last key, bound to the request
    that produced it. A cursor from another request, or edited, is refused."""

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
            raise InvalidParameter("cursor", "not a cursor from the previous page of this same request")
        return {name: {"S": value} for name, value in key.items()}
