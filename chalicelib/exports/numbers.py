"""The frab format's numeric event ids.

EventFahrplan reads `id` as a signed 32-bit integer (it drops, silently, an event whose id
does not fit) and matches a new schedule's sessions to the old ones by it; the XSD wants
a positive integer. So each set gets a number from 1 to 2**31 - 1 made from its stable id:
the same for the set's whole life, whatever moves. Two sets whose numbers collide (about
one festival in 200,000 with 200 sets, one in 40 with 10,000) are told apart
deterministically: the smaller id keeps its number, the other takes its next candidate.
The guid, not this number, stays the set's identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

LARGEST = 2**31 - 1


def candidate(set_id: str, attempt: int = 0) -> int:
    """A set's `attempt`-th candidate number (never change this: apps remember numbers)."""
    digest = hashlib.blake2b(f"{set_id}#{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % LARGEST + 1


def event_numbers(set_ids: Iterable[str]) -> dict[str, int]:
    """A distinct number for each set id."""
    taken: set[int] = set()
    numbers: dict[str, int] = {}
    for set_id in sorted(set(set_ids)):
        attempt = 0
        while (number := candidate(set_id, attempt)) in taken:
            attempt += 1
        taken.add(number)
        numbers[set_id] = number
    return numbers
