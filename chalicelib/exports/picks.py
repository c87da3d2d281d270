"""Read only the sets a personal calendar (`?ids=`) asks for: one Query of the `by_id`
index per id, a few at a time, instead of the whole festival."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.sets.items import from_item
from chalicelib.sets.model import Set

# Enough to hide the round trips without a burst that meets DynamoDB's throttling.
CONCURRENT_READS = 8


def read_sets(find: Callable[[str], dict[str, Any] | None], ids: Sequence[str]) -> list[Set]:
    """The sets with these ids that exist now (an id not found is simply left out)."""
    if len(ids) <= 1:
        items = [find(set_id) for set_id in ids]
    else:
        with ThreadPoolExecutor(max_workers=min(CONCURRENT_READS, len(ids))) as pool:
            items = list(pool.map(find, ids))
    return [from_item(item) for item in items if item is not None]
