"""The public files in the schedule bucket (`public/`, see `publish.files`): written by the
ingest, gzip-compressed with their Cache-Control, read by the API where no CDN serves them;
and the bookkeeping item that remembers what the last publication wrote.

A release's files are written only if absent (`If-None-Match: *`): a retry that finds one
there already finds the same bytes (the same release, the same festival), so it is done.
A file no pointer names any more is tagged `retired`, which the bucket's lifecycle rule
expires a week after it was written (infra/template.yaml); the pointer and the files it
names are never tagged, so never expire.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.publish.files import POINTER, POINTER_CACHE, PREFIX, RELEASE_CACHE, PublicFile, Published
from chalicelib.storage.bookkeeping import BookkeepingTable, item_key

STATE_KEY = item_key("published", "festival")
RETIRED_TAG = {"Key": "retired", "Value": "true"}
_ALREADY_THERE = frozenset({"PreconditionFailed", "412"})
_ABSENT = frozenset({"NoSuchKey", "404", "NotFound", "AccessDenied", "403"})
_NOT_MODIFIED = frozenset({"304", "NotModified"})


def compressed(body: bytes) -> bytes:
    """gzip with no timestamp: the same file compresses to the same bytes on every retry."""
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class PublicObject:
    """A public file as S3 holds it: compressed, with its headers."""

    body: bytes
    media_type: str
    encoding: str
    cache_control: str
    etag: str


class PublicFiles:
    """Writes the public files (the ingest) and reads them (the API, without a CDN)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, file: PublicFile) -> None:
        """A release's file, if it is not there yet (it never changes under its name)."""
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=PREFIX + file.path,
                Body=compressed(file.body),
                ContentType=file.media_type,
                ContentEncoding="gzip",
                CacheControl=RELEASE_CACHE,
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _ALREADY_THERE:
                raise

    def put_pointer(self, pointer: bytes) -> None:
        self._client.put_object(
            Bucket=self.bucket,
            Key=PREFIX + POINTER,
            Body=compressed(pointer),
            ContentType="application/json; charset=utf-8",
            ContentEncoding="gzip",
            CacheControl=POINTER_CACHE,
        )

    def retire(self, path: str) -> None:
        """Let the lifecycle rule expire a file no pointer names any more."""
        self._client.put_object_tagging(Bucket=self.bucket, Key=PREFIX + path, Tagging={"TagSet": [RETIRED_TAG]})

    def read(self, path: str, *, if_none_match: str = "") -> PublicObject | bool | None:
        """A public file (None when there is none; False when `if_none_match` names it)."""
        request = {"Bucket": self.bucket, "Key": PREFIX + path}
        if if_none_match:
            request["IfNoneMatch"] = if_none_match
        try:
            found = self._client.get_object(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _NOT_MODIFIED or status == "304":
                return False
            if code in _ABSENT:
                return None
            raise
        return PublicObject(
            body=found["Body"].read(),
            media_type=found.get("ContentType", "application/octet-stream"),
            encoding=found.get("ContentEncoding", ""),
            cache_control=found.get("CacheControl", ""),
            etag=found.get("ETag", ""),
        )

    def pointer(self) -> dict[str, Any] | None:
        """The pointer's JSON, or None before the first publication."""
        found = self.read(POINTER)
        if not isinstance(found, PublicObject):
            return None
        body = gzip.decompress(found.body) if found.encoding == "gzip" else found.body
        pointer: dict[str, Any] = json.loads(body)
        return pointer


class Publications(BookkeepingTable):
    """The item that remembers what the last publication wrote (`published/festival`)."""

    def published(self, *, consistent: bool = True) -> Published:
        item = self.get(STATE_KEY, consistent=consistent)
        return Published() if item is None else Published.from_json(json.loads(item["state"]["S"]))

    @staticmethod
    def encode(state: Published) -> dict[str, Any]:
        return {**STATE_KEY, "state": {"S": json.dumps(state.as_json(), separators=(",", ":"))}}
