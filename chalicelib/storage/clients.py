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
# For the ingest's BatchWriteItems only: their bodies are encoded by storage.batch, which
# botocore's validation of the (placeholder) parameters would refuse. A batch gives up
# within about a minute (three tries, 15 s to read), so that a stalled run's write cannot
# land long after its lease (60 s, renewed between batches) has passed to another run.
_BULK_CONFIG = _CONFIG.merge(
    Config(parameter_validation=False, retries={"mode": "standard", "max_attempts": 3}, read_timeout=15)
)


def _config(bulk: bool) -> Config:
    if bulk:
        return _BULK_CONFIG
    # Set for the API's function in .chalice/config.json (per stage); the ingest has 15 minutes.
    return FAIL_FAST if os.environ.get("AWS_CALLS") == "fail-fast" else _CONFIG


@cache
def client(service: str, *, bulk: bool = False) -> Any:
    """The shared client for an AWS service (`bulk`: the ingest's batch-write client)."""
    return boto3.client(service, config=_config(bulk))


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh fake AWS for each case)."""
    client.cache_clear()
