"""Timetable files read whole and written back as a new version, for an edit: the version
read and its ETag, then a write that S3 accepts only while the key still holds that version
(a conditional write, `IfMatch`), so of two writers of one version exactly one wins and
the other learns it lost, without a lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.storage.bucket import ScheduleBucket

# The key holds another version than the one read (or none): a conditional write's refusal
# (409 while another conditional write of the key is under way).
_CHANGED = frozenset({"PreconditionFailed", "412", "NoSuchKey", "404", "ConditionalRequestConflict", "409"})


@dataclass(frozen=True)
class FileVersion:
    """One version of a file, as read."""

    key: str
    version_id: str  # "" in an unversioned bucket
    etag: str  # unquoted
    body: bytes
    content_type: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """The version a write made."""

    key: str
    version_id: str
    etag: str


class TimetableFiles:
    """Reads a version of a file and writes the next one, conditionally, in one bucket."""

    def __init__(self, client: Any, bucket: str, *, max_bytes: int) -> None:
        self._client = client
        self._versions = ScheduleBucket(client, bucket)
        self.bucket = bucket
        self.max_bytes = max_bytes

    def read(self, key: str, *, version_id: str = "", etag: str = "") -> FileVersion | int | None:
        """That version of the file (by its id; in an unversioned bucket, the current object
        if its ETag is `etag`); None when it is gone or was replaced; its size in bytes when
        that is over `max_bytes`."""
        response = self._versions.get_version(key, version_id=version_id or None, etag=etag or None)
        if response is None:
            return None
        size = int(response.get("ContentLength", 0))
        if size > self.max_bytes:
            response["Body"].close()
            return size
        version = response.get("VersionId") or ""
        return FileVersion(
            key=key,
            version_id="" if version == "null" else version,
            etag=response["ETag"].strip('"'),
            body=response["Body"].read(),
            content_type=response.get("ContentType", ""),
            metadata=dict(response.get("Metadata") or {}),
        )

    def write(self, read: FileVersion, body: bytes, metadata: dict[str, str]) -> Written | None:
        """`body` as the file's next version, with `metadata` (and the content type the version
        read had), if the key still holds `read`; None when it holds another version now."""
        request: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": read.key,
            "Body": body,
            "IfMatch": f'"{read.etag}"',
            "Metadata": metadata,
        }
        if read.content_type:
            request["ContentType"] = read.content_type
        try:
            response = self._client.put_object(**request)
        except ClientError as error:
            if _code(error) in _CHANGED:
                return None
            raise
        version = response.get("VersionId") or ""
        return Written(read.key, "" if version == "null" else version, response["ETag"].strip('"'))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
