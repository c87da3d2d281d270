"""DynamoDB's item size rule (developer guide, "Item sizes and formats"): what a 400 KB item
limit, a write unit and a read unit are measured in. A plan checks every item it would
write against it before anything is written."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

MAX_ITEM_BYTES = 400 * 1024
# DynamoDB's key limits, in UTF-8 bytes (a global index's keys too): it refuses a write or a
# lookup with a longer one, so no item has one.
MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES = 2048, 1024


def fits_key(value: str, limit: int) -> bool:
    """Whether a key value is within DynamoDB's `limit`: a longer one names no item."""
    return len(value.encode("utf-8", "surrogateescape")) <= limit


def attribute_size(value: dict[str, Any]) -> int:
    """A value's size by DynamoDB's rule (developer guide, "Item sizes and formats")."""
    [(kind, raw)] = value.items()
    if kind == "S":
        return len(raw.encode("utf-8", "surrogateescape"))
    if kind == "N":
        digits = Decimal(raw).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(raw)) if isinstance(raw, str) else len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in raw)
    if kind == "NS":
        return sum(attribute_size({"N": n}) for n in raw)
    if kind == "BS":
        return sum(attribute_size({"B": b}) for b in raw)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in raw)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + attribute_size(element) for name, element in raw.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """An item's size: its attribute names' UTF-8 bytes plus its values' sizes."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())
