"""The organisers' validator prints the ingest's report and signals problems in its exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import csv_text

ROOT = Path(__file__).resolve().parents[1]


def validate(path: Path) -> tuple[int, dict, str]:
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


@pytest.mark.parametrize(
    ("rows", "code", "status"),
    [
        (["A,2026-07-03,10:00,11:00,x,,"], 0, "ok"),
        (["A,2026-07-03,10:00,11:00,x,,", "A,2026-07-03,10:30,11:00,y,,"], 1, "partial"),
        (["A,2026-07-03,30:00,11:00,x,,"], 2, "failed"),
    ],
)
def test_exit_code_follows_the_status(tmp_path: Path, rows: list[str], code: int, status: str) -> None:
    path = tmp_path / "timetable.csv"
    path.write_text(csv_text(*rows))
    returncode, report, stderr = validate(path)
    assert (returncode, report["status"]) == (code, status)
    assert report["accepted"] + report["rejected"] == len(rows)
    if status != "ok":
        assert f"{path}: {status}" in stderr


def test_a_file_problem_is_reported_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx.csv"
    path.write_bytes(b"PK\x03\x04rest of a zip")
    returncode, report, stderr = validate(path)
    assert returncode == 2
    assert report["status"] == "failed" and "Excel workbook" in report["reason"]
    assert "Traceback" not in stderr


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    returncode, _, stderr = validate(tmp_path / "nope.csv")
    assert returncode == 2 and "nope.csv: no such file" in stderr


def test_the_validator_warns_about_after_midnight_sets_dated_like_their_evening(tmp_path: Path) -> None:
    path = tmp_path / "friday.csv"
    path.write_text(csv_text("Main,2026-06-26,22:00,23:45,Closer,,", "Main,2026-06-26,00:30,02:00,Late DJ,,"))
    returncode, report, _ = validate(path)
    assert returncode == 0 and report["status"] == "ok"
    [warning] = report["warnings"]
    assert "1 after-midnight set (line 3)" in warning and "add a day column" in warning
