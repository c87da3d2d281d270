"""CloudWatch metrics for each processed file, in the Embedded Metric Format: one JSON line
on standard output, which CloudWatch Logs turns into metrics (no PutMetricData call, no
extra permission, nothing to wait for).

aws-lambda-powertools' Metrics writes the same format; it is not used because its one
package would add about 1 MB zipped (3.5 MB unpacked) to a 1.2 MB deployment, over the
1.5 MB budget in docs/benchmarks.md, for what these twenty lines do.
"""

from __future__ import annotations

import json
import os
import sys
import time

NAMESPACE = "FestivalSchedule"
PENDING_FOUND = "PendingPlansFound"
_METRICS = (
    ("Files", "Count"),
    ("RowsAccepted", "Count"),
    ("RowsRejected", "Count"),
    ("IngestDuration", "Milliseconds"),
)


def emf_line(outcome: str, *, accepted: int, rejected: int, duration_ms: int) -> str:
    """The EMF document for one file's outcome, by function and by function and outcome."""
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": NAMESPACE,
                        "Dimensions": [["Function"], ["Function", "Outcome"]],
                        "Metrics": [{"Name": name, "Unit": unit} for name, unit in _METRICS],
                    }
                ],
            },
            "Function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
            "Outcome": outcome,
            "Files": 1,
            "RowsAccepted": accepted,
            "RowsRejected": rejected,
            "IngestDuration": duration_ms,
        },
        separators=(",", ":"),
    )


def record_outcome(outcome: str, *, accepted: int, rejected: int, duration_ms: int) -> None:
    """Print the metrics line: Lambda sends standard output to CloudWatch Logs unprefixed,
    as EMF needs (a logging line would carry Lambda's prefix and not be read)."""
    print(emf_line(outcome, accepted=accepted, rejected=rejected, duration_ms=duration_ms), file=sys.stdout, flush=True)


def record_pending_found() -> None:
    """The scheduled run found a plan left pending (its alarm, in infra/template.yaml,
    watches this metric): every delivery of some event failed midway."""
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [{"Name": PENDING_FOUND, "Unit": "Count"}]}
            ],
        },
        PENDING_FOUND: 1,
    }
    print(json.dumps(line, separators=(",", ":")), file=sys.stdout, flush=True)
