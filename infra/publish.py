"""`make publish DRAFT=<name> STAGE=... [NOTE="..."]`: publish a draft, once its preview
(`previews/<name>.json`) says what it should: copy `drafts/<name>` to
`uploads/<name>`, which the live ingest then applies. The draft's release note (S3
metadata `note`) goes along, or NOTE replaces it (any language; at most 500 characters).

The same in the AWS CLI, with the note kept:

    aws s3 cp "s3://BUCKET/drafts/NAME" "s3://BUCKET/uploads/NAME"
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ingest.notes import MAX_NOTE_CHARS, METADATA, encode_note
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX


class NoDraft(LookupError):
    """No draft by that name."""


def publish(s3: Any, bucket: str, name: str, note: str | None = None) -> str:
    """Copy the draft to the uploads (with its note, or `note`); returns the upload's key."""
    draft, upload = DRAFT_PREFIX + name, UPLOAD_PREFIX + name
    try:
        head = s3.head_object(Bucket=bucket, Key=draft)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise NoDraft(f"no draft s3://{bucket}/{draft}") from error
        raise
    metadata = dict(head.get("Metadata") or {})
    if note is not None:
        metadata[METADATA] = encode_note(note)
    source: dict[str, str] = {"Bucket": bucket, "Key": draft}
    if head.get("VersionId") and head["VersionId"] != "null":
        source["VersionId"] = head["VersionId"]  # exactly the version that was previewed
    s3.copy_object(
        Bucket=bucket,
        Key=upload,
        CopySource=source,
        Metadata=metadata,
        MetadataDirective="REPLACE",
        ContentType=head.get("ContentType") or "text/csv",
    )
    return upload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", help="the deployment (its stack names the bucket)")
    parser.add_argument("--bucket", help="the schedule bucket, instead of --stage (`make run`'s local one, say)")
    parser.add_argument("--draft", required=True, help="the draft's name under drafts/ (`day 1.csv`)")
    parser.add_argument("--note", help=f"the release note, at most {MAX_NOTE_CHARS} characters (replaces the draft's)")
    args = parser.parse_args(argv)
    import boto3

    bucket = args.bucket
    if bucket is None:
        from infra.deploy import stack_name, stage_output

        if not args.stage:
            parser.error("give --stage (or --bucket)")
        bucket = stage_output(boto3.client("cloudformation"), args.stage, "ScheduleBucketName")
        if bucket is None:
            print(f"no stack {stack_name(args.stage)}: deploy first", file=sys.stderr)
            return 2
    if args.note is not None and len(args.note) > MAX_NOTE_CHARS:
        print(f"the note is {len(args.note)} characters; at most {MAX_NOTE_CHARS}", file=sys.stderr)
        return 2
    try:
        upload = publish(boto3.client("s3"), bucket, args.draft, args.note)
    except NoDraft as error:
        print(error, file=sys.stderr)
        return 2
    print(
        f"published s3://{bucket}/{DRAFT_PREFIX}{args.draft} as s3://{bucket}/{upload}; its report will be at "
        f"s3://{bucket}/reports/{args.draft}.json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
