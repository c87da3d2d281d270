"""`make replay STAGE=...`: process every upload's current version again, to rebuild the
performances table, the festival index and the records after a restore, the loss of a
table, or a change of the item format. With --dry-run it only lists what it would do.

Runs on the operator's machine with the operator's credentials, through the same ingest
code the Lambda runs (one file at a time under the ingest lease, so it can run while the
festival is live). A set keeps its id as long as its file's record survived; after the
loss of the bookkeeping table, ids are derived again from each set's file, artist and slot.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from infra.deploy import current_stack, stack_name
from infra.stack import environment

UPLOADS = "uploads/"


def uploads(s3: Any, bucket: str) -> list[dict[str, Any]]:
    """Every current upload (key, size, last modified), in key order."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=UPLOADS):
        found += [item for item in page.get("Contents", []) if item["Key"].lower().endswith(".csv")]
    return sorted(found, key=lambda item: item["Key"])


def replay(outputs: dict[str, str], *, dry_run: bool) -> list[dict[str, Any]]:
    """List the uploads, then (unless a dry run) process each again; returns what each run said."""
    os.environ.update(environment(outputs))
    from chalicelib.ingest.events import ObjectEvent
    from chalicelib.ingest.handler import process
    from chalicelib.services import get_services, reset_services

    reset_services()
    services = get_services()
    bucket = outputs["ScheduleBucketName"]
    found = uploads(services.s3_client, bucket)
    print(f"{len(found)} uploads in s3://{bucket}/{UPLOADS}" + (" (dry run: nothing is processed)" if dry_run else ""))
    for item in found:
        print(f"  {item['Key']}  {item['Size']:,} bytes  {item['LastModified']:%Y-%m-%d %H:%M}", flush=True)
    if dry_run:
        return []
    results = []
    for item in found:
        summary = process(ObjectEvent(bucket, item["Key"], removed=False), services, wait_seconds=120, replay=True)
        results.append(summary or {"status": "unchanged", "source": {"key": item["Key"]}})
        status = results[-1]["status"]
        print(f"  {item['Key']}: {status} ({results[-1].get('accepted', 0):,} accepted)", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list the uploads; process nothing")
    args = parser.parse_args(argv)
    import boto3

    stack = current_stack(boto3.client("cloudformation"), args.stage)
    if stack is None:
        print(f"no stack {stack_name(args.stage)}: deploy first (make deploy STAGE={args.stage})", file=sys.stderr)
        return 2
    replay({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}, dry_run=args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
