"""What a deployment costs a month, from one price list: `make cost`, `make deploy DRY_RUN=1`
and the README's cost table all come from here, so they cannot drift apart.

    python -m infra.cost --rows-per-day 10000 --requests-per-day 100000
    python -m infra.cost --readme     # the README's table, as the README must show it
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from chalicelib.storage.sizes import item_size
from infra.stack import TEMPLATE

__all__ = ["item_size", "read_units"]

# USD, us-east-1 on-demand prices, late 2025 (other regions differ a little).
PRICES = {
    "dynamodb_write_per_million": 0.625,
    "dynamodb_read_per_million": 0.125,
    "lambda_requests_per_million": 0.20,
    "lambda_gb_second": 0.0000166667,
    "api_gateway_requests_per_million": 3.50,
    "logs_ingested_per_gb": 0.50,
    "s3_puts_per_thousand": 0.005,
    "sns_publishes_per_million": 0.50,
    "alarm_per_month": 0.10,
}

# What the product does per unit of use (docs/benchmarks.md has the measurements).
DAYS_PER_MONTH = 30
WRITES_PER_ROW = 4  # the table and its three indexes (by_day, by_artist, by_id)
ROWS_PER_FILE = 250  # a typical timetable file
# The lease, the head (twice), the record, the release, and the index of the stage-days a
# typical file touches (6 stages x 3 days), their stages and days, its manifest and its
# pages of changes (docs/architecture.md, "The bookkeeping table").
BOOKKEEPING_WRITES_PER_FILE = 60
S3_PUTS_PER_FILE = 2  # the plan, the report
INVOCATIONS_PER_FILE = 2  # the ingest's, and the publisher's its message starts
INGEST_GB_SECONDS_PER_ROW = 0.0003  # about 0.15 ms a row at 2 GB (1.2 vCPUs): CPU-bound, so the GB-s stay
API_GB_SECONDS_PER_REQUEST = 0.015  # about 30 ms at 512 MB
# Read units of a typical request: the head (one unit, read consistently) and a page of sets
# or of the index (a unit or two); `read_units` prices a request as measured.
READS_PER_REQUEST = 2
READ_UNIT_BYTES = 4096
LOG_BYTES_PER_REQUEST = 400  # Lambda's START, END and REPORT lines
README_ROWS = ((1_000, 10_000), (10_000, 100_000), (100_000, 1_000_000))
# The scheduled run (`finish_pending`), every 5 minutes: it takes the lease, reads the head
# and drops the lease (about 100 ms at 2 GB), whatever is uploaded.
SCHEDULED_RUNS_PER_MONTH = DAYS_PER_MONTH * 24 * 12
SCHEDULED_RUN_GB_SECONDS = 0.2
SCHEDULED_RUN_WRITES, SCHEDULED_RUN_READS = 2, 1


def alarm_count() -> int:
    """The CloudWatch alarms the template makes (each is billed monthly)."""
    return TEMPLATE.read_text().count("Type: AWS::CloudWatch::Alarm")


@dataclass(frozen=True)
class Estimate:
    """A month's cost in USD, by service."""

    dynamodb: float
    lambda_: float
    api_gateway: float
    logs: float
    s3_and_sns: float
    alarms: float

    @property
    def total(self) -> float:
        return self.dynamodb + self.lambda_ + self.api_gateway + self.logs + self.s3_and_sns + self.alarms


def estimate(rows_per_day: int, requests_per_day: int, prices: dict[str, float] = PRICES) -> Estimate:
    """The month's cost of ingesting `rows_per_day` rows and answering `requests_per_day` API requests."""
    rows, requests = rows_per_day * DAYS_PER_MONTH, requests_per_day * DAYS_PER_MONTH
    files = math.ceil(rows / ROWS_PER_FILE)
    scheduled = SCHEDULED_RUNS_PER_MONTH
    writes = rows * WRITES_PER_ROW + files * BOOKKEEPING_WRITES_PER_FILE + scheduled * SCHEDULED_RUN_WRITES
    reads = requests * READS_PER_REQUEST + scheduled * SCHEDULED_RUN_READS
    gb_seconds = (
        rows * INGEST_GB_SECONDS_PER_ROW + requests * API_GB_SECONDS_PER_REQUEST + scheduled * SCHEDULED_RUN_GB_SECONDS
    )
    return Estimate(
        dynamodb=(writes * prices["dynamodb_write_per_million"] + reads * prices["dynamodb_read_per_million"]) / 1e6,
        lambda_=gb_seconds * prices["lambda_gb_second"]
        + (requests + files * INVOCATIONS_PER_FILE + scheduled) * prices["lambda_requests_per_million"] / 1e6,
        api_gateway=requests * prices["api_gateway_requests_per_million"] / 1e6,
        logs=requests * LOG_BYTES_PER_REQUEST / 1e9 * prices["logs_ingested_per_gb"],
        s3_and_sns=files * S3_PUTS_PER_FILE * prices["s3_puts_per_thousand"] / 1e3
        + files * prices["sns_publishes_per_million"] / 1e6,
        alarms=alarm_count() * prices["alarm_per_month"],
    )


def read_units(operation: str, item_sizes: list[int], *, consistent: bool = False) -> float:
    """The read request units DynamoDB bills for one request that read items of these sizes:
    a GetItem or BatchGetItem rounds each item up to 4 KB, a Query rounds the page's total;
    an eventually consistent read costs half."""
    if operation == "Query":
        units = math.ceil(sum(item_sizes) / READ_UNIT_BYTES) or 1
    else:
        units = sum(math.ceil(size / READ_UNIT_BYTES) or 1 for size in item_sizes) or 1
    return units if consistent else units / 2


def _usd(amount: float) -> str:
    return "< $0.01" if amount < 0.005 else f"${amount:,.2f}"


def readme_table() -> str:
    """The README's cost table (a test checks that the README shows exactly this)."""
    lines = [
        "| rows ingested a day | API requests a day | DynamoDB | Lambda | API Gateway | logs | S3, SNS "
        "| alarms | total a month |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, requests in README_ROWS:
        cost = estimate(rows, requests)
        parts = (cost.dynamodb, cost.lambda_, cost.api_gateway, cost.logs, cost.s3_and_sns, cost.alarms)
        lines.append(
            f"| {rows:,} | {requests:,} | " + " | ".join(_usd(part) for part in parts) + f" | **{_usd(cost.total)}** |"
        )
    return "\n".join(lines)


def describe(rows_per_day: int, requests_per_day: int) -> str:
    """The estimate in words, for the terminal."""
    cost = estimate(rows_per_day, requests_per_day)
    lines = [
        f"Monthly estimate for {rows_per_day:,} rows ingested and {requests_per_day:,} API requests a day "
        "(us-east-1 on-demand prices, infra/cost.py):",
        f"  DynamoDB     {_usd(cost.dynamodb):>10}",
        f"  Lambda       {_usd(cost.lambda_):>10}",
        f"  API Gateway  {_usd(cost.api_gateway):>10}",
        f"  logs         {_usd(cost.logs):>10}",
        f"  S3, SNS      {_usd(cost.s3_and_sns):>10}",
        f"  alarms       {_usd(cost.alarms):>10}",
        f"  total        {_usd(cost.total):>10}",
        "Storage is extra and small (a festival is kilobytes); a CDN (CDN=1) takes most API requests off this bill.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows-per-day", type=int, default=10_000)
    parser.add_argument("--requests-per-day", type=int, default=100_000)
    parser.add_argument("--readme", action="store_true", help="print the README's cost table")
    args = parser.parse_args(argv)
    print(readme_table() if args.readme else describe(args.rows_per_day, args.requests_per_day))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
