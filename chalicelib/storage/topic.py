"""The team's SNS topic: one message per processed upload, in the form each subscriber
reads best (SNS picks by protocol: plain text for e-mail, JSON for the rest)."""

from __future__ import annotations

import json
from typing import Any


class Topic:
    """Publishes to the team's topic."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(
        self, subject: str, summary: dict[str, Any], email: str, attributes: dict[str, str] | None = None
    ) -> str:
        """Send one message; returns its id. `attributes` let subscribers filter."""
        messages = {"default": json.dumps(summary, ensure_ascii=False, indent=2), "email": email}
        request: dict[str, Any] = {
            "TopicArn": self._topic_arn,
            "Subject": subject,
            "Message": json.dumps(messages, ensure_ascii=False),
            "MessageStructure": "json",
        }
        if attributes:
            request["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
            }
        response = self._client.publish(**request)
        return str(response["MessageId"])
