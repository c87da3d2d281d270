"""Sending one of the ingest's writes: each attempt only while the lease outlives it, passing
faults retried with backoff, anything else raised at once.

The ingest's write clients make one attempt per call (`clients.WRITES`), so every retry
passes through here and through the lease's guard: that is what keeps a stalled run's
writes from landing after another run took over (docs/architecture.md, "Fencing").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from chalicelib.storage.lease import Lease

T = TypeVar("T")
THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "SlowDown",
        "TooManyRequestsException",
    }
)
# Faults that pass: the same request may well succeed a moment later.
PASSING = THROTTLING | frozenset(
    {"InternalServerError", "InternalError", "ServiceUnavailable", "RequestTimeout", "TransactionInProgressException"}
)
# AWS errors that the same request meets again on every retry.
PERMANENT = frozenset(
    {"ValidationException", "AccessDenied", "AccessDeniedException", "ResourceNotFoundException", "AuthorizationError"}
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def passing(error: Exception) -> bool:
    """Whether a failed request is worth sending again: a throttle, a 5xx, a lost connection,
    or a read that timed out (the request may have landed: every write here is idempotent,
    or, for a message, announced again on purpose)."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        reasons = {reason.get("Code") for reason in error.response.get("CancellationReasons") or []}
        if "TransactionConflict" in reasons and "ConditionalCheckFailed" not in reasons:
            return True  # another request touched one of its items meanwhile: send it again
        return error_code(error) in PASSING or int(status) >= 500
    return isinstance(error, ConnectionError | HTTPClientError)


class StoreUnavailable(RuntimeError):
    """AWS kept refusing a write after every retry: the caller should fail and retry later."""


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter, for a bounded number of attempts."""

    attempts: int = 8
    base: float = 0.05
    cap: float = 5.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, attempt: int) -> None:
        self.sleep(random.uniform(0, min(self.cap, self.base * 2**attempt)))  # noqa: S311 - jitter, not secrecy  # nosec B311


class Attempts:
    """Sends requests under a lease: a guard before each attempt, retries of passing faults."""

    def __init__(self, lease: Lease, backoff: Backoff) -> None:
        self.lease = lease
        self.backoff = backoff

    def send(self, request: Callable[[], T], what: str) -> T:
        """The request's answer; raises LeaseLost, the request's own error when it will not
        pass, or StoreUnavailable when every attempt met a passing fault."""
        for attempt in range(self.backoff.attempts):
            self.lease.guard()
            try:
                return request()
            except (ClientError, ConnectionError, HTTPClientError) as error:
                if not passing(error):
                    raise
                last = error
            if attempt + 1 < self.backoff.attempts:
                self.backoff.pause(attempt)
        raise StoreUnavailable(
            f"{what} failed {self.backoff.attempts} times ({type(last).__name__}: {last}); it will be retried"
        )
