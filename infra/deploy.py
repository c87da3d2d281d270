"""`make deploy` and `make destroy`: production is the resource stack, then Chalice.

`chalice package` refuses `on_s3_event` (Chalice wires the S3 trigger itself at
`chalice deploy`, onto a bucket that must already exist), so a deploy is two steps:

1. CloudFormation creates or updates the stack in infra/template.yaml;
2. its outputs become the functions' environment and their IAM policies, in a
   generated copy of the project under build/deploy/<stage>/; the package is built
   there with its bytecode (infra/package.py), and `chalice deploy` runs there (its
   state stays in .chalice/deployed/ as usual);
3. the ingest functions' failed events are sent to the dead-letter queue.

With --dry-run every step and generated file is printed and no AWS call is made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess  # nosec B404  (runs chalice with a fixed argv, never a shell)
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.cost import describe
from infra.package import LEFT_OUT, build_package
from infra.policies import POLICY_FILES, render_policy
from infra.stack import TEMPLATE, environment

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".chalice" / "config.json"
APP_NAME = json.loads(CONFIG.read_text())["app_name"]
PROJECT_FILES = ("app.py", "chalicelib", "requirements.txt")
# The functions S3 and SNS invoke asynchronously: their failed events go to the dead-letter queue.
INGEST_FUNCTIONS = ("ingest_performances", "preview_drafts", "remove_performances", "publish_release")
STAGES = ("dev", "prod")
LAMBDA_RETRIES = 2


def stack_name(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def function_prefix(stage: str) -> str:
    """Chalice names a stage's functions `<app>-<stage>-<function>`, the API's `<app>-<stage>`."""
    return f"{APP_NAME}-{stage}"


class Steps:
    """Prints each step; runs it unless this is a dry run."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.count = 0

    def step(self, title: str, action: Callable[[], Any] | None = None) -> Any:
        self.count += 1
        print(f"\n[{self.count}] {title}", flush=True)
        if self.dry_run or action is None:
            return None
        return action()

    def show(self, label: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
        print(f"    {label}:\n" + "\n".join(f"      {line}" for line in text.splitlines()), flush=True)


def current_stack(cloudformation: Any, stage: str) -> dict[str, Any] | None:
    """The stage's stack, or None when there is none (never made, or destroyed)."""
    try:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_name(stage))["Stacks"][0]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def stage_output(cloudformation: Any, stage: str, name: str) -> str | None:
    """One output of the stage's stack; None when there is no stack (say so, and deploy first)."""
    stack = current_stack(cloudformation, stage)
    if stack is None:
        return None
    return str({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}[name])


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError:
        return False
    return True


def deploy_stack(
    cloudformation: Any, stage: str, parameters: dict[str, str], *, kept_bucket: Callable[[], bool] = lambda: False
) -> dict[str, str]:
    """Create the stack, or update it; wait; return its outputs. A new stack adopts the
    bucket an earlier `make destroy` kept (`kept_bucket`), rather than fail to create it."""
    name = stack_name(stage)
    existing = current_stack(cloudformation, stage)
    if existing is None:
        parameters = {**parameters, "KeptBucket": "true" if kept_bucket() else ""}
    else:  # the bucket stays whatever the stack was made with
        previous = {p["ParameterKey"]: p["ParameterValue"] for p in existing.get("Parameters", [])}
        parameters = {**parameters, "KeptBucket": previous.get("KeptBucket", "")}
    request = {
        "StackName": name,
        "TemplateBody": TEMPLATE.read_text(),
        "Parameters": [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        "Tags": [{"Key": "project", "Value": APP_NAME}, {"Key": "stage", "Value": stage}],
    }
    if existing is None:
        cloudformation.create_stack(**request, OnFailure="ROLLBACK")
        cloudformation.get_waiter("stack_create_complete").wait(StackName=name)
    else:
        try:
            cloudformation.update_stack(**request)
        except cloudformation.exceptions.ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
        else:
            cloudformation.get_waiter("stack_update_complete").wait(StackName=name)
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def predicted_outputs(stage: str, region: str, account: str = "<account-id>") -> dict[str, str]:
    """What the stack's outputs will look like, for a dry run that may not ask AWS."""
    prefix = stack_name(stage)
    bucket = f"{prefix}-{account}-{region}"
    return {
        "ScheduleBucketName": bucket,
        "ScheduleBucketArn": f"arn:aws:s3:::{bucket}",
        "PerformancesTableName": f"{prefix}-performances",
        "PerformancesTableArn": f"arn:aws:dynamodb:{region}:{account}:table/{prefix}-performances",
        "BookkeepingTableName": f"{prefix}-bookkeeping",
        "BookkeepingTableArn": f"arn:aws:dynamodb:{region}:{account}:table/{prefix}-bookkeeping",
        "NotifyTopicArn": f"arn:aws:sns:{region}:{account}:{prefix}-ingest",
        "IngestDeadLetterQueueArn": f"arn:aws:sqs:{region}:{account}:{prefix}-ingest-dlq",
        "AlarmTopicArn": f"arn:aws:sns:{region}:{account}:{prefix}-alarms",
        "OrganiserPoolId": f"{region}_poolid",
        "OrganiserPoolArn": f"arn:aws:cognito-idp:{region}:{account}:userpool/{region}_poolid",
        "OrganiserClientId": "appclientid",
    }


def tags(stage: str) -> dict[str, str]:
    """What every resource of a deployment is tagged with, to split the bill per edition."""
    return {"project": APP_NAME, "stage": stage}


# X-Ray's write actions cannot be limited to a resource: with tracing on, this statement is
# the one "*" in the policies, which is why tracing is off unless asked for (XRAY=1).
XRAY_STATEMENT = {
    "Sid": "XRayTraces",
    "Effect": "Allow",
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Resource": "*",
}


def project_config(stage: str, outputs: dict[str, str], *, xray: bool = False) -> dict[str, Any]:
    """.chalice/config.json with the stage's environment filled in from the outputs, its
    tags (Chalice puts them on the functions only: the API is tagged afterwards), and
    X-Ray tracing of the functions and the API when asked for."""
    config: dict[str, Any] = json.loads(CONFIG.read_text())
    stage_config = config.setdefault("stages", {}).setdefault(stage, {})
    stage_config.setdefault("environment_variables", {}).update(environment(outputs))
    stage_config.setdefault("tags", {}).update(tags(stage))
    if xray:
        stage_config["xray"] = True
    return config


def tag_api(apigateway: Any, region: str, stage: str, rest_api_id: str, api_stage: str) -> None:
    """Tag the REST API and its stage, which Chalice leaves untagged (aws/chalice#1859)."""
    for path in (f"/restapis/{rest_api_id}", f"/restapis/{rest_api_id}/stages/{api_stage}"):
        apigateway.tag_resource(resourceArn=f"arn:aws:apigateway:{region}::{path}", tags=tags(stage))


def throttle_api(apigateway: Any, rest_api_id: str, api_stage: str, throttling: dict[str, Any]) -> None:
    """Cap the API stage's requests per second (every method), so that a runaway client or
    crawler meets 429s before it meets the bill, and the routes that cost more (an anonymous
    preview) lower still (`routes`: "METHOD /path"); Chalice's config has no such setting."""
    limits = {"*/*": throttling}
    for route, route_limits in throttling.get("routes", {}).items():
        method, path = route.split(" ", 1)
        limits[f"{path.replace('/', '~1')}/{method}"] = route_limits
    apigateway.update_stage(
        restApiId=rest_api_id,
        stageName=api_stage,
        patchOperations=[
            {"op": "replace", "path": f"/{where}/throttling/{name}", "value": str(limit[key])}
            for where, limit in limits.items()
            for name, key in (("rateLimit", "rate_limit"), ("burstLimit", "burst_limit"))
        ],
    )


def deployed_resource(stage: str, key: str) -> str:
    """A value from Chalice's record of the stage's deployment ("" before the first)."""
    record = ROOT / ".chalice" / "deployed" / f"{stage}.json"
    if not record.exists():
        return ""
    return str(next((r[key] for r in json.loads(record.read_text())["resources"] if key in r), ""))


def policies(stage: str, outputs: dict[str, str], *, xray: bool = False) -> dict[str, dict[str, Any]]:
    documents = {name: render_policy(name, outputs, function_prefix(stage)) for name in POLICY_FILES}
    if xray:
        for document in documents.values():
            document["Statement"].append(dict(XRAY_STATEMENT))
    return documents


def build_project(stage: str, outputs: dict[str, str], target: Path, *, xray: bool = False) -> Path:
    """A copy of the project to run `chalice deploy` in, with the generated config and
    policies. Chalice's record of what it deployed is shared with .chalice/deployed/."""
    if target.exists():
        shutil.rmtree(target)
    (target / ".chalice").mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    (target / ".chalice" / "config.json").write_text(json.dumps(project_config(stage, outputs, xray=xray), indent=2))
    for name, document in policies(stage, outputs, xray=xray).items():
        (target / ".chalice" / name).write_text(json.dumps(document, indent=2))
    deployed = ROOT / ".chalice" / "deployed"
    deployed.mkdir(exist_ok=True)
    (target / ".chalice" / "deployed").symlink_to(deployed)
    return target


def send_failures_to_dead_letter_queue(lambda_client: Any, stage: str, queue_arn: str) -> None:
    for function in INGEST_FUNCTIONS:
        lambda_client.put_function_event_invoke_config(
            FunctionName=f"{function_prefix(stage)}-{function}",
            MaximumRetryAttempts=LAMBDA_RETRIES,
            DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        )


def _chalice(project: Path, *args: str) -> None:
    command = [str(Path(sys.executable).with_name("chalice")), "--project-dir", str(project), *args]
    subprocess.run(command, check=True)  # noqa: S603 - a fixed argv, no shell  # nosec B603


def _aws(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


def deployed_api_domain(stage: str) -> str:
    """The domain of the API Chalice deployed for this stage, or "" before the first deploy."""
    url = deployed_resource(stage, "rest_api_url")
    return url.split("/")[2] if url.startswith("https://") else ""


def deploy(
    stage: str,
    *,
    dry_run: bool,
    alarm_email: str,
    region: str,
    cdn: bool = False,
    xray: bool = False,
    usage: tuple[int, int] = (10_000, 100_000),
) -> None:
    steps = Steps(dry_run)
    steps.step("Estimate what it costs a month (rows ingested and API requests a day: ROWS=, REQUESTS=)")
    steps.show("estimate", describe(*usage))
    parameters = {"Project": APP_NAME, "Stage": stage, "AlarmEmail": alarm_email}
    if cdn:  # CloudFront in front of the API needs the API's domain: known after the first deploy
        parameters["ApiDomain"] = deployed_api_domain(stage)
    outputs = steps.step(
        f"Deploy the resource stack {stack_name(stage)} from {TEMPLATE.relative_to(ROOT)} in {region}",
        lambda: deploy_stack(
            _aws("cloudformation", region), stage, parameters, kept_bucket=lambda: _kept_bucket(stage, region)
        ),
    ) or predicted_outputs(stage, region)
    steps.show("parameters", parameters)
    steps.show("outputs" + (" (predicted)" if dry_run else ""), outputs)
    target = ROOT / "build" / "deploy" / stage
    steps.step(
        f"Generate {target.relative_to(ROOT)}/ with the stage's environment and IAM policies",
        lambda: build_project(stage, outputs, target, xray=xray),
    )
    steps.show("environment", environment(outputs))
    for name, document in policies(stage, outputs, xray=xray).items():
        steps.show(f"{name} (for {', '.join(POLICY_FILES[name])})", document)
    steps.step(
        f"chalice package, then add hash-based bytecode to the package (leaving out {', '.join(LEFT_OUT)})",
        lambda: build_package(target, stage, region),
    )
    steps.step(
        f"chalice deploy --stage {stage}   (Lambda functions, API Gateway, the S3 triggers)",
        lambda: _chalice(target, "deploy", "--stage", stage),
    )
    stage_config = json.loads(CONFIG.read_text())["stages"][stage]
    api_stage, throttling = stage_config["api_gateway_stage"], stage_config["api_throttling"]
    steps.step(
        f"Tag the API and its stage {api_stage!r} with {tags(stage)} (Chalice tags only the functions)",
        lambda: tag_api(_aws("apigateway", region), region, stage, deployed_resource(stage, "rest_api_id"), api_stage),
    )
    steps.step(
        f"Throttle the API stage to {throttling['rate_limit']} requests/s, bursts of {throttling['burst_limit']} "
        f"(and {', '.join(throttling.get('routes', {}))} lower: .chalice/config.json api_throttling)",
        lambda: throttle_api(
            _aws("apigateway", region), deployed_resource(stage, "rest_api_id"), api_stage, throttling
        ),
    )
    steps.step(
        f"Send events that fail {LAMBDA_RETRIES} retries of {', '.join(INGEST_FUNCTIONS)} to "
        f"{outputs['IngestDeadLetterQueueArn']}",
        lambda: send_failures_to_dead_letter_queue(_aws("lambda", region), stage, outputs["IngestDeadLetterQueueArn"]),
    )
    if cdn and not dry_run and parameters["ApiDomain"] != deployed_api_domain(stage):
        parameters["ApiDomain"] = deployed_api_domain(stage)
        outputs = steps.step(
            f"Put CloudFront in front of {parameters['ApiDomain']} (the stack again, with ApiDomain)",
            lambda: deploy_stack(_aws("cloudformation", region), stage, parameters),
        )

        def redeploy() -> None:
            build_project(stage, outputs, target, xray=xray)
            build_package(target, stage, region)
            _chalice(target, "deploy", "--stage", stage)

        steps.step(
            f"chalice deploy --stage {stage} again: feeds link to the CDN (PUBLIC_ORIGIN={outputs.get('CdnUrl', '')})",
            redeploy,
        )
    if not dry_run:
        deployed = json.loads((ROOT / ".chalice" / "deployed" / f"{stage}.json").read_text())
        api_url = next((r["rest_api_url"] for r in deployed["resources"] if "rest_api_url" in r), "?")
        bucket = outputs["ScheduleBucketName"]
        cdn_line = f"\n  Through CDN   {outputs['CdnUrl']}/" if "CdnUrl" in outputs else ""
        print(
            f"\nDeployed {stage}.\n  API and page  {api_url}{cdn_line}\n  Upload to     s3://{bucket}/uploads/\n"
            f"  Reports in    s3://{bucket}/reports/"
        )


def default_bucket(stage: str, region: str, account: str) -> str:
    """The bucket the template names when no ScheduleBucketName is given."""
    return f"{stack_name(stage)}-{account}-{region}"


def _kept_bucket(stage: str, region: str) -> bool:
    account = _aws("sts", region).get_caller_identity()["Account"]
    return bucket_exists(_aws("s3", region), default_bucket(stage, region, account))


def _empty_bucket(s3: Any, bucket: str) -> None:
    """Delete every version and delete marker, so that the bucket itself can go."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        doomed = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(doomed), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True})


def destroy(stage: str, *, dry_run: bool, delete_data: bool, region: str) -> None:
    steps = Steps(dry_run)
    target = ROOT / "build" / "deploy" / stage
    steps.step(
        f"chalice delete --stage {stage}   (Lambda functions, API Gateway, roles)",
        lambda: _chalice(target, "delete", "--stage", stage) if target.exists() else None,
    )
    cloudformation = None if dry_run else _aws("cloudformation", region)
    bucket = predicted_outputs(stage, region)["ScheduleBucketName"]
    stack = None if cloudformation is None else current_stack(cloudformation, stage)
    if stack is not None:
        bucket = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}["ScheduleBucketName"]
    elif cloudformation is not None:  # already gone: a second destroy finishes what is left
        bucket = default_bucket(stage, region, _aws("sts", region).get_caller_identity()["Account"])

    def delete_stack() -> None:
        if cloudformation is None:  # a dry run only prints the step
            return
        if stack is None:
            print(f"    the stack {stack_name(stage)} is already gone", flush=True)
            return
        cloudformation.delete_stack(StackName=stack_name(stage))
        cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack_name(stage))

    steps.step(f"Delete the resource stack {stack_name(stage)} (tables, topics, queue, alarms)", delete_stack)
    if delete_data:

        def delete_bucket() -> None:
            s3 = _aws("s3", region)
            if not bucket_exists(s3, bucket):
                print(f"    the bucket {bucket} is already gone", flush=True)
                return
            _empty_bucket(s3, bucket)
            s3.delete_bucket(Bucket=bucket)

        steps.step(f"Empty and delete the bucket {bucket} (DELETE_DATA=1)", delete_bucket)
    else:
        steps.step(f"Keep the bucket {bucket} and its uploads (DELETE_DATA=1 deletes them too)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("deploy", "destroy"))
    parser.add_argument("--stage", required=True, choices=STAGES)
    parser.add_argument("--dry-run", action="store_true", help="print every step and generated value; call no AWS")
    parser.add_argument("--alarm-email", default="", help="address subscribed to the alarm topic")
    parser.add_argument("--cdn", action="store_true", help="deploy: put a CloudFront distribution in front of the API")
    parser.add_argument("--xray", action="store_true", help="deploy: trace the functions and the API with X-Ray")
    parser.add_argument("--rows-per-day", type=int, default=10_000, help="deploy: for the cost estimate")
    parser.add_argument("--requests-per-day", type=int, default=100_000, help="deploy: for the cost estimate")
    parser.add_argument("--delete-data", action="store_true", help="destroy: delete the bucket and its uploads too")
    args = parser.parse_args(argv)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    started = time.monotonic()
    if args.command == "deploy":
        deploy(
            args.stage,
            dry_run=args.dry_run,
            alarm_email=args.alarm_email,
            region=region,
            cdn=args.cdn,
            xray=args.xray,
            usage=(args.rows_per_day, args.requests_per_day),
        )
    else:
        destroy(args.stage, dry_run=args.dry_run, delete_data=args.delete_data, region=region)
    print(
        f"\n{'Dry run' if args.dry_run else args.command.capitalize()} of {args.stage} done in "
        f"{time.monotonic() - started:.0f} s{'; nothing was changed' if args.dry_run else ''}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
