"""The functions' IAM policies: templates in .chalice/ with ${...} placeholders, filled in
from the resource stack's outputs, so that every ARN is exact and none is copied by hand."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

CHALICE_DIR = Path(__file__).resolve().parents[1] / ".chalice"
# Policy file -> the Lambda functions that use it (as named in .chalice/config.json).
POLICY_FILES = {
    "policy-ingest.json": (
        "ingest_performances",
        "preview_drafts",
        "remove_performances",
        "publish_release",
        "finish_pending",
    ),
    "policy-api.json": ("api_handler",),
}


def placeholders(outputs: dict[str, str], function_prefix: str) -> dict[str, str]:
    """The values a policy template may use: every stack output, and the region,
    account and function-name prefix (`<app>-<stage>`) the ARNs are built from."""
    _, _, _, region, account, _ = outputs["PerformancesTableArn"].split(":", 5)
    return {**outputs, "Region": region, "AccountId": account, "FunctionPrefix": function_prefix}


def render_policy(name: str, outputs: dict[str, str], function_prefix: str) -> dict[str, Any]:
    """One policy document with its placeholders filled in."""
    text = Template((CHALICE_DIR / name).read_text()).substitute(placeholders(outputs, function_prefix))
    document: dict[str, Any] = json.loads(text)
    return document


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.policies DIR`: every policy as `make deploy` renders it for a stage
    (outputs predicted, no AWS call), into DIR, for `make lint`'s parliament."""
    import sys

    from infra.deploy import APP_NAME, predicted_outputs

    target = Path((argv if argv is not None else sys.argv[1:])[0])
    target.mkdir(parents=True, exist_ok=True)
    outputs = predicted_outputs("prod", "eu-west-1", account="123456789012")
    for name in POLICY_FILES:
        document = render_policy(name, outputs, f"{APP_NAME}-prod")
        (target / name).write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
