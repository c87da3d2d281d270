"""The cold start: the package `make deploy` builds carries bytecode Python uses as it is
on Lambda's read-only `/var/task`, and the API's function imports only what a read needs.
(Its time is measured by `python -m bench.coldstart`, never by a timed test.)"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bench.coldstart import compiled_at_import
from infra.deploy import build_project, predicted_outputs
from infra.package import LEFT_OUT, build_package, unpack
from tests.conftest import REGION

ROOT = Path(__file__).resolve().parents[1]
# What a plain read must not import, named by prefix so that a new module in any of these
# families is caught too, whatever it is called: the ingest (and the parsing and storage
# only it uses), the exporters, the organisers' side (accounts, sign-in, publishing) and
# the on-the-day edits (and the cells they and the one-tap fixes rewrite).
NOT_FOR_A_PLAIN_READ = (
    "chalicelib.ingest",
    "chalicelib.timetable.rows",
    "chalicelib.timetable.text",
    "chalicelib.timetable.overlaps",
    "chalicelib.sets.identity",
    "chalicelib.storage.batch",
    "chalicelib.storage.bucket",
    "chalicelib.storage.committed",
    "chalicelib.storage.lease",
    "chalicelib.storage.plans",
    "chalicelib.storage.topic",
    "chalicelib.storage.unit_of_work",
    "chalicelib.storage.sending",
    "chalicelib.storage.files",
    "chalicelib.edits",
    "chalicelib.api.edits",
    "chalicelib.exports",
    "icalendar",
    "chalicelib.organiser",
    "chalicelib.api.organiser",
    "chalicelib.accounts",
    "chalicelib.auth",
    "chalicelib.timetable.cells",
    "chalicelib.timetable.fixes",
)
PLAIN_READS = (
    "/",
    "/stages",
    "/days",
    "/stages/Main/performances?day=2026-07-04",
    "/stages/Main/performances/2026-07-04T18:00",
    "/performances?at=2026-07-04T18:00",
    "/performances/abcdefghijklmnop",
    "/artists/Someone/performances",
    "/changes",
)
# A fresh API function: its entry imported, then plain reads answered (from moto, set up
# after the entry so that its own imports are not counted as the entry's), then the
# routes that do need the exports and the ingest, to show the count would see them.
_PROBE = """
import json, os, sys
import app
entry = set(sys.modules)
import local.moto_cognito  # the template's Cognito pool, which moto's CloudFormation lacks
import boto3
from chalice.test import Client
from moto import mock_aws
from infra.stack import create_stack, environment
with mock_aws():
    outputs = create_stack(boto3.client("cloudformation"), "probe", {{"Stage": "test", "ScheduleBucketName": "probe"}})
    os.environ.update(environment(outputs))
    with Client(app.app) as client:
        statuses = [client.http.get(path).status_code for path in {reads!r}]
        reads = set(sys.modules)
        statuses.append(client.http.get("/calendar.ics").status_code)
        preview = "stage,date,start,end,artist\\nMain,2026-07-04,18:00,19:00,A\\n"
        statuses.append(client.http.post("/previews", headers={{"Content-Type": "text/csv"}}, body=preview).status_code)
print(json.dumps({{"entry": sorted(entry), "reads": sorted(reads), "all": sorted(sys.modules), "statuses": statuses}}))
"""


def _among(modules: list[str]) -> list[str]:
    return [name for name in modules if name.startswith(NOT_FOR_A_PLAIN_READ)]


def test_a_plain_read_imports_no_ingest_exporter_or_organiser_module() -> None:
    # Its own fake AWS, named in full: whatever an earlier test in this worker left in the
    # process's environment, the probe's moto needs a region and credentials.
    fake = {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(reads=PLAIN_READS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **fake},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(status < 500 for status in probe["statuses"]), probe["statuses"]
    assert probe["statuses"][-2:] == [200, 200]  # the calendar and the preview were answered
    assert _among(probe["entry"]) == []
    assert _among(probe["reads"]) == []
    # The count sees them once a route needs them.
    assert {"chalicelib.exports.calendar", "icalendar", "chalicelib.ingest.plan"} <= set(_among(probe["all"]))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deployment zip, built as `make deploy` builds it."""
    scratch = tmp_path_factory.mktemp("package")
    return build_package(build_project("dev", predicted_outputs("dev", REGION), scratch / "project"), "dev", REGION)


def test_every_module_in_the_package_has_bytecode_that_is_not_checked_against_its_source(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        modules = sorted(name for name in names if name.endswith(".py"))
        assert {"app.py", "chalice/app.py", "chalicelib/ingest/handler.py", "icalendar/__init__.py"} <= set(modules)
        for module in modules:
            bytecode = archive.read(importlib.util.cache_from_source(module))
            assert bytecode[:4] == importlib.util.MAGIC_NUMBER, module  # this Python's, as the runtime's is
            # PEP 552's flags: bit 0, hash-based; bit 1 (check the source) clear, since
            # Lambda's /var/task cannot be written and its files' times are Chalice's 1980.
            assert int.from_bytes(bytecode[4:8], "little") == 0b01, module
            assert bytecode[8:16] == importlib.util.source_hash(archive.read(module)), module
    assert not [name for name in names if name.startswith(LEFT_OUT)]


def test_the_unpacked_package_starts_each_function_compiling_and_writing_nothing(package: Path, tmp_path: Path) -> None:
    task = unpack(package, tmp_path / "task")
    before = sorted(task.rglob("*"))
    statement = "import app, chalicelib.ingest.handler, chalicelib.exports.calendar, chalicelib.exports.c3voc"
    assert compiled_at_import(task, statement) == []
    assert sorted(task.rglob("*")) == before
    # icalendar came from the package (its tests left out), not from this environment.
    where = subprocess.run(
        [sys.executable, "-E", "-B", "-c", "import icalendar; print(icalendar.__file__)"],
        cwd=task,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(task)


def test_the_deploy_uploads_the_package_it_added_bytecode_to(package: Path) -> None:
    """`chalice deploy` reuses the package Chalice kept: ask Chalice which it would upload."""
    from chalice.config import Config
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.utils import UI, OSUtils

    packager = LambdaDeploymentPackager(OSUtils(), None, UI())
    project = package.parents[2]
    # No dependency builder: a package it had to build again would fail here.
    assert Path(packager.create_deployment_package(str(project), Config().lambda_python_version)) == package
