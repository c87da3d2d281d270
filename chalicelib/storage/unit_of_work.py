"""The unit of work: sends a run's plan and commits it, fenced by the ingest lease.

Every write of a plan is a put or a delete of a whole item, so sending a plan twice (the
dead run's half and then all of it again) ends where sending it once does. The
order is what readers need: the sets, then the index, the manifests and the pages of
changes, and only then the commit (the head of the festival, the release, the file's
record, in one transaction that lands only while the run holds the lease), which is
what makes the new release visible and every ETag change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib.storage.batch import Backoff, BatchWriter, EncodedBatchWrite
from chalicelib.storage.bookkeeping import Key
from chalicelib.storage.indexes import Head
from chalicelib.storage.lease import Lease, LeaseLost
from chalicelib.storage.plans import BOOKKEEPING, COMMIT, FINISH, PERFORMANCES

_BOOKKEEPING_CONCURRENCY = 1  # few requests; in order is plainer to follow in the logs


class UnitOfWork:
    """Applies plans to the performances and bookkeeping tables."""

    def __init__(
        self,
        client: Any,
        bulk_client: Any,
        performances_table: str,
        bookkeeping_table: str,
        *,
        backoff: Backoff | None = None,
        concurrency: int = 4,
    ) -> None:
        self._client = client
        self._bulk_client = bulk_client
        self._performances = performances_table
        self._bookkeeping = bookkeeping_table
        self._backoff = backoff or Backoff()
        self._concurrency = concurrency
        self.requests = {"performance_writes": 0, "bookkeeping_writes": 0}

    def apply(self, lines: Iterable[tuple[bytes, bytes]], lease: Lease) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send every write of a plan; returns its commit and finish steps."""
        sets = BatchWriter(EncodedBatchWrite(self._bulk_client, self._performances), self._backoff, self._concurrency)
        bookkeeping: BatchWriter | None = None
        steps: dict[bytes, dict[str, Any]] = {}
        for kind, payload in lines:
            if kind == PERFORMANCES:
                sets.send(payload)
            elif kind == BOOKKEEPING:
                if bookkeeping is None:  # every set lands before the index that points at it
                    sets.flush()
                    bookkeeping = BatchWriter(
                        EncodedBatchWrite(self._bulk_client, self._bookkeeping), self._backoff, _BOOKKEEPING_CONCURRENCY
                    )
                bookkeeping.send(payload)
            else:
                steps[kind] = json.loads(payload)
            lease.keep_alive()
        sets.flush()
        self.requests["performance_writes"] += sets.requests
        if bookkeeping is not None:
            bookkeeping.flush()
            self.requests["bookkeeping_writes"] += bookkeeping.requests
        return steps[COMMIT], steps[FINISH]

    def mark_pending(self, lease: Lease, head: Head) -> None:
        """Say, before the first write, which run's plan is being applied (and where it is)."""
        self._transact(lease, [head.as_item()])

    def commit(self, lease: Lease, head: Head, items: list[dict[str, Any]]) -> None:
        """The head, and the items that go with it, together, only while the lease is held."""
        self._transact(lease, [head.as_item(), *items])

    def _transact(self, lease: Lease, items: list[dict[str, Any]]) -> None:
        actions = [lease.fence(), *({"Put": {"TableName": self._bookkeeping, "Item": item}} for item in items)]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except self._client.exceptions.TransactionCanceledException as error:
            raise LeaseLost("the ingest lease expired and another run took over before this commit") from error

    def delete(self, keys: Iterable[Key]) -> None:
        """Delete bookkeeping items (garbage a commit left behind)."""
        writer = BatchWriter(EncodedBatchWrite(self._bulk_client, self._bookkeeping), self._backoff, 1)
        for key in keys:
            writer.delete(key)
        writer.flush()
