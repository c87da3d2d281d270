"""The ingest where AWS costs what it really costs, a round trip per request:
`python -m bench.roundtrip [--quick]` (and a phase of `make bench`).

moto answers in microseconds, so on bare moto a loop that sends its requests one after
another loses nothing by waiting for each. DynamoDB, in the same region, answers in a few
milliseconds. Here every HTTP request of every contender's clients waits DELAY_MS before
it is sent (a botocore `before-send` hook: bench.contenders), the same rounds as on bare
moto, and the report says wall time, client CPU, and write requests against the floor of
ceil(rows / 25) BatchWriteItems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.run import Moto

DELAY_MS = 8.0  # DynamoDB's order of latency for a request inside its region
EVERYONE = ("ours", "batch_writer", "awswrangler")


def round_trip_benchmark(
    moto: Moto, quick: bool, *, rows: int | None = None, rounds: int | None = None
) -> dict[str, Any]:
    """The ingest rounds with DELAY_MS a request (`rows`: one size only); put_item only up
    to 20,000 rows, where it ends in minutes."""
    from bench.run import ingest_benchmarks

    chosen = [rows] if rows else [2000] if quick else [20_000, 100_000]
    sizes = {size: (*EVERYONE, "put_item") if size <= 20_000 else EVERYONE for size in chosen}
    rounds = rounds or (1 if quick else 3)
    return {"delay_ms": DELAY_MS, "runs": ingest_benchmarks(moto, sizes, rounds, delay_ms=DELAY_MS)}


def main() -> int:
    from bench.report import report_alone, round_trip_section
    from bench.run import Moto

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows, one round: checks the harness")
    parser.add_argument("--rows", type=int, help="one size only (default: 20,000 and 100,000)")
    parser.add_argument("--rounds", type=int, help="rounds at each size (default: 3; --quick: 1)")
    parser.add_argument("--save", type=Path, help="write the raw results to this JSON file")
    args = parser.parse_args()
    moto = Moto()
    try:
        result = round_trip_benchmark(moto, args.quick, rows=args.rows, rounds=args.rounds)
    finally:
        moto.stop()
    report_alone("bench.roundtrip", result, args.save, round_trip_section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
