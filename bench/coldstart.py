"""The cold start as Lambda has it: `python -m bench.coldstart [--quick]`.

The deployment package is built as `make deploy` builds it (the generated project, then
`chalice package` and its bytecode: infra/package.py) and unpacked read-only, as in
`/var/task`. Each import runs in a fresh process there, writing no bytecode (`-B`), with
boto3 from the environment, as the Lambda runtime provides it. Rounds are interleaved and
each comparison is the median of the per-round ratios to `import boto3, chalice.app`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from infra.deploy import build_project, predicted_outputs
from infra.package import LEFT_OUT, build_package, unpack

REGION = "eu-west-1"
# What each function imports before its first request or event is handled.
IMPORTS = {
    "boto3 and chalice": "import boto3, chalice.app",
    "API": "import app",
    "ingest": "import app, chalicelib.ingest.handler",
    # Our modules' own cost: boto3 is then imported at the top level, as in the first line.
    "API after boto3 and chalice": "import boto3, chalice.app\nimport app",
}
_TIMED = """
import time
wall, cpu = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - wall, time.process_time() - cpu)
"""
# Lists the modules the import compiles from source (each one a cold start pays for).
_COMPILED = """
import importlib.machinery, json
compiled = []
source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def counted(loader, data, path, *args, **kwargs):
    compiled.append(str(path))
    return source_to_code(loader, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = counted
{statement}
print(json.dumps(compiled))
"""


def _fresh(task: Path, code: str) -> str:
    """Run `code` in a fresh interpreter in the unpacked package, as Lambda's runtime would:
    the package first on the path, no bytecode written, no PYTHON* settings of this shell."""
    done = subprocess.run(
        [sys.executable, "-E", "-B", "-c", code], cwd=task, capture_output=True, text=True, check=True
    )
    return done.stdout


def compiled_at_import(task: Path, statement: str) -> list[str]:
    """The package's modules a fresh process in `task` compiles from source to run `statement`."""
    compiled = json.loads(_fresh(task, _COMPILED.format(statement=statement)))
    return [path for path in compiled if Path(path).is_relative_to(task)]


def _files(task: Path) -> int:
    return sum(1 for path in task.rglob("*") if path.is_file())


def package_sizes(archive: Path) -> dict[str, Any]:
    """The zip's size, its parts' (compressed) sizes, and which of LEFT_OUT it leaves out."""
    with zipfile.ZipFile(archive) as package:
        entries = package.infolist()
    ours = ("app.py", "__pycache__/app.", "chalicelib/")
    return {
        "zip_bytes": archive.stat().st_size,
        "files": len(entries),
        "our_code_bytes": sum(e.compress_size for e in entries if e.filename.startswith(ours)),
        "chalice_runtime_bytes": sum(e.compress_size for e in entries if e.filename.startswith("chalice/")),
        "bytecode_bytes": sum(e.compress_size for e in entries if e.filename.endswith(".pyc")),
        "left_out": [path for path in LEFT_OUT if not any(e.filename.startswith(path) for e in entries)],
    }


def cold_start_benchmark(rounds: int = 21, package: Path | None = None) -> dict[str, Any]:
    """Each function's import, `rounds` times in fresh processes, against boto3 and chalice's,
    in the package the deploy builds (or in `package`: an older commit's, say)."""
    with tempfile.TemporaryDirectory() as scratch:
        if package is None:
            project = build_project("dev", predicted_outputs("dev", REGION), Path(scratch) / "project")
            package = build_package(project, "dev", REGION)
        task = unpack(package, Path(scratch) / "task")
        files = _files(task)
        names = list(IMPORTS)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for number in range(rounds):
            for name in names[number % len(names) :] + names[: number % len(names)]:
                wall, cpu = _fresh(task, _TIMED.format(statement=IMPORTS[name])).split()
                samples[name].append((float(wall) * 1000, float(cpu) * 1000))
        compiled = {name: compiled_at_import(task, IMPORTS[name]) for name in names}
        written = _files(task) - files
        sizes = package_sizes(package)
    base = samples[names[0]]
    result: dict[str, Any] = {"rounds": rounds, "files_written": written, **sizes}
    for name in names:
        mine = samples[name]
        added = [m[1] / b[1] - 1 for m, b in zip(mine, base, strict=True)]
        result[name] = {
            "wall_ms": statistics.median(m[0] for m in mine),
            "cpu_ms": statistics.median(m[1] for m in mine),
            "added": statistics.median(added),
            "added_quartiles": statistics.quantiles(added, n=4)[::2] if len(added) > 1 else [added[0]] * 2,
            "compiled_modules": len(compiled[name]),
        }
    return result


def report_lines(result: dict[str, Any]) -> list[str]:
    """The cold-start section of docs/benchmarks.md."""
    base, api, ingest, ours = (result[name] for name in IMPORTS)
    quartiles = lambda figures: "–".join(f"{q:+.0%}" for q in figures["added_quartiles"])  # noqa: E731
    return [
        "## Cold start and size",
        "",
        "Measured as Lambda starts a function: the deployment package built as `make deploy` builds it",
        "(`chalice package`, then hash-based bytecode: `infra/package.py`), unpacked read-only, and each",
        "import in a fresh process there that writes no bytecode, with boto3 from the environment as the",
        f"runtime provides it (`python -m bench.coldstart`). Median of {result['rounds']} interleaved rounds; *added*",
        "is the median of each round's ratio to `import boto3, chalice.app` (its middle half in brackets), in",
        "CPU time, which other work on a shared machine disturbs less than wall time.",
        "",
        "| import | wall | CPU | added to boto3 and chalice | modules compiled at start |",
        "|---|---:|---:|---:|---:|",
        f"| `import boto3, chalice.app` | {base['wall_ms']:.0f} ms | {base['cpu_ms']:.0f} ms | | "
        f"{base['compiled_modules']} |",
        f"| the API (`import app`) | {api['wall_ms']:.0f} ms | {api['cpu_ms']:.0f} ms | **{api['added']:+.0%}** "
        f"({quartiles(api)}) | {api['compiled_modules']} |",
        f"| the ingest (`app`, then `chalicelib.ingest.handler`) | {ingest['wall_ms']:.0f} ms | "
        f"{ingest['cpu_ms']:.0f} ms | {ingest['added']:+.0%} ({quartiles(ingest)}) | {ingest['compiled_modules']} |",
        f"| `import boto3, chalice.app`, then `import app` | {ours['wall_ms']:.0f} ms | {ours['cpu_ms']:.0f} ms | "
        f"{ours['added']:+.0%} ({quartiles(ours)}) | {ours['compiled_modules']} |",
        "",
        "The last row is our modules' own cost. `app.py` imports boto3 first and pauses the garbage collector",
        "while its modules are imported (then `gc.freeze()`, `gc.enable()`): each collection walked every object",
        "the imports had made so far, botocore's models and our modules, again and again, so boto3's import ran",
        "up to 3.6 times as slowly inside `import app` as at the top level (an earlier report blamed the depth",
        "of the stack; pausing the collector alone removes the difference).",
        "",
        "Target for the API: within +15% (goal: +10%). The imports wrote "
        f"{result['files_written']} files into the package."
        + (f" Measured on its own: {result['alone']}." if "alone" in result else ""),
        "",
        f"The package is **{result['zip_bytes'] / 1024:.0f} KiB** in {result['files']:,} files: our code "
        f"{result['our_code_bytes'] / 1024:.0f} KiB (with its bytecode), Chalice's runtime "
        f"{result['chalice_runtime_bytes'] / 1024:.0f} KiB, bytecode {result['bytecode_bytes'] / 1024:.0f} KiB in all;",
        "the rest is tzdata and icalendar with what it needs (boto3 is in the Lambda runtime).",
        *(
            [f"Left out: {', '.join(f'`{path}`' for path in result['left_out'])} (never imported; half of icalendar)."]
            if result["left_out"]
            else []
        ),
        "",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="five rounds: checks the harness")
    parser.add_argument("--package", type=Path, help="measure this zip instead of building the deploy's")
    parser.add_argument("--save", type=Path, help="write the raw results to this JSON file")
    args = parser.parse_args()
    from bench.report import report_alone

    result = cold_start_benchmark(5 if args.quick else 21, args.package)
    report_alone("bench.coldstart", result, args.save, report_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
