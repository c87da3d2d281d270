"""Boto3 clients, created on first use and reused for the life of the process.

Endpoints and credentials come from the standard AWS environment variables
(`AWS_ENDPOINT_URL` points everything at a local moto server or LocalStack).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Requests are built by our own code from typed values; the service validates them
# again, so client-side validation only costs CPU on the hot write path.
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    parameter_validation=False,
    connect_timeout=5,
    read_timeout=60,
)


@cache
def client(service: str) -> Any:
    """The shared client for an AWS service."""
    return boto3.client(service, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests start a fresh fake AWS for each case)."""
    client.cache_clear()
