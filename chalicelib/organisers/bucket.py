"""What the organiser API writes to the schedule bucket: drafts (`drafts/<file>`), and
copies made server-side under `uploads/<file>` (a published draft, a version brought back
by a rollback), each with who made it and how in its metadata (`ingest.authorship`),
which the ingest then applies like any upload."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ingest.authorship import metadata
from chalicelib.ingest.notes import METADATA as NOTE
from chalicelib.ingest.notes import encode_note
from chalicelib.settings import DRAFT_PREFIX, UPLOAD_PREFIX
from chalicelib.storage.bucket import CurrentObject, ScheduleBucket

CSV = "text/csv"
_GONE = frozenset({"404", "NoSuchKey", "NoSuchVersion", "NotFound", "InvalidArgument"})
_CHANGED = frozenset({"412", "PreconditionFailed", "409", "ConditionalRequestConflict"})


class VersionGone(LookupError):
    """The version to copy is not in the bucket (never was, or deleted, or expired)."""


class UploadChanged(RuntimeError):
    """The upload changed between looking at it and writing it: the copy did not happen."""


class OrganiserBucket:
    """The schedule bucket's drafts and uploads, as organisers change them."""

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self._bucket = ScheduleBucket(client, name)
        self.name = name

    def keep_draft(self, file: str, body: bytes, author: str) -> str:
        """Keep a draft (a new version of `drafts/<file>`); returns its version id."""
        answer = self._client.put_object(
            Bucket=self.name,
            Key=DRAFT_PREFIX + file,
            Body=body,
            ContentType=CSV,
            Metadata={"author": encode_note(author)},
        )
        return str(answer.get("VersionId") or "null")

    def has_draft(self, file: str, version: str) -> bool:
        try:
            self._client.head_object(Bucket=self.name, Key=DRAFT_PREFIX + file, VersionId=version)
        except ClientError as error:
            if _code(error) in _GONE:
                return False
            raise
        return True

    def upload(self, file: str) -> CurrentObject | None:
        """What `uploads/<file>` holds now (None: nothing, or a delete marker)."""
        return self._bucket.current(UPLOAD_PREFIX + file)

    def copy_to_upload(
        self,
        file: str,
        source: str,
        version: str,
        *,
        action: str,
        author: str,
        note: str,
        rollback_of: str = "",
        guard: bool = False,
        expected: CurrentObject | None = None,
    ) -> str:
        """Copy `source` at `version` to `uploads/<file>` as its new version, with how it
        came; with `guard`, only while the upload is still `expected` (by its ETag; None:
        while it holds nothing). Returns the new version's id."""
        found = metadata(action, author, rollback_of)
        if note:
            found[NOTE] = encode_note(note)
        condition = {}
        if guard:
            condition = {"IfMatch": f'"{expected.etag}"'} if expected is not None else {"IfNoneMatch": "*"}
        try:
            answer = self._client.copy_object(
                Bucket=self.name,
                Key=UPLOAD_PREFIX + file,
                CopySource={"Bucket": self.name, "Key": source, "VersionId": version},
                Metadata=found,
                MetadataDirective="REPLACE",
                ContentType=CSV,
                **condition,
            )
        except ClientError as error:
            if _code(error) in _CHANGED:
                raise UploadChanged(file) from error
            if _code(error) in _GONE:
                raise VersionGone(f"{source} at version {version}") from error
            raise
        return str(answer.get("VersionId") or "null")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
