"""Cost guardrails: the budget, the anomaly alerts and log retention in the template, and
the monthly estimate, checked by hand and against the README's table (one price list)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import loads as load_template

from infra import cost, deploy
from infra.stack import TEMPLATE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    document: dict[str, Any] = load_template(TEMPLATE.read_text())
    return document


def of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [body for body in template["Resources"].values() if body["Type"] == kind]


class TestGuardrails:
    def test_a_monthly_budget_filtered_by_the_project_tag_alerts_on_actual_and_forecast(
        self, template: dict[str, Any]
    ) -> None:
        [budget] = of_type(template, "AWS::Budgets::Budget")
        spec = budget["Properties"]["Budget"]
        assert (spec["BudgetType"], spec["TimeUnit"]) == ("COST", "MONTHLY")
        assert spec["BudgetLimit"] == {"Amount": {"Ref": "MonthlyBudget"}, "Unit": "USD"}
        assert spec["CostFilters"] == {"TagKeyValue": [{"Fn::Sub": "user:project$${Project}"}]}
        notifications = budget["Properties"]["NotificationsWithSubscribers"]
        assert {n["Notification"]["NotificationType"] for n in notifications} == {"ACTUAL", "FORECASTED"}
        for notification in notifications:
            assert notification["Subscribers"] == [{"SubscriptionType": "SNS", "Address": {"Ref": "AlarmTopic"}}]
        # The default is about twice the README's middle row: alerts mean something is off.
        default = template["Parameters"]["MonthlyBudget"]["Default"]
        assert 1.5 * cost.estimate(10_000, 100_000).total <= default <= 3 * cost.estimate(10_000, 100_000).total

    def test_an_anomaly_monitor_on_the_project_tag_alerts_the_alarm_topic(self, template: dict[str, Any]) -> None:
        [monitor] = of_type(template, "AWS::CE::AnomalyMonitor")
        assert monitor["Properties"]["MonitorType"] == "CUSTOM"
        specification = json.loads(monitor["Properties"]["MonitorSpecification"]["Fn::Sub"].replace("${Project}", "p"))
        assert specification == {"Tags": {"Key": "project", "Values": ["p"], "MatchOptions": ["EQUALS"]}}
        [subscription] = of_type(template, "AWS::CE::AnomalySubscription")
        properties = subscription["Properties"]
        assert properties["MonitorArnList"] == [{"Ref": "CostAnomalyMonitor"}]
        assert properties["Subscribers"] == [{"Type": "SNS", "Address": {"Ref": "AlarmTopic"}}]
        assert properties["Frequency"] == "IMMEDIATE"  # the only frequency SNS subscribers get
        threshold = json.loads(properties["ThresholdExpression"]["Fn::Sub"].replace("${AnomalyThreshold}", "10"))
        assert threshold["Dimensions"]["Key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"

    def test_the_alarm_topic_can_be_published_to_by_alarms_budgets_and_cost_explorer(
        self, template: dict[str, Any]
    ) -> None:
        topic = template["Resources"]["AlarmTopic"]["Properties"]
        assert "KmsMasterKeyId" not in topic  # the AWS managed key would silently drop their messages
        [policy] = of_type(template, "AWS::SNS::TopicPolicy")
        [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
        assert set(statement["Principal"]["Service"]) == {
            "budgets.amazonaws.com",
            "costalerts.amazonaws.com",
            "cloudwatch.amazonaws.com",
        }
        assert statement["Action"] == "sns:Publish" and statement["Resource"] == {"Ref": "AlarmTopic"}

    def test_every_function_has_a_log_group_with_retention_made_by_the_stack(self, template: dict[str, Any]) -> None:
        groups = of_type(template, "AWS::Logs::LogGroup")
        names = {group["Properties"]["LogGroupName"]["Fn::Sub"] for group in groups}
        prefix = "/aws/lambda/${Project}-${Stage}"
        assert names == {
            f"{prefix}-{name}"
            for name in (
                "ingest_performances",
                "preview_drafts",
                "remove_performances",
                "publish_release",
                "finish_pending",
            )
        } | {prefix}
        assert all(group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in groups)
        assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
        assert all(group.get("DeletionPolicy", "Delete") == "Delete" for group in groups)  # gone with the stack
        # The names are Chalice's for the functions the deploy makes.
        config = json.loads(deploy.CONFIG.read_text())["lambda_functions"]
        functions = [name for name in config if name != "api_handler"]
        assert {f"/aws/lambda/{deploy.function_prefix('dev')}-{name}" for name in functions} | {
            f"/aws/lambda/{deploy.function_prefix('dev')}"
        } == {name.replace("${Project}-${Stage}", "festival-schedule-dev") for name in names}

    def test_chalice_tags_the_functions_and_the_deploy_tags_the_api(self) -> None:
        config = deploy.project_config("prod", deploy.predicted_outputs("prod", "eu-west-1"))
        assert config["stages"]["prod"]["tags"] == {"project": "festival-schedule", "stage": "prod"}


class TestEstimate:
    def test_the_middle_row_worked_by_hand(self) -> None:
        # 10,000 rows and 100,000 requests a day, for 30 days, and the scheduled run every
        # 5 minutes (8,640 runs of 2 writes, 1 read and 0.2 GB-s):
        # DynamoDB: 300,000 rows x 4 writes + 1,200 files x 60 + 17,280 = 1,289,280 writes x $0.625/M = $0.8058
        #           3,000,000 requests x 2 reads + 8,640 = 6,008,640 x $0.125/M = $0.7511
        # Lambda:   300,000 x 0.0003 + 3,000,000 x 0.015 + 1,728 = 46,818 GB-s x $0.0000166667 = $0.7803
        #           (3,000,000 + 1,200 x 2 + 8,640) invocations x $0.20/M = $0.60221 (a file's run, and the
        #           publisher its message starts)
        # API Gateway: 3,000,000 x $3.50/M = $10.50; logs: 3,000,000 x 400 B = 1.2 GB x $0.50 = $0.60
        # S3 and SNS: 1,200 x 2 x $0.005/1000 + 1,200 x $0.50/M = $0.0126; alarms: 11 x $0.10
        estimate = cost.estimate(10_000, 100_000)
        assert estimate.dynamodb == pytest.approx(0.8058 + 0.7511, abs=1e-4)
        assert estimate.lambda_ == pytest.approx(0.7803 + 0.60221, abs=1e-4)
        assert estimate.api_gateway == pytest.approx(10.50)
        assert estimate.logs == pytest.approx(0.60)
        assert estimate.s3_and_sns == pytest.approx(0.0126)
        assert cost.alarm_count() == 11 and estimate.alarms == pytest.approx(1.10)
        assert estimate.total == pytest.approx(15.15, abs=0.01)

    def test_read_units_are_priced_as_dynamodb_bills_them(self) -> None:
        assert cost.read_units("GetItem", [300]) == 0.5  # a small item, eventually consistent
        assert cost.read_units("BatchGetItem", [300, 5000], consistent=True) == 1 + 2  # each rounded up
        assert cost.read_units("Query", [3000] * 10) == 4  # the page's 30 KB rounded up: 8 units, halved

    def test_the_readme_table_is_the_tools(self) -> None:
        readme = (ROOT / "README.md").read_text()
        shown = readme.split("<!-- cost-table:", 1)[1].split("-->", 1)[1].split("<!-- /cost-table -->", 1)[0]
        assert shown.strip() == cost.readme_table()

    def test_make_cost_prints_the_estimate_for_the_given_usage(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "infra.cost", "--rows-per-day", "1000", "--requests-per-day", "10000"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "1,000 rows ingested and 10,000 API requests a day" in done.stdout
        assert f"${cost.estimate(1_000, 10_000).total:,.2f}" in done.stdout
