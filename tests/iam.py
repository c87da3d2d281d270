"""Which IAM action and resource each recorded AWS call needs, and whether a policy allows it.

The policy check is deliberately small: Allow statements only, exact actions, and
resources matched with IAM's `*` and `?` wildcards, which is all our policies use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

Need = tuple[str, str]  # (action, resource ARN)


def needs(service: str, operation: str, params: dict[str, Any], region: str, account: str) -> list[Need]:
    """The (action, resource) pairs IAM checks for one call."""
    if service == "s3" and operation == "CopyObject":  # reads the source (at its version), writes the copy
        source = params["CopySource"]  # botocore has made it `bucket/key?versionId=...`, quoted, by now
        if isinstance(source, dict):
            path, version = f"{source['Bucket']}/{source['Key']}", source.get("VersionId")
        else:
            path, _, version = source.partition("?versionId=")
            path = unquote(path)
        read = "s3:GetObjectVersion" if version else "s3:GetObject"
        return [
            (read, f"arn:aws:s3:::{path}"),
            ("s3:PutObject", f"arn:aws:s3:::{params['Bucket']}/{params['Key']}"),
        ]
    if service == "cognito-idp":
        pool = f"arn:aws:cognito-idp:{region}:{account}:userpool/{params['UserPoolId']}"
        return [(f"cognito-idp:{operation}", pool)]
    if service == "s3":
        action = f"s3:{operation}"
        if operation in ("GetObject", "HeadObject"):
            action = "s3:GetObjectVersion" if params.get("VersionId") else "s3:GetObject"
        found = [(action, f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")]
        if operation == "HeadObject":  # without ListBucket, a deleted key answers 403, not 404
            found.append(("s3:ListBucket", f"arn:aws:s3:::{params['Bucket']}"))
        return found
    if service == "dynamodb" and operation == "TransactWriteItems":
        steps = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
        }
        return [
            (f"dynamodb:{steps[kind]}", f"arn:aws:dynamodb:{region}:{account}:table/{step[kind]['TableName']}")
            for step in params["TransactItems"]
            for kind in step
        ]
    if service == "dynamodb":
        batched = operation in ("BatchWriteItem", "BatchGetItem")
        tables = list(params["RequestItems"]) if batched else [params["TableName"]]
        index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
        return [
            (f"dynamodb:{operation}", f"arn:aws:dynamodb:{region}:{account}:table/{table}{index}") for table in tables
        ]
    if service == "sns":
        return [(f"sns:{operation}", params["TopicArn"])]
    if service == "sqs":
        return [(f"sqs:{operation}", params["QueueUrl"])]
    raise ValueError(f"no IAM mapping for {service}:{operation}")


def _pattern(resource: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource) + r"\Z")


def statements(policy: dict[str, Any]) -> Iterable[tuple[str, list[str], list[str]]]:
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        yield statement.get("Sid", "?"), actions, resources


def allows(policy: dict[str, Any], need: Need) -> bool:
    action, resource = need
    return any(
        action.lower() in (a.lower() for a in actions) and any(_pattern(r).match(resource) for r in resources)
        for _, actions, resources in statements(policy)
    )


def grants(policy: dict[str, Any]) -> list[Need]:
    """Every (action, resource pattern) pair a policy allows."""
    return [
        (action, resource)
        for _, actions, resources in statements(policy)
        for action in actions
        for resource in resources
    ]


def used(grant: Need, calls: Iterable[Need]) -> bool:
    action, resource = grant
    pattern = _pattern(resource)
    return any(action.lower() == a.lower() and pattern.match(r) for a, r in calls)
