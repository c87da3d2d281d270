"""Tells the team on SNS how an upload went: one message per processed object version."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

MAX_SUBJECT = 100
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_PUNCTUATION = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00df": "ss",
    }
)


def ascii_text(text: str) -> str:
    """Text SNS accepts in a subject: accents dropped, anything else non-ASCII or
    non-printable (line breaks too) turned into a space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_PRINTABLE_ASCII.sub(" ", stripped).split())


def subject_for(summary: dict[str, Any]) -> str:
    """At most 100 printable ASCII characters, however the object key is spelt."""
    status = summary["status"]
    if status == "removed":
        counts = f"{summary['changes']['removed']} sets removed"
    else:
        counts = f"{summary['accepted']} accepted, {summary['rejected']} rejected"
    head = f"Timetable {status} ({counts}): "
    name = ascii_text(summary["source"]["key"].rsplit("/", 1)[-1]) or "upload"
    room = MAX_SUBJECT - len(head)
    if len(name) > room:
        name = name[: max(room - 3, 0)] + "..."
    return (head + name)[:MAX_SUBJECT]


class Notifier:
    """Publishes ingest summaries to the team's topic."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, summary: dict[str, Any]) -> str:
        """Send one summary; returns the SNS message id."""
        response = self._client.publish(
            TopicArn=self._topic_arn,
            Subject=subject_for(summary),
            Message=json.dumps(summary, ensure_ascii=False, indent=2),
        )
        return str(response["MessageId"])
