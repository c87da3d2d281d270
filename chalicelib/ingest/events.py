"""An S3 event record, reduced to what decides what the ingest does with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class ObjectEvent:
    """One S3 event record, reduced to what decides what to do with it."""

    bucket: str
    key: str
    removed: bool
    version_id: str = ""
    etag: str = ""
    sequencer: str = ""
    event_time: str = ""

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
            sequencer=found.get("sequencer") or "",
            event_time=record.get("eventTime") or "",
        )

    @property
    def delivery(self) -> dict[str, str]:
        fields = {
            "kind": "removed" if self.removed else "created",
            "version_id": self.version_id,
            "etag": self.etag,
            "sequencer": self.sequencer,
            "event_time": self.event_time,
        }
        return {name: value for name, value in fields.items() if value}

    @property
    def version(self) -> str:
        return self.version_id or self.etag or self.event_time

    def same_delivery(self, delivery: dict[str, str]) -> bool:
        """The same object version, announced again."""
        if self.version_id or delivery.get("version_id"):
            return self.version_id == delivery.get("version_id")
        mine = self.delivery
        return all(mine.get(name) == delivery.get(name) for name in ("kind", "etag", "sequencer", "event_time"))

    def is_older_than(self, delivery: dict[str, str]) -> bool:
        """Whether this event describes a state of the key older than `delivery`'s."""
        if self.sequencer and delivery.get("sequencer"):
            # S3's rule: compare sequencers as hex numbers of equal length.
            return int(self.sequencer, 16) < int(delivery["sequencer"], 16)
        if self.event_time and delivery.get("event_time"):
            return _parse_time(self.event_time) < _parse_time(delivery["event_time"])
        return False


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
