"""Boto3 clients, created on first use and reused for the life of the process.

Endpoints and credentials come from the standard AWS environment variables
(`AWS_ENDPOINT_URL` points everything at a local moto server or LocalStack).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)
# The API's function answers within API Gateway's 29 s or not at all: three tries in all
# (botocore's max_attempts counts the retries) of 2 s to connect and 5 s to read, 21 s and
# the backoff between them in the worst case, then a 5xx the client may retry.
FAIL_FAST = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5)
# The ingest's writes: one attempt each, of at most 2 s to connect and 10 s to read, with no
# retries inside botocore. The unit of work retries them itself, each attempt sent only while
# the ingest lease outlives it (`lease.Lease.guard`): so no write of a run can land after
# another run took over (docs/architecture.md, "Fencing").
WRITES = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=10)
# The ingest's BatchWriteItems, as WRITES: their bodies are encoded by storage.batch, which
# botocore's validation of the (placeholder) parameters would refuse.
_BULK = WRITES.merge(Config(parameter_validation=False))


def _config(role: str) -> Config:
    if role == "bulk":
        return _BULK
    if role == "writes":
        return WRITES
    # Set for the API's function in .chalice/config.json (per stage); the ingest has 15 minutes.
    return FAIL_FAST if os.environ.get("AWS_CALLS") == "fail-fast" else _CONFIG


def client(service: str, *, role: str = "reads") -> Any:
    """The shared client for an AWS service: `reads` (and the API's everything), `writes`
    (the ingest's fenced writes) or `bulk` (the ingest's batch writes)."""
    return _client(service, role)


@cache
def _client(service: str, role: str) -> Any:
    return boto3.client(service, config=_config(role))


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh fake AWS for each case)."""
    _client.cache_clear()
