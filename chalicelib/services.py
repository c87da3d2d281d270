"""The AWS-backed services the handlers use, wired from the settings on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings, get_settings
from chalicelib.storage import clients as aws
from chalicelib.storage.batch import Backoff
from chalicelib.storage.bucket import ScheduleBucket
from chalicelib.storage.indexes import Indexes
from chalicelib.storage.lease import LeaseStore
from chalicelib.storage.performances import PerformanceStore
from chalicelib.storage.releases import Releases
from chalicelib.storage.sources import SourceRecords
from chalicelib.storage.topic import Topic
from chalicelib.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the organisers' side is imported by its routes only
    from chalicelib.organisers.accounts import Accounts
    from chalicelib.organisers.bucket import OrganiserBucket
    from chalicelib.organisers.history import History
    from chalicelib.organisers.keys import PoolKeys


@dataclass
class Writes:
    """How the ingest's batch writes go: retries and how many are in flight at once."""

    backoff: Backoff = field(default_factory=Backoff)
    concurrency: int = 4


@dataclass(frozen=True)
class Services:
    """What the handlers talk to. The ingest's own (the lease, S3, SNS) are set up on first
    use: a boto3 client loads its service's model, and the API's cold start needs DynamoDB only."""

    settings: Settings
    performances: PerformanceStore
    sources: SourceRecords
    indexes: Indexes
    releases: Releases
    writes: Writes = field(default_factory=Writes)

    @cached_property
    def lease(self) -> LeaseStore:
        return LeaseStore(aws.client("dynamodb"), self.settings.bookkeeping_table)

    @cached_property
    def topic(self) -> Topic:
        return Topic(aws.client("sns"), self.settings.notify_topic_arn)

    @cached_property
    def s3_client(self) -> Any:
        return aws.client("s3")

    @cached_property
    def organiser_keys(self) -> PoolKeys:
        """The organisers' pool's signing keys, fetched once per container."""
        from chalicelib.organisers.keys import PoolKeys

        return PoolKeys(self.settings.organiser_keys_url)

    @cached_property
    def accounts(self) -> Accounts:
        from chalicelib.organisers.accounts import Accounts

        return Accounts(aws.client("cognito-idp"), self.settings.organiser_pool_id, self.settings.organiser_client_id)

    @cached_property
    def organiser_bucket(self) -> OrganiserBucket:
        from chalicelib.organisers.bucket import OrganiserBucket

        return OrganiserBucket(self.s3_client, self.settings.schedule_bucket)

    @cached_property
    def history(self) -> History:
        from chalicelib.organisers.history import History

        return History(aws.client("dynamodb"), self.settings.bookkeeping_table)

    def bucket(self, name: str) -> ScheduleBucket:
        return ScheduleBucket(self.s3_client, name)

    def unit_of_work(self) -> UnitOfWork:
        """Writes for the ingest only (the API never writes): its own client for batches."""
        return UnitOfWork(
            aws.client("dynamodb"),
            aws.client("dynamodb", bulk=True),
            self.settings.performances_table,
            self.settings.bookkeeping_table,
            backoff=self.writes.backoff,
            concurrency=self.writes.concurrency,
        )


@cache
def get_services() -> Services:
    settings = get_settings()
    dynamodb = aws.client("dynamodb")
    return Services(
        settings=settings,
        performances=PerformanceStore(dynamodb, settings.performances_table),
        sources=SourceRecords(dynamodb, settings.bookkeeping_table),
        indexes=Indexes(dynamodb, settings.bookkeeping_table),
        releases=Releases(dynamodb, settings.bookkeeping_table),
    )


def reset_services() -> None:
    """Forget settings, clients and services (tests change the environment between cases)."""
    get_services.cache_clear()
    get_settings.cache_clear()
    aws.reset_clients()
