"""What a calendar request asks for, in one canonical form.

`ids=b,a`, `a,b,a` and `a, b` ask for the same sets: the canonical form (sorted, distinct
ids; trimmed, NFC names) is what the ETag is made from and what the CDN keys on
(infra/template.yaml does the same to the query before its cache), so one body has one
tag. Caps (see `api.params`) keep a query small enough for a CDN's URL limit and keep
names from being echoed at any length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.api.params import Params
from chalicelib.sets.model import Set

ROUTE = "/calendar.ics"


@dataclass(frozen=True)
class CalendarQuery:
    """The festival, or the sets of one stage, one artist, or picked ids."""

    stage: str | None = None
    artist: str | None = None
    ids: tuple[str, ...] | None = None  # sorted, distinct

    @classmethod
    def parse(cls, query: Mapping[str, str] | None) -> CalendarQuery:
        """Check the query: 400 for a malformed value or one past its cap."""
        params = Params(query, ROUTE)
        ids = params.ids()
        return cls(params.name("stage"), params.name("artist"), None if ids is None else tuple(ids))

    def canonical(self) -> dict[str, str]:
        """The query as one string per parameter, for the ETag."""
        given = {"stage": self.stage, "artist": self.artist, "ids": None if self.ids is None else ",".join(self.ids)}
        return {name: value for name, value in given.items() if value is not None}

    def narrowed_by(self) -> tuple[str, ...]:
        """The names the feed's title mentions."""
        return tuple(name for name in (self.stage, self.artist) if name)

    def wants(self, performance: Set) -> bool:
        return (
            (self.stage is None or performance.stage == self.stage)
            and (self.artist is None or performance.artist == self.artist)
            and (self.ids is None or performance.id in self.ids)
        )


def canonical_calendar_query(query: Mapping[str, str] | None) -> dict[str, str]:
    """What identifies a calendar request's answer (the app's ETag is made from it)."""
    return CalendarQuery.parse(query).canonical()
