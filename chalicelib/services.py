"""The AWS-backed services the handlers use, wired from the settings on first use.

A read needs the performances and the indexes only. The other adapters (the ingest's: the
lease, S3, the files' records, the unit of work and its writes; and the releases) are
imported where they are first set up: a cold start pays for every module it imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings, get_settings
from chalicelib.storage import clients as aws
from chalicelib.storage.indexes import Indexes
from chalicelib.storage.performances import PerformanceStore

if TYPE_CHECKING:
    from chalicelib.storage.bucket import ScheduleBucket
    from chalicelib.storage.lease import LeaseStore
    from chalicelib.storage.releases import Releases
    from chalicelib.storage.sending import Backoff
    from chalicelib.storage.sources import SourceRecords
    from chalicelib.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the organisers' side is imported by its routes only
    from chalicelib.organisers.accounts import Accounts
    from chalicelib.organisers.bucket import OrganiserBucket
    from chalicelib.organisers.history import History
    from chalicelib.organisers.keys import PoolKeys


@dataclass
class Writes:
    """How the ingest's batch writes go: retries (None: the writer's own) and how many
    are in flight at once."""

    backoff: Backoff | None = None
    concurrency: int = 4


@dataclass(frozen=True)
class Services:
    """What the handlers talk to. The ingest's own (the lease, S3, its unit of work) are set up
    on first use: a boto3 client loads its service's model, and the API's cold start needs
    DynamoDB only."""

    settings: Settings
    performances: PerformanceStore
    indexes: Indexes
    writes: Writes = field(default_factory=Writes)

    @cached_property
    def releases(self) -> Releases:
        """The releases and their pages of changes: what `/changes` lists, and the ingest writes."""
        from chalicelib.storage.releases import Releases

        return Releases(aws.client("dynamodb"), self.settings.bookkeeping_table)

    @cached_property
    def sources(self) -> SourceRecords:
        """The files' records and manifests: the ingest's, and a preview's."""
        from chalicelib.storage.sources import SourceRecords

        return SourceRecords(aws.client("dynamodb"), self.settings.bookkeeping_table)

    @cached_property
    def lease(self) -> LeaseStore:
        from chalicelib.storage.lease import LeaseStore

        return LeaseStore(aws.client("dynamodb"), self.settings.bookkeeping_table)

    @cached_property
    def publication_lease(self) -> LeaseStore:
        """The publishers' own turns (`ingest.handler.publish_release`)."""
        from chalicelib.storage.lease import LeaseStore

        return LeaseStore(aws.client("dynamodb"), self.settings.bookkeeping_table, name="publication")

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
        from chalicelib.storage.bucket import ScheduleBucket

        return ScheduleBucket(self.s3_client, name)

    def unit_of_work(self, *, wait_seconds: float, lease: LeaseStore | None = None) -> UnitOfWork:
        """One run of the ingest (the API never writes), once it holds the lease (the ingest's,
        unless another is given): `with`."""
        from chalicelib.storage.sending import Backoff
        from chalicelib.storage.unit_of_work import Clients, Tables, UnitOfWork

        settings = self.settings
        return UnitOfWork(
            Tables(settings.performances_table, settings.bookkeeping_table, settings.schedule_bucket),
            Clients(
                reads=aws.client,
                writes=lambda service: aws.client(service, role="writes"),
                bulk=aws.client("dynamodb", role="bulk"),
            ),
            settings.notify_topic_arn,
            lease or self.lease,
            wait_seconds=wait_seconds,
            backoff=self.writes.backoff or Backoff(),
            concurrency=self.writes.concurrency,
        )


@cache
def get_services() -> Services:
    settings = get_settings()
    dynamodb = aws.client("dynamodb")
    return Services(
        settings=settings,
        performances=PerformanceStore(dynamodb, settings.performances_table),
        indexes=Indexes(dynamodb, settings.bookkeeping_table),
    )


def reset_services() -> None:
    """Forget settings, clients and services (tests change the environment between cases)."""
    get_services.cache_clear()
    get_settings.cache_clear()
    aws.reset_clients()
