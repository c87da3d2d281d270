"""The ingest lease (`lease/ingest`): who is ingesting now, until when. Runs take turns, so
that every run sees the table as the previous one left it and can keep the indexes exact."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.storage.bookkeeping import BookkeepingTable, conditional_failed, item_key

LEASE_SECONDS = 60
_KEY = item_key("lease", "ingest")


class LeaseBusy(RuntimeError):
    """Another run held the ingest lease for longer than this run could wait."""


class LeaseLost(RuntimeError):
    """This run's lease expired and another run took over: stop without writing more."""


class LeaseStore(BookkeepingTable):
    """Takes, renews and drops the lease item."""

    def __init__(self, client: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        super().__init__(client, table)
        self.clock = clock  # wall-clock seconds; lease expiry is compared across processes

    def lease(self, *, wait_seconds: float) -> Lease:
        return Lease(self, wait_seconds=wait_seconds)

    def claim(self, owner: str, *, renewal: bool = False) -> bool:
        """Take the lease for `owner` (or, with `renewal`, extend it only while `owner` still
        holds it); False when another run holds it, or took it meanwhile."""
        now = self.clock()
        condition = "#o = :me" if renewal else "attribute_not_exists(pk) OR expires < :now OR #o = :me"
        values = {":me": {"S": owner}} if renewal else {":now": {"N": repr(now)}, ":me": {"S": owner}}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**_KEY, "owner": {"S": owner}, "expires": {"N": repr(now + LEASE_SECONDS)}},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if conditional_failed(error):
                return False
            raise
        return True

    def held_by(self, owner: str) -> dict[str, Any]:
        """A transaction step that holds only while `owner` still has the lease."""
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": _KEY,
                "ConditionExpression": "#o = :me AND expires >= :now",
                "ExpressionAttributeNames": {"#o": "owner"},
                "ExpressionAttributeValues": {":me": {"S": owner}, ":now": {"N": repr(self.clock())}},
            }
        }

    def drop(self, owner: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=_KEY,
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
        self._wait_seconds = wait_seconds
        self.owner = uuid.uuid4().hex
        self._renew_at = 0.0

    def __enter__(self) -> Lease:
        deadline = time.monotonic() + self._wait_seconds
        delay = 0.05
        while not self._store.claim(self.owner):
            if time.monotonic() >= deadline:
                raise LeaseBusy(f"another ingest held the lease for over {self._wait_seconds:.0f} s")
            time.sleep(random.uniform(delay / 2, delay))  # noqa: S311 - jitter, not secrecy  # nosec B311
            delay = min(delay * 2, 2.0)
        self._renew_at = time.monotonic() + LEASE_SECONDS / 3
        return self

    def keep_alive(self) -> None:
        """Renew the lease when a third of it has passed; cheap to call per batch."""
        if time.monotonic() < self._renew_at:
            return
        if not self._store.claim(self.owner, renewal=True):
            raise LeaseLost("the ingest lease expired and another run took over")
        self._renew_at = time.monotonic() + LEASE_SECONDS / 3

    def fence(self) -> dict[str, Any]:
        """The transaction step that makes a write land only while this run holds the lease."""
        return self._store.held_by(self.owner)

    def __exit__(self, *exc_info: object) -> None:
        self._store.drop(self.owner)
