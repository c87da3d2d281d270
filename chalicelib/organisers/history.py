"""The history organisers read: every release, newest first, with how it came and who
made it (`GET /releases`), and the two look-ups a rollback needs: a later release of the
same file, and the one before it. Release items are written by the ingest's commit and
never rewritten; this only reads them."""

from __future__ import annotations

from typing import Any

from chalicelib.settings import UPLOAD_PREFIX
from chalicelib.storage.bookkeeping import BookkeepingTable, Key
from chalicelib.storage.releases import KIND, Release, ReleasePage, Releases

# A rollback's look-ups read at most this many pages of releases (each up to 1 MB) before
# they give up: thousands of releases, more than a festival makes.
MAX_PAGES = 20


def history_json(release: Release) -> dict[str, Any]:
    """One release as the history shows it to organisers (the public /changes never shows
    an author)."""
    shown: dict[str, Any] = {
        "release": release.release,
        "at": release.release,
        "file": release.source.removeprefix(UPLOAD_PREFIX),
        "action": release.action,
        "author": release.author or None,
        "via": "api" if release.author else "bucket",
    }
    if release.note:
        shown["note"] = release.note
    if release.rollback_of:
        shown["rollback_of"] = release.rollback_of
    shown["counts"] = release.counts
    shown["total"] = release.total
    return shown


class History(BookkeepingTable):
    """The releases, for organisers."""

    def newest(self, *, limit: int, start_key: Key | None) -> ReleasePage:
        items, last = self.page(KIND, limit=limit, after=start_key, newest_first=True)
        return ReleasePage([Releases.decode(item) for item in items], last)

    def release(self, release: str) -> Release | None:
        item = self.get({"pk": {"S": KIND}, "sk": {"S": release}}, consistent=True)
        return None if item is None else Releases.decode(item)

    def latest_after(self, release: Release) -> Release | None:
        """The newest release of the same file made after this one, if any."""
        return self._first(release.source, "sk > :release", release.release, newest_first=True)

    def before(self, release: Release) -> Release | None:
        """The release of the same file just before this one, if any."""
        return self._first(release.source, "sk < :release", release.release, newest_first=True)

    def _first(self, source: str, condition: str, release: str, *, newest_first: bool) -> Release | None:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": f"pk = :pk AND {condition}",
            "FilterExpression": "#source = :source",
            "ExpressionAttributeNames": {"#source": "source"},
            "ExpressionAttributeValues": {":pk": {"S": KIND}, ":release": {"S": release}, ":source": {"S": source}},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        for _ in range(MAX_PAGES):
            answer = self.client.query(**request)
            if answer["Items"]:
                return Releases.decode(answer["Items"][0])
            if "LastEvaluatedKey" not in answer:
                return None
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        raise RuntimeError(f"more than {MAX_PAGES} pages of releases to look through for {source}")
