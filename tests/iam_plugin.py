"""While the whole test suite runs, record every AWS call the app's code makes, by the
Lambda function whose code made it, and check both against that function's policy:

- every call must be allowed by the function's policy (checked on every run);
- every grant in a policy must be used by some call (checked when the whole suite
  ran), except CloudWatch Logs and the dead-letter queue, which Lambda itself uses.

Calls are attributed by the outermost of these packages on the stack: chalicelib/ingest/
runs in the ingest functions, chalicelib/api/ and chalicelib/organisers/ in the API function.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.storage import clients as aws
from infra.policies import render_policy
from infra.stack import create_stack
from tests import iam

POLICY_OF = {"ingest": "policy-ingest.json", "api": "policy-api.json"}
_PACKAGES = {
    os.path.join("chalicelib", "ingest", ""): "ingest",
    os.path.join("chalicelib", "api", ""): "api",
    os.path.join("chalicelib", "organisers", ""): "api",
}
_LAMBDA_USES = ("logs:", "sqs:SendMessage")
_LOG_DIR = "FESTIVAL_IAM_LOG_DIR"
_MOTO_ACCOUNT = "123456789012"
TEST_STACK = {"Stage": "test", "ScheduleBucketName": "festival-test-schedule"}
records: list[dict[str, Any]] = []


def _function_on_stack() -> str | None:
    """The function whose code made the call: the outermost of our packages on the stack
    (the API's preview runs the ingest's planner, in the API's function), or, in a pool's
    thread, on the stack that handed it the work (a publication's Scan segments)."""
    return _function_from(sys._getframe(3))


def _function_from(frame: Any) -> str | None:
    return _outermost(frame) or getattr(_handed, "function", None)


def _outermost(frame: Any) -> str | None:
    found = None
    while frame is not None:
        for package, function in _PACKAGES.items():
            if package in frame.f_code.co_filename:
                found = function
        frame = frame.f_back
    return found


_handed = threading.local()  # the function whose code gave a pool's thread its work
_submit = ThreadPoolExecutor.submit


def _submit_attributed(pool: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    function = _function_from(sys._getframe(1))

    def run(*inner: Any, **named: Any) -> Any:
        _handed.function = function
        try:
            return fn(*inner, **named)
        finally:
            _handed.function = None

    return _submit(pool, run, *args, **kwargs)


def _record(region: str, params: dict[str, Any], model: Any, **_: Any) -> None:
    function = _function_on_stack()
    if function is None:
        return
    service = model.service_model.service_name
    for action, resource in iam.needs(service, model.name, params, region, _MOTO_ACCOUNT):
        records.append({"function": function, "action": action, "resource": resource})


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        os.environ[_LOG_DIR] = tempfile.mkdtemp(prefix="festival-iam-")
    creating = aws._client.__wrapped__

    @functools.cache
    def recording_client(service: str, role: str) -> Any:
        client = creating(service, role)
        client.meta.events.register("before-parameter-build", functools.partial(_record, client.meta.region_name))
        return client

    aws._client = recording_client
    ThreadPoolExecutor.submit = _submit_attributed  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session) -> None:
    log_dir = Path(os.environ[_LOG_DIR])
    worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
    (log_dir / f"{worker}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    if hasattr(session.config, "workerinput"):
        return
    calls = [json.loads(line) for path in log_dir.glob("*.jsonl") for line in path.read_text().splitlines()]
    problems = check(calls, full_run=_whole_suite_passed(session))
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "IAM policies do not match what the code does:\n  " + "\n  ".join(problems)
        if reporter:
            reporter.write_line(message, red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _whole_suite_passed(session: pytest.Session) -> bool:
    options = session.config.option
    chosen = {Path(arg).resolve() for arg in session.config.args}
    return (
        not options.keyword
        and not options.markexpr
        and chosen <= {Path(session.config.rootpath, "tests").resolve()}
        and session.testsfailed == 0
        and session.testscollected > 0
    )


def rendered_policies() -> dict[str, dict[str, Any]]:
    """The policies as `make deploy` would render them for the test stack."""
    with mock_aws():
        outputs = create_stack(
            boto3.client("cloudformation", region_name=os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")),
            "festival-iam-check",
            TEST_STACK,
        )
    # moto gives every stack's pool a random id, so the calls name another pool than this
    # stack's: the rendered grant stands for the pool of whichever test stack made the call.
    _, _, _, region, account, _ = outputs["OrganiserPoolArn"].split(":", 5)
    outputs["OrganiserPoolArn"] = f"arn:aws:cognito-idp:{region}:{account}:userpool/{region}_*"
    return {function: render_policy(name, outputs, "festival-schedule-test") for function, name in POLICY_OF.items()}


def check(calls: list[dict[str, Any]], *, full_run: bool) -> list[str]:
    policies = rendered_policies()
    problems = []
    for function, policy in policies.items():
        needed = {(call["action"], call["resource"]) for call in calls if call["function"] == function}
        for need in sorted(needed):
            if not iam.allows(policy, need):
                problems.append(f"{function}: {need[0]} on {need[1]} is done but not allowed by {POLICY_OF[function]}")
        if full_run:
            for grant in iam.grants(policy):
                if not grant[0].startswith(_LAMBDA_USES) and not iam.used(grant, needed):
                    problems.append(
                        f"{function}: {POLICY_OF[function]} allows {grant[0]} on {grant[1]}, which the code never does"
                    )
    return problems
