"""Runs the JavaScript clients pinned in tests/clients (ical.js, node-ical) on a document.

`make test` installs them with `npm ci`; where they are missing the tests that need them
skip, saying why, unless REQUIRE_CLIENTS=1 (set by `make test`), when they fail instead."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CLIENTS = Path(__file__).resolve().parent / "clients"
NODE = shutil.which("node")


def require_clients() -> None:
    """Skip (or fail under `make test`) when node or the pinned packages are missing."""
    missing = "node is not installed" if NODE is None else None
    if missing is None and not (CLIENTS / "node_modules" / "ical.js").is_dir():
        missing = "tests/clients/node_modules is missing: run `npm ci` there (make test does)"
    if missing is None:
        return
    if os.environ.get("REQUIRE_CLIENTS") == "1":
        pytest.fail(missing)
    pytest.skip(missing)


def run_node(script: str, document: str | bytes, *args: str) -> Any:
    """Run one of the scripts in tests/clients with the document on stdin; its JSON output."""
    require_clients()
    assert NODE is not None
    data = document.encode("utf-8") if isinstance(document, str) else document
    done = subprocess.run(
        [NODE, str(CLIENTS / script), *args], input=data, capture_output=True, cwd=CLIENTS, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)
