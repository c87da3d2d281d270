"""The deploy rehearsal: the real `python -m infra.deploy` (as `make deploy` runs it), on a
copy of the project, against a moto server in this process: deploy, deploy again, destroy,
destroy again. It checks what an operator relies on. What moto cannot prove (IAM
enforcement, quotas, that the functions run) is listed in the README.

moto 5.2.5 refuses five requests that AWS accepts; each is worked around here, in the
test process only, where the server runs (see ../shared/FIELD-NOTES.md):
1. PutBucketNotificationConfiguration: moto wants lowercase filter rule names; Chalice
   sends `Prefix`/`Suffix`.
2. ImportRestApi/PutRestApi: moto reads `info.description`, which Chalice does not write.
3. The same calls: moto takes only OpenAPI 3 documents; Chalice writes Swagger 2.0 (the
   parts moto reads, paths and integrations, are the same in both).
4. PutIntegration: moto requires `uri` and `integrationHttpMethod`, which the MOCK
   integrations of CORS preflight do not have.
5. TagResource on a REST API (not a stage): moto has no route for it; the harness
   answers it and keeps the tags for the checks below.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
REST_API_TAGS: dict[str, dict[str, str]] = {}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    import moto.apigateway.models as apigateway_models
    import moto.apigateway.urls as apigateway_urls
    import moto.s3.responses as s3_responses
    from moto.apigateway.responses import APIGatewayResponse
    from moto.server import ThreadedMotoServer

    patches = pytest.MonkeyPatch()
    read_notifications = s3_responses.S3Response._notification_config_from_body

    def notifications(self: Any) -> Any:  # 1
        body = self.body if isinstance(self.body, bytes) else self.body.encode()
        self.body = body.replace(b"<Name>Prefix</Name>", b"<Name>prefix</Name>").replace(
            b"<Name>Suffix</Name>", b"<Name>suffix</Name>"
        )
        return read_notifications(self)

    def openapi_3(document: dict[str, Any]) -> dict[str, Any]:  # 2, 3
        document = {**document, "info": {"description": "", **document.get("info", {})}}
        if "swagger" in document:
            document.pop("swagger")
            document["openapi"] = "3.0.0"
        return document

    backend = apigateway_models.APIGatewayBackend
    import_api, put_api, put_integration = backend.import_rest_api, backend.put_rest_api, backend.put_integration
    tag = APIGatewayResponse.tag_resource

    def tag_resource(self: Any) -> Any:  # 5
        path = unquote(self.path)
        if "/stages/" in path:
            return tag(self)
        REST_API_TAGS[path.split("/restapis/")[1]] = self._get_param("tags")
        return json.dumps({})

    patches.setattr(s3_responses.S3Response, "_notification_config_from_body", notifications)

    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        return import_api(self, openapi_3(api_doc), False)

    def put_rest_api(
        self: Any, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool, mode: str = "merge"
    ) -> Any:
        return put_api(self, function_id, openapi_3(api_doc), False, mode)

    patches.setattr(backend, "import_rest_api", import_rest_api)
    patches.setattr(backend, "put_rest_api", put_rest_api)

    def lenient_integration(self: Any, *args: Any, **kwargs: Any) -> Any:  # 4
        if len(args) < 5:
            kwargs["uri"] = kwargs.get("uri") or "mock://"
            kwargs["integration_method"] = kwargs.get("integration_method") or "POST"
        return put_integration(self, *args, **kwargs)

    patches.setattr(backend, "put_integration", lenient_integration)
    patches.setattr(APIGatewayResponse, "tag_resource", tag_resource)
    rest_api_tags = "{0}/tags/arn:(?P<partition>[^/]+):apigateway:(?P<region_name>[^/]+)::/restapis/(?P<id>[^/]+)$"
    patches.setitem(apigateway_urls.url_paths, rest_api_tags, APIGatewayResponse.dispatch)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        patches.undo()


@pytest.fixture(scope="module")
def rehearsal(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    project = tmp_path_factory.mktemp("rehearsal") / "project"
    for name in ("app.py", "chalicelib", "infra", "requirements.txt", ".chalice"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, project / name, ignore=shutil.ignore_patterns("__pycache__", "deployed", "deployments")
            )
        else:
            project.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "rehearsal",
        "AWS_SECRET_ACCESS_KEY": "rehearsal",
        "AWS_DEFAULT_REGION": REGION,
    }

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "infra.deploy", *command, "--stage", "dev"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    clients = {
        name: boto3.client(
            name, region_name=REGION, endpoint_url=moto_server, aws_access_key_id="r", aws_secret_access_key="r"
        )
        for name in ("lambda", "s3", "apigateway", "logs", "cloudformation", "iam", "events", "sns")
    }
    yield {"run": run, "clients": clients, "project": project}


def test_deploy_redeploy_destroy_and_destroy_again(rehearsal: dict[str, Any]) -> None:
    run, aws = rehearsal["run"], rehearsal["clients"]
    first = run("deploy")
    assert "Deployed dev." in first.stdout
    run("deploy")  # an update: nothing fails, nothing is made twice
    functions = {f["FunctionName"]: f for f in aws["lambda"].list_functions()["Functions"]}
    prefix = "festival-schedule-dev"
    ingest = ("ingest_performances", "preview_drafts", "remove_performances")
    assert set(functions) == {f"{prefix}-{name}" for name in (*ingest, "publish_release", "finish_pending")} | {prefix}
    # The scheduled run that finishes a plan left pending, every five minutes.
    [rule] = aws["events"].list_rules(NamePrefix=f"{prefix}-finish_pending")["Rules"]
    assert rule["ScheduleExpression"] == "rate(5 minutes)" and rule["State"] == "ENABLED"
    [target] = aws["events"].list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"] == functions[f"{prefix}-finish_pending"]["FunctionArn"]
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["lambda_functions"]
    for name, settings in (
        ("ingest_performances", config["ingest_performances"]),
        ("api_handler", config["api_handler"]),
    ):
        function = functions[prefix if name == "api_handler" else f"{prefix}-{name}"]
        assert function["MemorySize"] == settings["lambda_memory_size"]
        assert function["Timeout"] == settings["lambda_timeout"]
        variables = function["Environment"]["Variables"]
        assert variables["PERFORMANCES_TABLE"] == f"{prefix}-performances"
        tags = aws["lambda"].list_tags(Resource=function["FunctionArn"])["Tags"]
        assert tags.items() >= {"project": "festival-schedule", "stage": "dev"}.items()  # and Chalice's own
    assert functions[prefix]["Environment"]["Variables"]["AWS_CALLS"] == "fail-fast"
    # Every function runs the package the deploy added bytecode to (tests/test_cold_start.py).
    [package] = (rehearsal["project"] / "build" / "deploy" / "dev" / ".chalice" / "deployments").glob("*.zip")
    with zipfile.ZipFile(package) as archive:
        assert importlib.util.cache_from_source("chalicelib/services.py") in archive.namelist()
    uploaded = base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()
    assert {f["CodeSha256"] for f in functions.values()} == {uploaded}
    concurrency = aws["lambda"].get_function_concurrency(FunctionName=f"{prefix}-ingest_performances")
    assert concurrency["ReservedConcurrentExecutions"] == 1
    for name in (*ingest, "publish_release"):
        destination = aws["lambda"].get_function_event_invoke_config(FunctionName=f"{prefix}-{name}")
        assert destination["DestinationConfig"]["OnFailure"]["Destination"].endswith(f"{prefix}-ingest-dlq")
    bucket = next(b["Name"] for b in aws["s3"].list_buckets()["Buckets"] if b["Name"].startswith(prefix))
    triggers = aws["s3"].get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]
    # Every upload (one that is not a .csv gets a report saying so), and every draft.
    assert sorted(
        (t["LambdaFunctionArn"].rsplit(":", 1)[1], tuple(t["Events"]), t["Filter"]["Key"]["FilterRules"][0]["Value"])
        for t in triggers
    ) == [
        (f"{prefix}-ingest_performances", ("s3:ObjectCreated:*",), "uploads/"),
        (f"{prefix}-preview_drafts", ("s3:ObjectCreated:*",), "drafts/"),
        (f"{prefix}-remove_performances", ("s3:ObjectRemoved:*",), "uploads/"),
    ]
    assert all(len(t["Filter"]["Key"]["FilterRules"]) == 1 for t in triggers)  # a prefix, no suffix
    groups = {
        g["logGroupName"]: g for g in aws["logs"].describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    }
    for name in [f"{prefix}-{name}" for name in (*ingest, "publish_release", "finish_pending")] + [prefix]:
        assert groups[f"/aws/lambda/{name}"]["retentionInDays"] == 30
    [api] = [a for a in aws["apigateway"].get_rest_apis()["items"] if a["name"] == "festival-schedule"]
    paths = {r["path"] for r in aws["apigateway"].get_resources(restApiId=api["id"], limit=500)["items"]}
    assert {"/changes", "/calendar.ics", "/schedule.json", "/performances/{performance_id}"} <= paths
    stage = aws["apigateway"].get_stage(restApiId=api["id"], stageName="api")
    assert stage["tags"] == {"project": "festival-schedule", "stage": "dev"}
    assert REST_API_TAGS[api["id"]] == {"project": "festival-schedule", "stage": "dev"}
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 50
    assert stage["methodSettings"]["~1previews/POST"]["throttlingRateLimit"] == 1
    for resource in aws["apigateway"].get_resources(restApiId=api["id"], limit=500)["items"]:
        if resource["path"] == "/changes":
            assert {"GET", "OPTIONS"} <= set(resource["resourceMethods"])  # CORS preflight
    [stack] = aws["cloudformation"].describe_stacks(StackName=prefix)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert {
        "ScheduleBucketName",
        "PerformancesTableArn",
        "BookkeepingTableArn",
        "NotifyTopicArn",
        "AlarmTopicArn",
    } <= set(outputs)
    # Every run's message starts the publisher (it publishes the release as files).
    subscriptions = aws["sns"].list_subscriptions_by_topic(TopicArn=outputs["NotifyTopicArn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [
        ("lambda", functions[f"{prefix}-publish_release"]["FunctionArn"])
    ]
    from infra import deploy

    rendered = deploy.policies("dev", outputs)
    for function, policy_file in (
        ("ingest_performances", "policy-ingest.json"),
        ("preview_drafts", "policy-ingest.json"),
        ("remove_performances", "policy-ingest.json"),
        ("publish_release", "policy-ingest.json"),
        ("finish_pending", "policy-ingest.json"),
        ("api_handler", "policy-api.json"),
    ):
        role = f"{prefix}-{function}"
        [name] = aws["iam"].list_role_policies(RoleName=role)["PolicyNames"]
        document = aws["iam"].get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        assert document == rendered[policy_file], role  # exactly the rendered policy, nothing more
    aws["s3"].put_object(Bucket=bucket, Key="uploads/day.csv", Body=b"stage,date,start,end,artist\n")

    run("destroy")
    second = run("destroy")  # nothing left to destroy: still fine
    assert "already gone" in second.stdout
    assert aws["lambda"].list_functions()["Functions"] == []
    assert [a for a in aws["apigateway"].get_rest_apis()["items"] if a["name"] == "festival-schedule"] == []
    stacks = aws["cloudformation"].list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == prefix)
    assert aws["s3"].get_object(Bucket=bucket, Key="uploads/day.csv")["Body"].read()  # the uploads stay
