"""Boto3 clients, created on first use and reused for the life of the process.

Endpoints and credentials come from the standard AWS environment variables
(`AWS_ENDPOINT_URL` points everything at a local moto server or LocalStack).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)
# For the ingest's BatchWriteItems only: their bodies are encoded by storage.batch, which
# botocore's validation of the (placeholder) parameters would refuse.
_BULK_CONFIG = _CONFIG.merge(Config(parameter_validation=False))


@cache
def client(service: str, *, bulk: bool = False) -> Any:
    """The shared client for an AWS service (`bulk`: the ingest's batch-write client)."""
    return boto3.client(service, config=_BULK_CONFIG if bulk else _CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh fake AWS for each case)."""
    client.cache_clear()
