"""Command line for organisers: check a timetable before uploading it.

    python -m chalicelib.cli validate timetable.csv

Prints the report the ingest would write (as JSON) and exits 0 when every row is
accepted, 1 when some row is rejected, 2 when the file cannot be used at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.ingest.report import FAILED, OK, Report
from chalicelib.settings import get_settings
from chalicelib.timetable.rows import Rejection, read_schedule


def validate_file(path: Path) -> dict[str, Any]:
    """The report for one local file, as the ingest would write it (less what only
    the table can tell: changes against the previous version)."""
    report = Report(source={"file": str(path)})
    settings = get_settings()  # FESTIVAL_TIMEZONE and DAY_CHANGE, as the deployment reads them
    with path.open("rb") as stream:
        schedule = read_schedule(stream, settings.zone, settings.day_change_minutes)
        if isinstance(schedule, str):
            report.fail(schedule)
        else:
            report.describe(schedule.encoding, schedule.delimiter, schedule.warnings())
            for row in schedule.rows():
                if isinstance(row, Rejection):
                    report.reject(row.line, row.reason, row.columns, row.problems)
                else:
                    report.accepted += 1
            report.warnings.extend(schedule.closing_warnings())
    return report.as_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a timetable CSV and print its report")
    validate.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    report = validate_file(args.file)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    status = report["status"]
    if status != OK:
        total = report["accepted"] + report["rejected"]
        detail = report.get("reason") or f"{report['rejected']:,} of {total:,} rows rejected"
        print(f"{args.file}: {status}: {detail}", file=sys.stderr)
    return 0 if status == OK else 2 if status == FAILED else 1


if __name__ == "__main__":
    sys.exit(main())
