"""The schedule bucket: uploads are read from it as streams, reports written beside them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import IO, Any, BinaryIO

from botocore.exceptions import ClientError

from chalicelib.settings import DRAFT_PREFIX, PREVIEW_PREFIX, REPORT_PREFIX, UPLOAD_PREFIX

# HeadObject's answer for a key with no current version (a delete marker answers 404 too).
_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
# The object changed or went away after it was looked at; a later event covers it.
_SUPERSEDED = frozenset({"NoSuchKey", "NoSuchVersion", "PreconditionFailed", "404", "412"})


def report_key(key: str) -> str:
    """`uploads/day 1.csv` -> `reports/day 1.csv.json`; a draft's, `drafts/day 1.csv` ->
    `previews/day 1.csv.json` (never where an upload named `drafts/day 1.csv` reports)."""
    if key.startswith(DRAFT_PREFIX):
        return f"{PREVIEW_PREFIX}{key[len(DRAFT_PREFIX) :]}.json"
    return f"{REPORT_PREFIX}{key.removeprefix(UPLOAD_PREFIX)}.json"


@dataclass(frozen=True)
class CurrentObject:
    """The version of an upload that S3 serves now."""

    version_id: str  # "" in an unversioned bucket
    etag: str
    uploaded: str  # ISO 8601, UTC
    metadata: dict[str, str] = field(default_factory=dict)  # the uploader's (`x-amz-meta-*`)

    def same_as(self, applied: dict[str, str]) -> bool:
        """Whether this is the version whose sets are live."""
        if self.version_id or applied.get("version_id"):
            return self.version_id == applied.get("version_id")
        return bool(self.etag) and self.etag == applied.get("etag")

    def as_record(self) -> dict[str, str]:
        fields = {"version_id": self.version_id, "etag": self.etag, "uploaded": self.uploaded}
        return {name: value for name, value in fields.items() if value}


class ScheduleBucket:
    """Reads uploads and writes reports in one bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.name = bucket

    def current(self, key: str) -> CurrentObject | None:
        """What the key holds now, whatever event announced it: None when it holds nothing
        (never uploaded, deleted, or a delete marker is current)."""
        try:
            head = self._client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ABSENT:
                return None
            raise
        version = head.get("VersionId") or ""
        return CurrentObject(
            version_id="" if version == "null" else version,
            etag=head["ETag"].strip('"'),
            uploaded=head["LastModified"].astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            metadata=dict(head.get("Metadata") or {}),
        )

    def open_upload(self, key: str, *, version_id: str | None, etag: str | None) -> BinaryIO | None:
        """A stream of exactly the version the event announced, or None when that
        version is gone or has been overwritten since."""
        response = self.get_version(key, version_id=version_id, etag=etag)
        body: BinaryIO | None = None if response is None else response["Body"]
        return body

    def get_version(self, key: str, *, version_id: str | None, etag: str | None) -> dict[str, Any] | None:
        """GetObject's answer for exactly one version (by its id; without one, the current
        object if its ETag is `etag`), or None when that version is gone or was overwritten."""
        request: dict[str, str] = {"Bucket": self.name, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        elif etag:
            request["IfMatch"] = f'"{etag}"'
        try:
            response: dict[str, Any] = self._client.get_object(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _SUPERSEDED:
                return None
            raise
        return response

    def put_plan(self, key: str, plan: IO[bytes]) -> None:
        """Keep a run's plan (see `storage.plans`) until its run is done."""
        self._client.put_object(Bucket=self.name, Key=key, Body=plan, ContentType="application/x-ndjson")

    def plan_lines(self, key: str) -> Iterator[bytes] | None:
        """A kept plan's lines, streamed; None when it is gone."""
        try:
            response = self._client.get_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ABSENT:
                return None
            raise
        lines: Iterator[bytes] = response["Body"].iter_lines(chunk_size=1 << 20, keepends=True)
        return lines

    def delete_plan(self, key: str) -> None:
        self._client.delete_object(Bucket=self.name, Key=key)

    def put_report(self, upload_key: str, report: dict[str, Any]) -> str:
        """Write a report beside its upload; returns the report's key."""
        key = report_key(upload_key)
        self._client.put_object(
            Bucket=self.name,
            Key=key,
            Body=json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"),
            ContentType="application/json; charset=utf-8",
        )
        return key
