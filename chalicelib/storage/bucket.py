"""The schedule bucket: uploads are read from it as streams, reports written beside them."""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from chalicelib.ingest.report import report_key

# The object changed or went away after the event was sent; a later event covers it.
_SUPERSEDED = frozenset({"NoSuchKey", "NoSuchVersion", "PreconditionFailed", "404", "412"})


class ScheduleBucket:
    """Reads uploads and writes reports in one bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.name = bucket

    def open_upload(self, key: str, *, version_id: str | None, etag: str | None) -> BinaryIO | None:
        """A stream of exactly the version the event announced, or None when that
        version is gone or has been overwritten since."""
        request: dict[str, str] = {"Bucket": self.name, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        elif etag:
            request["IfMatch"] = f'"{etag}"'
        try:
            response = self._client.get_object(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _SUPERSEDED:
                return None
            raise
        body: BinaryIO = response["Body"]
        return body

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
