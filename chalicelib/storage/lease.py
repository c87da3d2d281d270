"""The ingest lease (`lease/ingest`): who is ingesting now, until when. Runs take turns, so
that every run sees the table as the previous one left it and can keep the indexes exact.
Publishers take turns under a lease of their own (`lease/publication`), by the same rules.

The lease is also the fence of every write a run sends (docs/architecture.md, "Fencing"):
a transaction carries it as a condition (`fence`); any other write is sent only while the
lease has at least GUARD_SECONDS left (`guard`), longer than one attempt of a write can
take (`clients.WRITES`: 2 s to connect, 10 s to read, no retries inside botocore), so that
whatever a run sends lands, if it lands at all, before another run may take over.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.storage.bookkeeping import BookkeepingTable, conditional_failed, item_key

LEASE_SECONDS = 60
# A write is sent only while the lease has this long left: one attempt's 12 s at most
# (connect and read timeouts), the time a large body takes to go out, and the clocks of two
# hosts disagreeing by up to CLOCK_SKEW_SECONDS.
GUARD_SECONDS = 25
CLOCK_SKEW_SECONDS = 2


class LeaseBusy(RuntimeError):
    """Another run held the ingest lease for longer than this run could wait."""


class LeaseLost(RuntimeError):
    """This run's lease expired and another run took over: stop without writing more."""


class LeaseStore(BookkeepingTable):
    """Takes, renews and drops the lease item."""

    def __init__(
        self, client: Any, table: str, clock: Callable[[], float] = time.time, *, name: str = "ingest"
    ) -> None:
        super().__init__(client, table)
        self.clock = clock  # wall-clock seconds; lease expiry is compared across processes
        self.name = name
        self._key = item_key("lease", name)

    def lease(self, *, wait_seconds: float) -> Lease:
        return Lease(self, wait_seconds=wait_seconds)

    def claim(self, owner: str, *, renewal: bool = False) -> float | None:
        """Take the lease for `owner` (or, with `renewal`, extend it only while `owner` still
        holds it); returns when it now expires, or None when another run holds it, or took
        it meanwhile."""
        now = self.clock()
        expires = now + LEASE_SECONDS
        condition = "#o = :me" if renewal else "attribute_not_exists(pk) OR expires < :now OR #o = :me"
        values = {":me": {"S": owner}} if renewal else {":now": {"N": repr(now)}, ":me": {"S": owner}}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**self._key, "owner": {"S": owner}, "expires": {"N": repr(expires)}},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if conditional_failed(error):
                return None
            raise
        return expires

    def held_by(self, owner: str) -> dict[str, Any]:
        """A transaction step that holds only while `owner` still has the lease."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": self._key,
                "ConditionExpression": "#o = :me AND expires >= :now",
                "ExpressionAttributeNames": {"#o": "owner"},
                "ExpressionAttributeValues": {":me": {"S": owner}, ":now": {"N": repr(self.clock())}},
            }
        }

    def drop(self, owner: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=self._key,
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": owner}},
            )
        except ClientError as error:
            if not conditional_failed(error):
                raise


class Lease:
    """The right to ingest, held by one run at a time and renewed while it works.

    A run that dies stops renewing; after LEASE_SECONDS the next run takes over and
    repairs whatever was left half done.
    """

    def __init__(self, store: LeaseStore, *, wait_seconds: float) -> None:
        self._store = store
        self.name = store.name
        self._wait_seconds = wait_seconds
        self.owner = uuid.uuid4().hex
        self._expires = 0.0  # as the lease item says: the other runs' clocks compare with it
        self._lock = threading.Lock()  # batches are sent from several threads

    def __enter__(self) -> Lease:
        deadline = time.monotonic() + self._wait_seconds
        delay = 0.05
        while (expires := self._store.claim(self.owner)) is None:
            if time.monotonic() >= deadline:
                raise LeaseBusy(f"the {self.name} lease was held by another for over {self._wait_seconds:.0f} s")
            time.sleep(random.uniform(delay / 2, delay))  # noqa: S311 - jitter, not secrecy  # nosec B311
            delay = min(delay * 2, 2.0)
        self._expires = expires
        return self

    def guard(self) -> None:
        """Make sure the lease has GUARD_SECONDS left before something is sent, renewing it
        when it has not; raises LeaseLost when another run took it. Cheap to call per request."""
        with self._lock:
            if self._store.clock() + GUARD_SECONDS + CLOCK_SKEW_SECONDS < self._expires:
                return
            expires = self._store.claim(self.owner, renewal=True)
            if expires is None:
                raise LeaseLost(f"the {self.name} lease expired and another run took over")
            self._expires = expires

    def fence(self) -> dict[str, Any]:
        """The transaction step that makes a write land only while this run holds the lease."""
        return self._store.held_by(self.owner)

    def __exit__(self, *exc_info: object) -> None:
        self._store.drop(self.owner)
