"""Create the resource stack from infra/template.yaml and turn its outputs into the
environment the Lambda functions read. `create_stack` builds it on moto (`make run` and
the tests); `make deploy` uses the outputs' mapping, so that every environment is built
from the same template."""

from __future__ import annotations

import json
import re
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
# moto's CloudFormation has no Cognito: it skips AWS::Cognito::* resources and fails the
# stack on an output that names one. So on moto the stack is made without them, and the
# pool, its app client and groups are made through Cognito's own API, from the template's
# own properties (what moto's Cognito then enforces is what AWS would).
COGNITO = "AWS::Cognito::"


def create_stack(cloudformation: Any, name: str, parameters: dict[str, str], *, timeout: float = 120) -> dict[str, str]:
    """Create the stack on moto, wait for it, and return its outputs by name."""
    import boto3
    from cfnlint.decode.cfn_yaml import loads

    template: dict[str, Any] = loads(TEMPLATE.read_text())
    accounts = {key: body for key, body in template["Resources"].items() if body["Type"].startswith(COGNITO)}
    template["Resources"] = {key: body for key, body in template["Resources"].items() if key not in accounts}
    pool_outputs = {
        key: body for key, body in template["Outputs"].items() if any(name in json.dumps(body) for name in accounts)
    }
    template["Outputs"] = {key: body for key, body in template["Outputs"].items() if key not in pool_outputs}
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
    )
    deadline = time.monotonic() + timeout
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
            # (The endpoint comes from the environment, as every client's does: AWS_ENDPOINT_URL.)
            cognito = boto3.client("cognito-idp", region_name=cloudformation.meta.region_name)
            values = {**_defaults(template), **parameters, **_pseudo(outputs)}
            made = _create_accounts(cognito, accounts, values)
            outputs.update({key: _resolve(body["Value"], {**values, **made}) for key, body in pool_outputs.items()})
            return outputs
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


def _defaults(template: dict[str, Any]) -> dict[str, str]:
    return {key: str(body.get("Default", "")) for key, body in template.get("Parameters", {}).items()}


def _pseudo(outputs: dict[str, str]) -> dict[str, str]:
    """The pseudo parameters, read off an ARN the stack made."""
    _, partition, _, region, account, _ = outputs["PerformancesTableArn"].split(":", 5)
    return {"AWS::Partition": partition, "AWS::Region": region, "AWS::AccountId": account}


def _resolve(value: Any, values: dict[str, str]) -> Any:
    """The template's `Ref` and `Fn::Sub` (all the Cognito resources use), resolved."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return values[value["Ref"]]
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda match: values[match[1]], value["Fn::Sub"])
    if isinstance(value, dict):
        return {key: _resolve(inner, values) for key, inner in value.items()}
    if isinstance(value, list):
        return [_resolve(inner, values) for inner in value]
    return value


def _create_accounts(cognito: Any, resources: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """The template's user pool, then its app client and groups, through Cognito's API;
    returns each one's `Ref` by its logical name."""
    made: dict[str, str] = {}
    for kind in ("UserPool", "UserPoolClient", "UserPoolGroup"):
        for key, body in resources.items():
            if body["Type"] != COGNITO + kind:
                continue
            properties = _resolve(body.get("Properties", {}), {**values, **made})
            if kind == "UserPool":
                made[key] = cognito.create_user_pool(PoolName=properties.pop("UserPoolName"), **properties)["UserPool"][
                    "Id"
                ]
            elif kind == "UserPoolClient":
                made[key] = cognito.create_user_pool_client(**properties)["UserPoolClient"]["ClientId"]
            else:
                cognito.create_group(**properties)
                made[key] = properties["GroupName"]
    return made
