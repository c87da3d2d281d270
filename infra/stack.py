"""Create the resource stack from infra/template.yaml and turn its outputs into the
environment the Lambda functions read. Used by `make run`, `make deploy` and the tests,
so that every environment is built from the same template."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("template.yaml")

# Stack output -> environment variable of the functions.
ENVIRONMENT = {
    "ScheduleBucketName": "SCHEDULE_BUCKET",
    "PerformancesTableName": "PERFORMANCES_TABLE",
    "BookkeepingTableName": "BOOKKEEPING_TABLE",
    "NotifyTopicArn": "NOTIFY_TOPIC_ARN",
    "OrganiserPoolId": "ORGANISER_POOL_ID",
    "OrganiserClientId": "ORGANISER_CLIENT_ID",
}


def create_stack(cloudformation: Any, name: str, parameters: dict[str, str], *, timeout: float = 120) -> dict[str, str]:
    """Create the stack, wait for it, and return its outputs by name. (On moto, its
    Cognito resources need local.moto_cognito imported where moto runs.)"""
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
    )
    deadline = time.monotonic() + timeout
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
        if not status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
            raise RuntimeError(f"stack {name} ended in {status}: {stack.get('StackStatusReason', '')}")
        time.sleep(0.2)


# Outputs only some stacks have -> environment variable, empty without them. The CDN's
# address is where feeds link (the API never takes it from a request's headers).
OPTIONAL_ENVIRONMENT = {"CdnUrl": "PUBLIC_ORIGIN"}


def environment(outputs: dict[str, str]) -> dict[str, str]:
    """The functions' environment variables from the stack's outputs."""
    return {variable: outputs[output] for output, variable in ENVIRONMENT.items()} | {
        variable: outputs.get(output, "") for output, variable in OPTIONAL_ENVIRONMENT.items()
    }
