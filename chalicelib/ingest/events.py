"""An S3 event record, reduced to what the ingest needs from it.

An event only says which key to look at, and (for the report's words) whether something
was removed: the run then asks S3 what the key holds now. So neither the order of events
nor their sequencers decide anything, and a repeated or late event is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class ObjectEvent:
    """One S3 event record."""

    bucket: str
    key: str
    removed: bool
    version_id: str = ""
    etag: str = ""

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ObjectEvent:
        s3 = record["s3"]
        found = s3["object"]
        return cls(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(found["key"]),
            removed=record.get("eventName", "").startswith("ObjectRemoved"),
            version_id=found.get("versionId") or "",
            etag=found.get("eTag") or "",
        )

    @property
    def version(self) -> str:
        """The version the event names, for log lines."""
        return self.version_id or self.etag
