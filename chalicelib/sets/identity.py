"""Which set of a file's previous version each row of the new version continues: the
rule that keeps a set's id while it keeps its artist in the same file.

0. A rejected row stands for a previous set of its artist, which stays live and is
   continued by no other row: the set in the rejected row's slot when its stage and
   start can be read, otherwise every set of that artist not continued in place (so an
   id never follows the wrong row while a typo is being fixed). A row whose artist
   cannot be read stands for every set no row continues.
1. A row in the same slot (stage and start) as a previous set by the same artist
   continues that set.
2. The artist's other rows and other previous sets (those no rejected row stands for)
   are paired in time order (start, then stage): the first such row continues the first
   such set, and so on. So a set that moves (another time, another stage, or both) keeps
   its id; two artists who swap slots keep theirs; an artist who plays twice keeps both
   when both sets move.
3. Rows left over are new sets; previous sets left over are gone, unless a rejected row
   stands for them.

A new set's id is derived from the file, the artist and the slot it first appears in
(a file's slots are distinct, so the run need not remember the ids it gives out; only a
clash with a previous set's id, one that has since moved away from that slot, adds a
number). So uploading the same versions into an empty table gives the same ids again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator

from chalicelib.sets.model import Slot, StoredSet
from chalicelib.timetable.rows import Performance, Rejection

# Base32 (RFC 4648, lower case) ten bits at a time: 80 bits are 16 characters, 8 look-ups
# (written out: one per new set, and twice as fast as base64.b32encode).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]


def set_id(source: str, row: Performance, number: int = 0) -> str:
    """An opaque, URL-safe id: 16 lowercase letters and digits 2-7 (the base32 of 80 bits
    of the digest of where the set first appears)."""
    text = f"{source}\x1f{row.artist}\x1f{row.stage}\x1f{row.start}\x1f{number}"
    bits = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=10).digest())
    pairs = _PAIRS
    return (
        pairs[bits >> 70]
        + pairs[bits >> 60 & 1023]
        + pairs[bits >> 50 & 1023]
        + pairs[bits >> 40 & 1023]
        + pairs[bits >> 30 & 1023]
        + pairs[bits >> 20 & 1023]
        + pairs[bits >> 10 & 1023]
        + pairs[bits & 1023]
    )


class Identities:
    """The ids of one file's sets, carried from its previous version to the new one."""

    def __init__(self, source: str, previous: Iterable[StoredSet]) -> None:
        self._source = source
        self._previous: dict[Slot, StoredSet] = {s.slot: s for s in previous}
        self._open = Counter(s.artist for s in self._previous.values())  # not yet continued, per artist
        self._continued: set[Slot] = set()
        self._taken = {s.id for s in self._previous.values()}  # ids a new set must not get
        self._stood_for: set[Slot] = set()  # rule 0, located by the rejected row's slot
        self._unlocated: set[str] = set()  # artists with a rejected row whose slot cannot be read
        self._unreadable = False  # a rejected row whose artist cannot be read

    def same_slot(self, row: Performance) -> StoredSet | None:
        """Rule 1: the previous set this row continues in place, if any."""
        previous = self._previous.get((row.stage, row.start))
        if previous is None or previous.artist != row.artist or previous.slot in self._continued:
            return None
        self._continue(previous)
        return previous

    def may_continue(self, artist: str) -> bool:
        """Whether the artist has previous sets that no row has continued so far: a row
        of theirs elsewhere must wait for `pair`, after the whole file."""
        return self._open[artist] > 0

    def stand_for(self, rejection: Rejection) -> None:
        """Rule 0: note which previous sets a rejected row keeps live."""
        if not rejection.artist:
            self._unreadable = True
            return
        if rejection.start is not None:
            previous = self._previous.get((rejection.stage, rejection.start))
            if previous is not None and previous.artist == rejection.artist:
                self._stood_for.add(previous.slot)
                return
        self._unlocated.add(rejection.artist)

    def pair(self, rows: list[Performance]) -> Iterator[tuple[Performance, StoredSet | None]]:
        """Rule 2 for the rows that waited (call after the whole file, and after every
        `stand_for`): each with the previous set it continues, or None."""
        waiting: dict[str, list[Performance]] = {}
        for row in rows:
            waiting.setdefault(row.artist, []).append(row)
        left: dict[str, list[StoredSet]] = {}
        for stored in self._previous.values():
            if stored.artist in waiting and not self.continued(stored) and not self.kept(stored):
                left.setdefault(stored.artist, []).append(stored)
        for artist, artist_rows in waiting.items():
            sets = iter(sorted(left.get(artist, []), key=lambda s: (s.start, s.stage)))
            for row in sorted(artist_rows, key=lambda r: (r.start, r.stage)):
                previous = next(sets, None)
                if previous is not None:
                    self._continue(previous)
                yield row, previous

    def continued(self, previous: StoredSet) -> bool:
        """Whether a row of the new version continues this previous set."""
        return previous.slot in self._continued

    def kept(self, previous: StoredSet) -> bool:
        """Whether a rejected row stands for this previous set (rule 0): it stays live."""
        if self.continued(previous):
            return False
        return previous.slot in self._stood_for or previous.artist in self._unlocated

    def kept_if_left(self, previous: StoredSet) -> bool:
        """Whether a previous set no row continued stays live: a rejected row stands for
        it, or for every set left over (its artist could not be read)."""
        return self.kept(previous) or (self._unreadable and not self.continued(previous))

    def new_id(self, row: Performance) -> str:
        """The id of a set no previous one continues."""
        number = 0
        while (candidate := set_id(self._source, row, number)) in self._taken:
            number += 1
        if number:
            self._taken.add(candidate)  # another row of this version may clash with it
        return candidate

    def _continue(self, previous: StoredSet) -> None:
        self._continued.add(previous.slot)
        self._open[previous.artist] -= 1
