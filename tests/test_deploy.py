"""Production, proven offline: the template, the policies, the deploy steps, the code's hygiene."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode.cfn_yaml import loads as load_template
from moto import mock_aws

from infra import deploy
from infra.stack import TEMPLATE
from tests import iam
from tests.conftest import REGION
from tests.iam_plugin import check

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Resource types CloudFormation cannot tag; every other resource must carry project and stage.
UNTAGGABLE = {
    "AWS::CloudWatch::Dashboard",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginRequestPolicy",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    document: dict[str, Any] = load_template(TEMPLATE.read_text())
    return document


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


class TestTemplate:
    def test_cfn_lint_passes(self) -> None:
        done = subprocess.run([str(BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    def test_an_optional_cdn_caches_by_query_string_and_follows_the_apis_cache_control(
        self, template: dict[str, Any]
    ) -> None:
        assert template["Conditions"]["HasCdn"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiDomain"}, ""]}]}
        assert template["Parameters"]["ApiDomain"]["Default"] == ""  # off unless `make deploy CDN=1`
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        policy = template["Resources"]["CdnCachePolicy"]
        assert distribution["Condition"] == policy["Condition"] == "HasCdn"
        keyed = policy["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
        assert keyed["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
        assert keyed["EnableAcceptEncodingGzip"] and keyed["EnableAcceptEncodingBrotli"]
        assert policy["Properties"]["CachePolicyConfig"]["MinTTL"] == 0  # the origin's max-age rules
        behaviour = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
        assert behaviour["Compress"] is True and behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        origin, _ = distribution["Properties"]["DistributionConfig"]["Origins"]  # the API, then the public files
        assert origin["DomainName"] == {"Ref": "ApiDomain"}
        assert template["Outputs"]["CdnUrl"]["Condition"] == "HasCdn"

    def test_the_cdn_forwards_no_viewer_host_for_the_api_to_trust(self, template: dict[str, Any]) -> None:
        # Links name the CDN through PUBLIC_ORIGIN, set by the deploy; the API reads no X-Forwarded-Host.
        assert "x-forwarded-host" not in json.dumps(template).lower()
        [function] = resources(template, "AWS::CloudFront::Function").values()  # the query's canonical form only
        assert "querystring" in function["Properties"]["FunctionCode"]
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        [association] = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]["FunctionAssociations"]
        assert association["EventType"] == "viewer-request"

    def test_the_cdn_passes_the_organisers_previews_to_the_api_uncached(self, template: dict[str, Any]) -> None:
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        behaviours = {b["PathPattern"]: b for b in distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]}
        for path in ("/previews", "/fixes"):
            previews = behaviours[path]
            assert "POST" in previews["AllowedMethods"]
            assert previews["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
            assert previews["ViewerProtocolPolicy"] == "https-only"
        [policy] = resources(template, "AWS::CloudFront::OriginRequestPolicy").values()
        forwarded = policy["Properties"]["OriginRequestPolicyConfig"]
        assert forwarded["HeadersConfig"] == {
            "HeaderBehavior": "whitelist",
            "Headers": ["Content-Type", "Accept", "If-Match"],
        }
        assert forwarded["CookiesConfig"] == {"CookieBehavior": "none"}

    def test_the_cdn_passes_the_organiser_routes_with_their_token_and_keeps_nothing(
        self, template: dict[str, Any]
    ) -> None:
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        behaviours = {b["PathPattern"]: b for b in distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]}
        policy = template["Resources"]["CdnOrganiserRequests"]["Properties"]["CachePolicyConfig"]
        keyed = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert keyed["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}
        assert policy["DefaultTTL"] == 0 and policy["MaxTTL"] <= 1  # and the API answers no-store
        for path in ("/sessions", "/drafts/*", "/releases", "/releases/*"):
            behaviour = behaviours[path]
            assert behaviour["CachePolicyId"] == {"Ref": "CdnOrganiserRequests"}
            assert {"POST", "PUT", "GET"} <= set(behaviour["AllowedMethods"])
            assert behaviour["ViewerProtocolPolicy"] == "https-only"

    def test_the_cdn_passes_an_edit_with_its_token_and_if_match_and_still_caches_a_sets_public_read(
        self, template: dict[str, Any]
    ) -> None:
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        behaviours = {b["PathPattern"]: b for b in distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]}
        assert behaviours["/stages/*/delays"]["CachePolicyId"] == {"Ref": "CdnOrganiserRequests"}
        edit = behaviours["/performances/*"]
        assert "PATCH" in edit["AllowedMethods"] and edit["CachedMethods"] == ["GET", "HEAD"]
        assert edit["ViewerProtocolPolicy"] == "https-only"
        assert edit["OriginRequestPolicyId"] == {"Ref": "CdnPreviewRequests"}  # Content-Type, Accept, If-Match
        sets = template["Resources"]["CdnSetRequests"]["Properties"]["CachePolicyConfig"]
        api = template["Resources"]["CdnCachePolicy"]["Properties"]["CachePolicyConfig"]
        keyed = sets["ParametersInCacheKeyAndForwardedToOrigin"]
        assert keyed["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}
        # A GET without a token is keyed and kept as every other read is.
        assert {k: v for k, v in keyed.items() if k != "HeadersConfig"} == {
            k: v for k, v in api["ParametersInCacheKeyAndForwardedToOrigin"].items() if k != "HeadersConfig"
        }
        assert (sets["MinTTL"], sets["DefaultTTL"], sets["MaxTTL"]) == (api["MinTTL"], api["DefaultTTL"], api["MaxTTL"])

    def test_the_cdn_serves_the_public_files_from_the_private_bucket_by_their_own_cache_control(
        self, template: dict[str, Any]
    ) -> None:
        [distribution] = resources(template, "AWS::CloudFront::Distribution").values()
        config = distribution["Properties"]["DistributionConfig"]
        origins = {origin["Id"]: origin for origin in config["Origins"]}
        bucket_origin = origins["public-files"]
        assert bucket_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnBucketAccess", "Id"]}
        assert bucket_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity
        assert "OriginPath" not in bucket_origin  # /public/x is the key public/x
        access = template["Resources"]["CdnBucketAccess"]
        assert access["Condition"] == "HasCdn"
        assert access["Properties"]["OriginAccessControlConfig"] | {"Name": None, "Description": None} == {
            "Name": None,
            "Description": None,
            "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always",
            "SigningProtocol": "sigv4",
        }
        behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
        public = behaviours["/public/*"]
        assert public["TargetOriginId"] == "public-files"
        assert public["AllowedMethods"] == ["GET", "HEAD"] and public["CachedMethods"] == ["GET", "HEAD"]
        assert public["Compress"] is False  # stored compressed
        assert config["CacheBehaviors"][0] is public  # first: no other pattern takes /public/ to the API
        policy = template["Resources"][public["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
        # The origin's Cache-Control rules: max-age=9 for the pointer, a year for a release's file.
        assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0) and policy["MaxTTL"] >= 31536000
        keyed = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert keyed["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
        assert keyed["HeadersConfig"] == {"HeaderBehavior": "none"}
        assert keyed["CookiesConfig"] == {"CookieBehavior": "none"}
        # Only that distribution may read, and only public/*: the bucket stays private.
        statements = template["Resources"]["ScheduleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        [conditional] = [s for s in statements if "Fn::If" in s]
        condition, grant, otherwise = conditional["Fn::If"]
        assert condition == "HasCdn" and otherwise == {"Ref": "AWS::NoValue"}
        assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
        assert grant["Resource"]["Fn::Sub"][0].endswith("/public/*")
        source = grant["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${CdnDistribution}")
        [bucket] = resources(template, "AWS::S3::Bucket").values()
        assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())

    def test_old_releases_files_expire_a_week_after_they_were_written_and_the_current_ones_never(
        self, template: dict[str, Any]
    ) -> None:
        [bucket] = resources(template, "AWS::S3::Bucket").values()
        rules = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
        retired = rules["ExpireRetiredReleaseFiles"]
        assert retired["Prefix"] == "public/releases/" and retired["ExpirationInDays"] == 7
        assert retired["TagFilters"] == [{"Key": "retired", "Value": "true"}]  # the tag the ingest puts
        from chalicelib.storage.public import RETIRED_TAG

        assert retired["TagFilters"] == [RETIRED_TAG]
        # No rule expires a current public file the ingest did not retire.
        for rule in rules.values():
            if "ExpirationInDays" in rule and "public/".startswith(rule.get("Prefix", "")[:7]):
                assert rule.get("TagFilters") == [RETIRED_TAG], rule["Id"]

    def test_the_bucket_is_versioned_encrypted_private_and_tls_only(self, template: dict[str, Any]) -> None:
        [bucket] = resources(template, "AWS::S3::Bucket").values()
        properties = bucket["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}  # every stage, `make run`'s too
        [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert all(
            properties["PublicAccessBlockConfiguration"][flag] is True
            for flag in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        )
        assert bucket["DeletionPolicy"] == "Retain"
        [policy] = resources(template, "AWS::S3::BucketPolicy").values()
        statement, cdn = policy["Properties"]["PolicyDocument"]["Statement"]  # (the CDN's: test above)
        assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert cdn["Fn::If"][0] == "HasCdn"

    def test_tables_are_on_demand_with_point_in_time_recovery_and_the_api_indexes(
        self, template: dict[str, Any]
    ) -> None:
        tables = resources(template, "AWS::DynamoDB::Table")
        for table in tables.values():
            properties = table["Properties"]
            assert properties["BillingMode"] == "PAY_PER_REQUEST"
            assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
            assert properties["SSESpecification"] == {"SSEEnabled": True}
        performances = tables["PerformancesTable"]["Properties"]
        assert performances["KeySchema"] == [
            {"AttributeName": "stage", "KeyType": "HASH"},
            {"AttributeName": "slot", "KeyType": "RANGE"},
        ]
        assert {
            index["IndexName"]: [key["AttributeName"] for key in index["KeySchema"]]
            for index in performances["GlobalSecondaryIndexes"]
        } == {"by_day": ["day", "start"], "by_artist": ["artist", "start"], "by_id": ["id"]}

    def test_a_dead_letter_queue_and_alarms_on_errors_and_dead_letters(self, template: dict[str, Any]) -> None:
        assert resources(template, "AWS::SQS::Queue")
        alarms = resources(template, "AWS::CloudWatch::Alarm")
        metrics = {(alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]) for alarm in alarms.values()}
        assert metrics == {
            ("AWS/Lambda", "Errors"),
            ("AWS/Lambda", "Throttles"),
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
            ("AWS/ApiGateway", "5XXError"),
            ("AWS/ApiGateway", "Latency"),
            ("FestivalSchedule", "PendingPlansFound"),  # the scheduled run found a half-applied plan
        }
        functions = {
            alarm["Properties"]["Dimensions"][0]["Value"]["Fn::Sub"]
            for alarm in alarms.values()
            if alarm["Properties"]["Namespace"] == "AWS/Lambda"
        }
        assert functions == {
            "${Project}-${Stage}-ingest_performances",
            "${Project}-${Stage}-preview_drafts",
            "${Project}-${Stage}-remove_performances",
            "${Project}-${Stage}-publish_release",
            "${Project}-${Stage}-finish_pending",
        }
        for alarm in alarms.values():
            assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]

    def test_a_dashboard_shows_ingest_outcomes_rows_durations_and_the_api(self, template: dict[str, Any]) -> None:
        [dashboard] = resources(template, "AWS::CloudWatch::Dashboard").values()
        names = {"${Project}": "fs", "${Stage}": "dev", "${ApiStage}": "api", "${AWS::Region}": "eu-west-1"}
        body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
        for name, value in names.items():
            body = body.replace(name, value)
        widgets = json.loads(body)["widgets"]
        [log] = [w for w in widgets if w["type"] == "log"]
        query = log["properties"]["query"]
        assert "/aws/lambda/fs-dev-ingest_performances" in query and "by outcome" in query
        assert "sum(accepted)" in query and "sum(rejected)" in query  # the ingest's JSON log line
        metrics = {tuple(m[:2]) for w in widgets if w["type"] == "metric" for m in w["properties"]["metrics"]}
        assert {
            ("AWS/Lambda", "Duration"),
            ("AWS/Lambda", "Errors"),
            ("AWS/Lambda", "Throttles"),
            ("AWS/ApiGateway", "Count"),
            ("AWS/ApiGateway", "5XXError"),
            ("AWS/ApiGateway", "Latency"),
        } <= metrics

    def test_everything_is_tagged_with_project_and_stage(self, template: dict[str, Any]) -> None:
        for name, body in template["Resources"].items():
            if body["Type"] not in UNTAGGABLE:
                properties = body["Properties"]
                listed = properties.get("Tags") or properties.get("ResourceTags") or []
                tags = {tag["Key"]: tag["Value"] for tag in listed} or properties.get("UserPoolTags")
                assert tags == {"project": {"Ref": "Project"}, "stage": {"Ref": "Stage"}}, name

    def test_outputs_give_every_name_and_arn(self, template: dict[str, Any]) -> None:
        assert set(template["Outputs"]) >= {
            "ScheduleBucketName",
            "ScheduleBucketArn",
            "PerformancesTableName",
            "PerformancesTableArn",
            "BookkeepingTableName",
            "BookkeepingTableArn",
            "NotifyTopicArn",
            "IngestDeadLetterQueueArn",
            "AlarmTopicArn",
            "IngestErrorsAlarmName",
            "DeadLetterAlarmName",
        }


class TestPolicies:
    def test_no_wildcard_actions_or_resources(self) -> None:
        for name, document in deploy.policies("prod", deploy.predicted_outputs("prod", REGION)).items():
            for sid, actions, resources_ in iam.statements(document):
                assert all("*" not in action for action in actions), (name, sid)
                for resource in resources_:
                    assert resource != "*" and "${" not in resource, (name, sid, resource)
                    # The only wildcards: object keys under a prefix, and Logs' log streams.
                    assert resource.count("*") <= 1 and (
                        resource.endswith("/*") or resource.endswith(":*") or "*" not in resource
                    ), (name, sid, resource)

    def test_behind_the_cdn_the_api_links_to_the_cdns_address(self) -> None:
        outputs = deploy.predicted_outputs("prod", REGION)
        assert deploy.project_config("prod", outputs)["stages"]["prod"]["environment_variables"]["PUBLIC_ORIGIN"] == ""
        with_cdn = {**outputs, "CdnUrl": "https://d1.cloudfront.net"}
        variables = deploy.project_config("prod", with_cdn)["stages"]["prod"]["environment_variables"]
        assert variables["PUBLIC_ORIGIN"] == "https://d1.cloudfront.net"

    def test_x_ray_is_a_switch_that_adds_tracing_and_its_one_wildcard(self) -> None:
        outputs = deploy.predicted_outputs("prod", REGION)
        assert "xray" not in deploy.project_config("prod", outputs)["stages"]["prod"]
        assert deploy.project_config("prod", outputs, xray=True)["stages"]["prod"]["xray"] is True
        plain, traced = deploy.policies("prod", outputs), deploy.policies("prod", outputs, xray=True)
        for name, document in traced.items():
            added = document["Statement"][len(plain[name]["Statement"]) :]
            assert document["Statement"][: len(plain[name]["Statement"])] == plain[name]["Statement"]
            assert added == [deploy.XRAY_STATEMENT]  # X-Ray's writes cannot name a resource

    def test_the_checker_catches_a_call_the_policy_does_not_allow(self) -> None:
        table = f"arn:aws:dynamodb:{REGION}:123456789012:table/festival-schedule-test-performances"
        problems = check([{"function": "api", "action": "dynamodb:Scan", "resource": table}], full_run=False)
        assert problems == [f"api: dynamodb:Scan on {table} is done but not allowed by policy-api.json"]

    def test_the_checker_catches_a_grant_the_code_never_uses(self) -> None:
        problems = check([], full_run=True)
        assert any("allows sns:Publish" in problem for problem in problems)
        assert not any("logs:" in problem or "sqs:SendMessage" in problem for problem in problems)


class TestDeploySteps:
    def test_the_stack_deploys_and_redeploys_and_the_project_is_generated_from_it(self, tmp_path: Path) -> None:
        with mock_aws():
            cloudformation = boto3.client("cloudformation", region_name=REGION)
            parameters = {"Project": "festival-schedule", "Stage": "prod", "AlarmEmail": "ops@example.org"}
            outputs = deploy.deploy_stack(cloudformation, "prod", parameters)
            assert deploy.deploy_stack(cloudformation, "prod", parameters) == outputs  # an update with no change
        project = deploy.build_project("prod", outputs, tmp_path / "prod")
        config = json.loads((project / ".chalice" / "config.json").read_text())
        assert config["autogen_policy"] is False
        assert config["stages"]["prod"]["environment_variables"] == {
            "SCHEDULE_BUCKET": outputs["ScheduleBucketName"],
            "PERFORMANCES_TABLE": "festival-schedule-prod-performances",
            "BOOKKEEPING_TABLE": "festival-schedule-prod-bookkeeping",
            "NOTIFY_TOPIC_ARN": outputs["NotifyTopicArn"],
            "ORGANISER_POOL_ID": outputs["OrganiserPoolId"],
            "ORGANISER_CLIENT_ID": outputs["OrganiserClientId"],
            "PUBLIC_ORIGIN": "",  # no CDN: links name the request's own host
        }
        ingest = json.loads((project / ".chalice" / "policy-ingest.json").read_text())
        assert iam.allows(ingest, ("s3:GetObject", f"{outputs['ScheduleBucketArn']}/uploads/day 1.csv"))
        assert not iam.allows(ingest, ("s3:GetObject", f"{outputs['ScheduleBucketArn']}/reports/day 1.csv.json"))
        assert iam.allows(ingest, ("sqs:SendMessage", outputs["IngestDeadLetterQueueArn"]))
        assert (project / "app.py").exists() and (project / "chalicelib" / "ingest" / "handler.py").exists()
        assert (project / ".chalice" / "deployed").resolve() == ROOT / ".chalice" / "deployed"

    def test_destroy_twice_then_deploy_again_adopts_the_kept_bucket_with_its_uploads(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(deploy, "_chalice", lambda *args: None)  # no functions in this test
        with mock_aws():
            cloudformation = boto3.client("cloudformation", region_name=REGION)
            s3 = boto3.client("s3", region_name=REGION)
            parameters = {"Project": "festival-schedule", "Stage": "dev", "AlarmEmail": ""}
            first = deploy.deploy_stack(cloudformation, "dev", parameters)
            bucket = first["ScheduleBucketName"]
            s3.put_object(Bucket=bucket, Key="uploads/day 1.csv", Body=b"stage,date,start,end,artist\n")
            deploy.destroy("dev", dry_run=False, delete_data=False, region=REGION)
            assert deploy.current_stack(cloudformation, "dev") is None
            if not deploy.bucket_exists(s3, bucket):
                # moto's CloudFormation does not honour DeletionPolicy: Retain (AWS does, and
                # keeps the bucket): put it back as AWS would have left it.
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
                s3.put_object(Bucket=bucket, Key="uploads/day 1.csv", Body=b"stage,date,start,end,artist\n")
            deploy.destroy("dev", dry_run=False, delete_data=False, region=REGION)  # nothing left to do: no error
            again = deploy.deploy_stack(
                cloudformation, "dev", parameters, kept_bucket=lambda: deploy.bucket_exists(s3, bucket)
            )
            assert again["ScheduleBucketName"] == bucket
            stack = deploy.current_stack(cloudformation, "dev")
            assert stack is not None
            assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["KeptBucket"] == "true"
            assert s3.get_object(Bucket=bucket, Key="uploads/day 1.csv")["Body"].read().startswith(b"stage")
            # An update keeps the adopted bucket adopted.
            assert deploy.deploy_stack(cloudformation, "dev", parameters) == again
            deploy.destroy("dev", dry_run=False, delete_data=True, region=REGION)
            deploy.destroy("dev", dry_run=False, delete_data=True, region=REGION)
            assert not deploy.bucket_exists(s3, bucket)

    def test_the_api_stage_is_throttled_as_the_config_says(self) -> None:
        throttling = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["api_throttling"]
        with mock_aws():
            apigateway = boto3.client("apigateway", region_name=REGION)
            api = apigateway.create_rest_api(name="festival-schedule")["id"]
            root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
            apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
            apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
            apigateway.create_deployment(restApiId=api, stageName="api")
            deploy.throttle_api(apigateway, api, "api", throttling)
            methods = apigateway.get_stage(restApiId=api, stageName="api")["methodSettings"]
            settings = methods["*/*"]
            assert settings["throttlingRateLimit"] == throttling["rate_limit"] == 200
            assert settings["throttlingBurstLimit"] == throttling["burst_limit"] == 400
            # An anonymous preview reads far more than a page: it has its own, lower limit.
            previews = methods["~1previews/POST"]
            assert (previews["throttlingRateLimit"], previews["throttlingBurstLimit"]) == (2, 10)

    def test_failed_ingest_events_go_to_the_dead_letter_queue(self) -> None:
        with mock_aws():
            lambda_client = boto3.client("lambda", region_name=REGION)
            role = boto3.client("iam", region_name=REGION).create_role(
                RoleName="ingest", AssumeRolePolicyDocument="{}"
            )["Role"]["Arn"]
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w") as archive:
                archive.writestr("app.py", "def handler(event, context): pass\n")
            for function in deploy.INGEST_FUNCTIONS:
                lambda_client.create_function(
                    FunctionName=f"festival-schedule-dev-{function}",
                    Runtime="python3.12",
                    Role=role,
                    Handler="app.handler",
                    Code={"ZipFile": package.getvalue()},
                )
            queue = f"arn:aws:sqs:{REGION}:123456789012:festival-schedule-dev-ingest-dlq"
            deploy.send_failures_to_dead_letter_queue(lambda_client, "dev", queue)
            for function in deploy.INGEST_FUNCTIONS:
                config = lambda_client.get_function_event_invoke_config(
                    FunctionName=f"festival-schedule-dev-{function}"
                )
                assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue
                assert config["MaximumRetryAttempts"] == 2

    @pytest.mark.parametrize("command", ["deploy", "destroy"])
    def test_a_dry_run_prints_every_step_and_calls_no_aws(self, command: str) -> None:
        done = subprocess.run(
            ["make", "--no-print-directory", command, "STAGE=prod", "DRY_RUN=1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": "/nonexistent",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                "AWS_DEFAULT_REGION": REGION,
                "PYTHON": sys.executable,
            },
        )
        assert done.returncode == 0, done.stdout + done.stderr
        if command == "deploy":
            for step in (
                "[1] Estimate what it costs a month",
                "[2] Deploy the resource stack festival-schedule-prod",
                "[3] Generate build/deploy/prod/",
                "[4] chalice package, then add hash-based bytecode to the package",
                "[5] chalice deploy --stage prod",
                "[6] Tag the API and its stage 'api' with {'project': 'festival-schedule', 'stage': 'prod'}",
                "[7] Throttle the API stage to 200 requests/s, bursts of 400",
                "[8] Send events that fail 2 retries",
            ):
                assert step in done.stdout
            assert "total" in done.stdout and "$15.15" in done.stdout  # the README's middle row
            assert (
                '"NOTIFY_TOPIC_ARN": "arn:aws:sns:eu-west-1:<account-id>:festival-schedule-prod-ingest"' in done.stdout
            )
        else:
            assert "Keep the bucket festival-schedule-prod-<account-id>-eu-west-1" in done.stdout
        assert "nothing was changed" in done.stdout


class TestHygiene:
    def test_bandit_finds_nothing_of_medium_severity_or_above(self) -> None:
        done = subprocess.run(
            [str(BIN / "bandit"), "-q", "-ll", "-c", "pyproject.toml", "-r", "app.py", "chalicelib", "infra", "local"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def test_no_credentials_or_account_ids_in_the_repository(self) -> None:
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        access_key = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
        secret = re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}", re.IGNORECASE)
        account = re.compile(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")
        for name in files.splitlines():
            path = ROOT / name
            if not path.is_file() or path.suffix in {".png"}:
                continue
            text = path.read_text(errors="replace")
            assert not access_key.search(text), name
            assert not secret.search(text), name
            # moto's fixed account id is the only one allowed, and only in tests.
            for found in account.finditer(text):
                assert found[1] == "123456789012" and name.startswith("tests/"), (name, found[0])


def test_the_api_fails_fast_inside_api_gateways_29_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.storage import clients

    # Chalice merges a function's environment from the stage's lambda_functions only (not the
    # top-level ones): the rehearsal (tests/test_rehearsal.py) checks the deployed function.
    stages = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]
    for stage in ("dev", "prod"):
        functions = stages[stage]["lambda_functions"]
        assert functions == {"api_handler": {"environment_variables": {"AWS_CALLS": "fail-fast"}}}
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    clients.reset_clients()
    monkeypatch.setenv("AWS_CALLS", "fail-fast")
    api = clients.client("dynamodb").meta.config
    tries = api.retries["total_max_attempts"]
    assert tries == 3 and tries * (api.connect_timeout + api.read_timeout) + 3 < 29  # 3 s: the backoffs
    clients.reset_clients()
    monkeypatch.delenv("AWS_CALLS")
    assert clients.client("dynamodb").meta.config.read_timeout == 60  # the ingest may wait longer
    clients.reset_clients()


def test_the_dashboards_log_query_reads_the_ingests_own_log_line(
    festival: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.conftest import csv_text

    caplog.set_level("INFO", logger="festival.ingest")
    festival.upload("uploads/day.csv", csv_text("Main,2026-07-03,20:00,21:00,A,,", "Main,x,,,B,,"))
    [line] = [record.getMessage() for record in caplog.records if '"outcome"' in record.getMessage()]
    lambda_line = f"[INFO]\t2026-07-03T20:00:00.000Z\trequest-id\t{line}"  # as Lambda's runtime writes it
    template = load_template(TEMPLATE.read_text())
    query = json.loads(template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])["widgets"][0]
    patterns = re.findall(r"/(.+?)/ \|", query["properties"]["query"].split("| filter", 1)[1])
    found: dict[str, str] = {}
    for pattern in patterns:
        match = re.search(pattern.replace("(?<", "(?P<"), lambda_line)
        assert match, pattern
        found.update(match.groupdict())
    assert found == {"outcome": "partial", "accepted": "1", "rejected": "1"}
