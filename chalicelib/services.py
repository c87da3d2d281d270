"""The AWS-backed services the handlers use, wired from the settings on first use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.ingest.notify import Notifier
from chalicelib.settings import Settings, get_settings
from chalicelib.storage import clients as aws
from chalicelib.storage.bucket import ScheduleBucket
from chalicelib.storage.indexes import Indexes
from chalicelib.storage.lease import LeaseStore
from chalicelib.storage.performances import PerformanceStore
from chalicelib.storage.releases import Releases
from chalicelib.storage.sources import SourceRecords


@dataclass(frozen=True)
class Services:
    """What the handlers talk to."""

    settings: Settings
    performances: PerformanceStore
    lease: LeaseStore
    sources: SourceRecords
    indexes: Indexes
    releases: Releases
    notifier: Notifier
    s3_client: Any

    def bucket(self, name: str) -> ScheduleBucket:
        return ScheduleBucket(self.s3_client, name)


@cache
def get_services() -> Services:
    settings = get_settings()
    dynamodb = aws.client("dynamodb")
    return Services(
        settings=settings,
        performances=PerformanceStore(
            dynamodb, settings.performances_table, write_client=lambda: aws.client("dynamodb", bulk=True)
        ),
        lease=LeaseStore(dynamodb, settings.state_table),
        sources=SourceRecords(dynamodb, settings.state_table),
        indexes=Indexes(dynamodb, settings.state_table),
        releases=Releases(dynamodb, settings.state_table),
        notifier=Notifier(aws.client("sns"), settings.notify_topic_arn),
        s3_client=aws.client("s3"),
    )


def reset_services() -> None:
    """Forget settings, clients and services (tests change the environment between cases)."""
    get_services.cache_clear()
    get_settings.cache_clear()
    aws.reset_clients()
